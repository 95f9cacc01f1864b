"""No change moves a number unnoticed: the tiny quickstart equals the reference — to the last digit on the platform
that made it, within measured tolerances on any other (`python tools/regression.py --write` rewrites both on a
commit that changes numbers on purpose, and says so)."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("regression", ROOT / "tools" / "regression.py")
regression = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regression)


def test_tolerant_comparison():
    ref = {"a": {"acc": 50.0, "n": 100, "name": "f_ide"}, "b": [0.25, 1e-7]}
    tol = {".a.acc": 2.0, ".b[0]": 0.01}
    assert regression.differences(ref, ref, tol) == []
    moved = {"a": {"acc": 51.5, "n": 100, "name": "f_ide"}, "b": [0.259, 1e-7 + 5e-7]}
    assert regression.differences(ref, moved, tol) == []                 # inside every tolerance
    assert len(regression.differences(ref, moved)) == 3                   # exact: three floats moved
    far = {"a": {"acc": 52.5, "n": 101, "name": "f_sty"}, "b": [0.27, 1e-4]}
    diffs = regression.differences(ref, far, tol)
    assert [d.split(":")[0] for d in diffs] == [".a.acc", ".a.n", ".a.name", ".b[0]", ".b[1]"]
    assert regression.differences(ref, {"a": ref["a"]}, tol) == [".b[0]: 0.25 -> '<missing>'", ".b[1]: 1e-07 -> '<missing>'"]


def test_platform_key_names_what_changes_the_digits():
    key = regression.platform_key()
    assert {"torch", "cpu", "isa", "blas", "threads"} <= set(key)
    assert key["threads"] >= 1 and key["blas"] != "unknown"


def test_tiny_quickstart_equals_reference():
    ref = json.loads(regression.TINY_REFERENCE.read_text())
    assert ref["tolerances"], "the reference has no measured tolerances: run `python tools/regression.py --write`"
    new = regression.comparable(regression.run_quickstart(tiny=True))
    mode, diffs = regression.compare(ref, new)
    assert diffs == [], f"{len(diffs)} number(s) differ ({mode} comparison; reference made with {ref['platform']})"
