"""No change moves a number unnoticed: the tiny quickstart equals the reference (`python tools/regression.py --write` rewrites it on a commit that changes numbers on purpose, and says so)."""
import importlib.util, json, platform
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("regression", ROOT / "tools" / "regression.py")
regression = importlib.util.module_from_spec(spec); spec.loader.exec_module(regression)


def test_tiny_quickstart_equals_reference():
    ref = json.loads(regression.TINY_REFERENCE.read_text())
    if ref["platform"] != regression.platform_key():
        pytest.skip(f"the reference was made with {ref['platform']}, this is {regression.platform_key()}: "
                    "other kernels give other last digits; run `python tools/regression.py --write` on a trusted commit")
    torch.set_num_threads(1)
    new = regression.comparable(regression.run_quickstart(tiny=True))
    assert regression.differences(regression.comparable(ref["metrics"]), new) == []
