#!/usr/bin/env bash
# The main job on the embedded default: set up .venv if needed, then run the whole pipeline
# (mini data, tiny Qwen2-VL, fine-tune, LoRA unlearning, evaluation) into one folder.
# Usage: scripts/demo.sh [DIR (default runs/demo)] [pebench demo options...]; SEED=N picks the seed (default 0).
# Re-running the same command resumes: finished stages are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pebench demo --out "${1:-runs/demo}" --seed "${SEED:-0}" "${@:2}"
