"""Does a swap carry A's identity? An independent judge (the papers' MLP baseline, trained on background z) decides
between A's and B's class for dec(E(f_ide^A, f_sty^B)), re-encoded by the frozen backbone."""
import sys, json, numpy as np, torch
torch.set_num_threads(1)
sys.path.insert(0, '/work/main/tools/issue12_prototypes')
from common import prep
from fden_nb.core import FDEN, FDENConfig
from fden_nb.pipeline import Sizes, Stopwatch, train_baseline
from fden_nb.metrics import image_error
p = prep(); ev, z = p.evaluation, p.lat_ev.z.float()
judge = train_baseline(p, Sizes(), Stopwatch(False), progress=False).eval()
labels = torch.as_tensor(ev.labels)
emb = lambda zz: torch.nn.functional.normalize(judge.decompose(zz)['mlp'], dim=-1)
with torch.no_grad():
    E = emb(z); C = int(labels.max()) + 1
    protos = torch.nn.functional.normalize(torch.stack([E[labels == c].mean(0) for c in range(C)]), dim=-1)
g = torch.Generator().manual_seed(0); n = 500
a = torch.randint(len(z), (n,), generator=g); b = torch.randint(len(z), (n,), generator=g)
while (same := labels[a] == labels[b]).any(): b[same] = torch.randint(len(z), (int(same.sum()),), generator=g)
truth = torch.from_numpy(np.stack([ev.render(int(labels[i]), ev.styles[j]) for i, j in zip(a, b)])).float().div(255)[:, None]
@torch.no_grad()
def verdict(zs):
    img = p.backbone.decode(zs).float().reshape(truth.shape)
    e = emb(p.backbone.encode(img))
    sa, sb = (e * protos[labels[a]]).sum(-1), (e * protos[labels[b]]).sum(-1)
    return dict(A_rate=round(float((sa > sb).float().mean()), 3), mse=round(image_error(img, truth)['mse'], 4))
mu = torch.stack([z[labels == c].mean(0) for c in range(C)])
res = {'keep A': verdict(z[a]), 'return B': verdict(z[b]),
       'truth (backbone)': verdict(p.backbone.encode(truth)),
       'class mean A': verdict(mu[labels[a]]), 'z_B - mu_B + mu_A': verdict(z[b] - mu[labels[b]] + mu[labels[a]])}
for path in sys.argv[1:]:
    name, kw = path.split('=', 1) if '=' in path else (path, '{}')
    m = FDEN(FDENConfig.two_factor(z.shape[1], **json.loads(kw)), decoder=p.backbone)
    m.load_state_dict(torch.load(name), strict=False); m.eval()
    with torch.no_grad():
        fa, fb = m.decompose(z[a]), m.decompose(z[b])
        res[name] = verdict(m.entangle({**fa, 'sty': fb['sty']}))
for k, v in res.items(): print(f"{k:40s} {v}")
