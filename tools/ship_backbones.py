"""Train the backbones the package ships and write them into fden_nb/weights/ (recorded in shipped.json).

    python tools/ship_backbones.py                        # every one below
    python tools/ship_backbones.py digits digits:classes  # the autoencoders of some (data[:protocol])
    python tools/ship_backbones.py glyphs --kind ali      # the ALI backbone of `fden-nb compare` (FDEN_F)

Each is the backbone the pipeline asks `pretrained` for (`pipeline.backbone_config` with the default sizes) on a
data set under a protocol (its default when none is named), trained by the package's own `train_backbone` in the
data cache (a finished checkpoint there is reused), then copied without its optimiser state. Run it on a commit
that changes a backbone's configuration or its data. Fashion-MNIST needs its four files (Debian:
dataset-fashion-mnist).
"""
import argparse
import sys

from fden_nb.backbones import BackboneConfig, ship_backbone, train_backbone
from fden_nb.datasets import load_dataset
from fden_nb.pipeline import Sizes, backbone_config

SHIPPED = (("glyphs", "ae"), ("glyphs", "ali"), ("digits", "ae"), ("digits:classes", "ae"),
           ("fashion", "ae"))   # (data[:protocol], kind)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = sorted({d for d, _ in SHIPPED})
    p.add_argument("data", nargs="*", help=f"of {', '.join(names)}; default: every shipped backbone")
    p.add_argument("--kind", choices=("ae", "ali"), default="ae", help="with data named: which backbone of it")
    a = p.parse_args(argv)
    if set(a.data) - set(names):
        p.error(f"unknown data {sorted(set(a.data) - set(names))}; choose from {names}")
    for spec, kind in ([(d, a.kind) for d in a.data] if a.data else SHIPPED):
        name, _, protocol = spec.partition(":")
        ds = load_dataset(name, 32, progress=False, protocol=protocol or None)
        cfg = BackboneConfig(kind=kind, **backbone_config(Sizes(), ds, kind))
        model = train_backbone(cfg, ds.seen, progress=False, verbose=True)
        key = f"{name}-{protocol}-{kind}" if protocol else f"{name}-{kind}"
        entry = ship_backbone(model, key, data=f"{name} (protocol {ds.protocol}): the seen images ({len(ds.seen):,})",
                              recipe=f"python tools/ship_backbones.py {spec}" + (f" --kind {kind}" if kind != "ae" else ""))
        print(f"shipped {entry['file']}: {entry['trained']}, sha256 {entry['sha256'][:12]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
