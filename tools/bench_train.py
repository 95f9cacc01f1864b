#!/usr/bin/env python
"""Benchmark of FDEN training throughput on cached latents, against the CPU's float32 matmul rate.

Sections (all timings are medians over --repeats; the machine may be shared, so every table measures its rows
round-robin, one call of each row per repeat, and "b2b" ratios compare rows measured back to back):

  A. the float32 matmul rate (square matmuls) with 1 and 2 threads: the peak the other tables divide by;
  B. `FDEN.training_step` of the paper architecture (`FDENConfig.paper(z_dim=128, aligned=('ide',),
     unspecified='sty')`: BatchNorm, dropout 0.2, σ=0.001 init, DV critic, relation head, eq.-8 clipping, two
     backward passes, fused Adam) on 1280 latents (64 episodes, 5-way, 1+3 shots, relation head), 1024 latents
     (attribute alignment, Yoon, Roh & Suk (2021)), 320 latents (the papers' 16 episodes) and 16 latents (attribute);
  C. a plain step of the same network (one `loss.backward()`, no eq. 8) with and without BN/dropout;
  D. variants of the real step: Adam implementations, dropout implementations, bf16 autocast, a foreach
     version of eq. 8 (a proposal for core, monkeypatched), torch.compile of every MLP (--compile);
  E. few-shot evaluation, 1,000 episodes of 20-way 5-shot 15-query on a 407×20 pool (d=128): embed once, then
     index (`metrics.few_shot_eval`) against a loop that re-embeds every episode through the decomposer;
  F. where the time goes: top ops of torch.profiler at batch 16 and 1280.

FLOPs are those of every matrix product the step actually executes (torch.utils.flop_counter: the Linear layers'
forward, the input- and weight-gradient products of each backward pass, the critic on joint and shuffled rows,
the relation head on its pairs); "x3" is the issue's simpler count, 3 × the Linear layers' forward FLOPs.

    python tools/bench_train.py                  # everything at 2 threads (a few minutes on 2 cores)
    python tools/bench_train.py --quick          # fewer repeats, no compile, a shorter naive evaluation
    python tools/bench_train.py --threads 1 --sections B,D
"""
from __future__ import annotations
import argparse, contextlib, copy, math, os, statistics, time, warnings

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import fden_nb.core as core
import fden_nb.info as info
from fden_nb import layers
from fden_nb.core import FDEN, FDENConfig
from fden_nb.episodes import EpisodeSampler
from fden_nb.metrics import episode_accuracy, few_shot_eval, representations

Z_DIM = 128


def load() -> str: return "load %.1f/%.1f/%.1f" % os.getloadavg()
def med(xs): return statistics.median(xs)


def round_robin(fns:dict, repeats:int, inner:dict|None=None, warmup:int=1) -> dict[str, list[float]]:
    "Seconds per call of every fn: repeat × (each fn `inner[k]` times), so a change of load hits every fn alike."
    for f in fns.values():
        for _ in range(warmup): f()
    inner = inner or {}
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            n = inner.get(k, 1)
            t0 = time.perf_counter()
            for _ in range(n): f()
            times[k].append((time.perf_counter() - t0) / n)
    return times


def calibrate(fns:dict, target_s:float) -> dict[str, int]:
    "Calls per repeat so that each repeat of a fn lasts about `target_s` (one timed call after a warm-up call)."
    out = {}
    for k, f in fns.items():
        f(); t0 = time.perf_counter(); f(); dt = time.perf_counter() - t0
        out[k] = max(1, round(target_s / max(dt, 1e-6)))
    return out


def mm_probe(n:int=1024):
    "A square float32 matmul and its FLOPs."
    a, b, c = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
    return (lambda: torch.mm(a, b, out=c)), 2 * n**3


