"Prototype: an exactly invertible Decomposer (orthogonal map + additive couplings, NICE), Entangler = its inverse."
import torch, torch.nn.functional as F
from torch import nn
from fden_nb.core import FDEN, FDENConfig, RelationHead, StatisticiansNetwork
from fden_nb.grl import GradientReversal, adaptive_clip
from fden_nb.info import ConcatCritic
from fden_nb.layers import mlp

class Coupling(nn.Module):
    "y_b = x_b + m(x_a), with a fixed permutation first."
    def __init__(self, D, hidden, seed, leak=0.01):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.register_buffer('perm', torch.randperm(D, generator=g)); self.register_buffer('inv', torch.argsort(self.perm))
        self.h = D // 2
        self.m = mlp(self.h, hidden, D - self.h, dropout=0.0, leak=leak, batchnorm=False, init_std=None)
        nn.init.zeros_(self.m[-1].weight); nn.init.zeros_(self.m[-1].bias)
    def forward(self, x):
        x = x[:, self.perm]; a, b = x[:, :self.h], x[:, self.h:]
        return torch.cat([a, b + self.m(a)], 1)
    def inverse(self, y):
        a, b = y[:, :self.h], y[:, self.h:]
        return torch.cat([a, b - self.m(a)], 1)[:, self.inv]

class InvNet(nn.Module):
    def __init__(self, D, n_layers=4, hidden=(256,), linear=True):
        super().__init__()
        self.lin = nn.Linear(D, D, bias=False) if linear else None
        if linear: nn.init.orthogonal_(self.lin.weight)
        self.layers = nn.ModuleList(Coupling(D, hidden, seed=i) for i in range(n_layers))
    def forward(self, z):
        if self.lin is not None: z = self.lin(z)
        for l in self.layers: z = l(z)
        return z
    def inverse(self, f):
        for l in reversed(self.layers): f = l.inverse(f)
        if self.lin is not None: f = torch.linalg.solve(self.lin.weight, f.T).T
        return f

class Inv(FDEN):
    def __init__(self, cfg, decoder=None, k=64, n_layers=4, hidden=(256,), swap=1.0, adv=0.0, critic_steps=0, gamma=None):
        super().__init__(cfg, decoder=decoder)
        D = cfg.z_dim; self.k = k
        self.net = InvNet(D, n_layers, hidden)
        self.decomposer = self.net
        self.entangler = nn.Identity()
        self.widths = {'ide': k, 'sty': D - k}
        self.statisticians.critic = ConcatCritic([D - k, k], cfg.stat_hidden, **cfg.mlp_kwargs)
        self.opts = dict(swap=swap, adv=adv, critic_steps=critic_steps)
        if adv:
            self.adv_head = RelationHead('sty', D - k, cfg.align_hidden, **cfg.mlp_kwargs); self.adv_grl = GradientReversal(1.0)

    def _split(self, f): return {'sty': f[..., self.k:], 'ide': f[..., :self.k]}
    def decompose(self, z):
        z, lead = self._flat(z)
        return {n: v.reshape(*lead, -1) for n, v in self._split(self.net(self._standardize(z))).items()}
    def entangle(self, factors):
        lead = factors['ide'].shape[:-1]
        f = torch.cat([factors['ide'].reshape(-1, self.k), factors['sty'].reshape(-1, self.cfg.z_dim - self.k)], -1)
        return self._unstandardize(self.net.inverse(f)).view(*lead, self.cfg.z_dim)

    def training_step(self, z, x=None, target=None, opt=None, generator=None, grad_sync=None):
        c, o = self.cfg, self.opts
        self.train()
        zf, lead = self._flat(z); zf = self._standardize(zf)
        for _ in range(o['critic_steps']):
            with torch.no_grad(): fd = self._split(self.net(zf))
            L = self.statisticians([fd['sty'].detach(), fd['ide'].detach()], generator)
            opt.zero_grad(set_to_none=True); (-L).backward(); opt.step()
        f = self.net(zf); fs = self._split(f)
        out = {}
        out['L_M'] = self.statisticians([fs['sty'], fs['ide']], generator)
        shaped = {n: v.view(*lead, -1) for n, v in fs.items()}
        out['L_C'], out['acc'] = self.align(shaped, target)
        zero = torch.zeros((), device=zf.device); out['L_S'] = out['L_A'] = zero
        if o['swap']:
            ide = shaped['ide'].roll(1, dims=2).reshape(-1, self.k)
            z_s = self.net.inverse(torch.cat([ide, fs['sty']], -1))
            out['L_S'] = F.mse_loss(z_s, zf)
        if o['adv']:
            out['L_A'], out['adv_acc'] = self.adv_head({'sty': self.adv_grl(shaped['sty'])}, target)
        opt.zero_grad(set_to_none=True)
        theta = [p for p in self.net.parameters() if p.requires_grad]
        (-c.gamma * out['L_M']).backward(retain_graph=True)
        g_m = [p.grad for p in theta]
        for p in theta: p.grad = None
        (c.beta * out['L_C'] + o['swap'] * out['L_S'] + o['adv'] * out['L_A']).backward()
        if c.clip is not None:
            g_a = adaptive_clip([p.grad for p in theta], g_m, per_tensor=c.clip == 'per_tensor')
        else: g_a = g_m
        for p, ga in zip(theta, g_a):
            if ga is not None: p.grad = ga if p.grad is None else p.grad + ga
        opt.step()
        return {k: float(v) for k, v in out.items()}
