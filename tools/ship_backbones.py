"""Train the backbones the package ships and write them into fden_nb/weights/ (recorded in shipped.json).

    python tools/ship_backbones.py                       # every backbone below
    python tools/ship_backbones.py digits fashion        # some of them (data[:protocol])

Each is the backbone the pipeline asks `pretrained` for (`pipeline.backbone_config` with the default sizes) on a
data set under a protocol (its default when none is named), trained by the package's own `train_backbone` in the
data cache (a finished checkpoint there is reused), then copied without its optimiser state. Run it on a commit
that changes a backbone's configuration or its data.
"""
import argparse
import sys

from fden_nb.backbones import BackboneConfig, ship_backbone, train_backbone
from fden_nb.datasets import load_dataset
from fden_nb.pipeline import Sizes, backbone_config

SHIPPED = ("glyphs", "digits", "digits:classes", "fashion")   # fashion needs its four files (Debian: dataset-fashion-mnist)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", nargs="*", default=list(SHIPPED), choices=SHIPPED)
    a = p.parse_args(argv)
    for spec in a.data:
        name, _, protocol = spec.partition(":")
        ds = load_dataset(name, 32, progress=False, protocol=protocol or None)
        cfg = BackboneConfig(kind="ae", **backbone_config(Sizes(), ds, "ae"))
        model = train_backbone(cfg, ds.seen, progress=False, verbose=True)
        key = f"{name}-ae" if not protocol else f"{name}-{protocol}-ae"
        entry = ship_backbone(model, key, data=f"{name} (protocol {ds.protocol}): the seen images ({len(ds.seen):,})",
                              recipe=f"python tools/ship_backbones.py {spec}")
        print(f"shipped {entry['file']}: {entry['trained']}, sha256 {entry['sha256'][:12]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