# ---------------------------------------------------------------------------------------------------- A. peak
def matmul_rates(threads:list[int], sizes:list[int], repeats:int) -> dict[int, float]:
    print(f"\n## A. float32 matmul rate (square n×n, median of {repeats})   [{load()}]\n")
    print("| threads | n | GFLOP/s median | best |")
    print("|---|---|---|---|")
    peak = {}
    for t in threads:
        torch.set_num_threads(t)
        fns, flops = {}, {}
        for n in sizes: fns[n], flops[n] = mm_probe(n)
        times = round_robin(fns, repeats, calibrate(fns, 0.15))
        for n in sizes:
            r = [flops[n] / s / 1e9 for s in times[n]]
            print(f"| {t} | {n} | {med(r):.0f} | {max(r):.0f} |", flush=True)
        peak[t] = max(med([flops[n] / s / 1e9 for s in times[n]]) for n in sizes)
    print(f"\npeak used below (best size's median): " + ", ".join(f"{t} thr: {p:.0f} GFLOP/s" for t, p in peak.items())
          + f"   [{load()}]")
    return peak


# ---------------------------------------------------------------------------------------------- the cases
class Case:
    "One benchmarked configuration: a model, its optimiser, a batch and the step to time."
    def __init__(self, name:str, shape:tuple, alignment:str|None="relation", episodes:int|None=None, seed:int=0,
                 plain:bool=False, **cfg_overrides):
        self.name, self.shape, self.episodes = name, shape, episodes
        torch.manual_seed(seed)
        cfg = FDENConfig.paper(z_dim=Z_DIM, aligned=("ide",), unspecified="sty", alignment=alignment,
                               **({"clip": None} if plain else {}), **cfg_overrides)
        self.model = FDEN(cfg)
        self.opt = self.model.configure_optimizer()
        self.gen = torch.Generator().manual_seed(seed)
        self.z = torch.randn(*shape, Z_DIM)
        n = self.z.numel() // Z_DIM
        self.latents = n
        self.target = (1 if alignment in ("relation", "proto") else
                       {"ide": torch.randint(0, 2, (n,), generator=torch.Generator().manual_seed(seed))}
                       if alignment == "attribute" else None)
        self.out = None
        self._flops = None

    def step(self):
        self.out = self.model.training_step(self.z, target=self.target, opt=self.opt, generator=self.gen)
        return self.out

    def clone(self, name:str, opt:str|None=None) -> Case:
        "A copy with its own weights and a fresh optimiser: fused (default), 'foreach' or 'forloop' Adam."
        c = copy.copy(self); c.name = name
        c.model = copy.deepcopy(self.model)
        c.gen = torch.Generator().manual_seed(0)
        if opt is None: c.opt = c.model.configure_optimizer()
        else:
            kw = dict(foreach=True) if opt == "foreach" else dict(foreach=False, fused=False)
            c.opt = torch.optim.Adam(c.model.parameters(), lr=c.model.cfg.lr, betas=c.model.cfg.betas, **kw)
        return c

    @property
    def flops(self) -> tuple[int, int]:
        "(executed matmul FLOPs of one step, 3 × the Linear layers' forward FLOPs)."
        if self._flops is None:
            fwd = [0]
            def hook(m, i, o): fwd[0] += 2 * i[0].numel() // i[0].shape[-1] * m.in_features * m.out_features
            hs = [m.register_forward_hook(hook) for m in self.model.modules() if isinstance(m, nn.Linear)]
            fc = FlopCounterMode(display=False)
            with fc: self.step()
            for h in hs: h.remove()
            self._flops = (fc.get_total_flops(), 3 * fwd[0])
        return self._flops


def swap_modules(model:nn.Module, kind:type, make) -> nn.Module:
    "Replace every submodule of type `kind` by `make(old)`; returns the model."
    for parent in model.modules():
        for name, child in parent.named_children():
            if type(child) is kind: setattr(parent, name, make(child))
    return model


class RandDropout(nn.Module):
    "Inverted dropout with the mask from `torch.rand_like(x) < q` (one float per unit, compared)."
    def __init__(self, p): super().__init__(); self.p = p
    def forward(self, x):
        if not self.training: return x
        q = 1 - self.p
        return x * (torch.rand_like(x) < q).to(x.dtype).mul_(1 / q)


def dropout_kinds() -> dict[str, type]:
    "The dropout layers the benchmark knows: torch's, and fden_nb.layers' byte-mask one when it exists."
    kinds = {"torch": nn.Dropout, "rand<q": RandDropout}
    if hasattr(layers, "Dropout"): kinds["bytes"] = layers.Dropout
    return kinds


