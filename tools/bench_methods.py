#!/usr/bin/env python
"""CPU seconds per training step of the comparison's whole-model methods (LORD, Mathieu et al., Hu et al.'s
mixing) on the glyphs' seen images, one thread, by `time.process_time()` (the machine may be shared: CPU time,
not wall time).

A step's cost is the difference between a fit of `--long` and one of `--short` steps, over the steps between
(so the set-up, the first steps and Mixing's probe cancel), after a first fit of every variant that pays the
process's one-time costs. LORD's `steps` runs that many steps in each stage,
so its number is one stage-1 step plus one stage-2 step; the estimate of a whole run multiplies each method's
cost by its default steps (LORD: an even split of the two stages' 5,840 + 1,460 steps, an upper bound).

    python tools/bench_methods.py                     # every method, as configured (cpu_amp 'auto')
    python tools/bench_methods.py --cpu-amp 0,1       # float32 and bf16 autocast, alternating
    python tools/bench_methods.py --methods lord --repeats 3
    python tools/bench_methods.py --full              # one whole default fit of each method instead
"""
from __future__ import annotations
import argparse, json, statistics, time

import torch

from fden_nb.compare import _images
from fden_nb.lord import LORDConfig, fit_lord
from fden_nb.mathieu import MathieuConfig, fit_mathieu
from fden_nb.mixing import MixingConfig, fit_mixing
from fden_nb.stages import Run, prepare

METHODS = {"lord": (LORDConfig, fit_lord), "mathieu": (MathieuConfig, fit_mathieu),
           "mixing": (MixingConfig, fit_mixing)}


def full_steps(name:str, n:int) -> float:
    "Steps of a default run in the unit `steps` counts (LORD: pairs of a stage-1 and a stage-2 step)."
    if name == "lord": return sum(LORDConfig().stage_steps(n)) / 2
    return METHODS[name][0]().steps


def fit_seconds(name:str, x, y, steps:int|None, cpu_amp) -> float:
    "CPU seconds of one fit of `steps` steps (None: the method's default run, probe included)."
    cls, fit = METHODS[name]
    kw = {} if steps is None else dict(steps=steps)
    if cpu_amp is not None: kw["cpu_amp"] = cpu_amp
    if name == "mixing" and steps is not None: kw["probe_episodes"] = 2
    t = time.process_time()
    fit(x, y, cls(**kw), device="cpu")
    return time.process_time() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default="lord,mathieu,mixing")
    ap.add_argument("--cpu-amp", default=None, help="comma-separated 0/1 (default: the configs' own)")
    ap.add_argument("--short", type=int, default=5)
    ap.add_argument("--long", type=int, default=25)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--full", action="store_true", help="time one default fit of each method")
    ap.add_argument("--json", default=None, help="also write the medians here")
    a = ap.parse_args()
    torch.set_num_threads(1)
    x, y = _images(prepare(Run(progress=False)))
    amps = [None] if a.cpu_amp is None else [bool(int(v)) for v in a.cpu_amp.split(",")]
    out = {}
    if a.full:
        for name in a.methods.split(","):
            for amp in amps:
                fit_seconds(name, x, y, 5, amp)                  # the one-time costs, not counted
                label = f"{name} cpu_amp={'config' if amp is None else amp}"
                out[label] = {"default_run_cpu_s": round(fit_seconds(name, x, y, None, amp), 1)}
                print(f"{label:28} a default run: {out[label]['default_run_cpu_s']} CPU s", flush=True)
        if a.json: open(a.json, "w").write(json.dumps(out, indent=1))
        return
    for name in a.methods.split(","):
        per = {amp: [] for amp in amps}
        # a first fit in a process pays one-time costs (oneDNN's kernels, lazy initialisation)
        for amp in amps: fit_seconds(name, x, y, a.short, amp)
        for _ in range(a.repeats):                       # variants alternate: a load change hits all
            for amp in amps:
                short = fit_seconds(name, x, y, a.short, amp)
                per[amp].append((fit_seconds(name, x, y, a.long, amp) - short) / (a.long - a.short))
        for amp, v in per.items():
            ms = 1000 * statistics.median(v)
            label = f"{name} cpu_amp={'config' if amp is None else amp}"
            out[label] = {"ms_per_step": round(ms, 1), "all_ms": [round(1000 * s, 1) for s in v],
                          "default_run_s": round(ms * full_steps(name, len(x)) / 1000)}
            print(f"{label:28} {ms:6.1f} ms/step (runs {out[label]['all_ms']}); a default run "
                  f"≈ {out[label]['default_run_s']} s", flush=True)
    if a.json: open(a.json, "w").write(json.dumps(out, indent=1))


if __name__ == "__main__": main()
