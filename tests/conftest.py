"""What several test files share: the `fden-nb` command run inside the test's own process — the `main` that
the console script calls, without a new interpreter that spends seconds importing torch for every run."""
import warnings

import pytest
import torch

# warnings Python does not show by default (a subprocess's stderr would not hold them either)
HIDDEN = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


@pytest.fixture
def fden_here(capfd, monkeypatch):
    """`run(args, cache=None)` → (exit code, stdout, stderr) of `fden-nb ARGS` in this process, with
    FDEN_DATA_CACHE at `cache`; stderr holds any warning Python shows by default, as a subprocess's would."""
    from fden_nb.cache import ENV_VAR
    from fden_nb.cli import main

    def run(args:list, cache=None) -> tuple:
        if cache is not None: monkeypatch.setenv(ENV_VAR, str(cache))
        threads = torch.get_num_threads()
        capfd.readouterr()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try: code = main([str(a) for a in args])
            except SystemExit as e: code = e.code                      # argparse's own usage errors
        torch.set_num_threads(threads)                                 # as the command found them
        out, err = capfd.readouterr()
        shown = [w for w in caught if not issubclass(w.category, HIDDEN)]
        err += "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno)
                       for w in shown)
        return code, out, err
    return run
