#!/usr/bin/env bash
# Install fden_nb for development into the active Python environment.
# torch is installed first at the pinned version: on a machine with a local CPU build of torch 2.13.0 this
# takes that build; a plain `torch` requirement with no torch installed would pull several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install "torch==2.13.0"
python -m pip install -e ".[dev]"
