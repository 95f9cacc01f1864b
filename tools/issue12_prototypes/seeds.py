"""Is f_ide at least the papers' MLP baseline, beyond the noise of one training run? FDEN's default and the MLP baseline
trained with seeds 0, 1, 2 (the same episodes per seed for both), each read on the same 1,000 5-way 1-shot episodes.

    python tools/issue12_prototypes/seeds.py 1 2      # seeds to run (0 is the quickstart's, cached)
"""
import json, sys, torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import prep, record
from fden_nb.pipeline import train_fden, train_baseline, Sizes, Stopwatch
from fden_nb.metrics import representations, few_shot_eval

if __name__ == "__main__":
    p = prep()
    for seed in map(int, sys.argv[1:]):
        fden = train_fden(p, Sizes(), Stopwatch(False), seed=seed, device="cpu", progress=False).model
        mlp = train_baseline(p, Sizes(), Stopwatch(False), seed=seed, device="cpu", progress=False)
        out = {}
        for name, model in (("fden_ide", fden), ("mlp", mlp)):
            f = next(iter(representations(model, p.lat_ev.z).values())) if name == "mlp" else representations(model, p.lat_ev.z)["ide"]
            out[name] = round(few_shot_eval(f, p.lat_ev.labels, 5, 1, 15, 1000, 0)["acc"], 2)
        record(f"seed {seed}", {**out, "seed": seed, "script": "seeds.py"}, 0.0)
