"""Scale-out: two CPU processes under `torchrun` (gloo, loopback) train what one process trains on the same global
batch. Run by torchrun, this file is the worker; under pytest it launches the worker and compares.

Two kinds of run, both with dropout off:
* "exact": LeakyReLU slope 1 (no kinks) and plain SGD. Every operation is then smooth and the update is
  proportional to the gradient, so float rounding (each process sums its half, the all-reduce adds the halves)
  stays at float32 level for the 20 steps: this checks the gradient algebra (BatchNorm statistics, the gathered
  L_M, the average, eq. 8) to 1e-5, where one mistake would show as 1e-3 or more.
* "default": the FDEN preset as users run it (LeakyReLU 0.01, Adam). Here rounding does not stay small, in one
  process either: Adam scales every gradient to a step of about lr, including the pure-noise gradients of biases
  that a following BatchNorm makes irrelevant, and a pre-activation within rounding of 0 flips the LeakyReLU
  slope. So the test measures that floor — the same run in one process with weights perturbed by 1e-7 (relative),
  about one float32 rounding — and asks two processes to stay within 10× of it.
"""
import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

STEPS = 20
EXACT_TOL = 1e-5     # "exact" runs: measured 3.6e-7 (episodic) after 20 steps
FLOOR_FACTOR = 10    # "default" runs: |Δw| of two processes vs the one-process 1e-7 perturbation (measured ratio ≈ 1)


def toy_data():
    "8 Gaussian classes in 16 dimensions, 30 latents each."
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(8, 16, generator=g) * 3
    y = torch.arange(8).repeat_interleave(30)
    return centres[y] + torch.randn(240, 16, generator=g), y


def runs() -> dict:
    "name → (FDENConfig, z, labels, TrainConfig, make_opt): episodic (relation head) and attribute alignment, twice."
    from fden_nb.core import FDENConfig
    from fden_nb.train import TrainConfig
    z, y = toy_data()
    # float32: the exactness below is float32's (bf16 autocast, the default on CPUs with bf16, rounds far coarser)
    tc = dict(steps=STEPS, log_every=5, eval_every=0, checkpoint_every=10, device="cpu", cpu_amp=False)
    # the class adversary is left out beside a relation head: with two relation heads under cross-process BatchNorm
    # two processes do not yet reproduce one (3e-2 after 20 exact steps, a known gap: Trainer warns). The quickstart's
    # own configuration — prototypical alignment, invertible Decomposer, swap and adversary — is "proto", compared with
    # the rounding floor only: its min-max dynamics grow a 1e-7 nudge to ~1e-3 in 20 steps even in one process, so
    # no "exact" comparison can hold for it.
    episodic = (FDENConfig.two_factor(16, alignment="relation", dropout=0.0, adversary=0.0), z, y, TrainConfig(batch_episodes=4, **tc))
    proto = (FDENConfig.two_factor(16, dropout=0.0), z, y, TrainConfig(batch_episodes=4, **tc))
    attribute = (FDENConfig.fast(z_dim=16, aligned=("a", "b"), unspecified="f0", alignment="attribute", dropout=0.0),
                 z, {"a": y % 2, "b": y // 4}, TrainConfig(batch_size=32, **tc))
    sgd = lambda m: torch.optim.SGD(m.parameters(), lr=0.02)   # 0.05 diverges with the invertible Decomposer at slope 1
    # The exact runs leave the Fisher term out: its variance ratios make 20 SGD steps amplify float32 rounding to
    # ~2e-4 (one process and two differ by that much while the weights move by ~4); the non-exact "episodic" and
    # "proto" runs keep it and are compared with the rounding floor (measured 1.1e-2 vs 8.3e-3 for "episodic").
    exact = lambda r: (dataclasses.replace(r[0], leak=1.0, fisher=0.0), *r[1:], sgd)
    return {"episodic": (*episodic, None), "attribute": (*attribute, None),
            "episodic-exact": exact(episodic), "attribute-exact": exact(attribute), "proto": (*proto, None)}


def train_end_to_end(out:Path):
    "FDEN_E across processes: an untrained 8×8 autoencoder (BatchNorm2d in encoder and decoder) on random images."
    import warnings
    from fden_nb.backbones import freeze, make_backbone
    from fden_nb.core import FDENConfig
    from fden_nb.train import EndToEnd, Trainer, TrainConfig
    _, y = toy_data()
    x = torch.rand(len(y), 1, 8, 8, generator=torch.Generator().manual_seed(2))
    torch.manual_seed(0)
    bb = freeze(make_backbone("ae", z_dim=16, size=8, width=4))   # frozen, as `pretrained` hands it out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                # "FDEN_E fine-tunes the backbone": that is the point here
        # Table 2's design here: with the invertible Decomposer two processes differ from one by 9e-4 after 10 Adam
        # steps (the 1e-4 below was calibrated on this design) — an open question, not yet explained
        tr = Trainer(FDENConfig.two_factor(16, "fast", alignment="relation", dropout=0.0, decomposer="mlp", swap=0.0,
                                           adversary=0.0), (x, y),
                     TrainConfig(steps=10, batch_episodes=4, log_every=5, eval_every=0, device="cpu", cpu_amp=False),
                     cbs=[EndToEnd(bb)])
    tr.fit()
    world, rank = int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("RANK", 0))
    torch.save(dict(model=tr.model.state_dict(), backbone=bb.state_dict(), history=tr.history, world=tr.dist.world),
               out/f"end_to_end-w{world}-rank{rank}.pt")


def train(name:str, out:Path, perturb:float=0.0):
    "Train one run; save this process's weights and history (and, for the default runs, a checkpoint)."
    from fden_nb.train import Trainer
    mcfg, z, labels, tcfg, make_opt = runs()[name]
    world, rank = int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("RANK", 0))
    ck = out/f"ckpt-{name}-w{world}.pt" if make_opt is None and not perturb else False
    tr = Trainer(mcfg, (z, labels), tcfg, cbs=Trainer.default_cbs(False, checkpoint=ck), make_opt=make_opt)
    if perturb:                                        # w ← w·(1 + ε·N(0, 1)): a rounding-sized nudge
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for p in tr.model.parameters(): p.mul_(1 + perturb * torch.randn(p.shape, generator=g))
    tr.fit()
    if ck:                                             # a new Trainer finds the finished run, on every process
        again = Trainer(mcfg, (z, labels), tcfg, cbs=Trainer.default_cbs(False, checkpoint=ck), make_opt=make_opt)
        assert again.step == STEPS
        for k, v in tensors(tr.model.state_dict()).items(): assert torch.equal(again.model.state_dict()[k], v), k
    tag = f"{name}-perturbed" if perturb else name
    torch.save(dict(model=tr.model.state_dict(), history=tr.history, world=tr.dist.world), out/f"{tag}-w{world}-rank{rank}.pt")


