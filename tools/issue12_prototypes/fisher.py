"Prototype: Fisher-ratio penalties (f_ide class-constant, f_sty class-free) and a prototype swap, on the default design."
import os, sys, json, torch, torch.nn.functional as F
sys.path.insert(0, '/work/main/tools/issue12_prototypes')
os.environ.setdefault('PROTO_OUT', '/tmp/i12')
from common import *

def class_fractions(f, lead):
    "within-class and between-class fractions of the variance of f, classes = dim 1 of episodes (B, n_way, n, d)"
    g = f.view(*lead, -1)
    mu_c = g.mean(2, keepdim=True)                 # class means in each episode
    mu = g.mean((1, 2), keepdim=True)
    tot = ((g - mu)**2).sum((1, 2, 3)) + 1e-8
    within = ((g - mu_c)**2).sum((1, 2, 3)) / tot
    return within.mean(), 1 - within.mean()

class Fisher(FDEN):
    def __init__(self, cfg, decoder=None, wi=0.0, ws=0.0, proto_swap=False, loo=False):
        super().__init__(cfg, decoder=decoder); self.wi, self.ws, self.proto_swap, self.loo = wi, ws, proto_swap, loo
    def _departures(self, factors, zf, lead, target):
        out = super()._departures(factors, zf, lead, target)
        ide, sty = self.cfg.aligned[0], self.cfg.unspecified
        if self.proto_swap:
            g = factors[ide].view(*lead, -1)
            n = g.shape[2]
            partner = ((g.sum(2, keepdim=True) - g) / (n - 1) if self.loo else g.mean(2, keepdim=True).expand_as(g)).reshape(-1, g.shape[-1])
            out["L_S"] = F.mse_loss(self.entangler({**factors, ide: partner}), zf)
        if self.wi: out["L_W"] = class_fractions(factors[ide], lead)[0]
        if self.ws: out["L_B"] = class_fractions(factors[sty], lead)[1]
        return out
    def _utility(self, out):
        u = super()._utility(out)
        if "L_W" in out: u = u + self.wi * out["L_W"]
        if "L_B" in out: u = u + self.ws * out["L_B"]
        return u

for name, cfg_kw, opts, steps in json.loads(sys.argv[1]):
    p = prep(); torch.manual_seed(0)
    cfg = FDENConfig.two_factor(p.lat_bg.z_dim, **cfg_kw)
    m = Fisher(cfg, decoder=p.backbone, **opts)
    secs = train(m, steps=steps, log=steps // 3)
    torch.save(m.state_dict(), f"/tmp/i12/{name.replace(' ', '_')}.pt")
    record(name, {**quick_eval(m), 'cfg': cfg_kw, 'opts': opts, 'steps': steps}, secs)
