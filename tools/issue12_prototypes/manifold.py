"""Prototype (third round): keep cross-class swaps on the data's latent manifold. FDEN's swaps decode to blobs that
show no character (read as A's class among all held-out classes: 12%, against 54% for the linear split), because the
invertible Entangler is only ever asked to invert real pairs. `L_Z`: a discriminator on standardised z tells real
latents from cross-class swaps E(f_ide^A, f_sty^B); through a gradient reversal layer the Decomposer/Entangler learn
to make swaps look real (a latent-space version of the adversaries of Mathieu et al. 2016 and Hu et al. 2018)."""
import os, sys, json, torch, torch.nn.functional as F
from torch import nn
sys.path.insert(0, '/work/main/tools/issue12_prototypes')
os.environ.setdefault('PROTO_OUT', '/tmp/i12')
from common import *
from fden_nb.grl import grad_reverse


class Manifold(FDEN):
    def __init__(self, cfg, decoder=None, wz=1.0, hidden=256):
        super().__init__(cfg, decoder=decoder); self.wz = wz
        d = cfg.z_dim
        self.zdisc = nn.Sequential(nn.Linear(d, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))
    def _departures(self, factors, zf, lead, target):
        out = super()._departures(factors, zf, lead, target)
        sty = self.cfg.unspecified
        g = factors[sty].view(*lead, -1)
        partner = g.roll(1, dims=1).reshape(-1, g.shape[-1])          # the style of another class of the episode
        swapped = self.entangler({**factors, sty: partner})
        real, fake = self.zdisc(zf.detach()), self.zdisc(grad_reverse(swapped, 1.0))
        out["L_Z"] = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + \
                     F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
        out["z_acc"] = ((real > 0).float().mean() + (fake < 0).float().mean()) / 2
        return out
    def _utility(self, out):
        u = super()._utility(out)
        return u + self.wz * out["L_Z"] if "L_Z" in out else u

for name, cfg_kw, opts, steps in json.loads(sys.argv[1]):
    p = prep(); torch.manual_seed(0)
    cfg = FDENConfig.two_factor(p.lat_bg.z_dim, **cfg_kw)
    m = Manifold(cfg, decoder=p.backbone, **opts) if opts.get("wz") else FDEN(cfg, decoder=p.backbone)
    path = f"/tmp/i12/{name.replace(' ', '_')}.pt"
    if os.path.exists(path): m.load_state_dict(torch.load(path)); m.eval(); secs = 0.0
    else:
        secs = train(m, steps=steps, log=steps // 3)
        torch.save(m.state_dict(), path)
    record(name, {**quick_eval(m), **swaps(m), 'cfg': cfg_kw, 'opts': opts, 'steps': steps}, secs)
