#!/usr/bin/env bash
# Drift check (not part of CI): install pyproject.toml's RANGES (not the lock) into a scratch venv,
# as a user's own environment would get them today, and run the fast tests there. A new upstream
# release that breaks pebench shows up here as a named failing test before users hit it.
# Run it before a release and about once a week; when it passes with newer versions you want,
# refresh the lock (`bash scripts/lock.sh`) and run `bash scripts/test.sh`.
# Usage: scripts/check_drift.sh [SCRATCH_DIR (default .cache/drift-venv)] [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.cache/drift-venv}
rm -rf "$venv"
"${PYTHON:-python3.11}" -m venv "$venv"
extra=()
if ! ls $("$venv/bin/python" -m pip config get global.find-links 2>/dev/null || echo /nonexistent)/torch-2.13.0+cpu-* >/dev/null 2>&1; then
  extra=(--extra-index-url "${PEBENCH_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}")
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${extra[@]}" ".[cpu,test,ray]" 2>&1 | { grep -v "^WARNING: Location '" || true; }
"$venv/bin/python" -m pip uninstall -y -q torchaudio triton torchcodec >/dev/null 2>&1 || true
echo "== versions that differ from requirements-cpu.lock:"
"$venv/bin/python" -m pip freeze --exclude-editable 2>/dev/null | grep -v "^pebench" | sort > "$venv/freeze.txt"
grep -E '^[A-Za-z0-9]' requirements-cpu.lock | sed 's/ .*//' | sort | comm -13 - "$venv/freeze.txt" || true
echo "== fast tests against the unpinned ranges"
if "$venv/bin/python" -m pytest -q -m "not slow" -p no:cacheprovider "${@:2}"; then
  echo "drift check: the ranges still work (no upstream release broke pebench)"
else
  echo "drift check: FAILED with the versions above; pin the culprit in pyproject.toml (upper bound + comment)" >&2
  exit 1
fi
