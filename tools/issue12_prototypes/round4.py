"""Prototype (fourth round): what keeps cross-class swaps decodable. Variants of the default design, each measured with
the quick evaluation and the swap readings of the MLP-baseline judge (as `manifold.py`):
* `cfg` overrides, e.g. `{"coupling_layers": 0}` (the Decomposer is a learnt linear map only) or `{"aligned_dim": 96}`;
* `cyc` (weight) and `pairs`: a cycle through the frozen backbone on cross-class swaps — decode E(f_ide^A, f_sty^B),
  re-encode it, decompose again, and ask for A's identity and B's style back (`L_Y`, after the cycle losses of
  Hu et al. 2018 and the latent cycle of many translation models). Gradients reach FDEN through the frozen decoder
  and encoder; the backbone's weights do not move."""
import os, sys, json, torch, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault('PROTO_OUT', '/tmp/i12')
from common import *
from fden_nb.core import frozen


class Cycle(FDEN):
    cyc, pairs, cyc_target = 0.0, 64, "factors"
    def _departures(self, factors, zf, lead, target):
        out = FDEN._departures(self, factors, zf, lead, target)
        if self.cyc:
            ide, sty = self.cfg.aligned[0], self.cfg.unspecified
            g_i, g_s = factors[ide].view(*lead, -1), factors[sty].view(*lead, -1)
            # A = every sample, B = the same position in the next class of its episode: always another class
            fi, fs = g_i.reshape(-1, g_i.shape[-1]), g_s.roll(1, dims=1).reshape(-1, g_s.shape[-1])
            n = min(self.pairs, len(fi))
            idx = torch.randperm(len(fi))[:n]
            z_ab = self.entangler({ide: fi[idx], sty: fs[idx]})
            x = self.decoder(self._unstandardize(z_ab))
            f2 = self.decomposer(self._standardize(self.encoder(x)))
            ti, ts = fi[idx].detach(), fs[idx].detach()
            out['L_Y'] = F.mse_loss(f2[ide], ti) / ti.var().clamp_min(1e-6) + F.mse_loss(f2[sty], ts) / ts.var().clamp_min(1e-6)
        if self.nll:
            out['L_P'] = self._nll(factors, lead)
        return out
    def _utility(self, out): return FDEN._utility(self, out) + self.cyc * out.get('L_Y', 0.0) + self.nll * out.get('L_P', 0.0)

    nll = 0.0
    def _nll(self, factors, lead):
        """Negative log-likelihood (nats per unit of z) of a class-conditional product prior on the factors, through the
        exact change of variables of the invertible Decomposer (GIN, Sorrenson et al. 2020; FlowGMM, Izmailov et al. 2020):
        f_sty ~ N(0, I) for every class, f_ide = μ_y + σ_w·ε with μ_y ~ N(0, I) (the class means of the episode)."""
        ide, sty = self.cfg.aligned[0], self.cfg.unspecified
        g = factors[ide].view(*lead, -1)
        mu = g.mean(2, keepdim=True)
        n = g.shape[0] * g.shape[1] * g.shape[2]
        e_ide = 0.5 * (((g - mu) / self.log_sw.exp()).pow(2).sum() / n + 2 * self.log_sw.sum())
        e_mu = 0.5 * mu.pow(2).sum() / (g.shape[0] * g.shape[1])
        e_sty = 0.5 * factors[sty].pow(2).sum(-1).mean()
        logdet = torch.linalg.slogdet(self.decomposer.linear.weight)[1]
        return (e_ide + e_mu / g.shape[2] + e_sty - logdet) / self.cfg.z_dim

if __name__ == "__main__":
    for name, cfg_kw, opts, steps in json.loads(sys.argv[1]):
        p = prep(); torch.manual_seed(0)
        m = Cycle(FDENConfig.two_factor(p.lat_bg.z_dim, **cfg_kw), decoder=p.backbone)
        m.cyc, m.pairs, m.nll = opts.get("cyc", 0.0), opts.get("pairs", 64), opts.get("nll", 0.0)
        if m.nll:   # the within-class spread σ_w is a parameter of the prior: create it before the optimiser
            m.log_sw = torch.nn.Parameter(torch.zeros(m.cfg.widths[m.cfg.aligned[0]]))
        m.encoder = frozen(p.backbone.encode)
        path = f"{os.environ['PROTO_OUT']}/{name.replace(' ', '_')}.pt"
        if os.path.exists(path): m.load_state_dict(torch.load(path)); m.eval(); secs = 0.0
        else:
            secs = train(m, steps=steps, log=steps // 3)
            torch.save(m.state_dict(), path)
        record(name, {**quick_eval(m), **swaps(m), 'cfg': cfg_kw, 'opts': opts, 'steps': steps}, secs)
