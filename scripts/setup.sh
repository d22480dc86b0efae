#!/usr/bin/env bash
# Create .venv and install exactly the locked CPU stack (requirements-cpu.lock) plus pebench itself.
# Idempotent: a stamp file records what was installed, so a second run returns in a second.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
stamp=.venv/.pebench-installed
want=$(cat requirements-cpu.lock pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
# pip's config on some machines lists find-links folders that do not exist: drop those warnings
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location '" || true; }; }
pip=(quiet .venv/bin/python -m pip install --disable-pip-version-check -q)
# The CPU torch build is not on PyPI: use a configured local wheel folder if it has it, else PyTorch's CPU index.
extra=()
if ! ls $(.venv/bin/python -m pip config get global.find-links 2>/dev/null || echo /nonexistent)/torch-2.13.0+cpu-* >/dev/null 2>&1; then
  extra=(--extra-index-url "${PEBENCH_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}")
fi
echo "pebench setup: installing the locked CPU stack into .venv (a few minutes the first time)" >&2
# --no-deps: the lock is the whole environment, nothing else gets resolved in. It leaves out
# torchaudio, triton and torchcodec on purpose (CUDA-only; see requirements-cpu.lock's header).
"${pip[@]}" "${extra[@]}" --no-deps -r requirements-cpu.lock
# an older .venv may still hold packages the lock drops
.venv/bin/python -m pip uninstall -y -q torchaudio triton torchcodec >/dev/null 2>&1 || true
"${pip[@]}" --no-deps -e .
echo "$want" > "$stamp"
