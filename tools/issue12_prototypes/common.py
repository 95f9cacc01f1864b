"""Research harness of issue 12 (kept to reproduce the closing note's prototype numbers; not part of the package):
train FDEN variants on the quickstart's cached glyph latents (1,500 steps of four 20-way 1-shot episodes, as the
quickstart) and evaluate them quickly on the unseen alphabets. Needs `fden-nb quickstart` to have filled the data cache."""
import os, sys, time, json, math, dataclasses
import numpy as np, torch, torch.nn.functional as F
from torch import nn
torch.set_num_threads(1)
from fden_nb.pipeline import prepare, Sizes, Stopwatch, train_baseline, swap_identity
from fden_nb.core import FDEN, FDENConfig
from fden_nb.episodes import EpisodeSampler, gather_episodes
from fden_nb.metrics import (representations, few_shot_eval, leakage_probes, reconstruction_metrics,
                             content_transfer, heldout_dependence, stratified_split, linear_probe)

_PREP = None
def prep():
    global _PREP
    if _PREP is None: _PREP = prepare(Sizes(), torch.device('cpu'), Stopwatch(False), progress=False)
    return _PREP

def train(model, steps=1500, n_way=20, k_shot=1, n_query=3, episodes=4, seed=0, log=250, step_fn=None):
    p = prep()
    z, y = p.lat_bg.z, p.lat_bg.labels
    model.fit_scaler(z)
    opt = model.configure_optimizer()
    s = EpisodeSampler(y, n_way, k_shot, n_query, seed=seed)
    g = torch.Generator().manual_seed(seed + 2)
    torch.manual_seed(seed)
    t = time.time(); hist = []
    for i in range(steps):
        batch = gather_episodes(z, s.sample(episodes))
        out = (step_fn or model.training_step)(batch, target=k_shot, opt=opt, generator=g)
        if (i + 1) % log == 0:
            hist.append(out); print(i + 1, {k: round(v, 3) for k, v in out.items()}, f"{time.time()-t:.0f}s", flush=True)
    model.eval()
    return time.time() - t

def quick_eval(model, n_episodes=500, dep_steps=300, seed=0, full=False):
    p = prep(); ev, lat = p.evaluation, p.lat_ev
    reps = representations(model, lat.z)
    out = {}
    for name in ('ide', 'sty', 'z'):
        r = few_shot_eval(reps[name], lat.labels, 5, 1, 15, n_episodes, seed)
        out[f'{name}_5w1s'] = round(r['acc'], 2)
    leak = leakage_probes({'sty': reps['sty'], 'ide': reps['ide']}, lat.labels, None, seed=seed)
    for r in leak: out[f"class_from_{r['rep']}"] = round(100 * r['acc'], 2)
    x = torch.from_numpy(ev.images[:, None].astype(np.float32) / 255)
    rec = reconstruction_metrics(model, lat.z, x)
    out['rel_z'] = round(100 * rec['rel_z_error'], 2); out['psnr'] = round(rec['psnr_vs_backbone'], 2)
    ct = content_transfer(model, ev, lat.z, n_pairs=500, seed=seed, backbone=p.backbone)
    out['ct'] = round(ct['transfer']['mse'], 4); out['keepA'] = round(ct['keep_A']['mse'], 4)
    tr, te = stratified_split(torch.as_tensor(np.asarray(lat.labels)).long(), 0.5, seed)
    f_i, f_s = reps['ide'], reps['sty']
    out['dep'] = round(heldout_dependence([f_i[tr], f_s[tr]], [f_i[te], f_s[te]], steps=dep_steps, seed=seed), 3)
    return out

def record(name, res, secs, path=os.environ.get('PROTO_OUT', '/tmp/issue12') + '/results.jsonl'):
    res = dict(name=name, train_s=round(secs, 1), **res)
    print(json.dumps(res), flush=True)
    with open(path, 'a') as f: f.write(json.dumps(res) + '\n')

JUDGE = None
def swaps(model):
    global JUDGE
    p = prep()
    if JUDGE is None: JUDGE = train_baseline(p, Sizes(), Stopwatch(False), device="cpu", progress=False)
    s = swap_identity(model, p.backbone, p.lat_ev, n_pairs=500, seed=0, judge=JUDGE)
    return {"swap_A_vs_B": round(100 * s["A_vs_B"], 1), "swap_A_all": round(100 * s["A"], 1), "swap_B_all": round(100 * s["B"], 1),
            "A_no_swap_all": round(100 * s["A_no_swap"], 1)}
