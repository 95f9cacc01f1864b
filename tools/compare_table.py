#!/usr/bin/env python
"""Every method of the comparison on the glyphs (`fden-nb compare --methods all`), stored in results/ as
compare_glyphs.md (the table and its notes) and compare_glyphs.json (every number, each method's train seconds,
the stage timings, and where it ran); notebook 82 reads them.

    python tools/compare_table.py                           # run the comparison here (the data cache is reused)
    python tools/compare_table.py --from DIR                # store `fden-nb compare --methods all --out DIR`
    python tools/compare_table.py --from DIR --cpu-seconds 1088.9 --wall-seconds 581.5   # with its times (/usr/bin/time)
    python tools/compare_table.py --from DIR --name compare_glyphs_fp32   # a float32 run beside it
    python tools/compare_table.py --from DIR --name compare_glyphs_seed1 --seed 1   # another seed (82 reads them)
"""
import argparse, json, shutil, sys, tempfile, time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "results"
CPU_AMP = {"auto": "auto", "bf16": True, "fp32": False}


def run_comparison(out:Path, precision:str, seed:int):
    "The comparison of every method, as `fden-nb compare --methods all` runs it, written to `out`."
    from fden_nb.compare import compare
    from fden_nb.stages import Run, Sizes, prepare
    run = Run(Sizes(), "auto", seed=seed, progress=False, verbose=True, cpu_amp=CPU_AMP[precision])
    compare(run, prepare(run), "all", out=out)


def store(src:Path, name:str, command:str, cpu_seconds:float|None=None, wall_seconds:float|None=None,
          seed:int=0):
    """comparison.md and .json of `src` as results/NAME.md and .json, the JSON with where it ran and its
    seed (and, when given, the whole command's CPU and wall-clock seconds)."""
    import torch
    from fden_nb.utils import cpu_name
    for f in ("comparison.md", "comparison.json"):
        if not (src / f).exists():
            sys.exit(f"{src} has no {f}: give the --out folder of a finished `fden-nb compare` run")
    doc = json.loads((src / "comparison.json").read_text())
    doc["provenance"] = {"command": command, "cpu": cpu_name(), "torch": torch.__version__, "seed": seed}
    if cpu_seconds is not None: doc["provenance"]["command_cpu_s"] = cpu_seconds
    if wall_seconds is not None: doc["provenance"]["command_wall_s"] = wall_seconds
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
    shutil.copyfile(src / "comparison.md", RESULTS / f"{name}.md")
    print((RESULTS / f"{name}.md").read_text())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--from", dest="src", default=None,
                   help="the --out folder of a finished `fden-nb compare` run (default: run it here)")
    p.add_argument("--name", default="compare_glyphs", help="results/NAME.md and results/NAME.json")
    p.add_argument("--command", default="fden-nb compare --methods all",
                   help="with --from: the command that made it, recorded in the JSON")
    p.add_argument("--cpu-seconds", type=float, default=None,
                   help="with --from: the command's CPU seconds (user + system, e.g. /usr/bin/time -v)")
    p.add_argument("--wall-seconds", type=float, default=None,
                   help="with --from: the command's wall-clock seconds (e.g. /usr/bin/time)")
    p.add_argument("--precision", choices=tuple(CPU_AMP), default="auto",
                   help="without --from: training on the CPU in bf16 where it has it (auto), bf16, fp32")
    p.add_argument("--seed", type=int, default=0, help="the run's seed (with --from: the one it ran with)")
    a = p.parse_args()
    if a.src is not None:
        return store(Path(a.src), a.name, a.command, a.cpu_seconds, a.wall_seconds, a.seed)
    with tempfile.TemporaryDirectory() as d:
        t = time.process_time()
        run_comparison(Path(d), a.precision, a.seed)
        store(Path(d), a.name, f"tools/compare_table.py --precision {a.precision} --seed {a.seed}",
              round(time.process_time() - t, 1), seed=a.seed)


if __name__ == "__main__":
    sys.exit(main())
