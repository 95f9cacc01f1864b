#!/usr/bin/env python
"""FDEN on the data sets a user brings, under both protocols and seeds 0, 1, 2: the quickstart's pipeline per
(data set, protocol, seed), every run's metrics written to results/real_data.json, and one table per data set
and protocol (each number per seed, mean and 95% interval) printed and written to results/real_data.md.

    python tools/real_data.py                                  # digits and fashion, both protocols, seeds 0 1 2
    python tools/real_data.py --data digits --protocol images  # one of them
    python tools/real_data.py --table                          # only the tables of the saved runs

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
from seeds import RESULTS, table  # noqa: E402  (the seed table of the glyph quickstart)


def _shot(e, rep:str, setting:str="5-way 1-shot"):
    s = e.shot(setting)
    return None if s is None or rep not in s else s[rep]["acc"]


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
]


def read_rows(e, rows) -> dict:
    "{label: value} of an `Evaluation` for each (label, read, …) of `rows`; None where it was not measured."
    out = {}
    for label, read, *_ in rows:
        try: out[label] = read(e)
        except (KeyError, TypeError, StopIteration): out[label] = None
    return out


def readings(run:dict) -> dict:
    "Every row of the tables, read from a run's stored metrics (what the notebooks show): {label: value}."
    from fden_nb.pipeline import Evaluation
    return read_rows(Evaluation.from_json(run["metrics"]), ROWS)


def measure(data:str, protocol:str, seeds, steps:int|None=None) -> list[dict]:
    "FDEN trained and evaluated per seed; `steps` FDEN steps (None: as the pipeline plans them for the set)."
    import torch
    from fden_nb.datasets import load_dataset
    from fden_nb.pipeline import (Run, Sizes, evaluate_fden, plan_episodes, prepare, train_baseline,
                                  train_fden)
    from fden_nb.utils import cpu_name
    torch.set_num_threads(1)
    ds = load_dataset(data, 32, progress=False, protocol=protocol)
    sizes = Sizes() if steps is None else Sizes(steps=steps, max_passes=None)
    run = Run(sizes, "cpu", progress=False)
    settings = ((3, 1), (5, 1), (5, 5)) if protocol == "classes" else None   # 3-way: few held-out classes
    plan = plan_episodes(run, ds, settings)
    run = dataclasses.replace(run, sizes=plan.sizes)
    prep = prepare(run, data=ds)
    runs = []
    for seed in seeds:
        at = dataclasses.replace(run, seed=seed)
        t0 = time.process_time()
        tr = train_fden(at, prep)
        ev = evaluate_fden(at, prep, tr.model, plan.settings, baseline=train_baseline(at, prep))
        runs.append({"data": data, "protocol": protocol, "seed": seed, "metrics": ev.to_json(),
                     "cpu": cpu_name(), "cpu_amp": tr.cfg.cpu_amp, "torch": torch.__version__,
                     "cpu_seconds": round(time.process_time() - t0, 1), "steps": tr.step})
        print(f"{data} {protocol} seed {seed} done", flush=True)
    return runs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="*", default=["digits", "fashion"])
    p.add_argument("--protocol", nargs="*", default=["images", "classes"])
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--table", action="store_true", help="print the tables of the saved runs only")
    a = p.parse_args()
    out = RESULTS / "real_data.json"
    saved = json.loads(out.read_text()) if out.exists() else []
    if not a.table:
        for data in a.data:
            for protocol in a.protocol:
                new = measure(data, protocol, a.seeds)
                done = {(r["data"], r["protocol"], r["seed"]) for r in new}
                saved = [r for r in saved if (r["data"], r["protocol"], r["seed"]) not in done] + new
                out.parent.mkdir(exist_ok=True)
                out.write_text(json.dumps(saved, indent=1) + "\n")
    for r in saved: r["readings"] = readings(r)
    out.write_text(json.dumps(saved, indent=1) + "\n")
    parts = []
    order = lambda r: (r["data"] != "digits", r["data"], r["protocol"] != "images")   # digits first
    for key in dict.fromkeys((r["data"], r["protocol"]) for r in sorted(saved, key=order)):
        runs = sorted((r for r in saved if (r["data"], r["protocol"]) == key), key=lambda r: r["seed"])
        steps = f" ({runs[0]['steps']} FDEN steps)" if "steps" in runs[0] else ""
        parts.append(f"### {key[0]}, protocol {key[1]}{steps}\n\n" + table(runs, ROWS, "tools/real_data.py"))
    text = "\n\n".join(parts)
    (RESULTS / "real_data.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
