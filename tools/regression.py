"""Does a change move any number? Run the quickstart and compare its metrics.json with a reference.

    python tools/regression.py                      # tiny sizes, throw-away cache, against tests/regression/tiny_quickstart.json
    python tools/regression.py --full --reference /path/to/metrics.json   # the real quickstart (uses the data cache)
    python tools/regression.py --write              # make the tiny reference and measure its tolerances (on the commit you trust)

Compared: every metric of the report (few-shot table, leakage, reconstruction, content transfer, dependence,
disentanglement, RSA) and the training record; not compared: timings, throughput and the checkpoint's path.

Two ways to compare, chosen by the platform key (torch build, CPU model and family, the instruction set torch
dispatches to, the BLAS, the thread count):
* **exact**, where the reference was made with the same key: every number equal to the last digit;
* **within tolerances**, anywhere else: other kernels round differently, and a min-max training amplifies the last
  digits into visible changes. Text, integers and the structure stay exact; each float must lie within its own
  tolerance, measured when the reference is written (`--write`): the tiny run repeated with seeds 1..N and with
  other kernels (ATEN_CPU_CAPABILITY=avx2 and =default, two threads), each float's tolerance
  `max(K_SD × sd over the seeds, K_KERNEL × largest kernel difference, FLOOR × (1 + |ref|))`.
"""
import argparse, contextlib, io, json, math, os, platform, re, statistics, subprocess, sys, tempfile
from pathlib import Path

TINY_REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "regression" / "tiny_quickstart.json"
UNTIMED = ("timings_s",)
SEEDS = (1, 2, 3, 4, 5, 6)                    # the seed spread (seed 0 is the reference itself)
KERNELS = ({"ATEN_CPU_CAPABILITY": "avx2"}, {"ATEN_CPU_CAPABILITY": "default"}, {"OMP_NUM_THREADS": "2"})
# A cross-CPU difference acts like the difference of two runs (sd √2·σ): 6σ is 4.2 of those sd, a false alarm
# below 1 in 30,000 per number under normality, so under 1% for the ~300 numbers of the report.
K_SD, K_KERNEL, FLOOR = 6.0, 2.0, 1e-6


def comparable(m:dict) -> dict:
    "The report's metrics without timings, throughput and paths."
    m = {k: v for k, v in m.items() if k not in UNTIMED}
    tr = dict(m.get("training", {}))
    tr.pop("checkpoint", None)
    tr["last"] = {k: v for k, v in tr.get("last", {}).items() if not k.endswith("_per_s")}
    m["training"] = tr
    return m


def leaves(m, path="") -> dict:
    "Every leaf of a nested dict/list as {'.a.b[0]': value}."
    if isinstance(m, dict):
        return {p: v for k in sorted(m, key=str) for p, v in leaves(m[k], f"{path}.{k}").items()}
    if isinstance(m, list):
        return {p: v for i, x in enumerate(m) for p, v in leaves(x, f"{path}[{i}]").items()}
    return {path: m}


def is_float(v) -> bool: return isinstance(v, float)


def differences(ref, new, tolerances:dict|None=None) -> list[str]:
    """Every leaf where `new` differs from `ref`, as 'path: ref -> new'. Without `tolerances` every leaf must be
    equal; with them a float may move by its tolerance (a float without one: by FLOOR·(1 + |ref|))."""
    a, b = leaves(ref), leaves(new)
    out = []
    for p in sorted(set(a) | set(b)):
        x, y = a.get(p, "<missing>"), b.get(p, "<missing>")
        if tolerances is not None and is_float(x) and is_float(y):
            tol = tolerances.get(p, FLOOR * (1 + abs(x)))
            same = abs(x - y) <= tol or (math.isnan(x) and math.isnan(y))
            if not same: out.append(f"{p}: {x!r} -> {y!r} (tolerance {tol:.3g})")
        elif x != y and not (is_float(x) and is_float(y) and math.isnan(x) and math.isnan(y)):
            out.append(f"{p}: {x!r} -> {y!r}")
    return out


def run_quickstart(tiny:bool=True, quiet:bool=True, seed:int=0) -> dict:
    "metrics.json of `fden-nb quickstart` (tiny: in a throw-away data cache)."
    from fden_nb.cli import main
    from fden_nb.testing import notebook_cache
    out_text = io.StringIO()
    args = ["--no-progress", "--seed", str(seed), "--threads", str(threads()), *(["--tiny"] if tiny else [])]
    with notebook_cache(active=tiny), tempfile.TemporaryDirectory() as tmp:
        with (contextlib.redirect_stdout(out_text) if quiet else contextlib.nullcontext()):
            code = main(["quickstart", "--out", tmp, *args])
        if code != 0:
            raise SystemExit(f"quickstart failed with exit code {code}:\n{out_text.getvalue()[-3000:]}")
        return json.loads((Path(tmp) / "metrics.json").read_text())


def threads() -> int:
    "The thread count a run uses: OMP_NUM_THREADS where set, else one (the quickstart's default on 2 cores)."
    return int(os.environ.get("OMP_NUM_THREADS", "1"))


