"""Fifth round (issue 12): the dependence left in the default is linear. Post hoc on the trained default (no retraining),
replace one factor by its least-squares residual on the other — an exact shear, so the round trip stays exact — and
measure everything again. `sty`: f_sty − A[f_ide; 1] (became `FDENConfig.decorrelate`); `ide`: f_ide − B[f_sty; 1].

    python tools/issue12_prototypes/round5.py            # rows 'as trained', 'sty residual', 'ide residual'
"""
import json, sys, torch
from torch import nn
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import prep, quick_eval, swaps, record
from fden_nb.pipeline import train_fden, Sizes, Stopwatch
from fden_nb.metrics import representations

class Shear(nn.Module):
    "`model` with factor `which` replaced by its residual after least squares on the other factor (fitted on `z`)."
    def __init__(self, model, z, which="sty", scale=1.0):
        super().__init__()
        self.m, self.which, self.other = model, which, ("ide" if which == "sty" else "sty")
        r = representations(model, z)
        x = torch.cat([r[self.other], torch.ones(len(z), 1)], 1).double()
        self.A = (torch.linalg.lstsq(x, r[which].double()).solution * scale).float()
        self.factor_names, self.decoder = model.factor_names, model.decoder
    def _x(self, f): return torch.cat([f[self.other], torch.ones(len(f[self.other]), 1)], 1)
    def decompose(self, z):
        f = dict(self.m.decompose(z)); f[self.which] = f[self.which] - self._x(f) @ self.A; return f
    def entangle(self, f):
        f = dict(f); f[self.which] = f[self.which] + self._x(f) @ self.A; return self.m.entangle(f)
    def decode(self, z): return self.m.decode(z)
    def reconstruct(self, z): return self.entangle(self.decompose(z))

if __name__ == "__main__":
    p = prep()
    model = train_fden(p, Sizes(), Stopwatch(False), device="cpu", progress=False, decorrelate=False).model
    for name, which, scale in [("as trained", "sty", 0.0), ("sty residual", "sty", 1.0), ("ide residual", "ide", 1.0)]:
        m = Shear(model, p.lat_bg.z, which, scale).eval()
        out = quick_eval(m); out.update(swaps(m))
        record(name, {**out, "script": "round5.py"}, 0.0)