def tensors(state:dict) -> dict:
    "The tensors of a state dict (the estimators keep a dict as extra state)."
    return {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}


def max_diff(a:dict, b:dict, skip=()) -> float:
    return max((a[k].float() - b[k].float()).abs().max().item() for k, v in tensors(a).items()
               if v.is_floating_point() and k not in skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def load(out:Path, tag:str, world:int, rank:int=0) -> dict:
    return torch.load(out/f"{tag}-w{world}-rank{rank}.pt", weights_only=True)


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    "One torchrun launch of 2 CPU processes training every run; then the same runs, and the perturbed ones, here."
    out = tmp_path_factory.mktemp("ddp")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "FDEN_DATA_CACHE": str(out/"cache")}
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"): env.pop(k, None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(free_port()), __file__, str(out)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    launch_s = time.perf_counter() - t0
    assert r.returncode == 0, f"torchrun failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    for name in runs(): train(name, out)
    for name in ("episodic", "attribute", "proto"): train(name, out, perturb=1e-7)
    train_end_to_end(out)
    print(f"\ntorchrun, 2 processes, 5 runs: {launch_s:.1f} s (start-up included); one process, 7 runs: "
          f"{time.perf_counter() - t0:.1f} s")
    return out


def losses(history:list) -> list:
    return [{k: v for k, v in rec.items() if not k.endswith("_per_s")} for rec in history]


@pytest.mark.parametrize("name", ["episodic", "attribute", "episodic-exact", "attribute-exact", "proto", "end_to_end"])
def test_ranks_identical(launched, name):
    "Both processes apply the same averaged gradients: bit-identical weights, and the same (averaged) losses."
    r0, r1 = load(launched, name, 2, 0), load(launched, name, 2, 1)
    assert r0["world"] == r1["world"] == 2
    for part in ("model", "backbone"):
        for k, v in tensors(r0.get(part) or {}).items(): assert torch.equal(v, r1[part][k]), f"{part} {k} differs between the ranks"
    assert losses(r0["history"]) == losses(r1["history"])


