#!/usr/bin/env python
"""How much the quickstart's numbers move between seeds: FDEN and the MLP baseline trained and evaluated with seeds
0, 1, 2 (each seed changes the initial weights, the training episodes and the evaluation episodes; the backbone
and its latents are the quickstart's), written to results/quickstart_seeds.json and printed as the README's table.

    python tools/seeds.py                     # seeds 0 1 2 (trained checkpoints in the data cache are reused)
    python tools/seeds.py --precision fp32    # FDEN trained in float32 (results/quickstart_seeds_fp32.json)
    python tools/seeds.py --table             # only print the table of the saved runs
    python tools/seeds.py --steps 1500 --schedule constant --lr preset   # another training: here the quickstart
                                              # before the schedule, the reference (quickstart_seeds_constant1500_lr0.001.json)

Every run other than the reference is compared with it, row by row, in a .md beside its .json.
"""
import argparse, dataclasses, json, math, statistics, sys, time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "results"
# the quickstart as it was before its learning-rate schedule: 1,500 steps at the fast preset's constant rate
REFERENCE = RESULTS / "quickstart_seeds_constant1500_lr0.001.json"
CPU_AMP = {"auto": "auto", "bf16": True, "fp32": False}


def _style_arrived(e):
    "How many factors' style B's swap carries (`Evaluation.style_arrived`)."
    arrived = e.style_arrived()
    return None if arrived is None else len(arrived)


ROWS = [  # (label, how to read it from a report's `Evaluation`, format, +1 higher is better / −1 lower / 0 neither)
    ("f_ide 5-way 1-shot (%)", lambda e: e.shot()["ide"]["acc"], "{:.2f}", 1),
    ("MLP baseline 5-way 1-shot (%)", lambda e: e.shot()["mlp"]["acc"], "{:.2f}", 1),
    ("f_sty 5-way 1-shot (%)", lambda e: e.shot()["sty"]["acc"], "{:.2f}", -1),
    ("class from f_sty, linear probe (%)", lambda e: 100 * e.probe("class", "sty")["acc"], "{:.2f}", -1),
    ("held-out I(f_ide; f_sty) (nats)", lambda e: e.dependence["ide_sty"], "{:.3f}", -1),
    ("round trip ‖z − z̃‖/‖z‖", lambda e: e.reconstruction["rel_z_error"], "{:.1e}", -1),
    ("swaps read as A over B (%)", lambda e: 100 * e.swaps["A_vs_B"], "{:.1f}", 1),
    ("transfer MSE", lambda e: e.content_transfer["transfer"]["mse"], "{:.4f}", -1),
    ("keep-A MSE", lambda e: e.content_transfer["keep_A"]["mse"], "{:.4f}", 0),
    ("f_ide 20-way 1-shot (%)", lambda e: e.shot("20-way 1-shot")["ide"]["acc"], "{:.2f}", 1),
    ("style carried, factors of 8 (image judge)", _style_arrived, "{:.0f}", 1),
]


def read_rows(e, rows=ROWS) -> dict:
    "{label: value} of an `Evaluation` for each row; None where it was not measured."
    out = {}
    for label, read, *_ in rows:
        try: out[label] = read(e)
        except (KeyError, TypeError, AttributeError, StopIteration): out[label] = None
    return out


def quickstart_sizes(steps:int|None=None, schedule:str|None=None, lr:float|str|None=None):
    "`Sizes()` with FDEN's `steps`, `schedule` and peak `lr` ('preset': the model's) in place of its own where given."
    from fden_nb.pipeline import Sizes
    s = Sizes()
    lr = s.lr if lr is None else (None if lr == "preset" else lr)
    return dataclasses.replace(s, steps=steps or s.steps, schedule=schedule or s.schedule, lr=lr)


def peak_lr(sizes) -> float:
    "The peak learning rate FDEN trains at under `sizes`."
    from fden_nb.core import FDENConfig
    return sizes.lr or FDENConfig.fast(z_dim=16).lr


