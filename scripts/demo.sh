#!/usr/bin/env bash
# The main job on the embedded default: set up .venv if needed, then run the study of
# task_configs/study/demo.yaml (mini data, tiny Qwen2-VL, Finetune + Goal models, every method,
# scoring on one vLLM engine, report) into one folder and print Table 1, Table 2 and the findings.
# Usage: scripts/demo.sh [DIR (default runs/demo)] [pebench study options...]; SEED=N picks the seed (default 0).
# Re-running the same command resumes: finished stages are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pebench study demo.yaml --out "${1:-runs/demo}" --seed "${SEED:-0}" "${@:2}"
