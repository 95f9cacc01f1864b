"Reference points for content transfer on the unseen glyphs: what additive structure in z can reach."
import sys, numpy as np, torch
torch.set_num_threads(1)
sys.path.insert(0, '/work/main/tools/issue12_prototypes')
from common import prep
from fden_nb.metrics import image_error
p = prep(); ev, z = p.evaluation, p.lat_ev.z.float()
labels = torch.as_tensor(ev.labels)
g = torch.Generator().manual_seed(0)
n = 500
a = torch.randint(len(z), (n,), generator=g); b = torch.randint(len(z), (n,), generator=g)
while (same := labels[a] == labels[b]).any(): b[same] = torch.randint(len(z), (int(same.sum()),), generator=g)
truth = torch.from_numpy(np.stack([ev.render(int(labels[i]), ev.styles[j]) for i, j in zip(a, b)])).float().div(255)[:, None]
dec = lambda zz: p.backbone.decode(zz).float().reshape(truth.shape)
mu = torch.stack([z[labels == c].mean(0) for c in range(int(labels.max()) + 1)])
with torch.no_grad():
    print('keep A       ', image_error(dec(z[a]), truth))
    print('return B     ', image_error(dec(z[b]), truth))
    print('class mean A ', image_error(dec(mu[labels[a]]), truth))
    print('z_B - mu_B + mu_A', image_error(dec(z[b] - mu[labels[b]] + mu[labels[a]]), truth))
    # oracle retrieval: A's class sample whose true style is nearest to B's style
    st = torch.as_tensor(ev.styles).float(); sd = st.std(0) + 1e-6
    idx = []
    for i, j in zip(a, b):
        cand = (labels == labels[i]).nonzero().squeeze(1)
        idx.append(cand[((st[cand] - st[j]) / sd).pow(2).sum(1).argmin()])
    print('nearest-style sample of A', image_error(dec(z[torch.stack(idx)]), truth))
    print('backbone floor', image_error(dec(p.backbone.encode(truth)), truth))
