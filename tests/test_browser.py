"""The factor slider in a real browser: JupyterLab on localhost, Debian's Chromium driven by Python Playwright.

Opens a small explorer notebook, runs all cells, moves the identity slider with the keyboard and checks that
the mixed image on display changed. Saves a screenshot to $FDEN_SCREENSHOT_DIR (default: a temporary folder)
and prints its path, plus the key-press → redrawn-image latency seen by the browser.

Needs `/usr/bin/chromium` (apt-get install chromium) and `pip install playwright`; Playwright's own browser
download is not used. Skipped, with the reason, when either is missing.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FDEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

# The notebook a student would write, at toy size: glyphs of two alphabets, a small autoencoder trained for a
# few seconds, a quick FDEN, the slider.
CELLS = [
    """import torch, numpy as np
torch.manual_seed(0); torch.set_num_threads(1)
from fden_nb.glyphs import generate_glyphs
from fden_nb.backbones import pretrained
from fden_nb.episodes import EpisodeSampler, gather_episodes
from fden_nb.core import FDEN
from fden_nb.explorers import FactorSlider
glyphs = generate_glyphs(n_samples=6, alphabets=['Greek', 'Armenian'], progress=False)
x, y, _ = glyphs.tensors()
backbone = pretrained('ae', glyphs, width=8, z_dim=32, epochs=30, batch_size=32, progress=False)
with torch.no_grad(): z = backbone.encode(x)
model = FDEN.two_factor(32, decoder=backbone).fit_scaler(z)
sampler = EpisodeSampler(y, 5, 1, 3, seed=0)
for _ in range(100): model.training_step(gather_episodes(z, sampler.sample(8)), target=1)
model.eval();""",
    """fs = FactorSlider(model, x, z=z, labels=y.numpy(), a=0, b=int(np.flatnonzero(y.numpy() == 7)[0]))
fs""",
]

def _notebook() -> dict:
    cells = [dict(cell_type="code", execution_count=None, id=f"c{i}", metadata={}, outputs=[], source=src)
             for i, src in enumerate(CELLS)]
    return dict(cells=cells, nbformat=4, nbformat_minor=5,
                metadata=dict(kernelspec=dict(display_name="Python 3", language="python", name="python3")))

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def _wait_for_server(url:str, proc, timeout:float, log:Path):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early with code {proc.returncode}; its log ends:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200: return
        except OSError: time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")

def _mix_src(page) -> str:
    "The data URL of the mixed image (third heatmap of the slider's figure)."
    return page.evaluate("""() => {
        const ims = document.querySelectorAll('.fden-slider-figure svg image');
        return ims.length >= 5 ? (ims[2].getAttribute('href') || ims[2].getAttribute('xlink:href')) : null; }""")

def test_factor_slider_in_browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    try: from playwright.sync_api import sync_playwright
    except ImportError: pytest.skip("Python Playwright not installed (pip install playwright)")
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")

    work = Path(tempfile.mkdtemp(prefix="fden-browser-"))
    shots = Path(os.environ.get("FDEN_SCREENSHOT_DIR") or work / "screenshots"); shots.mkdir(parents=True, exist_ok=True)
    (work / "explorer.ipynb").write_text(json.dumps(_notebook()))
    port, token = _free_port(), secrets.token_hex(16)
    labconfig = work / "config" / "labconfig"; labconfig.mkdir(parents=True)   # no "Jupyter news?" pop-up over the figure
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = {**os.environ, "FDEN_DATA_CACHE": str(work / "cache"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "JUPYTER_CONFIG_DIR": str(work / "config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    env.pop("IN_TEST", None)
    log = open(work / "jupyterlab.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
                               "--LabApp.news_url=", "--allow-root", "--LabApp.extension_manager=readonly", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                              cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", server, 90, work / "jupyterlab.log")
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(str(work / "profile"), executable_path=executable, headless=True,
                                                       args=CHROMIUM_ARGS, viewport=dict(width=1300, height=1100))
            try:
                ctx.set_default_timeout(60_000)
                page = ctx.new_page()
                page.goto(f"http://127.0.0.1:{port}/lab/tree/explorer.ipynb?token={token}", timeout=90_000)
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
                accept = page.locator(".jp-Dialog button.jp-mod-accept")   # "Select Kernel": take the default
                try: accept.first.click(timeout=15_000)
                except Exception: pass                                      # no dialog: the kernel started by itself
                page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
                handle = page.locator(".fden-factor-slider .widget-slider .noUi-handle").first
                try: handle.wait_for(state="visible", timeout=int(os.environ.get("FDEN_BROWSER_WAIT", "120")) * 1000)
                except Exception:
                    page.screenshot(path=str(shots / "failure.png"))
                    outs = page.locator(".jp-OutputArea").all_inner_texts()
                    raise AssertionError(f"the slider did not appear; see {shots / 'failure.png'}; outputs: {outs}")
                page.wait_for_function("() => document.querySelectorAll('.fden-slider-figure svg image').length >= 5",
                                       timeout=60_000)
                figure = page.locator(".fden-slider-figure").first
                figure.scroll_into_view_if_needed()
                before_src, before_png = _mix_src(page), figure.screenshot()
                assert before_src, "the slider's figure shows no mixed image"
                # move w_ide with the keyboard, one step at a time, timing each redraw as the browser sees it
                handle.focus()
                latencies, src = [], before_src
                for key in ["ArrowRight"] * 8 + ["ArrowLeft"] * 4:
                    t0 = time.perf_counter()
                    page.keyboard.press(key)
                    page.wait_for_function("old => { const ims = document.querySelectorAll('.fden-slider-figure svg image');"
                                           " return ims.length >= 5 && (ims[2].getAttribute('href') || ims[2].getAttribute('xlink:href')) !== old; }",
                                           arg=src, timeout=20_000, polling=5)
                    latencies.append((time.perf_counter() - t0) * 1e3)
                    src = _mix_src(page)
                value = page.locator(".fden-factor-slider .widget-readout").first.inner_text()
                after_src, after_png = _mix_src(page), figure.screenshot()
                assert after_src != before_src, "moving the slider did not change the image on display"
                assert after_png != before_png, "the figure looks the same after moving the slider"
                shot = shots / "factor_slider.png"
                page.locator(".fden-factor-slider").first.screenshot(path=str(shot))
                print(f"\nscreenshot: {shot}")
                print(f"w_ide readout after the key presses: {value}")
                q = sorted(latencies)
                print(f"key press → new image in the browser, {len(q)} steps: median {statistics.median(q):.0f} ms, "
                      f"p95 {q[min(len(q) - 1, round(0.95 * (len(q) - 1)))]:.0f} ms")
            finally: ctx.close()
    finally:
        server.terminate()
        try: server.wait(20)
        except subprocess.TimeoutExpired: server.kill(); server.wait(10)
        log.close()