def with_dropout(case:Case, kind:str, name:str) -> Case:
    "A clone of `case` whose every dropout layer is of the given kind."
    c = case.clone(name)
    want = dropout_kinds()[kind]
    for k in set(dropout_kinds().values()):
        if k is not want: swap_modules(c.model, k, lambda d: want(d.p))
    return c


def bare(case:Case, name:str, bn:bool=False, dropout:bool=False) -> Case:
    "A clone without BatchNorm (bn=False) and/or without dropout (dropout=False)."
    c = case.clone(name)
    if not bn: swap_modules(c.model, nn.BatchNorm1d, lambda m: nn.Identity())
    if not dropout:
        for k in set(dropout_kinds().values()): swap_modules(c.model, k, lambda m: nn.Identity())
    return c


# ------------------------------------------------------------- a proposal for core: eq. 8 with foreach norms
def adaptive_clip_foreach(g_u, g_m, per_tensor:bool=True):
    "`grl.adaptive_clip` with every norm of a list in one `torch._foreach_norm` call (same values)."
    g_u, g_m = list(g_u), list(g_m)
    idx = [i for i, m in enumerate(g_m) if m is not None]
    ms = [g_m[i] for i in idx]
    us = [g_u[i] if g_u[i] is not None else torch.zeros_like(g_m[i]) for i in idx]
    nm, nu = torch.stack(torch._foreach_norm(ms)), torch.stack(torch._foreach_norm(us))
    if not per_tensor:                                   # one norm over every tensor of each list
        nu = torch.stack(torch._foreach_norm([u for u in g_u if u is not None])).norm().expand_as(nm)
        nm = nm.norm().expand_as(nm)
    s = torch.where(nm > 0, torch.minimum(nu, nm) / nm.clamp_min(torch.finfo(nm.dtype).tiny), torch.zeros_like(nm))
    out = [None] * len(g_m)
    for i, g in zip(idx, torch._foreach_mul(ms, list(s.unbind()))): out[i] = g
    return out


@contextlib.contextmanager
def patched_clip():
    old = core.adaptive_clip
    core.adaptive_clip = adaptive_clip_foreach
    try: yield
    finally: core.adaptive_clip = old


def check_clip_equivalence():
    g = torch.Generator().manual_seed(0)
    gu = [torch.randn(5, 3, generator=g), None, torch.zeros(4), torch.randn(7, generator=g)]
    gm = [torch.randn(5, 3, generator=g) * 10, torch.randn(2, generator=g), torch.randn(4, generator=g), None]
    for pt in (True, False):
        a, b = core.adaptive_clip(gu, gm, per_tensor=pt), adaptive_clip_foreach(gu, gm, per_tensor=pt)
        for x, y in zip(a, b):
            assert (x is None) == (y is None) and (x is None or torch.allclose(x, y, rtol=1e-6, atol=1e-7)), (pt, x, y)


