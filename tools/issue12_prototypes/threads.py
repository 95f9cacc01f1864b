"""One thread or two on a 2-core machine (issue 12, the quickstart's time): milliseconds per training step of the glyph
autoencoder (batch 64) and of FDEN's default (four 20-way 1-shot episodes), and a checksum of the weights after the
steps — equal checksums mean the thread count did not change a bit. Run on an idle machine, once per count:

    python tools/issue12_prototypes/threads.py 1; python tools/issue12_prototypes/threads.py 2
"""
import sys, time, torch
nt = int(sys.argv[1]); torch.set_num_threads(nt)
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import prep
torch.set_num_threads(nt)                                                # common sets one thread on import
from fden_nb.core import FDEN
from fden_nb.episodes import EpisodeSampler, gather_episodes
from fden_nb.backbones import BackboneConfig, make_backbone

p = prep(); z, y = p.lat_bg.z, p.lat_bg.labels
torch.manual_seed(0)
m = FDEN.two_factor(128, decoder=p.backbone); m.fit_scaler(z); opt = m.configure_optimizer()
s = EpisodeSampler(y, 20, 1, 3, seed=0); g = torch.Generator().manual_seed(2)
batches = [gather_episodes(z, s.sample(4)) for _ in range(45)]
for b in batches[:5]: m.training_step(b, target=1, opt=opt, generator=g)
t = time.perf_counter()
for b in batches[5:]: m.training_step(b, target=1, opt=opt, generator=g)
print(nt, "thread(s): FDEN step", f"{(time.perf_counter() - t) / 40 * 1000:.0f} ms", "checksum", sum(q.double().sum().item() for q in m.parameters()))
torch.manual_seed(0)
bb = make_backbone(BackboneConfig(kind="ae")); opts = bb.configure_optimizers()
x = torch.rand(64, 1, 32, 32, generator=torch.Generator().manual_seed(0))
for _ in range(3): bb.training_step(x, opts)
t = time.perf_counter()
for _ in range(20): bb.training_step(x, opts)
print(nt, "thread(s): autoencoder step", f"{(time.perf_counter() - t) / 20 * 1000:.0f} ms", "checksum", sum(q.double().sum().item() for q in bb.parameters()))