def cpu_model() -> str:
    "The CPU's vendor, model name, family, model and stepping (Linux), else what `platform` knows."
    from fden_nb.utils import cpu_info
    info = cpu_info()
    if not info: return platform.processor() or platform.machine()
    return (f"{info.get('vendor_id', '?')} {info.get('model name', '?')} (family {info.get('cpu family', '?')}, "
            f"model {info.get('model', '?')}, stepping {info.get('stepping', '?')})")


def cpu_flags() -> list[str]:
    "The instruction-set extensions that change which kernels run."
    from fden_nb.utils import cpu_info
    wanted = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "avx512_fp16", "amx_tile", "amx_bf16")
    have = set(cpu_info().get("flags", "").split())
    return [f for f in wanted if f in have]


def blas() -> str:
    "The BLAS and oneDNN versions torch was built with, from `torch.__config__.show()`."
    import torch
    lines = torch.__config__.show().splitlines()
    libs = [l.strip(" -") for l in lines if "Math Kernel Library" in l or "MKL-DNN" in l or "OpenBLAS" in l]
    info = re.findall(r"BLAS_INFO=(\w+)", "\n".join(lines))
    return "; ".join(libs + [f"BLAS_INFO={b}" for b in info]) or "unknown"


def platform_key() -> dict:
    "What decides the last digits of a run: the same key, the same numbers."
    import torch
    return {"torch": torch.__version__, "machine": platform.machine(), "cpu": cpu_model(), "flags": cpu_flags(),
            "isa": torch.backends.cpu.get_cpu_capability(),
            "blas": blas(), "threads": threads()}


def run_in_subprocess(seed:int=0, env:dict|None=None) -> dict:
    "The tiny quickstart's comparable metrics, run in a fresh process (ATEN_CPU_CAPABILITY is read at import)."
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "m.json"
        cmd = [sys.executable, __file__, "--run-seed", str(seed), "--run-out", str(out)]
        subprocess.run(cmd, check=True, env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})
        return json.loads(out.read_text())


def measure_tolerances(ref:dict, progress=print) -> tuple[dict, dict]:
    "Each float's tolerance from the seed spread and the kernel variants of the tiny run (see the module's doc)."
    ref_leaves = leaves(ref)
    seeds, kernels = [], []
    for s in SEEDS:
        progress(f"seed {s} …")
        seeds.append(leaves(run_in_subprocess(seed=s)))
    for env in KERNELS:
        progress(f"kernels {env} …")
        kernels.append(leaves(run_in_subprocess(env=env)))
    tol = {}
    for p, x in ref_leaves.items():
        if not is_float(x) or math.isnan(x): continue
        by_seed = [r[p] for r in seeds if is_float(r.get(p)) and not math.isnan(r[p])]
        sd = statistics.stdev(by_seed) if len(by_seed) > 1 else 0.
        by_kernel = max((abs(r[p] - x) for r in kernels if is_float(r.get(p)) and not math.isnan(r[p])), default=0.)
        tol[p] = max(K_SD * sd, K_KERNEL * by_kernel, FLOOR * (1 + abs(x)))
    how = {"seeds": list(SEEDS), "kernels": list(KERNELS), "k_sd": K_SD, "k_kernel": K_KERNEL, "floor": FLOOR,
           "rule": "max(k_sd × sd over the seeds, k_kernel × largest kernel difference, floor × (1 + |ref|))"}
    return tol, how


def compare(ref_file:dict, new:dict) -> tuple[str, list[str]]:
    "('exact' or 'tolerances', the differences) for a reference file and a new run made on this platform."
    ref = comparable(ref_file["metrics"])
    if ref_file["platform"] == platform_key(): return "exact", differences(ref, new)
    return "tolerances", differences(ref, new, ref_file.get("tolerances", {}))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="the real quickstart instead of the tiny one")
    p.add_argument("--reference", default=None, help="a metrics.json to compare with (default: the tiny reference)")
    p.add_argument("--write", action="store_true", help="write the tiny reference and its measured tolerances")
    p.add_argument("--run-seed", type=int, default=None, help=argparse.SUPPRESS)   # one tiny run for `--write`
    p.add_argument("--run-out", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.run_seed is not None:
        Path(a.run_out).write_text(json.dumps(comparable(run_quickstart(tiny=True, seed=a.run_seed))))
        return 0
    new = comparable(run_quickstart(tiny=not a.full, quiet=True))
    if a.write:
        tol, how = measure_tolerances(new)
        TINY_REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        doc = {"platform": platform_key(), "metrics": new, "tolerances": tol, "tolerances_measured": how}
        TINY_REFERENCE.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {TINY_REFERENCE}")
        return 0
    from fden_nb.pipeline import Evaluation
    print(Evaluation.from_json(new).table())
    if a.reference:
        ref_path = Path(a.reference)
        ref = json.loads(ref_path.read_text())
        ref = ref if "platform" in ref else {"platform": platform_key(), "metrics": ref}
    else:
        ref_path, ref = TINY_REFERENCE, json.loads(TINY_REFERENCE.read_text())
    mode, diffs = compare(ref, new)
    if diffs:
        print(f"{len(diffs)} number(s) differ from {ref_path} ({mode}):")
        print("\n".join(diffs[:50]))
        return 1
    print(f"every number equals {ref_path} ({mode}: reference made with {ref['platform']})")
    return 0


if __name__ == "__main__": sys.exit(main())