# ------------------------------------------------------------------------------------- B/C/D: step tables
def step_table(title:str, cases:list[Case], repeats:int, peak:float, threads:int, base:str|None=None,
               wrap:dict|None=None, target_s:float=0.25):
    """Time `cases` round-robin with a 1024² matmul probe; print ms/step, throughput, GFLOP/s, % of peak (section A)
    and % of the probe measured back to back; with `base`, also each case's time relative to that case."""
    wrap = wrap or {}
    probe, probe_flops = mm_probe(1024)
    fns = {"__mm": probe}
    for c in cases:
        w = wrap.get(c.name)
        fns[c.name] = (lambda c=c, w=w: w(c.step) if w else c.step())
    for c in cases:                                          # FLOPs (one counted step), under the case's wrapper
        w = wrap.get(c.name)
        if w: w(lambda c=c: c.flops)
        else: c.flops
    inner = calibrate(fns, target_s)
    times = round_robin(fns, repeats, inner)
    print(f"\n## {title}   [threads {threads}, {repeats} repeats, {load()}]\n")
    hdr = "| case | latents | ms/step | latents/s | episodes/s | GFLOP/step (x3) | GFLOP/s | % peak | % b2b |"
    if base: hdr += f" × {base} |"
    print(hdr); print("|---" * (hdr.count("|") - 1) + "|")
    mm = times["__mm"]
    for c in cases:
        t = times[c.name]
        ex, x3 = c.flops
        gf = ex / med(t) / 1e9
        b2b = med([(ex / s) / (probe_flops / p) for s, p in zip(t, mm)])
        eps = f"{c.episodes / med(t):.1f}" if c.episodes else "—"
        row = (f"| {c.name} | {c.latents} | {med(t) * 1e3:.1f} | {c.latents / med(t):,.0f} | {eps} | "
               f"{ex / 1e9:.2f} ({x3 / 1e9:.2f}) | {gf:.0f} | {100 * gf / peak:.0f}% | {100 * b2b:.0f}% |")
        if base: row += f" {med([s / b for s, b in zip(t, times[base])]):.2f} |"
        print(row, flush=True)
    print(f"\nmatmul probe (1024², back to back): {probe_flops / med(mm) / 1e9:.0f} GFLOP/s   [{load()}]")
    return times


def finite(out:dict|None) -> bool: return out is not None and all(math.isfinite(v) for v in out.values())


def bf16(fn):
    with torch.autocast("cpu", dtype=torch.bfloat16): return fn()


def compile_mlps(model:FDEN):
    "torch.compile every MLP of the model (the step's Python, the eq.-8 clipping and Adam stay eager)."
    d, e, s = model.decomposer, model.entangler, model.statisticians
    d.global_dec = torch.compile(d.global_dec)
    for k in list(d.heads): d.heads[k] = torch.compile(d.heads[k])
    for k in list(e.streams): e.streams[k] = torch.compile(e.streams[k])
    e.global_enc = torch.compile(e.global_enc)
    s.critic.net = torch.compile(s.critic.net)
    if hasattr(model.align, "score"): model.align.score = torch.compile(model.align.score)
    elif hasattr(model.align, "nets"):
        for k in list(model.align.nets): model.align.nets[k] = torch.compile(model.align.nets[k])


def variants(base:Case, repeats:int, peak:float, threads:int, use_compile:bool, bf16_steps:int):
    "Section D on one case: every variant is a clone of `base`, timed round-robin against it."
    cs = [base.clone(f"{base.name}: default")]
    wrap = {}
    kinds = dropout_kinds()
    cs += [with_dropout(base, k, f"dropout={k}" + (" (= default)" if kinds[k] is type(layers.mlp(2, (2,), 2)[3])
                                                   else "")) for k in kinds]
    cs += [bare(base, "no dropout", bn=True), bare(base, "no BN, no dropout")]
    cs += [base.clone("Adam foreach", "foreach"), base.clone("Adam for-loop", "forloop")]
    c = base.clone("eq.8 foreach norms (core)"); cs.append(c); wrap[c.name] = _with_clip
    c = base.clone("bf16 autocast"); cs.append(c); wrap[c.name] = bf16
    if use_compile:
        import tempfile
        import torch._functorch.config as fconf, torch._inductor.config as iconf
        if "TORCHINDUCTOR_CACHE_DIR" not in os.environ:      # a cold compile: no kernels from earlier runs
            import atexit, shutil
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = d = tempfile.mkdtemp(prefix="bench_train_inductor_")
            atexit.register(shutil.rmtree, d, ignore_errors=True)
        fconf.donated_buffer = False                      # the step's first backward keeps the graph for the second
        fconf.enable_autograd_cache = iconf.fx_graph_cache = False   # time a cold compile, as a first run would
        for kind in ["torch"] + (["bytes"] if "bytes" in kinds else []):
            c = with_dropout(base, kind, f"compiled MLPs, dropout={kind}")
            compile_mlps(c.model)
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore"); c.step(); c.step()
                print(f"compile ({c.name}, fresh cache): {time.perf_counter() - t0:.0f} s for the first two steps   [{load()}]")
                cs.append(c)
            except Exception as e:
                print(f"compile ({c.name}) failed: {type(e).__name__}: {str(e).splitlines()[0][:150]}")
    times = step_table(f"D. variants of the real step, {base.name}", cs, repeats, peak, threads,
                       base=f"{base.name}: default", wrap=wrap)
    # the floor no step can go below: the fused Adam update alone (it reads p, g, m, v and writes p, m, v)
    c = cs[0]; c.step()
    n_par = sum(p.numel() for p in c.model.parameters())
    t = round_robin({"adam": c.opt.step, "step": c.step}, repeats, calibrate({"adam": c.opt.step, "step": c.step}, 0.2))
    print(f"\nfused Adam update alone ({n_par / 1e6:.2f} M parameters): {med(t['adam']) * 1e3:.1f} ms, "
          f"{med([a / b for a, b in zip(t['adam'], t['step'])]):.1%} of the step ({med(t['step']) * 1e3:.1f} ms)   [{load()}]")
    # bf16: are the losses finite, and do they follow float32 from the same weights, batch and dropout masks?
    runs = {"fp32": (base.clone("fp32"), lambda f: f()), "bf16": (base.clone("bf16"), bf16)}
    hist = {k: [] for k in runs}
    for i in range(bf16_steps):
        for k, (c, w) in runs.items():
            torch.manual_seed(1000 + i); hist[k].append(w(c.step))
    for k in ("bf16",):
        ok = all(finite(o) for o in hist[k])
        print(f"\n{k}: losses finite over {bf16_steps} steps: {ok}; mean |fp32 − {k}| per step: " + ", ".join(
            f"{n} {statistics.mean(abs(a[n] - b[n]) for a, b in zip(hist['fp32'], hist[k])):.1e}"
            for n in ("loss", "L_R", "L_C", "L_M")))


