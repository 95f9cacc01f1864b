"""The `fden-nb` console script, as installed by `pip install -e .`."""
import subprocess



def test_fden_smoke_runs_and_reports():
    r = subprocess.run(["fden-nb", "smoke", "--steps", "40", "--no-progress"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    for line in ("f_ide (identity factor)", "f_sty (style factor)", "raw z", "chance"):
        assert line in r.stdout


def test_fden_rejects_bad_flags():
    r = subprocess.run(["fden-nb", "smoke", "--n-way", "1"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "--n-way must be at least 2" in r.stderr


# ---- quickstart / train / eval on the tiny configuration (hidden --tiny), in a throw-away data cache ----
# Below, only the quickstart test runs the installed command; the others call the `main` it calls, in this
# process (`fden_here`, tests/conftest.py): the same code, without a new interpreter importing torch each time.
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from fden_nb.cache import ENV_VAR

TINY = ["--tiny", "--no-progress"]
REPORT_FILES = {"metrics.json", "results.md", "translation_grid.png", "tsne_factors.png", "rsa_matrix.png", "mi_curve.png"}


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory):
    "The environment of a run whose data cache (FDEN_DATA_CACHE) is a fresh temporary folder."
    from fden_nb.testing import seed_from_test_data
    cache = tmp_path_factory.mktemp("data_cache")
    seed_from_test_data(cache)                                        # the test run's tiny glyphs, made once
    for made in ("backbones", "latents"):                 # the quickstart test's first run trains them
        shutil.rmtree(cache / made, ignore_errors=True)
    return {**os.environ, ENV_VAR: str(cache)}


def fden(args, env, cwd=None, timeout=300):
    return subprocess.run(["fden-nb", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def test_quickstart_writes_report_and_second_run_reuses_cache(cache_env, tmp_path):
    t0 = time.perf_counter()
    r = fden(["quickstart", *TINY], cache_env, cwd=tmp_path)          # default --out: ./fden_report
    first = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    report = tmp_path / "fden_report"
    assert REPORT_FILES <= {f.name for f in report.iterdir()}
    m = json.loads((report / "metrics.json").read_text())
    for key in ("few_shot", "leakage", "reconstruction", "content_transfer", "rsa", "training", "timings_s"):
        assert key in m, key
    assert [row["setting"] for row in m["few_shot"]] == ["5-way 1-shot", "5-way 5-shot", "20-way 1-shot"]
    for rep in ("ide", "sty", "z"): assert {"acc", "ci95"} <= set(m["few_shot"][0][rep])
    assert 0 <= m["reconstruction"]["rel_z_error"] and "transfer" in m["content_transfer"]
    for line in ("| 5-way 1-shot |", "f_ide", "f_sty", "raw z", "timings:", "[train]", "[evaluate]"):
        assert line in r.stdout, line

    t0 = time.perf_counter()
    r2 = fden(["quickstart", *TINY, "--out", str(tmp_path / "again")], cache_env)
    second = time.perf_counter() - t0
    assert r2.returncode == 0, r2.stderr
    assert "training complete" in r2.stdout and "Loaded ae-" in r2.stdout      # FDEN and backbone checkpoints reused
    assert "epoch 1/" not in r2.stdout                                        # no backbone training
    assert second < first, (first, second)


def test_train_then_eval(cache_env, fden_here, tmp_path):
    cache = cache_env[ENV_VAR]
    code, out, err = fden_here(["train", *TINY, "--steps", "20", "--n-way", "4", "--seed", "1"], cache)
    assert code == 0, err
    ck = next(l for l in out.splitlines() if l.startswith("FDEN:")).split("checkpoint ")[-1]
    code, out, err = fden_here(["eval", *TINY, "--checkpoint", ck, "--n-way", "10", "--k-shot", "2",
                                "--out", tmp_path / "rep"], cache)
    assert code == 0, err
    assert "| 10-way 2-shot |" in out
    assert (tmp_path / "rep" / "metrics.json").exists()


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "nosuch"], "unknown data set 'nosuch'"),
    (["train", "--data", "omniglot"], "images_background.zip"),           # not in this cache: which files to put where
    (["train", "--data", "digits", "--held-out", "5,x"], "held-out class(es) ['x'] do not exist"),
    (["train", "--device", "cuda:7"], "cuda:7"),
    (["eval", "--factors", "ide,sty,f0"], "two-factor"),
    (["quickstart", "--steps", "0"], "--steps must be at least 1"),
])
def test_bad_requests_exit_2_with_one_line(cache_env, fden_here, args, message):
    code, out, err = fden_here(args, cache_env[ENV_VAR])
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err


def test_too_many_ways_is_a_clear_error(cache_env, fden_here):
    cache = cache_env[ENV_VAR]
    assert fden_here(["train", *TINY], cache)[0] == 0    # the default checkpoint (loaded: the quickstart made it)
    code, out, err = fden_here(["eval", *TINY, "--n-way", "500"], cache)
    assert code == 2, (out, err)
    assert "500-way episodes need 500 held-out classes" in err and "Traceback" not in err
    code, _, err = fden_here(["train", *TINY, "--n-way", "500"], cache)
    assert code == 2 and "lower --n-way" in err


def test_digits_start_to_finish(cache_env, fden_here, tmp_path):
    "A real data set through the same command under both protocols, 20-way left out, no glyph-only metrics."
    cache = cache_env[ENV_VAR]
    code, out, err = fden_here(["quickstart", *TINY, "--data", "digits", "--protocol", "classes",
                                "--out", tmp_path / "rep"], cache)
    assert code == 0, err
    for line in ("protocol classes (held-out classes)", "seen (trained on): 0, 1, 2, 3, 4",
                 "digits: 8×8 → 32×32, resized (bicubic)", "note: evaluation: 20-way 1-shot left out",
                 "| 5-way 5-shot |", "swaps, re-encoded", "[train]", "f_ide ≥ raw z − 2 (5-way 1-shot)"):
        assert line in out, line
    m = json.loads((tmp_path / "rep" / "metrics.json").read_text())
    assert m["data"]["held_out_classes"] == list("56789") and "content_transfer" not in m
    code, out, err = fden_here(["quickstart", *TINY, "--data", "digits", "--out", tmp_path / "rep2"], cache)
    assert code == 0, err                                                          # ten classes: images
    for line in ("protocol images (held-out images of the seen classes)", "class from f_sty ≤ chance + 5 (MLP)"):
        assert line in out, line
    code, _, err = fden_here(["eval", *TINY, "--data", "digits", "--protocol", "images", "--held-out", "0,1"],
                             cache)
    assert code == 2 and "every class is seen" in err


def test_compare_on_digits(cache_env, fden_here, tmp_path):
    """compare on a real data set: under images the notes say so and the image judges fill their columns for
    plug-ins and whole models; three held-out classes give a 3-way table instead of an error after training."""
    cache = cache_env[ENV_VAR]
    code, _, err = fden_here(["compare", *TINY, "--data", "digits", "--methods", "fden,mlp,lord",
                              "--out", tmp_path / "c"], cache)
    assert code == 0, err
    text = (tmp_path / "c" / "comparison.md").read_text()
    assert "few-shot on the held-out images of the seen classes" in text
    head, _, *rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| ")]
    col = {name: head.index(name) for name in ("swap read as A's class, image CNN % (unswapped A)",
                                               "swap's style r with B's / A's (Morpho)")}
    for row in rows:
        filled = [row[i] != "–" for i in col.values()]
        assert filled == ([False, False] if row[0] == "| mlp" else [True, True]), row
    code, _, err = fden_here(["compare", *TINY, "--data", "digits", "--held-out", "7,8,9",
                              "--methods", "fden,mlp", "--out", tmp_path / "c3"], cache)
    assert code == 0, err
    assert "| 3-way 1-shot ide |" in (tmp_path / "c3" / "comparison.md").read_text()


def test_bad_folders_fail_before_any_work_and_leave_the_cache_alone(cache_env, fden_here, tmp_path):
    from fden_nb.testing import image_folder_fixture
    cache = Path(cache_env[ENV_VAR])
    before = sorted((p, p.stat().st_mtime_ns) for p in cache.rglob("*"))
    one = image_folder_fixture(tmp_path / "one", classes=("cat",))
    bad = image_folder_fixture(tmp_path / "bad", classes=("a", "b", "c", "d"))
    (bad / "b" / "broken.png").write_bytes(b"not a png")
    few = image_folder_fixture(tmp_path / "few", classes=("a", "b", "c", "d"), per_class=2)
    for folder, protocol, message in (
            (one, "classes", "has 1 class folder(s); a few-shot data set needs at least 2"),
            (bad, "classes", "broken.png is not a readable image"),
            (few, "classes", "seen class 'a' has 2 images; training episodes of 1 shot(s) and 3 queries need 4"),
            (few, "images", "held-out class 'a' has 1 image(s); a few-shot episode needs at least 2 per class")):
        code, out, err = fden_here(["quickstart", *TINY, "--data", folder, "--protocol", protocol], cache)
        assert code == 2, (out, err)
        assert len(err.strip().splitlines()) == 1 and message in err, err
        assert "[backbone]" not in out
    assert sorted((p, p.stat().st_mtime_ns) for p in cache.rglob("*")) == before      # nothing written or replaced


def _tensors(x, key="") -> dict:
    "Every tensor in a checkpoint (nested dicts and lists), by its path."
    import torch
    if torch.is_tensor(x): return {key: x}
    items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, (list, tuple)) else ()
    return {k: v for i, y in items for k, v in _tensors(y, f"{key}/{i}").items()}


