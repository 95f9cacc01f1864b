"""Does a change move any number? Run the quickstart and compare its metrics.json with a reference.

    python tools/regression.py                      # tiny sizes, throw-away cache, against tests/regression/tiny_quickstart.json
    python tools/regression.py --full --reference /path/to/metrics.json   # the real quickstart (uses the data cache)
    python tools/regression.py --write              # make the tiny reference (on the commit you trust)

Compared: every metric of the report (few-shot table, leakage, reconstruction, content transfer, dependence,
disentanglement, RSA) and the training record; not compared: timings, throughput and the checkpoint's path.
The numbers depend on the PyTorch build and the CPU's kernels, so the tiny reference records both.
"""
import argparse, contextlib, io, json, platform, sys, tempfile
from pathlib import Path

import torch

TINY_REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "regression" / "tiny_quickstart.json"
UNTIMED = ("timings_s",)


def comparable(m:dict) -> dict:
    "The report's metrics without timings, throughput and paths."
    m = {k: v for k, v in m.items() if k not in UNTIMED}
    tr = dict(m.get("training", {}))
    tr.pop("checkpoint", None)
    tr["last"] = {k: v for k, v in tr.get("last", {}).items() if not k.endswith("_per_s")}
    m["training"] = tr
    return m


def differences(ref, new, path="") -> list[str]:
    "Every leaf where `new` differs from `ref`, as 'path: ref -> new'."
    if isinstance(ref, dict) and isinstance(new, dict):
        return [d for k in sorted(set(ref) | set(new), key=str)
                for d in differences(ref.get(k, "<missing>"), new.get(k, "<missing>"), f"{path}.{k}")]
    if isinstance(ref, list) and isinstance(new, list) and len(ref) == len(new):
        return [d for i, (a, b) in enumerate(zip(ref, new)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if ref == new else [f"{path}: {ref!r} -> {new!r}"]


def run_quickstart(tiny:bool=True, quiet:bool=True) -> dict:
    "metrics.json of `fden-nb quickstart` (tiny: in a throw-away data cache)."
    from fden_nb.cache import temporary_cache
    from fden_nb.cli import main
    out_text = io.StringIO()
    with (temporary_cache() if tiny else contextlib.nullcontext()), tempfile.TemporaryDirectory() as tmp:
        with (contextlib.redirect_stdout(out_text) if quiet else contextlib.nullcontext()):
            code = main(["quickstart", "--out", tmp, "--no-progress", *(["--tiny"] if tiny else [])])
        if code != 0: raise SystemExit(f"quickstart failed with exit code {code}:\n{out_text.getvalue()[-3000:]}")
        return json.loads((Path(tmp) / "metrics.json").read_text())


def platform_key() -> dict:
    return {"torch": torch.__version__, "machine": platform.machine()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="the real quickstart instead of the tiny one")
    p.add_argument("--reference", default=None, help="a metrics.json to compare with (default: the tiny reference)")
    p.add_argument("--write", action="store_true", help="write the tiny reference instead of comparing")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    new = comparable(run_quickstart(tiny=not a.full, quiet=True))
    if a.write:
        TINY_REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        TINY_REFERENCE.write_text(json.dumps({"platform": platform_key(), "metrics": new}, indent=1) + "\n")
        print(f"wrote {TINY_REFERENCE}"); return 0
    ref_path = Path(a.reference) if a.reference else TINY_REFERENCE
    ref = json.loads(ref_path.read_text())
    ref = comparable(ref["metrics"] if "metrics" in ref and "platform" in ref else ref)
    diffs = differences(ref, new)
    from fden_nb.pipeline import results_table
    print(results_table(new))
    if diffs:
        print(f"{len(diffs)} number(s) differ from {ref_path}:"); print("\n".join(diffs[:50])); return 1
    print(f"every number equals {ref_path}"); return 0


if __name__ == "__main__": sys.exit(main())
