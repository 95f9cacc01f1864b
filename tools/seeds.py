#!/usr/bin/env python
"""How much the quickstart's numbers move between seeds: FDEN and the MLP baseline trained and evaluated with seeds
0, 1, 2 (each seed changes the initial weights, the training episodes and the evaluation episodes; the backbone
and its latents are the quickstart's), written to results/quickstart_seeds.json and printed as the README's table.

    python tools/seeds.py                     # seeds 0 1 2 (trained checkpoints in the data cache are reused)
    python tools/seeds.py --precision fp32    # FDEN trained in float32 (results/quickstart_seeds_fp32.json)
    python tools/seeds.py --table             # only print the table of the saved runs
"""
import argparse, dataclasses, json, math, statistics, sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "results"
CPU_AMP = {"auto": "auto", "bf16": True, "fp32": False}
ROWS = [  # (label, how to read it from a report's `Evaluation`, format)
    ("f_ide 5-way 1-shot (%)", lambda e: e.shot()["ide"]["acc"], "{:.2f}"),
    ("MLP baseline 5-way 1-shot (%)", lambda e: e.shot()["mlp"]["acc"], "{:.2f}"),
    ("f_sty 5-way 1-shot (%)", lambda e: e.shot()["sty"]["acc"], "{:.2f}"),
    ("class from f_sty, linear probe (%)", lambda e: 100 * e.probe("class", "sty")["acc"], "{:.2f}"),
    ("held-out I(f_ide; f_sty) (nats)", lambda e: e.dependence["ide_sty"], "{:.3f}"),
    ("round trip ‖z − z̃‖/‖z‖", lambda e: e.reconstruction["rel_z_error"], "{:.1e}"),
    ("swaps read as A over B (%)", lambda e: 100 * e.swaps["A_vs_B"], "{:.1f}"),
    ("transfer MSE", lambda e: e.content_transfer["transfer"]["mse"], "{:.4f}"),
    ("keep-A MSE", lambda e: e.content_transfer["keep_A"]["mse"], "{:.4f}"),
]


def measure(seeds, precision:str="auto") -> list[dict]:
    import torch
    from fden_nb.datasets import load_dataset
    from fden_nb.pipeline import Run, Sizes, evaluate_fden, prepare, train_baseline, train_fden
    from fden_nb.utils import cpu_name
    torch.set_num_threads(1)
    run = Run(Sizes(), "cpu", progress=False, cpu_amp=CPU_AMP[precision])
    prep = prepare(run, data=load_dataset("glyphs", 32, None, progress=False))
    runs = []
    for seed in seeds:
        at = dataclasses.replace(run, seed=seed)
        tr = train_fden(at, prep)
        ev = evaluate_fden(at, prep, tr.model, baseline=train_baseline(at, prep))
        runs.append({"seed": seed, "metrics": ev.to_json(), "cpu": cpu_name(), "cpu_amp": tr.cfg.cpu_amp,
                     "torch": torch.__version__})
        print(f"seed {seed} done", flush=True)
    return runs


def table(runs:list[dict], rows=ROWS, tool:str="tools/seeds.py") -> str:
    "Each number per seed, the mean and a 95% t-interval of the mean (3 seeds: ± 4.30 × sd / √3)."
    n = len(runs)
    t = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78}.get(n, 2.0)
    head = "| measure | " + " | ".join(f"seed {r['seed']}" for r in runs) + " | mean ± 95% interval |"
    lines = [head, "| --- " * (n + 2) + "|"]
    from fden_nb.pipeline import Evaluation
    evaluations = [Evaluation.from_json(r["metrics"]) for r in runs]
    for label, read, fmt in rows:
        vals = [read(e) for e in evaluations]
        if any(v is None for v in vals):
            continue
        mean = statistics.fmean(vals)
        half = t * statistics.stdev(vals) / math.sqrt(n) if n > 1 else float("nan")
        lines.append(f"| {label} | " + " | ".join(fmt.format(v) for v in vals)
                     + f" | {fmt.format(mean)} ± {fmt.format(half)} |")
    r0 = runs[0]
    lines.append(f"\n{r0['cpu']}, torch {r0['torch']}, FDEN trained {'in bf16 autocast' if r0['cpu_amp'] else 'in float32'}"
                 f" (`python {tool}`).")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--precision", choices=sorted(CPU_AMP), default="auto", help="FDEN's training (as the CLI's)")
    p.add_argument("--table", action="store_true", help="print the table of the saved runs only")
    a = p.parse_args()
    out = RESULTS / ("quickstart_seeds.json" if a.precision == "auto" else f"quickstart_seeds_{a.precision}.json")
    if not a.table:
        runs = measure(a.seeds, a.precision)
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(runs, indent=1) + "\n")
    print(table(json.loads(out.read_text())))


if __name__ == "__main__": sys.exit(main())
