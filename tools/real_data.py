#!/usr/bin/env python
"""FDEN on the data sets a user brings, under both protocols and seeds 0, 1, 2: the quickstart's pipeline per
(data set, protocol, seed), every run's metrics written to results/real_data.json, and one table per data set
and protocol (each number per seed, mean and 95% interval) printed and written to results/real_data.md.

    python tools/real_data.py                                  # digits and fashion, both protocols, seeds 0 1 2
    python tools/real_data.py --data digits --protocol images  # one of them
    python tools/real_data.py --table                          # only the tables of the saved runs
    python tools/real_data.py --data digits --protocol images --fden '{"cycle": 10.0}' --out style_arrival
                                      # FDEN with overrides of `FDENConfig.two_factor`, kept apart
    python tools/real_data.py --data digits --protocol images --linear 9 --out style_arrival
                                      # the linear split with a 9-unit identity, as a reference
    python tools/real_data.py --data glyphs --protocol classes --seeds 0 --out style_arrival
                                      # the glyphs at the quickstart's sizes (tools/seeds.py)

Fashion-MNIST is read from its four official files (Debian: `apt install dataset-fashion-mnist`).
Trained checkpoints in the data cache are reused.
"""
import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeds import RESULTS, read_rows, table  # noqa: E402  (the seed table of the glyph quickstart)


def _shot(e, rep:str, setting:str="5-way 1-shot"):
    s = e.shot(setting)
    return None if s is None or rep not in s else s[rep]["acc"]


def _arrived(e):
    "How many glyph style factors the style CNN reads as B's value at least twice as often as in keep-A."
    arrived = e.style_arrived()
    return None if arrived is None else len(arrived)


def _mse(e, row:str):
    "The content transfer's pixel MSE of a row ('transfer' or 'keep_A'); None where it was not measured."
    return e.content_transfer[row]["mse"] if e.content_transfer else None


def _mlp_probe(e):
    r = e._mlp_probe()
    return None if r is None else 100 * r["acc"]


ROWS = [  # (label, how to read it from an `Evaluation`, format); a row without a value is left out
    ("f_ide 5-way 1-shot (%)", lambda e: _shot(e, "ide"), "{:.1f}"),
    ("f_sty 5-way 1-shot (%)", lambda e: _shot(e, "sty"), "{:.1f}"),
    ("raw z 5-way 1-shot (%)", lambda e: _shot(e, "z"), "{:.1f}"),
    ("MLP baseline 5-way 1-shot (%)", lambda e: _shot(e, "mlp"), "{:.1f}"),
    ("f_ide 3-way 1-shot (%)", lambda e: _shot(e, "ide", "3-way 1-shot"), "{:.1f}"),
    ("raw z 3-way 1-shot (%)", lambda e: _shot(e, "z", "3-way 1-shot"), "{:.1f}"),
    ("class from f_sty, linear probe (%)", lambda e: 100 * e.probe("class", "sty")["acc"], "{:.1f}"),
    ("class from f_sty, MLP probe (%)", _mlp_probe, "{:.1f}"),
    ("chance of the probes (%)", lambda e: 100 * e.probe("class", "sty")["chance"], "{:.1f}"),
    ("round trip ‖z − z̃‖/‖z‖", lambda e: e.reconstruction["rel_z_error"], "{:.1e}"),
    ("swap read as A's class, image CNN (%)",
     lambda e: 100 * e.judged["classes"]["swap"]["A"] if e.judged else None, "{:.1f}"),
    ("keep-A read as A's class, image CNN (%)",
     lambda e: 100 * e.judged["classes"]["keep_A"]["A"] if e.judged else None, "{:.1f}"),
    ("swap read as A over B, MLP on z (%)", lambda e: 100 * e.swaps["A_vs_B"], "{:.1f}"),
    ("swap's style r with B's (Morpho)", lambda e: e.morpho_r("B"), "{:.2f}"),
    ("swap's style r with A's (Morpho)", lambda e: e.morpho_r("A"), "{:.2f}"),
    ("held-out I(f_ide; f_sty) (nats)", lambda e: (e.dependence or {}).get("ide_sty"), "{:.3f}"),
    ("glyph style factors B's style arrives in (≥ 2× keep-A)", lambda e: _arrived(e), "{:.0f}"),
    ("transfer MSE (glyphs)", lambda e: _mse(e, "transfer"), "{:.4f}"),
    ("keep-A MSE (glyphs)", lambda e: _mse(e, "keep_A"), "{:.4f}"),
]


def readings(run:dict) -> dict:
    "Every row of the tables, read from a run's stored metrics (what the notebooks show): {label: value}."
    from fden_nb.pipeline import Evaluation
    return read_rows(Evaluation.from_json(run["metrics"]), ROWS)


