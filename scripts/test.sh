#!/usr/bin/env bash
# The test command (README, CI): set up .venv with the CPU stack if needed, then run the whole suite
# on the CPU (what CI has; GPUs stay hidden: the GPU checks are scripts/gpu_smoke.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --cpu
export CUDA_VISIBLE_DEVICES=""
exec .venv/bin/python -m pytest -q "$@"
