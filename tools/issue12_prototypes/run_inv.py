import os, sys, json, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
OUT = os.environ.get('PROTO_OUT', '/tmp/issue12') + '/'
os.makedirs(OUT, exist_ok=True)
from inv import Inv
specs = json.loads(sys.argv[1])   # list of [name, cfg_overrides, opts, steps]
for name, cfg_kw, opts, steps in specs:
    p = prep()
    torch.manual_seed(0)
    cfg = FDENConfig.two_factor(p.lat_bg.z_dim, **cfg_kw)
    m = Inv(cfg, decoder=p.backbone, **opts)
    secs = train(m, steps=steps, log=steps // 3)
    torch.save(m.state_dict(), OUT + name.replace(' ', '_') + '.pt')
    record(name, {**quick_eval(m), 'cfg': cfg_kw, 'opts': opts, 'steps': steps}, secs)