def measure(data:str, protocol:str, seeds, steps:int|None=None, fden:dict|None=None,
            linear:int|None=None) -> list[dict]:
    """FDEN trained and evaluated per seed; `steps` FDEN steps (None: as the pipeline plans them for the set);
    `fden`: overrides of `FDENConfig.two_factor` (e.g. {"style_share": 0.25}), None: the default model;
    `linear`: instead of FDEN, the linear split (`32_linear_split`) with an identity that many units wide."""
    import torch
    from fden_nb.datasets import load_dataset
    from fden_nb.pipeline import (PAPER_SETTINGS, Run, Sizes, evaluate_fden, fit_linear_split,
                                  plan_episodes, prepare, train_baseline, train_fden)
    from fden_nb.stages import train_config
    from fden_nb.train import fden_checkpoint
    from fden_nb.utils import cpu_name
    torch.set_num_threads(1)
    ds = load_dataset(data, 32, progress=False, protocol=protocol)
    sizes = Sizes() if steps is None else Sizes(steps=steps, max_passes=None, few_class_steps=steps)
    run = Run(sizes, "cpu", progress=False)
    settings = ((3, 1), (5, 1), (5, 5)) if protocol == "classes" else None   # 3-way: few held-out classes
    if data == "glyphs": settings = PAPER_SETTINGS       # the quickstart's sizes (tools/seeds.py)
    else:
        plan = plan_episodes(run, ds, settings)
        run, settings = dataclasses.replace(run, sizes=plan.sizes), plan.settings
    prep = prepare(run, data=ds)
    start = prep.fden_defaults()          # what the pipeline builds FDEN from for this protocol
    if fden: prep = prep.variant(**fden)
    runs = []
    for seed in seeds:
        at = dataclasses.replace(run, seed=seed)
        t0 = time.process_time()
        if linear is None:
            trained_here = not fden_checkpoint(prep.fden, train_config(at), prep.lat_bg).exists()
            tr = train_fden(at, prep)
            model, amp, steps_done = tr.model, tr.cfg.cpu_amp, tr.step
        else:                                      # a reference: Fisher's discriminant split of z
            trained_here, model, amp, steps_done = False, fit_linear_split(at, prep, linear), False, 0
        train_cpu = time.process_time() - t0
        ev = evaluate_fden(at, prep, model, settings, baseline=train_baseline(at, prep))
        runs.append({"data": data, "protocol": protocol, "seed": seed, "metrics": ev.to_json(),
                     "cpu": cpu_name(), "cpu_amp": amp, "torch": torch.__version__,
                     "cpu_seconds": round(time.process_time() - t0, 1), "steps": steps_done,
                     "method": "fden" if linear is None else f"linear split, f_ide {linear} wide",
                     "fden": fden or {}, "start": start,   # FDEN: `start`, then the overrides `fden`
                     # CPU seconds of FDEN's training, where it trained here (not loaded from the cache)
                     "train_cpu_seconds": round(train_cpu, 1) if trained_here else None})
        print(f"{data} {protocol} seed {seed} done", flush=True)
    return runs


def _key(run:dict) -> tuple:
    "(data, protocol, FDEN overrides as JSON, method): the runs of one table."
    fden = json.dumps(run.get("fden") or {}, sort_keys=True)
    return run["data"], run["protocol"], fden, run.get("method", "fden")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="*", default=["digits", "fashion"])
    p.add_argument("--protocol", nargs="*", default=["images", "classes"])
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--table", action="store_true", help="print the tables of the saved runs only")
    p.add_argument("--fden", type=json.loads, default=None,
                   help='overrides of FDENConfig.two_factor as JSON, e.g. \'{"style_share": 0.25}\'')
    p.add_argument("--linear", type=int, default=None, metavar="K",
                   help="measure the linear split with a K-unit identity instead of FDEN (a reference)")
    p.add_argument("--out", default="real_data", help="results/OUT.json and OUT.md (default real_data)")
    a = p.parse_args()
    if a.fden is not None and not isinstance(a.fden, dict):
        p.error(f"--fden takes a JSON object of FDENConfig overrides, got {a.fden!r}")
    out = RESULTS / f"{a.out}.json"
    saved = json.loads(out.read_text()) if out.exists() else []
    if not a.table:
        for data in a.data:
            for protocol in a.protocol:
                new = measure(data, protocol, a.seeds, fden=a.fden, linear=a.linear)
                done = {_key(r) + (r["seed"],) for r in new}
                saved = [r for r in saved if _key(r) + (r["seed"],) not in done] + new
                out.parent.mkdir(exist_ok=True)
                out.write_text(json.dumps(saved, indent=1) + "\n")
    for r in saved: r["readings"] = readings(r)
    out.write_text(json.dumps(saved, indent=1) + "\n")
    parts = []
    # digits first; the default model before its variants, a reference last
    order = lambda r: (r["data"] != "digits", r["data"], r["protocol"] != "images",
                       r.get("method", "fden") != "fden", bool(r.get("fden")))
    for key in dict.fromkeys(_key(r) for r in sorted(saved, key=order)):
        runs = sorted((r for r in saved if _key(r) == key), key=lambda r: r["seed"])
        steps = f" ({runs[0]['steps']} FDEN steps)" if "steps" in runs[0] and key[3] == "fden" else ""
        fden = f", FDEN with `{key[2]}`" if key[2] != "{}" else ""
        fden += f", {key[3]}" if key[3] != "fden" else ""
        text = table(runs, ROWS, "tools/real_data.py")
        if key[3] != "fden": text = text.replace("FDEN trained in float32", "fitted in closed form")
        parts.append(f"### {key[0]}, protocol {key[1]}{fden}{steps}\n\n" + text)
    text = "\n\n".join(parts)
    (RESULTS / f"{a.out}.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
