#!/usr/bin/env python
"""The validation suite of `measure_dependence` (notebook 04a): every case of `SUITE` measured once,
its table written to results/dependence_suite.json and its figure to results/dependence_suite.png;
04a reads both.

    nice -n 5 python tools/dependence_suite.py     # every case, one thread (about 5 minutes)
    python tools/dependence_suite.py --quick       # the notebook's QUICK cases, printed only
    python tools/dependence_suite.py --table       # print the saved table, redraw its figure
"""
import argparse, json, sys, time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "results"
OUT = RESULTS / "dependence_suite.json"


def measure(cases) -> list[dict]:
    "Every case of the list, one thread, a line of progress each."
    from fden_nb.dependence import run_case
    rows = []
    for i, case in enumerate(cases):
        rows.append(run_case(*case))
        r = rows[-1]
        print(f"[{i + 1}/{len(cases)}] {r['case']} d={r['d']} k={r['k']} n={r['n']}: "
              f"truth {r['truth']:.2f}, value {r['default']:.2f} ({r['cpu_seconds']:.1f} s)",
              file=sys.stderr, flush=True)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the notebook's QUICK cases, printed only")
    p.add_argument("--table", action="store_true", help="print the saved table, redraw its figure")
    a = p.parse_args()
    import torch
    from fden_nb.dependence import QUICK, SUITE, plot_suite, suite_lines
    from fden_nb.utils import cpu_name
    if a.table: rows = json.loads(OUT.read_text())["rows"]
    else:
        torch.set_num_threads(1)
        t0 = time.perf_counter()
        rows = measure(QUICK if a.quick else SUITE)
    print("\n".join(suite_lines(rows)))
    if a.quick: return
    if not a.table:
        RESULTS.mkdir(exist_ok=True)
        saved = dict(cpu=cpu_name(), threads=torch.get_num_threads(), torch=torch.__version__,
                     wall_seconds=time.perf_counter() - t0, rows=rows)
        OUT.write_text(json.dumps(saved, indent=1) + "\n")
    import matplotlib
    matplotlib.use("Agg")
    plot_suite(rows).savefig(OUT.with_suffix(".png"), dpi=110)
    print(f"wrote {OUT.with_suffix('.png')}" + ("" if a.table else f" and {OUT}"))


if __name__ == "__main__": sys.exit(main())
