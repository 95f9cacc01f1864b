#!/usr/bin/env python
"""Benchmark of fden_nb's mutual-information estimators (issue 3): the Poole et al. (2019) staircase.

20-d correlated Gaussians with true MI 2, 4, 6, 8, 10 nats, batch 64, a fresh concat critic per level trained
with 64 joint + 64 shuffled pairs per step (InfoNCE: all 64² pairs), Adam lr 5e-4. For each estimator and level:
the per-step estimate over the second half of training (mean, bias against the truth, std per step), the
held-out estimate on 50,000 fresh samples, and the wall time. Then the total correlation of a block-structured
Gaussian (4 blocks). Prints markdown tables.

    python tools/bench_mi.py                 # 4,000 steps per level (the issue's protocol)
    python tools/bench_mi.py --quick         # a CI-sized run
    python tools/bench_mi.py --long smile    # 20,000 steps of one estimator at 6 nats: divergent or negative?
"""
from __future__ import annotations
import argparse, math, time

import torch

from fden_nb.info import ConcatCritic, SeparableCritic, fit_critic, heldout_estimate
from fden_nb.mi import correlated_gaussians, rho_for_mi
from fden_nb.tc import block_gaussian_cov, block_gaussian_tc, rho_for_tc, sample_gaussian


def make_critic(kind:str, dims, hidden):
    kw = dict(dropout=0.0, batchnorm=False, init_std=None)
    return SeparableCritic(dims, hidden, **kw) if kind == "separable" else ConcatCritic(dims, hidden, **kw)


def parse_spec(spec:str) -> tuple[str, int|str]:
    "'smile' → ('smile', 1); 'smile:all' → ('smile', 'all'); 'dv:4' → ('dv', 4): estimator and its negatives."
    name, _, neg = spec.partition(":")
    return name, (neg if neg == "all" else int(neg or 1))


def run(estimator:str, mi:float, steps:int, critic:str="concat", hidden=(256, 256), d:int=20, batch:int=64,
        n_heldout:int=50_000, seed:int=0, lr:float=5e-4, negatives:int|str=1) -> dict:
    torch.manual_seed(seed); g = torch.Generator().manual_seed(seed)
    rho = rho_for_mi(mi, d)
    c = make_critic(critic, (d, d), hidden)
    t0 = time.perf_counter()
    hist = fit_critic(c, lambda n: correlated_gaussians(n, d, rho, g), steps, estimator, batch, lr=lr, generator=g,
                      negatives=negatives)
    secs = time.perf_counter() - t0
    tail = hist[steps // 2:]
    held = heldout_estimate(c, correlated_gaussians(n_heldout, d, rho, g), estimator, batch=batch, generator=g)
    return dict(mean=tail.mean().item(), std=tail.std().item(), held=held, secs=secs, min=hist.min().item(),
                finite=bool(torch.isfinite(hist).all()))


def run_tc(estimator:str, tc:float, steps:int, n_blocks:int=4, d:int=5, hidden=(256, 256), batch:int=64, seed:int=0,
           negatives:int|str=1) -> dict:
    torch.manual_seed(seed); g = torch.Generator().manual_seed(seed)
    cov = block_gaussian_cov(n_blocks, d, rho_for_tc(tc, n_blocks, d))
    c = make_critic("concat", [d] * n_blocks, hidden)
    t0 = time.perf_counter()
    hist = fit_critic(c, lambda n: sample_gaussian(n, cov, [d] * n_blocks, g), steps, estimator, batch, generator=g,
                      negatives=negatives)
    secs = time.perf_counter() - t0
    tail = hist[steps // 2:]
    held = heldout_estimate(c, sample_gaussian(50_000, cov, [d] * n_blocks, g), estimator, generator=g)
    return dict(mean=tail.mean().item(), std=tail.std().item(), held=held, secs=secs)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=4000, help="training steps per MI level (default 4000)")
    p.add_argument("--quick", action="store_true", help="CI-sized: 150 steps, levels 2 and 6, 5,000 held-out samples")
    p.add_argument("--estimators", default="dv,ema,nwj,smile,smile:all,infonce",
                   help="comma-separated names; 'name:all' or 'name:K' trains with all B(B−1) shifted or K·B shuffled negatives")
    p.add_argument("--levels", default="2,4,6,8,10", help="true MI levels in nats")
    p.add_argument("--hidden", default="256,256", help="hidden widths of the critic")
    p.add_argument("--long", metavar="ESTIMATOR", help="only the long-run check: --long-steps steps at those of --levels among 4 and 6 nats")
    p.add_argument("--long-steps", type=int, default=20_000)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: leave torch's default)")
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    hidden = tuple(int(h) for h in a.hidden.split(","))
    steps, levels, n_held = a.steps, [float(v) for v in a.levels.split(",")], 50_000
    if a.quick: steps, levels, n_held = 150, [2.0, 6.0], 5_000

    if a.long:
        name, neg = parse_spec(a.long)
        print("| estimator | true MI | steps | mean | std/step | held-out | min per-step | all finite | seconds |")
        print("|---|---|---|---|---|---|---|---|---|", flush=True)
        for mi in [v for v in levels if v in (4.0, 6.0)] or [6.0]:
            r = run(name, mi, a.long_steps, hidden=hidden, n_heldout=n_held, negatives=neg)
            print(f"| {name}:{neg} | {mi:.0f} | {a.long_steps} | {r['mean']:.2f} | {r['std']:.2f} | {r['held']:.2f} | "
                  f"{r['min']:.2f} | {r['finite']} | {r['secs']:.0f} |", flush=True)
        return

    print(f"## MI staircase: 20-d Gaussians, batch 64, {steps} steps per level, concat critic {hidden}\n")
    print(f"Per-step statistics over the last {steps - steps // 2} steps; held-out on {n_held:,} fresh samples. "
          f"InfoNCE is capped at log 64 = {math.log(64):.2f}.\n")
    print("| estimator | critic | negatives | true MI | mean | bias | std/step | held-out | seconds |")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    specs = a.estimators.split(",")
    runs = [(s, "concat") for s in specs]
    if "infonce" in specs: runs.append(("infonce", "separable"))
    for spec, critic in runs:
        est, neg = parse_spec(spec)
        label = "all pairs" if est == "infonce" else "all shifts" if neg == "all" else f"{neg}×64 shuffled"
        for mi in levels:
            r = run(est, mi, steps, critic, hidden, n_heldout=n_held, negatives=neg)
            print(f"| {est} | {critic} | {label} | {mi:.0f} | {r['mean']:.2f} | {r['mean'] - mi:+.2f} | {r['std']:.2f} | "
                  f"{r['held']:.2f} | {r['secs']:.1f} |", flush=True)

    tc_levels = [4.0] if a.quick else [2.0, 4.0, 6.0]
    print(f"\n## Total correlation: 4 blocks of 5 dims (block-equicorrelated Gaussian), {steps} steps, mode='all'\n")
    print("| estimator | negatives | true TC | mean | bias | std/step | held-out | seconds |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    for spec in [s for s in specs if parse_spec(s)[0] != "infonce"]:
        est, neg = parse_spec(spec)
        for tc in tc_levels:
            r = run_tc(est, tc, steps, hidden=hidden, negatives=neg)
            print(f"| {est} | {neg} | {tc:.0f} | {r['mean']:.2f} | {r['mean'] - tc:+.2f} | {r['std']:.2f} | {r['held']:.2f} | "
                  f"{r['secs']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
