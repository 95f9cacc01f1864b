#!/usr/bin/env python
"""1 or 2 threads on this machine? Wall time of the quickstart's heavy parts at each thread count, idle and beside a
second job (a one-thread matmul loop in another process), measured round-robin; medians of --repeats.

    python tools/bench_threads.py                 # about a minute on 2 cores
    python tools/bench_threads.py --repeats 7

Parts: FDEN's training step (the two-factor default, 320 latents), the backbone's training step (batch 64) and
encoding (512 images), the few-shot evaluation (1,000 5-way 1-shot episodes).
"""
import argparse, multiprocessing as mp, statistics, time

import torch


def busy(stop):
    "A second job: one thread of float32 matmuls until told to stop."
    torch.set_num_threads(1)
    a = torch.randn(512, 512)
    while not stop.is_set(): a = (a @ a).tanh()


def parts():
    from fden_nb.backbones import make_backbone
    from fden_nb.core import FDEN
    from fden_nb.metrics import few_shot_eval
    from fden_nb.pipeline import Run, Sizes, train_config
    from fden_nb.train import Trainer
    torch.manual_seed(0)
    z, y = torch.randn(23420, 128), torch.arange(1171).repeat_interleave(20)
    tr = Trainer(FDEN.two_factor(128), (z, y), train_config(Run(Sizes(), "cpu"), steps=10**6), cbs=[])
    ae = make_backbone("ae"); opts = ae.configure_optimizers(); x = torch.rand(64, 1, 32, 32)
    xe = torch.rand(512, 1, 32, 32); f = torch.randn(8140, 112); fy = torch.arange(407).repeat_interleave(20)
    state = {"n": 0}

    def fden_steps():
        state["n"] += 10
        tr.fit(state["n"])
    return {
        "FDEN, 10 steps": fden_steps,
        "backbone, 10 steps": lambda: [ae.training_step(x, opts) for _ in range(10)],
        "encode 512 images": lambda: torch.no_grad()(ae.encode)(xe),
        "1,000 few-shot episodes": lambda: few_shot_eval(f, fy, 5, 1, 15, 1000, seed=0),
    }


def timed(f) -> float:
    t = time.perf_counter(); f(); return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    jobs = parts()
    for f in jobs.values(): f()                                             # warm-up
    for load in ("idle", "beside a second job"):
        ctx = mp.get_context("spawn")
        stop, proc = ctx.Event(), None
        if load != "idle":
            proc = ctx.Process(target=busy, args=(stop,)); proc.start(); time.sleep(1)
        times = {(n, t): [] for n in jobs for t in (1, 2)}
        for _ in range(a.repeats):
            for n, f in jobs.items():
                for t in (1, 2):
                    torch.set_num_threads(t); times[n, t].append(timed(f))
        if proc is not None: stop.set(); proc.join()
        print(f"\n{load} (median of {a.repeats}, seconds):")
        for n in jobs:
            one, two = statistics.median(times[n, 1]), statistics.median(times[n, 2])
            print(f"  {n:<26} 1 thread {one:7.3f}   2 threads {two:7.3f}   2 vs 1: {one / two:4.2f}x")


if __name__ == "__main__": main()