def measure(seeds, precision:str="auto", sizes=None) -> list[dict]:
    """The quickstart per seed under `sizes` (default `Sizes()`). Each run keeps its CPU seconds of FDEN training
    (one thread)."""
    import torch
    from fden_nb.datasets import load_dataset
    from fden_nb.pipeline import Run, Sizes, evaluate_fden, prepare, train_baseline, train_fden
    from fden_nb.utils import cpu_name
    torch.set_num_threads(1)
    run = Run(sizes or Sizes(), "cpu", progress=False, cpu_amp=CPU_AMP[precision])
    prep = prepare(run, data=load_dataset("glyphs", 32, None, progress=False))
    runs = []
    for seed in seeds:
        at = dataclasses.replace(run, seed=seed)
        t0 = time.process_time()
        tr = train_fden(at, prep)
        train_cpu = time.process_time() - t0
        ev = evaluate_fden(at, prep, tr.model, baseline=train_baseline(at, prep))
        runs.append({"seed": seed, "metrics": ev.to_json(), "cpu": cpu_name(), "cpu_amp": tr.cfg.cpu_amp,
                     "torch": torch.__version__, "steps": tr.cfg.steps, "schedule": tr.cfg.schedule,
                     "lr": tr.cfg.lr or prep.fden.lr, "train_cpu_s": round(train_cpu, 1), "readings": read_rows(ev)})
        print(f"seed {seed} done: FDEN trained in {train_cpu:.0f} CPU s", flush=True)
    return runs


def _values(runs:list[dict], read) -> list|None:
    from fden_nb.pipeline import Evaluation
    vals = [read(Evaluation.from_json(r["metrics"])) if "metrics" in r else None for r in runs]
    return None if any(v is None for v in vals) else vals


def _interval(vals:list) -> tuple[float, float]:
    "The mean and the half-width of its 95% t-interval (3 seeds: 4.30 × sd / √3)."
    n = len(vals)
    t = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78}.get(n, 2.0)
    return statistics.fmean(vals), t * statistics.stdev(vals) / math.sqrt(n) if n > 1 else float("nan")


def _safe(read):
    def f(e):
        try: return read(e)
        except (KeyError, TypeError, AttributeError): return None
    return f


def _training(r:dict) -> str:
    "How a run trained FDEN, in words."
    lr = f", peak lr {r['lr']:g}" if "lr" in r else ""
    return f"{r.get('steps', 1500):,} steps, {r.get('schedule', 'constant')} lr{lr}"


def table(runs:list[dict], rows=ROWS, tool:str="tools/seeds.py") -> str:
    "Each number per seed, the mean and a 95% t-interval of the mean (3 seeds: ± 4.30 × sd / √3)."
    n = len(runs)
    head = "| measure | " + " | ".join(f"seed {r['seed']}" for r in runs) + " | mean ± 95% interval |"
    lines = [head, "| --- " * (n + 2) + "|"]
    for label, read, fmt, *_ in rows:
        vals = _values(runs, _safe(read))
        if vals is None:
            continue
        mean, half = _interval(vals)
        lines.append(f"| {label} | " + " | ".join(fmt.format(v) for v in vals)
                     + f" | {fmt.format(mean)} ± {fmt.format(half)} |")
    r0 = runs[0]
    lines.append(f"\n{r0['cpu']}, torch {r0['torch']}, FDEN trained {'in bf16 autocast' if r0['cpu_amp'] else 'in float32'}"
                 f" (`python {tool}`).")
    return "\n".join(lines)


