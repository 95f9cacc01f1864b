#!/usr/bin/env bash
# The device paths in one prepared call, for a machine with a CUDA GPU (and nothing outside it reachable):
#   bash tools/device_check.sh            # from the repository root, with the package installed
# 1. the CUDA paths the CPU tests stand in for: training with bf16 autocast, evaluation, a checkpoint reload;
# 2. the quickstart on CUDA from an empty cache, timed by stage (its numbers beside the CPU's in the README);
# 3. torchrun with NCCL on the GPUs there are (one process per GPU; one GPU: one process, the NCCL path still runs);
# 4. FDEN's step recorded as a CUDA graph (`CUDAGraphStep`) against eager steps: time per step, losses, a resume.
# Everything goes to ${OUT:-device_check}/ ; the last lines say what passed.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-device_check}"; mkdir -p "$out"
# a fresh data cache outside the output folder (the quickstart from an empty cache is what is timed)
export FDEN_DATA_CACHE="$(mktemp -d)" MPLBACKEND=Agg
python - <<'PY' || { echo "no CUDA device: nothing to check"; exit 2; }
import torch, sys
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, devices {torch.cuda.device_count()}")
sys.exit(0 if torch.cuda.is_available() else 1)
PY
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1; cat "$out/gpu.txt"
status=0
# each step has its own time limit, so that one hang leaves the others' results
step() { local name=$1; shift; local t0=$SECONDS
  if timeout "${STEP_LIMIT:-240}" "$@" > "$out/$name.log" 2>&1; then echo "PASS $name ($((SECONDS - t0)) s)"; else echo "FAIL $name (see $out/$name.log)"; tail -n 20 "$out/$name.log"; status=1; fi; }
step smoke fden-nb smoke --no-progress
step quickstart fden-nb quickstart --device cuda --no-progress --out "$out/report"
grep -E "^timings" "$out/quickstart.log"
step quickstart_cached fden-nb quickstart --device cuda --no-progress --out "$out/report_cached"
grep -E "^timings" "$out/quickstart_cached.log"
ngpu=$(python -c "import torch; print(torch.cuda.device_count())")
cat > "$out/ddp_worker.py" <<'PY'
# One FDEN run under torchrun (NCCL on CUDA): every process ends with the same weights.
import os, sys, torch, torch.distributed as dist
from fden_nb.core import FDEN
from fden_nb.train import Trainer, TrainConfig
device = sys.argv[1] if len(sys.argv) > 1 else "cuda"
torch.manual_seed(0)
z, y = torch.randn(2000, 32), torch.arange(100).repeat_interleave(20)
cfg = TrainConfig(steps=50, batch_episodes=4, n_way=5, eval_every=0, device=device)
tr = Trainer(FDEN.two_factor(32), (z, y), cfg, cbs=Trainer.default_cbs(progress=False, checkpoint=False))
tr.fit()
w = torch.cat([p.detach().flatten() for p in tr.model.parameters()])
if tr.dist.active:
    ws = [torch.empty_like(w) for _ in range(tr.dist.world)]
    dist.all_gather(ws, w)
    assert all(torch.equal(ws[0], x) for x in ws), "processes disagree"
backend = dist.get_backend() if dist.is_initialized() else "no process group"
print(f"rank {int(os.environ.get('RANK', 0))} of {tr.dist.world} ({backend}) on {tr.device}: "
      f"{tr.step} steps, last loss {tr.history[-1]['loss']:.3f}")
PY
step torchrun_nccl torchrun --standalone --nproc_per_node "$ngpu" "$out/ddp_worker.py"
cat > "$out/graph_check.py" <<'PY'
# FDEN's training step on CUDA: eager steps vs the recorded CUDA graph (time, losses), and a resume through it.
import os, tempfile, time, torch
from fden_nb.core import FDENConfig
from fden_nb.train import Trainer, TrainConfig
C, PER, D, STEPS = 1171, 20, 128, 300                 # the glyph quickstart's classes and latent size
z = torch.randn(C * PER, D, generator=torch.Generator().manual_seed(0))
y = torch.arange(C).repeat_interleave(PER)
def run(graph, upto=None, path=None):
    cfg = TrainConfig(steps=STEPS, eval_every=0, device="cuda", lr=2e-3, schedule="cosine",
                      checkpoint_every=100, cuda_graph=graph)
    tr = Trainer(FDENConfig.two_factor(D), (z, y), cfg,
                 cbs=Trainer.default_cbs(progress=False, verbose=True, checkpoint=path or False))
    torch.cuda.synchronize(); t = time.perf_counter(); tr.fit(upto); torch.cuda.synchronize()
    return tr, time.perf_counter() - t
e, te = run(False)
g, tg = run(True)
print(f"{STEPS} steps: eager {te:.1f} s ({te / STEPS * 1e3:.1f} ms/step), graph {tg:.2f} s "
      f"({tg / STEPS * 1e3:.2f} ms/step, the recording included), {te / tg:.1f}x; callbacks {g.cbs}")
for a, b in list(zip(e.history, g.history))[::6]:
    print(f"  loss {a['loss']:.3f} | {b['loss']:.3f}   acc {a['acc']:.3f} | {b['acc']:.3f}   (eager | graph)")
p = os.path.join(tempfile.mkdtemp(), "ck.pt")
r1, _ = run(True, upto=STEPS // 2, path=p)
r2, _ = run(True, path=p)
assert r2.step == STEPS and isinstance(r2.opt.param_groups[0]["lr"], float)
print(f"resumed at {r1.step} and went on to {r2.step} through the graph")
PY
step cuda_graph python "$out/graph_check.py"
cat "$out/cuda_graph.log"
exit $status