def _with_clip(f):
    with patched_clip(): return f()


# ---------------------------------------------------------------------------------------------- E. evaluation
def evaluation(repeats:int, naive_episodes:int):
    n_cls, per, n_way, k_shot, n_query, n_ep = 407, 20, 20, 5, 15, 1000
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n_cls).repeat_interleave(per)
    z = torch.randn(n_cls, Z_DIM, generator=g)[labels] * 1.0 + 0.8 * torch.randn(n_cls * per, Z_DIM, generator=g)
    torch.manual_seed(0)
    model = FDEN(FDENConfig.paper(z_dim=Z_DIM, aligned=("ide",), unspecified="sty")).fit_scaler(z)
    model.eval()

    def fast():
        reps = representations(model, z)
        return few_shot_eval(reps["ide"], labels, n_way, k_shot, n_query, n_ep, seed=0)

    def naive(n=naive_episodes):
        idx = EpisodeSampler(labels, n_way, k_shot, n_query, seed=0).sample(n_ep)[:n]
        accs = []
        with torch.no_grad():
            for e in idx:                                          # (n_way, K+Q) indices of one episode
                f = model.decompose(z[e])["ide"]                   # (n_way, K+Q, d): the episode re-embedded
                accs.append(episode_accuracy(f[None], k_shot))
        return torch.cat(accs)

    tf = round_robin({"fast": fast}, repeats)["fast"]
    t_embed = med(round_robin({"e": lambda: representations(model, z)}, repeats)["e"])
    tn = round_robin({"naive": naive}, max(1, min(3, repeats)), warmup=0)["naive"]
    r = fast(); accs = naive()
    same = torch.allclose(r["accs"][:naive_episodes], accs)
    scale = n_ep / naive_episodes
    print(f"\n## E. evaluation: {n_ep} episodes of {n_way}-way {k_shot}-shot {n_query}-query, pool {n_cls}×{per}, "
          f"d={Z_DIM}   [threads {torch.get_num_threads()}, {load()}]\n")
    print("| method | seconds (median) | episodes/s |")
    print("|---|---|---|")
    print(f"| embed once + index (`representations` + `few_shot_eval`) | {med(tf):.3f} (embedding {t_embed:.3f}) | "
          f"{n_ep / med(tf):,.0f} |")
    note = "" if naive_episodes == n_ep else f" (measured on {naive_episodes}, ×{scale:g})"
    print(f"| naive: re-embed every episode{note} | {med(tn) * scale:.2f} | {naive_episodes / med(tn):,.0f} |")
    print(f"\nsame per-episode accuracies on the episodes both ran: {same}; mean accuracy {r['acc']:.2f}%  [{load()}]")