@pytest.mark.parametrize("name", ["episodic-exact", "attribute-exact"])
def test_two_processes_equal_one_exactly(launched, name):
    two, one = load(launched, name, 2), load(launched, name, 1)
    d = max_diff(two["model"], one["model"])
    moved = max_diff(one["model"], fresh_weights(name), skip=("z_mean", "z_std"))
    print(f"\n{name}: max |w_2proc − w_1proc| = {d:.2e}; training moved the weights up to {moved:.2e}")
    assert d < EXACT_TOL and moved > 1e3 * EXACT_TOL
    for h2, h1 in zip(two["history"], one["history"]):
        for k in ("L_R", "L_C", "L_M", "acc", "loss"): assert abs(h2[k] - h1[k]) < 1e-4, (k, h2, h1)


@pytest.mark.parametrize("name", ["episodic", "attribute", "proto"])
def test_two_processes_match_one_to_rounding(launched, name):
    two, one, nudged = load(launched, name, 2), load(launched, name, 1), load(launched, f"{name}-perturbed", 1)
    d, floor = max_diff(two["model"], one["model"]), max_diff(nudged["model"], one["model"])
    print(f"\n{name}: max |w_2proc − w_1proc| = {d:.2e}; one process, weights nudged by 1e-7: {floor:.2e}")
    assert d < FLOOR_FACTOR * floor


def test_end_to_end_matches_one_process(launched):
    "FDEN_E: the fine-tuned backbone and the logged losses agree with one process (FDEN's weights: Adam's floor, above)."
    two, one = load(launched, "end_to_end", 2), load(launched, "end_to_end", 1)
    from fden_nb.backbones import make_backbone
    torch.manual_seed(0)
    start = make_backbone("ae", z_dim=16, size=8, width=4).state_dict()
    buffers = [k for k in start if "running" in k or "num_batches" in k]
    d, moved = max_diff(two["backbone"], one["backbone"]), max_diff(one["backbone"], start, skip=buffers)
    print(f"\nend_to_end: max |backbone_2proc − backbone_1proc| = {d:.2e}; fine-tuning moved its weights up to {moved:.2e}")
    assert moved > 1e-3
    assert d < 1e-4                                   # measured 4.9e-6; a step of Adam here is ~1e-3
    for h2, h1 in zip(two["history"], one["history"]):
        for k in ("L_R", "L_C", "L_M", "acc"): assert abs(h2[k] - h1[k]) < 1e-4 * max(1, abs(h1[k])), (k, h2, h1)


def test_two_process_checkpoint_resumes_in_one(launched):
    "A run is its global batch: a checkpoint of two processes continues in one."
    from fden_nb.train import Trainer
    import shutil
    mcfg, z, labels, tcfg, _ = runs()["episodic"]
    ck = shutil.copy(launched/"ckpt-episodic-w2.pt", launched/"resumed-in-one.pt")
    tr = Trainer(mcfg, (z, labels), tcfg, cbs=Trainer.default_cbs(False, checkpoint=ck))
    assert tr.step == STEPS
    tr.fit(STEPS + 5)
    assert tr.step == STEPS + 5 and tr.history[-1]["step"] == STEPS + 5


def fresh_weights(name:str) -> dict:
    "The weights the Trainer starts from (it builds the FDEN under seed `cfg.seed`)."
    from fden_nb.core import FDEN
    mcfg, *_, tcfg, _ = runs()[name]
    torch.manual_seed(tcfg.seed)
    return FDEN(mcfg).state_dict()


def test_only_rank0_writes_the_checkpoint(launched):
    "One file, written by process 0, holding its weights and both processes' random streams."
    from fden_nb.train import load_fden_checkpoint
    ck = load_fden_checkpoint(launched/"ckpt-episodic-w2.pt")
    assert ck["step"] == STEPS and len(ck["rng_ranks"]) == 2
    for k, v in tensors(load(launched, "episodic", 2)["model"]).items(): assert torch.equal(ck["model"][k], v)
    assert sorted(p.name for p in launched.glob("ckpt-*")) == ["ckpt-attribute-w1.pt", "ckpt-attribute-w2.pt",
                                                                "ckpt-episodic-w1.pt", "ckpt-episodic-w2.pt",
                                                                "ckpt-proto-w1.pt", "ckpt-proto-w2.pt"]


if __name__ == "__main__":                                       # a torchrun worker
    torch.set_num_threads(1)
    for name in runs(): train(name, Path(sys.argv[1]))
    train_end_to_end(Path(sys.argv[1]))
