#!/usr/bin/env python
"""How many FDEN steps a small data set should train: scikit-learn's digits (899 seen images) under both protocols
and seeds 0, 1, 2, trained the glyphs' 1,500 steps (530 passes over the seen images) and the 500 steps that
`Sizes.max_passes` (180 passes) gives it; every run written to results/small_set_steps.json, one table per protocol
and step count written to results/small_set_steps.md (notebook 80_stages shows them).

    python tools/small_set_steps.py            # both protocols, 1,500 and the planned steps, seeds 0 1 2
    python tools/small_set_steps.py --table    # only the tables of the saved runs
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_data import ROWS, measure, readings  # noqa: E402
from seeds import RESULTS, table  # noqa: E402

OUT = RESULTS / "small_set_steps.json"


def planned_steps(data:str, protocol:str) -> int:
    "The FDEN steps the pipeline plans for the set (`fden_steps`)."
    from fden_nb.datasets import load_dataset
    from fden_nb.stages import Sizes, fden_steps
    return fden_steps(Sizes(), len(load_dataset(data, 32, progress=False, protocol=protocol).seen))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="digits")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--table", action="store_true", help="print the tables of the saved runs only")
    p.add_argument("--rerun", action="store_true", help="train and evaluate runs already saved again")
    a = p.parse_args()
    saved = json.loads(OUT.read_text()) if OUT.exists() else []
    if not a.table:
        for protocol in ("images", "classes"):
            for steps in (1500, planned_steps(a.data, protocol)):   # the glyphs', the planned
                key = lambda r: (r["data"], r["protocol"], r["steps"], r["seed"])
                if not a.rerun and {(a.data, protocol, steps, s) for s in a.seeds} <= set(map(key, saved)):
                    continue
                new = measure(a.data, protocol, a.seeds, steps)
                done = {key(r) for r in new}
                saved = [r for r in saved if key(r) not in done] + new
                OUT.write_text(json.dumps(saved, indent=1) + "\n")
    for r in saved: r["readings"] = readings(r)
    OUT.write_text(json.dumps(saved, indent=1) + "\n")
    parts = []
    for k in dict.fromkeys((r["data"], r["protocol"], r["steps"]) for r in saved):
        runs = sorted((r for r in saved if (r["data"], r["protocol"], r["steps"]) == k),
                      key=lambda r: r["seed"])
        cpu = sorted(r["cpu_seconds"] for r in runs)[len(runs) // 2]
        parts.append(f"### {k[0]}, protocol {k[1]}, {k[2]} FDEN steps (median {cpu:.0f} CPU s a seed, "
                     "training and evaluation)\n\n" + table(runs, ROWS, "tools/small_set_steps.py"))
    text = "\n\n".join(parts)
    (RESULTS / "small_set_steps.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
