"""Which of our imports sit inside functions, and what importing their target costs.

docs/architecture.md keeps an import inside a function only where the target is expensive to
import (torch, transformers, vLLM, lmms-eval behind it) and the caller is on a light path
(`pebench --help`, lmms-eval's task loading, listing folders). This script measures that: every
function-level import of our packages, grouped by target module, with the target's import time in
a fresh interpreter (median of --repeat runs, seconds; modules already loaded by the importing
file's own top-level imports are not subtracted, so this is an upper bound of what moving it up
would add).

    python scripts/import_costs.py [--repeat 3] [--min 0.0]
"""
from __future__ import annotations

import argparse
import ast
import collections
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

PACKAGES = ("pebench_core", "pebench_data", "pebench_tasks", "unlearn", "pebench_cli")


def _resolve(module: str, level: int, name: str, file_module: str, is_pkg: bool) -> str:
    if level == 0:
        return name
    base = file_module.split(".") if is_pkg else file_module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def function_level_imports() -> dict[str, list[str]]:
    """target module -> ["file:line", ...] for every import of ours inside a function."""
    out: dict[str, list[str]] = collections.defaultdict(list)
    for pkg in PACKAGES:
        root = Path(importlib.util.find_spec(pkg).origin).parent
        for f in sorted(root.rglob("*.py")):
            rel = f.relative_to(root.parent).with_suffix("")
            is_pkg = rel.name == "__init__"
            module = ".".join(rel.parts[:-1] if is_pkg else rel.parts)
            tree = ast.parse(f.read_text())
            for fn in ast.walk(tree):
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for n in ast.walk(fn):
                    if isinstance(n, ast.ImportFrom):     # `from . import x`: the submodule x
                        target = _resolve(module, n.level, n.module or n.names[0].name, module, is_pkg)
                    elif isinstance(n, ast.Import):
                        target = n.names[0].name
                    else:
                        continue
                    if target.split(".")[0] in PACKAGES:
                        out[target].append(f"{rel.as_posix()}.py:{n.lineno}")
    return out


def import_seconds(module: str, repeat: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = []
    for _ in range(repeat):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if p.returncode != 0:
            return float("nan")
        runs.append(float(p.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--min", type=float, default=0.0, help="list only targets at least this many seconds")
    args = ap.parse_args()
    t0 = time.time()
    imports = function_level_imports()
    rows = sorted(((import_seconds(m, args.repeat), m, where) for m, where in imports.items()), reverse=True)
    print(f"{sum(len(w) for w in imports.values())} function-level imports of ours, {len(imports)} target modules "
          f"(median of {args.repeat} fresh interpreters; {time.time() - t0:.0f} s)")
    print("| seconds | target | imported inside functions at |")
    print("|---:|---|---|")
    for sec, module, where in rows:
        if sec >= args.min or sec != sec:
            print(f"| {sec:.3f} | `{module}` | {', '.join(where)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
