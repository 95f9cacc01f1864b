#!/usr/bin/env python
"""Benchmark of the course's grader: a class of generated submissions of one assignment graded with 1 and
with 2 jobs; the two CSVs must be equal.

The submissions of 01_dv_bound come in five kinds, in equal numbers: solved, unsolved (the student version),
wrong (typical slips, in turn), raising, looping. A looping submission costs one `--timeout`, so the total
is about n_loops × timeout / jobs plus the rest; the default limit here is 5 s (the grader's default is 60 s).

    python tools/bench_grade.py                      # 200 submissions, 1 job then 2
    python tools/bench_grade.py --n 50 --jobs 2      # a shorter run
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from fden_nb.course import course_dir, nb_text
from fden_nb.grading import grade

SLIPS = ["return t_joint.mean() - t_marginal.mean()",
         "return t_joint.mean() - torch.logsumexp(t_marginal, 0)",
         "return t_joint.mean() - t_marginal.exp().mean().log()",
         "return t_joint.mean() - (torch.logsumexp(t_marginal, 0) - math.log(len(t_joint)))"]
KINDS = ("solved", "unsolved", "wrong", "raising", "looping")


def with_answer(solution:dict, source:str) -> dict:
    "A copy of `solution` whose `dv_bound` cell holds `source`."
    nb = json.loads(json.dumps(solution))
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "dv_bound": c["source"] = source
    return nb


def submission(kind:str, i:int, solution:dict, student:dict) -> dict:
    "The i-th submission of `kind`."
    head = "import math, torch\ndef dv_bound(t_joint, t_marginal):\n    "
    if kind == "solved": return solution
    if kind == "unsolved": return student
    if kind == "wrong": return with_answer(solution, head + SLIPS[i % len(SLIPS)])
    if kind == "raising": return with_answer(solution, head + "return t_joint.mean() / t_marginal.shape[1]")
    return with_answer(solution, "while True:\n    pass")


def make_class(folder:Path, n:int) -> Counter:
    "Write `n` submissions into `folder`: the kinds in turn."
    name = "01_dv_bound.ipynb"
    solution = json.loads((course_dir("assignments") / name).read_text(encoding="utf-8"))
    student = json.loads((course_dir("student") / name).read_text(encoding="utf-8"))
    kinds = Counter()
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        nb = submission(kind, i // len(KINDS), solution, student)
        (folder / f"{kind}_{i:03d}.ipynb").write_text(nb_text(nb), encoding="utf-8")
        kinds[kind] += 1
    return kinds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200, help="submissions (default 200)")
    p.add_argument("--jobs", default="1,2", help="comma-separated job counts to time (default 1,2)")
    p.add_argument("--timeout", type=float, default=5., help="seconds a cell may run (default 5)")
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        subs = work / "submissions"
        subs.mkdir()
        kinds = make_class(subs, a.n)
        print(f"{a.n} submissions of 01_dv_bound: " + ", ".join(f"{n} {k}" for k, n in kinds.items())
              + f"; --timeout {a.timeout:g}")
        csvs = {}
        for jobs in [int(j) for j in a.jobs.split(",")]:
            t0 = time.perf_counter()
            rows = grade("01_dv_bound", subs, out=work / f"grades{jobs}.csv", timeout=a.timeout, jobs=jobs,
                         verbose=False)
            seconds = time.perf_counter() - t0
            csvs[jobs] = (work / f"grades{jobs}.csv").read_text(encoding="utf-8")
            statuses = Counter(r.status for r in rows)
            print(f"jobs {jobs}: {seconds:6.1f} s ({seconds / a.n:.2f} s a submission)  "
                  + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
        same = len(set(csvs.values())) == 1
        print(f"the CSVs of {', '.join(map(str, csvs))} job(s) are {'equal' if same else 'DIFFERENT'}")
        if not same: raise SystemExit(1)
    finally: shutil.rmtree(work)


if __name__ == "__main__": main()
