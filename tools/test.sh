#!/usr/bin/env bash
# The project's test command: every notebook in nbs/ (nbdev_test), then the tests that live outside the
# notebooks (pytest, tests/). pytest's exit code 5 ("no tests collected") is not a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${FDEN_TEST_WORKERS:=2}"
# One BLAS/OpenMP thread per notebook: with several notebooks running side by side, more threads than cores
# only make them wait for each other.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
export MPLBACKEND="${MPLBACKEND:-Agg}"

# The tiny glyph set every test uses, rendered once for the whole run, with the tiny backbone trained on it
# and its latents (what `prepare` makes for `Sizes.tiny()`): each throw-away data cache of a notebook or a
# test starts as a copy of this folder (fden_nb.testing.notebook_cache), so none trains that backbone again.
export FDEN_TEST_DATA
FDEN_TEST_DATA="$(mktemp -d -t fden_test_data.XXXXXX)"
trap 'rm -rf "$FDEN_TEST_DATA"' EXIT
FDEN_DATA_CACHE="$FDEN_TEST_DATA" python -c "from fden_nb.stages import Run, Sizes, prepare
prepare(Run(Sizes.tiny(), 'cpu', progress=False))" \
  || { echo "could not make the tiny glyphs and backbone"; exit 1; }

echo "== nbdev_test: executing every notebook in nbs/ =="
start=$(date +%s)
nbdev_test --n_workers "$FDEN_TEST_WORKERS" --timing
nb_rc=$?
echo "nbdev_test finished in $(( $(date +%s) - start )) s (exit $nb_rc)"

echo "== pytest: tests/ ($FDEN_TEST_WORKERS workers, one test file each at a time) =="
python -m pytest -q -n "$FDEN_TEST_WORKERS" --dist loadfile tests "$@"
py_rc=$?
[ "$py_rc" -eq 5 ] && { echo "pytest collected no tests (exit 5): treated as success"; py_rc=0; }

[ "$nb_rc" -eq 0 ] && [ "$py_rc" -eq 0 ]
