"""The backbones shipped in fden_nb/weights/: their checksums and keys, that the pipeline loads them instead of
training, and (slow, FDEN_SLOW_TESTS=1) that a retrain on this machine reaches their reconstruction quality."""
import os

import pytest
import torch

from fden_nb.backbones import BackboneConfig, pretrained, reconstruction_error, shipped_manifest, weights_dir
from fden_nb.cache import cache_dir, sha256sum
from fden_nb.datasets import load_dataset
from fden_nb.pipeline import Sizes, backbone_config
from fden_nb.testing import notebook_cache


def test_every_shipped_file_matches_its_record():
    manifest = shipped_manifest()
    assert {"glyphs-ae", "glyphs-ali", "digits-ae", "digits-classes-ae", "fashion-ae"} <= set(manifest)
    for name, e in manifest.items():
        assert sha256sum(weights_dir() / e["file"]) == e["sha256"], name
        assert BackboneConfig(**{**e["config"], "betas": tuple(e["config"]["betas"])}).key() == e["config_key"], name


def digits_backbone(protocol=None, **kw):
    ds = load_dataset("digits", 32, progress=False, protocol=protocol)
    return ds, pretrained("ae", ds.seen, device="cpu", progress=False, **backbone_config(Sizes(), ds), **kw)


def test_the_pipeline_loads_the_shipped_weights():
    with notebook_cache(active=True):
        before = sorted(cache_dir("backbones").glob("*.pt"))     # the test run's tiny glyph backbone
        ds, bb = digits_backbone()
        assert bb.shipped["file"] == "digits-ae.pt" and not bb.training          # the default protocol: images
        assert digits_backbone("classes")[1].shipped["file"] == "digits-classes-ae.pt"
        assert not any(p.requires_grad for p in bb.parameters())
        assert sorted(cache_dir("backbones").glob("*.pt")) == before    # nothing trained into the cache


@pytest.mark.skipif(not os.environ.get("FDEN_SLOW_TESTS"), reason="retrains a backbone (minutes): FDEN_SLOW_TESTS=1")
def test_a_retrain_reaches_the_shipped_quality():
    torch.set_num_threads(1)
    with notebook_cache(active=True):
        ds, shipped = digits_backbone()
        _, mine = digits_backbone(retrain=True)
        held_out = ds.held_out
        ours, theirs = reconstruction_error(mine, held_out)["mse"], reconstruction_error(shipped, held_out)["mse"]
        print(f"held-out MSE: retrained here {ours:.5f}, shipped {theirs:.5f}")
        assert ours <= 1.1 * theirs