# ---------------------------------------------------------------------------------------------- F. profile
def profile(cases:list[Case], steps:int, top:int=8):
    from torch.profiler import profile as prof, ProfilerActivity
    print(f"\n## F. where the time goes (torch.profiler, self CPU time, {steps} steps)   [{load()}]\n")
    for c in cases:
        c.step()
        times = []
        with prof(activities=[ProfilerActivity.CPU]) as p:
            for _ in range(steps):
                t0 = time.perf_counter(); c.step(); times.append(time.perf_counter() - t0)
        ka = sorted(p.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        total = sum(e.self_cpu_time_total for e in ka)
        name = lambda k: k.replace("aten::", "").replace("autograd::engine::evaluate_function: ", "autograd ")
        print(f"* {c.name}, {med(times) * 1e3:.0f} ms/step: " + "; ".join(
            f"{name(e.key)} {100 * e.self_cpu_time_total / total:.0f}%" for e in ka[:top]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2, help="torch threads for sections B–F (default 2)")
    p.add_argument("--repeats", type=int, default=7, help="timed repeats per row; medians are reported (default 7)")
    p.add_argument("--quick", action="store_true", help="3 repeats, 1024² matmuls only, no compile, naive evaluation on 200 episodes")
    p.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                   help="include torch.compile variants (default: on unless --quick)")
    p.add_argument("--sections", default="A,B,C,D,E,F", help="which sections to run (default all)")
    a = p.parse_args(argv)
    secs = set(a.sections.upper().split(","))
    repeats = 3 if a.quick and a.repeats == 7 else a.repeats
    use_compile = (not a.quick) if a.compile is None else a.compile
    print(f"# FDEN training throughput (torch {torch.__version__}, {os.cpu_count()} CPUs, {load()})")
    print(f"dropout layer of fden_nb.layers.mlp: {type(layers.mlp(4, (4,), 4)[3]).__module__}."
          f"{type(layers.mlp(4, (4,), 4)[3]).__name__}")
    check_clip_equivalence()
    peak = {1: float("nan"), 2: float("nan")}
    if "A" in secs: peak = matmul_rates(sorted({1, 2, a.threads}), [1024] if a.quick else [1024, 2048], repeats)
    torch.set_num_threads(a.threads)
    pk = peak.get(a.threads, float("nan"))
    ep64 = Case("64 ep × 5-way × (1+3), relation", (64, 5, 4), "relation", episodes=64)
    b1024 = Case("1024 latents, attribute", (1024,), "attribute")
    ep16 = Case("16 ep × 5-way × (1+3), relation", (16, 5, 4), "relation", episodes=16)
    b16 = Case("16 latents, attribute", (16,), "attribute")
    if "B" in secs:
        step_table("B. FDEN.training_step, paper architecture (Dim 128, BN, dropout 0.2, eq. 8, fused Adam)",
                   [ep64, b1024, ep16, b16], repeats, pk, a.threads)
    if "C" in secs:
        p1024, p16 = Case("plain 1024", (1024,), "attribute", plain=True), Case("plain 16", (16,), "attribute", plain=True)
        cs = [p1024, with_dropout(p1024, "torch", "plain 1024, torch dropout"), bare(p1024, "plain 1024, no BN/dropout"),
              p16, with_dropout(p16, "torch", "plain 16, torch dropout"), bare(p16, "plain 16, no BN/dropout")]
        step_table("C. plain step (one loss.backward(), no eq. 8), same network", cs, repeats, pk, a.threads)
    if "D" in secs:
        for base in (ep64, b16):
            variants(base, repeats, pk, a.threads, use_compile, bf16_steps=5 if a.quick else 20)
    if "E" in secs: evaluation(repeats, 200 if a.quick else 1000)
    if "F" in secs: profile([b16, ep64], 3 if a.quick else 5)


if __name__ == "__main__":
    main()
