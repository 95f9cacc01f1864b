import os, sys, json, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
OUT = os.environ.get('PROTO_OUT', '/tmp/issue12') + '/'
os.makedirs(OUT, exist_ok=True)
def lda_init(m, z, y, mode):
    zs = m._standardize(z)
    C = torch.cov(zs.T.double())
    lam, U = torch.linalg.eigh(C)
    W = (U / lam.clamp_min(1e-6).sqrt()).T                       # whitening, rows = directions
    if mode == 'lda':
        zw = zs.double() @ W.T
        y = torch.as_tensor(y)
        means = torch.stack([zw[y == c].mean(0) for c in y.unique()])
        Sb = torch.cov(means.T)
        ev, V = torch.linalg.eigh(Sb)
        W = V.flip(1).T @ W                                       # top discriminant directions first
    with torch.no_grad(): m.decomposer.linear.weight.copy_(W.float())
specs = json.loads(sys.argv[1])
for name, cfg_kw, init, steps in specs:
    p = prep(); torch.manual_seed(0)
    m = FDEN.two_factor(p.lat_bg.z_dim, decoder=p.backbone, **cfg_kw)
    m.fit_scaler(p.lat_bg.z)
    if init: lda_init(m, p.lat_bg.z, p.lat_bg.labels, init)
    if steps == 0:
        m.eval(); secs = 0
    else:
        import common
        orig = m.fit_scaler; m.fit_scaler = lambda z: m            # keep the init
        secs = train(m, steps=steps, log=max(1, steps // 3))
    torch.save(m.state_dict(), OUT + name.replace(' ', '_') + '.pt')
    record(name, {**quick_eval(m), 'cfg': cfg_kw, 'init': init, 'steps': steps}, secs)
