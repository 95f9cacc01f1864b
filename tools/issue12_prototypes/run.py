"Train prototype variants (variants.X, or inv.Inv with `inv` as second argument) on Table 2's design at the fast sizes."
import os, sys, json, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from variants import X
from inv import Inv
OUT = os.environ.get('PROTO_OUT', '/tmp/issue12') + '/'
os.makedirs(OUT, exist_ok=True)
BASE = dict(decomposer="mlp", swap=0.0, adversary=0.0)   # the prototypes were measured before these became defaults
Model = Inv if sys.argv[2:] == ["inv"] else X
specs = json.loads(sys.argv[1])   # list of [name, cfg_overrides, prototype_opts, steps]
for name, cfg_kw, opts, steps in specs:
    p = prep()
    torch.manual_seed(0)
    cfg = FDENConfig.two_factor(p.lat_bg.z_dim, **{**BASE, **cfg_kw})
    m = Model(cfg, decoder=p.backbone, **opts)
    secs = train(m, steps=steps, log=steps // 3)
    torch.save(m.state_dict(), OUT + name.replace(' ', '_') + '.pt')
    record(name, {**quick_eval(m), 'cfg': cfg_kw, 'opts': opts, 'steps': steps}, secs)
