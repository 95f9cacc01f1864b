import os, sys, json, torch, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
OUT = os.environ.get('PROTO_OUT', '/tmp/issue12') + '/'
os.makedirs(OUT, exist_ok=True)
from fden_nb.core import frozen
class CF(FDEN):
    cyc, pairs = 0.0, 64
    def _departures(self, factors, zf, lead, target):
        out = FDEN._departures(self, factors, zf, lead, target)
        if self.cyc:
            ide, sty = 'ide', 'sty'
            n = min(self.pairs, len(zf))
            idx = torch.randperm(len(zf))[:n]; other = idx.roll(1)
            z_ab = self.entangler({ide: factors[ide][idx], sty: factors[sty][other]})
            x = self.decoder(self._unstandardize(z_ab))
            f2 = self.decomposer(self._standardize(self.encoder(x)))
            ti, ts = factors[ide][idx].detach(), factors[sty][other].detach()
            out['L_Y'] = F.mse_loss(f2[ide], ti) / ti.var().clamp_min(1e-6) + F.mse_loss(f2[sty], ts) / ts.var().clamp_min(1e-6)
        return out
    def _utility(self, out): return FDEN._utility(self, out) + self.cyc * out.get('L_Y', 0.0)
specs = json.loads(sys.argv[1])
for name, cfg_kw, cyc, pairs, steps in specs:
    p = prep(); torch.manual_seed(0)
    m = CF(FDENConfig.two_factor(p.lat_bg.z_dim, **cfg_kw), decoder=p.backbone); m.cyc, m.pairs = cyc, pairs
    m.encoder = frozen(p.backbone.encode)
    secs = train(m, steps=steps, log=steps // 3)
    torch.save(m.state_dict(), OUT + name.replace(' ', '_') + '.pt')
    record(name, {**quick_eval(m), 'cfg': cfg_kw, 'cyc': cyc, 'pairs': pairs, 'steps': steps}, secs)
