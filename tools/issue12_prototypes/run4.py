import os, sys, json, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
OUT = os.environ.get('PROTO_OUT', '/tmp/issue12') + '/'
os.makedirs(OUT, exist_ok=True)
class XF(FDEN):
    xw = 0.0
    def _departures(self, factors, zf, lead, target):
        out = FDEN._departures(self, factors, zf, lead, target)
        a, b = factors['ide'], factors['sty']
        a = (a - a.mean(0)) / a.std(0).clamp_min(1e-6); b = (b - b.mean(0)) / b.std(0).clamp_min(1e-6)
        C = a.T @ b / (len(a) - 1)
        out['L_X'] = C.pow(2).sum() / min(a.shape[1], b.shape[1])
        return out
    def _utility(self, out): return FDEN._utility(self, out) + self.xw * out['L_X']
specs = json.loads(sys.argv[1])
for name, cfg_kw, xw, steps in specs:
    p = prep(); torch.manual_seed(0)
    m = XF(FDENConfig.two_factor(p.lat_bg.z_dim, **cfg_kw), decoder=p.backbone); m.xw = xw
    secs = train(m, steps=steps, log=steps // 3)
    torch.save(m.state_dict(), OUT + name.replace(' ', '_') + '.pt')
    record(name, {**quick_eval(m), 'cfg': cfg_kw, 'xw': xw, 'steps': steps}, secs)
