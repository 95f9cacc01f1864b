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