def compare(runs:list[dict], ref:list[dict], rows=ROWS) -> tuple[str, list[str]]:
    """Each row of `runs` beside `ref`'s mean ± 95% interval: 'inside', 'better' (past the interval on the good
    side), or 'worse'; and the rows that are worse."""
    lines = [f"| measure | reference ({_training(ref[0])}) | this ({_training(runs[0])}), per seed | mean | |",
             "| --- | --- | --- | --- | --- |"]
    worse = []
    for label, read, fmt, up in rows:
        vals, refs = _values(runs, _safe(read)), _values(ref, _safe(read))
        if vals is None: continue
        mean, _ = _interval(vals)
        verdict, ref_cell = "no reference", "—"
        if refs is not None:
            m, h = _interval(refs)
            ref_cell = f"{fmt.format(m)} ± {fmt.format(h)}"
            side = 0 if abs(mean - m) <= h else (1 if mean > m else -1)
            verdict = "inside" if side == 0 else ("better" if side * up > 0 else "worse")
            if verdict == "worse": worse.append(label)
        lines.append(f"| {label} | {ref_cell} | " + " / ".join(fmt.format(v) for v in vals)
                     + f" | {fmt.format(mean)} | {verdict} |")
    cpu = [r["train_cpu_s"] for r in runs if "train_cpu_s" in r]
    ref_cpu = [r["train_cpu_s"] for r in ref if "train_cpu_s" in r]
    if cpu:
        ref_cell = f"{statistics.fmean(ref_cpu):.0f} (mean)" if ref_cpu else "—"
        lines.append(f"| FDEN training, CPU s (one thread) | {ref_cell} | " + " / ".join(f"{c:.0f}" for c in cpu)
                     + f" | {statistics.fmean(cpu):.0f} | |")
    return "\n".join(lines), worse


def _with_readings(path:Path) -> list[dict]:
    "The runs stored in `path`, each with every row's reading (written back, for notebooks to read)."
    from fden_nb.pipeline import Evaluation
    runs = json.loads(path.read_text())
    for r in runs: r["readings"] = read_rows(Evaluation.from_json(r["metrics"]))
    path.write_text(json.dumps(runs, indent=1) + "\n")
    return runs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--precision", choices=sorted(CPU_AMP), default="auto", help="FDEN's training (as the CLI's)")
    p.add_argument("--steps", type=int, help="FDEN's steps (default: the quickstart's, `Sizes.steps`)")
    p.add_argument("--schedule", choices=["constant", "cosine"], help="FDEN's learning rate over the steps "
                   "(default: the quickstart's, `Sizes.schedule`)")
    p.add_argument("--lr", type=lambda v: v if v == "preset" else float(v),
                   help="FDEN's peak learning rate, or 'preset': the model's (default: the quickstart's, `Sizes.lr`)")
    p.add_argument("--out", type=Path, help="the runs' file (default: results/quickstart_seeds[_…].json, named by "
                   "the options)")
    p.add_argument("--table", action="store_true", help="print the table of the saved runs only")
    a = p.parse_args()
    sizes = quickstart_sizes(a.steps, a.schedule, a.lr)
    name = "quickstart_seeds" + ("" if a.precision == "auto" else f"_{a.precision}")
    if a.steps is not None or a.schedule is not None or a.lr is not None:
        name += f"_{sizes.schedule}{sizes.steps}_lr{peak_lr(sizes):g}"
    out = a.out or RESULTS / f"{name}.json"
    if not a.table:
        runs = measure(a.seeds, a.precision, sizes)
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(runs, indent=1) + "\n")
    runs = _with_readings(out)
    tool = " ".join(["tools/seeds.py", *sys.argv[1:]]).replace(" --table", "")
    text = table(runs, tool=tool)
    if a.precision == "auto" and out.resolve() != REFERENCE.resolve():
        side, worse = compare(runs, _with_readings(REFERENCE))
        verdict = ("every row inside the reference's interval or better" if not worse
                   else "worse than the reference's interval: " + "; ".join(worse))
        text += f"\n\nBeside `{REFERENCE.relative_to(RESULTS.parent)}`:\n\n{side}\n\n{verdict}."
        out.with_suffix(".md").write_text(text + "\n")
    print(text)


if __name__ == "__main__": sys.exit(main())