def test_compare_in_workers_gives_the_table_and_weights_of_one_process(fden_here, tmp_path, monkeypatch):
    """compare --workers 2 (each on one thread) trains every method to the same weights as one process on one
    thread, and tabulates the same numbers (FDEN on the ALI reads the ALI backbone the parent made first); a
    method that fails in a worker fails the command with its error."""
    import dataclasses
    import torch
    import fden_nb.compare
    from fden_nb.testing import seed_from_test_data
    methods = ["--methods", "fden,fden-ali,mlp,linear,lord", "--threads", "1"]
    rows, caches = {}, {}
    for workers in (1, 2):
        caches[workers] = cache = tmp_path / f"cache{workers}"
        seed_from_test_data(cache)
        code, out, err = fden_here(["compare", *TINY, *methods, "--workers", workers,
                                    "--out", tmp_path / f"out{workers}"], cache)
        assert code == 0, err
        said = ("the methods trained here, one after another (1 thread(s))" if workers == 1 else
                "4 methods trained by 2 worker processes of 1 thread(s) each; evaluated here in order on as "
                "many")
        assert f"compare: {said}" in out, out
        doc = json.loads((tmp_path / f"out{workers}" / "comparison.json").read_text())
        assert (doc["workers"], doc["worker_threads"]) == ((1, None) if workers == 1 else (2, 1))
        rows[workers] = [{k: v for k, v in r.items() if k != "train s"} for r in doc["rows"]]
    assert rows[1] == rows[2]
    trained = sorted(p.relative_to(caches[1]) for d in ("methods", "fden") for p in (caches[1] / d).glob("*.pt"))
    assert len(trained) == 4, trained                        # FDEN twice, the MLP, LORD
    assert trained == sorted(p.relative_to(caches[2]) for d in ("methods", "fden")
                             for p in (caches[2] / d).glob("*.pt"))
    for f in trained:
        one, two = (_tensors(torch.load(c / f, map_location="cpu", weights_only=False)) for c in caches.values())
        assert one.keys() == two.keys() and all(torch.equal(one[k], two[k]) for k in one), f
    code, out, _ = fden_here(["compare", *TINY, *methods, "--out", tmp_path / "again"], caches[2])
    assert code == 0 and "compare: the methods in the data cache" in out, out      # no workers to start
    # a method the workers do not know (registered here only) fails in its worker: the command fails with its error
    late = dataclasses.replace(fden_nb.compare.METHODS["lord"], name="late", checkpoint=None)
    monkeypatch.setitem(fden_nb.compare.METHODS, "late", late)
    code, _, err = fden_here(["compare", *TINY, "--methods", "late", "--threads", "1", "--workers", 2,
                              "--out", tmp_path / "bad"], caches[2])
    assert code == 2, err
    assert "error: late is not registered in fden_nb.compare, which a worker imports; pass workers=1" in err, err
    code, _, err = fden_here(["compare", *TINY, "--workers", "0"], caches[2])
    assert code == 2 and "--workers must be at least 1" in err, err
