#!/usr/bin/env python
"""How the style factor's share of z changes what a swap carries: FDEN on a data set's default protocol with
`style_share` set to each value given, every other setting the quickstart's, one line per value.

    python tools/style_share.py                       # digits, shares 0.125 (the default) 0.25 0.5, seed 0
    python tools/style_share.py --data fashion 0.25   # another set, other shares

Each line: the class read from f_sty (linear and MLP probes), the swaps read as A's class by the image judge
(keep-A beside it), the swap's Morpho-MNIST style part against B's and A's (mean r over thickness, slant, width,
height), f_ide's 5-way 1-shot accuracy, the held-out I(f_ide; f_sty), on the glyphs the transfer MSE and the
factors whose style arrives, and the CPU seconds of the run.
"""
import argparse
import dataclasses
import sys
import time


def _glyph_part(ev) -> str:
    "Where the styles are known (the glyphs): the transfer MSE (keep-A's) and the factors whose style arrives."
    ct, arrived = ev.content_transfer, ev.style_arrived()
    if ct is None or arrived is None: return ""
    return (f", transfer MSE {ct['transfer']['mse']:.4f} (keep-A {ct['keep_A']['mse']:.4f}), "
            f"style arrives on {len(arrived)} of {len(ev.judged['style']['swap'])} factors")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("shares", nargs="*", type=float, default=[0.125, 0.25, 0.5])
    p.add_argument("--data", default="digits")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    import torch
    from fden_nb.datasets import load_dataset
    from fden_nb.pipeline import (Run, Sizes, evaluate_fden, plan_episodes, prepare, train_baseline,
                                  train_fden)
    torch.set_num_threads(1)
    ds = load_dataset(a.data, 32, progress=False)
    run = Run(Sizes(), "cpu", a.seed, progress=False, verbose=False)
    plan = plan_episodes(run, ds)
    run = dataclasses.replace(run, sizes=plan.sizes)
    base = prepare(run, data=ds)
    baseline = train_baseline(run, base)
    for share in a.shares:
        prep = base.variant(style_share=share)
        t0 = time.process_time()
        ev = evaluate_fden(run, prep, train_fden(run, prep).model, plan.settings, baseline=baseline)
        j = ev.judged
        r = {who: ev.morpho_r(who) for who in ("B", "A")}
        r = {who: float("nan") if v is None else v for who, v in r.items()}
        print(f"style_share {share}: class from f_sty {100 * ev.probe('class', 'sty')['acc']:.1f}% "
              f"/ MLP {100 * ev._mlp_probe()['acc']:.1f}%, swap A's class "
              f"{100 * j['classes']['swap']['A']:.1f}% (keep-A {100 * j['classes']['keep_A']['A']:.1f}), "
              f"style r with B's {r['B']:.2f}, A's {r['A']:.2f}, f_ide 5w1s {ev.shot()['ide']['acc']:.1f}, "
              f"I {ev.dependence['ide_sty']:.2f} nats{_glyph_part(ev)}, {time.process_time() - t0:.0f} s CPU",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
