"""Train the image judges of the quickstarts' evaluation pools and ship them inside the package
(fden_nb/weights/judges/), so a first `fden-nb quickstart` does not train them.

    python tools/ship_judges.py                  # glyphs, digits and fashion (their default protocols)
    python tools/ship_judges.py digits           # one of them

A judge ships under the name it has in the data cache (its configuration key and its data's fingerprint), so
`judges.classifier_path` finds it only for exactly that configuration and those images; any other pool trains
its own in the data cache. Each judge's accuracy on its pool ships beside it (keyed by the judge's bytes and the
images, `judges.classifier_accuracy`), so a first quickstart reads it instead of classifying the pool again. Fashion-MNIST needs its four files (Debian: dataset-fashion-mnist).
"""
import argparse
import shutil
import sys

from fden_nb.backbones import weights_dir
from fden_nb.cache import cache_dir
from fden_nb.datasets import load_dataset
from fden_nb.judges import make_judges
from fden_nb.pipeline import Sizes

SHIPPED = ("glyphs", "digits", "fashion")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", nargs="*", help=f"of {', '.join(SHIPPED)}; default: every one")
    a = p.parse_args(argv)
    if set(a.data) - set(SHIPPED):
        p.error(f"unknown data {sorted(set(a.data) - set(SHIPPED))}; choose from {', '.join(SHIPPED)}")
    folder = weights_dir() / "judges"
    folder.mkdir(parents=True, exist_ok=True)
    class_epochs, style_epochs = Sizes().judge_epochs
    for name in a.data or SHIPPED:
        pool = load_dataset(name, 32, progress=False).held_out
        j = make_judges(pool, class_epochs=class_epochs, style_epochs=style_epochs, device="cpu")
        for clf in (j.classes, j.style):
            if clf is None: continue
            # the accuracies `make_judges` measured on the pool, kept in the data cache
            kept = sorted(cache_dir("attributes").glob(f"{clf.checkpoint.stem}-accuracy-*.json"))
            for f in ([clf.checkpoint] if clf.checkpoint.parent != folder else []) + kept:
                shutil.copy2(f, folder / f.name)
                print(f"shipped {f.name} ({name}; {j.seconds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
