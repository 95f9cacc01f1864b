"FDEN variants for issue 12, as a subclass (prototype before porting into nbs/07_fden)."
import torch, torch.nn.functional as F
from torch import nn
from fden_nb.core import FDEN, FDENConfig, RelationHead
from fden_nb.grl import GradientReversal, adaptive_clip

class SkipDec(nn.Module):
    def __init__(self, base, cfg):
        super().__init__(); self.base = base
        self.lin = nn.ModuleDict({n: nn.Linear(cfg.z_dim, cfg.d) for n in cfg.factor_names})
    def forward(self, z): f = self.base(z); return {n: f[n] + self.lin[n](z) for n in f}

class SkipEnt(nn.Module):
    def __init__(self, base, cfg):
        super().__init__(); self.base = base; self.names = cfg.factor_names
        self.lin = nn.Linear(len(cfg.factor_names) * cfg.d, cfg.z_dim)
    def forward(self, f): return self.base(f) + self.lin(torch.cat([f[n] for n in self.base.streams], -1))

class X(FDEN):
    def __init__(self, cfg, decoder=None, skip=False, swap=0.0, critic_steps=0, adv=0.0, refresh=0, sty_noise=0.0, sty_l2=0.0, ide_noise=0.0):
        super().__init__(cfg, decoder=decoder)
        self.opts = dict(skip=skip, swap=swap, critic_steps=critic_steps, adv=adv, refresh=refresh, sty_noise=sty_noise, sty_l2=sty_l2, ide_noise=ide_noise)
        if skip:
            self.decomposer = SkipDec(self.decomposer, self.cfg); self.entangler = SkipEnt(self.entangler, self.cfg)
        if adv:
            self.adv_head = RelationHead('sty', self.cfg.d, self.cfg.align_hidden, **self.cfg.mlp_kwargs)
            self.adv_grl = GradientReversal(1.0)
        self._n = 0

    def xlosses(self, z, target, generator):
        c = self.cfg
        zf, lead = self._flat(z); zf = self._standardize(zf)
        factors = self.decomposer(zf)
        clean = factors
        if self.opts['sty_noise'] and self.training:
            factors = {**factors, 'sty': factors['sty'] + self.opts['sty_noise'] * torch.randn_like(factors['sty'])}
        if self.opts['ide_noise'] and self.training:
            factors = {**factors, 'ide': factors['ide'] + self.opts['ide_noise'] * torch.randn_like(factors['ide'])}
        z_tilde = self.entangler(factors)
        out = dict(L_R=F.mse_loss(z_tilde, zf))
        fs = [factors[n] for n in self.factor_names]
        out['L_M'] = self.statisticians(fs, generator)
        shaped = {n: f.view(*lead, -1) for n, f in factors.items()}
        out['L_C'], out['acc'] = self.align(shaped, target)
        zero = torch.zeros((), device=zf.device)
        out['L_S'] = out['L_A'] = zero
        out['L_2'] = clean['sty'].pow(2).mean()
        if self.opts['swap']:
            ide = shaped['ide'].roll(1, dims=2).reshape(-1, c.d)           # a same-class partner's identity
            z_s = self.entangler({'ide': ide, 'sty': factors['sty']})
            out['L_S'] = F.mse_loss(z_s, zf)
        if self.opts['adv']:
            sty = self.adv_grl(shaped['sty'])
            out['L_A'], out['adv_acc'] = self.adv_head({'sty': sty}, target)
        return out, factors

    def critic_step(self, z, opt, generator):
        with torch.no_grad():
            zf, _ = self._flat(z); factors = self.decomposer(self._standardize(zf))
        fs = [factors[n].detach() for n in self.factor_names]
        L_M = self.statisticians(fs, generator)
        opt.zero_grad(set_to_none=True); (-L_M).backward(); opt.step()

    def training_step(self, z, x=None, target=None, opt=None, generator=None, grad_sync=None):
        c, o = self.cfg, self.opts
        self.train(); self._n += 1
        if o['refresh'] and self._n % o['refresh'] == 0:
            for m in self.statisticians.critic.modules():
                if hasattr(m, 'reset_parameters'): m.reset_parameters()
            for p in self.statisticians.parameters(): opt.state.pop(p, None)
        for _ in range(o['critic_steps']): self.critic_step(z, opt, generator)
        out, _ = self.xlosses(z, target, generator)
        opt.zero_grad(set_to_none=True)
        theta = [p for p in self.decomposer.parameters() if p.requires_grad]
        (-c.gamma * out['L_M']).backward(retain_graph=True)
        g_m = [p.grad for p in theta]
        for p in theta: p.grad = None
        (c.alpha * out['L_R'] + c.beta * out['L_C'] + o['swap'] * out['L_S'] + o['adv'] * out['L_A'] + o['sty_l2'] * out['L_2']).backward()
        g_a = adaptive_clip([p.grad for p in theta], g_m, per_tensor=c.clip == 'per_tensor')
        for p, ga in zip(theta, g_a):
            if ga is not None: p.grad = ga if p.grad is None else p.grad + ga
        opt.step()
        return {k: float(v) for k, v in out.items()}
