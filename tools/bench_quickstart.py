#!/usr/bin/env python
"""How long `fden-nb quickstart` takes, stage by stage: runs it --repeats times from an empty data cache and as many
times from the cache it made, and prints the medians as a Markdown table (the README's).

    python tools/bench_quickstart.py                       # the glyphs, 3 + 3 runs
    python tools/bench_quickstart.py --data digits --repeats 3
"""
import argparse, json, os, platform, re, statistics, subprocess, sys, tempfile, time
from pathlib import Path


def run(args:list, cache:str, out:str) -> tuple[float, dict]:
    "Wall time of one quickstart and its stage timings (metrics.json), with the threads it chose."
    env = {**os.environ, "FDEN_DATA_CACHE": cache}
    t = time.perf_counter()
    r = subprocess.run(["fden-nb", "quickstart", "--no-progress", "--out", out, *args], env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode: sys.exit(f"quickstart failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    times = json.loads((Path(out) / "metrics.json").read_text())["timings_s"]
    m = re.search(r"(\d+) thread\(s\)", r.stdout)
    return wall, {**times, "threads": int(m.group(1)) if m else None}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="glyphs")
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    rows = {}
    for start in ("empty cache", "its cache"):
        rows[start] = []
    for _ in range(a.repeats):
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
            for start in ("empty cache", "its cache"):
                rows[start].append(run(["--data", a.data], cache, out))
    from fden_nb.utils import cpu_name
    import torch
    threads = sorted({t["threads"] for runs in rows.values() for _, t in runs})
    print(f"`fden-nb quickstart --data {a.data}`, medians of {a.repeats} runs on {cpu_name()} "
          f"({os.cpu_count()} cores, {'/'.join(map(str, threads))} thread(s) as the command chose them, "
          f"torch {torch.__version__}):\n")
    stages = [s for s in rows["empty cache"][0][1] if s not in ("total", "threads")]
    print("| from | wall (s) | " + " | ".join(stages) + " |")
    print("| --- " * (len(stages) + 2) + "|")
    for start, runs in rows.items():
        med = lambda xs: statistics.median(xs)
        cells = [f"{med([t.get(s, 0.) for _, t in runs]):.1f}" for s in stages]
        walls = sorted(w for w, _ in runs)
        print(f"| {start} | {med(walls):.1f} (min {walls[0]:.1f}, max {walls[-1]:.1f}) | " + " | ".join(cells) + " |")
    print("\nEach run (wall s, the threads it chose, FDEN's stage s): " + "; ".join(
        f"{start} {i + 1}: {w:.1f} s, {t['threads']} thread(s), train {t.get('train', 0.):.1f}"
        for start, runs in rows.items() for i, (w, t) in enumerate(runs)))


if __name__ == "__main__": main()
