#!/usr/bin/env python
"""FDEN beside the papers' other methods on a data set a user brings: `fden-nb compare` on one data
set and protocol, its table (rows rebuilt by `comparison_row` from every method's stored evaluation)
written to results/compare_<data>.md and every number to results/compare_<data>.json.

    python tools/real_compare.py --data digits             # every method, protocol images
    python tools/real_compare.py --data fashion --methods fden,mlp,mathieu,mixing
    python tools/real_compare.py --data digits --from OUT  # the --out folder of a finished
                                                           # `fden-nb compare --data digits ...`
    python tools/real_compare.py --data digits --seed 1    # another seed: results/compare_digits_seed1.*
    python tools/real_compare.py --table                   # the tables again from the files

Fashion-MNIST is read from its four official files (Debian: `apt install dataset-fashion-mnist`).
Trained checkpoints in the data cache are reused.
"""
import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_data import read_rows  # noqa: E402  (one way to read an Evaluation's rows)


def run_compare(data:str, protocol:str, methods:str, seed:int) -> dict:
    "What `fden-nb compare --data DATA --protocol PROTOCOL --methods METHODS` writes (its .json)."
    import torch
    from fden_nb.compare import compare
    from fden_nb.datasets import load_dataset
    from fden_nb.pipeline import Run, Sizes, plan_episodes, prepare
    torch.set_num_threads(1)
    run = Run(Sizes(), "cpu", seed, progress=False, verbose=True)
    ds = load_dataset(data, 32, progress=False, protocol=protocol)
    plan = plan_episodes(run, ds)
    run = dataclasses.replace(run, sizes=plan.sizes)
    with tempfile.TemporaryDirectory() as out:
        compare(run, prepare(run, data=ds), methods, out=out)
        return json.loads((Path(out) / "comparison.json").read_text())


def record(doc:dict, data:str, protocol:str, methods:str, seed:int) -> dict:
    "comparison.json with what made it: data, protocol, methods, seed, CPU, torch, precision."
    import torch
    from fden_nb.train import TrainConfig
    from fden_nb.utils import cpu_name
    got = {m["data"]["protocol"] for m in doc["metrics"].values() if "data" in m}
    if got and got != {protocol}:
        raise SystemExit(f"the comparison was run under protocol {', '.join(sorted(got))}, not "
                         f"{protocol}: pass --protocol {', '.join(sorted(got))}")
    return {"data": data, "protocol": protocol, "methods": methods, "seed": seed, "cpu": cpu_name(),
            "torch": torch.__version__, "cpu_amp": TrainConfig().cpu_amp,
            "command": f"fden-nb compare --data {data} --protocol {protocol} --methods {methods}"
                       + (f" --seed {seed}" if seed else ""),
            "comparison": doc}


READINGS = [  # what notebook 13 reads of every method: (label, how to read it from an `Evaluation`)
    ("5-way 1-shot from the identity code", lambda e: e.shot("5-way 1-shot")["ide"]["acc"]),
    ("class from f_sty by a linear probe", lambda e: 100 * e.probe("class", "sty")["acc"]),
    ("class from f_sty by an MLP probe", lambda e: 100 * e.probe("class", "sty", "mlp")["acc"]),
    ("swaps read as A's class", lambda e: 100 * e.judged["classes"]["swap"]["A"]),
    ("the swap's style r with B's", lambda e: e.morpho_r("B")),
    ("round trip", lambda e: 100 * e.reconstruction["rel_z_error"]),
]


def readings(rec:dict) -> dict:
    "{method: {label: value or None}} of `READINGS`, from the stored evaluations."
    from fden_nb.evaluation import Evaluation
    return {name: read_rows(Evaluation.from_json(m), READINGS)
            for name, m in rec["comparison"]["metrics"].items()}


def markdown(rec:dict) -> str:
    "The table of one saved comparison, how to read it, and what made it."
    from fden_nb.compare import comparison_notes, comparison_row
    from fden_nb.evaluation import Evaluation
    from fden_nb.metrics import format_table
    metrics = rec["comparison"]["metrics"]
    rows = [comparison_row(n, Evaluation.from_json(m), m["train_seconds"])
            for n, m in metrics.items()]
    notes = "\n".join(f"* {n}" for n in comparison_notes(rec["protocol"]))
    precision = "bf16 autocast" if rec["cpu_amp"] else "float32"
    return (f"### {rec['data']}, protocol {rec['protocol']}\n\n{format_table(rows)}\n\n{notes}\n\n"
            f"{rec['cpu']}, torch {rec['torch']}, FDEN trained in {precision}, seed {rec['seed']} "
            f"(`{rec['command']}`; `python tools/real_compare.py`); train s: wall-clock seconds, on "
            "a CPU shared with other jobs (a record, not a speed measurement).")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="digits", help="a data set of `fden-nb compare --data`")
    p.add_argument("--protocol", default="images", choices=("images", "classes"))
    p.add_argument("--methods", default="all", help="as `fden-nb compare --methods` (default all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--from", dest="source", default=None,
                   help="the --out folder of a finished `fden-nb compare` with these flags")
    p.add_argument("--table", action="store_true", help="rewrite and print the saved tables only")
    a = p.parse_args()
    if not a.table:
        if a.source is None:
            doc = run_compare(a.data, a.protocol, a.methods, a.seed)
        else:
            path = Path(a.source) / "comparison.json"
            if not path.exists():
                raise SystemExit(f"{path} does not exist: pass the --out folder of "
                                 "`fden-nb compare`")
            doc = json.loads(path.read_text())
        rec = record(doc, a.data, a.protocol, a.methods, a.seed)
        RESULTS.mkdir(exist_ok=True)
        name = f"compare_{a.data}" + (f"_seed{a.seed}" if a.seed else "")
        (RESULTS / f"{name}.json").write_text(json.dumps(rec, indent=1) + "\n")
    for path in sorted(RESULTS.glob("compare_*.json")):
        rec = json.loads(path.read_text())
        if "comparison" not in rec:
            continue                                  # another tool's file (the glyphs' table)
        rec["readings"] = readings(rec)
        path.write_text(json.dumps(rec, indent=1) + "\n")
        text = markdown(rec)
        path.with_suffix(".md").write_text(text + "\n")
        print(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
