"""The layers (docs/architecture.md): every package imports only the packages below it.

Checked on the INSTALLED packages (importlib finds their files), over every import statement,
including the ones inside functions, and every string that names one of our modules (importlib
strings such as the `pebench` command table).
"""
from __future__ import annotations

import ast
import json
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

# package -> the packages of ours it may import (besides itself)
LAYERS = {
    "pebench_core": set(),
    "pebench_data": {"pebench_core"},
    "pebench_tasks": {"pebench_core", "pebench_data"},
    "unlearn": {"pebench_core", "pebench_data"},
    "pebench_cli": {"pebench_core", "pebench_data", "pebench_tasks", "unlearn"},
}


def _module_name(path: Path, root: Path, package: str) -> tuple[str, bool]:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    is_pkg = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_pkg else parts), is_pkg


def _is_module(name: str, roots: dict[str, Path]) -> bool:
    top, *rest = name.split(".")
    path = roots[top].joinpath(*rest)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _targets(tree: ast.AST, module: str, is_pkg: bool, roots: dict[str, Path]):
    """(line, imported module) for every import of one of our packages in a parsed file."""
    here = module.split(".") if is_pkg else module.split(".")[:-1]
    ours = set(roots)
    names = re.compile(r"^(%s)(\.\w+)+$" % "|".join(map(re.escape, sorted(ours))))
    for node in ast.walk(tree):
        found: list[str] = []
        if isinstance(node, ast.Import):
            found = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and names.match(node.value)
              and _is_module(node.value, roots)):
            found = [node.value]          # an importlib string, e.g. "unlearn.models.cli"
        for name in found:
            if name.split(".")[0] in ours:
                yield node.lineno, name


def violations(layers: dict[str, set[str]], roots: dict[str, Path]) -> list[str]:
    """'module:line imports target' for every import that is not allowed by `layers`."""
    bad = []
    for package, root in roots.items():
        for path in sorted(root.rglob("*.py")):
            module, is_pkg = _module_name(path, root, package)
            for line, target in _targets(ast.parse(path.read_text()), module, is_pkg, roots):
                top = target.split(".")[0]
                if top != package and top not in layers[package]:
                    bad.append(f"{module}:{line} imports {target}")
    return bad


def _installed_roots() -> dict[str, Path]:
    roots = {}
    for package in LAYERS:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
        roots[package] = Path(list(spec.submodule_search_locations)[0])
    return roots


def test_every_package_imports_only_the_layers_below_it():
    assert violations(LAYERS, _installed_roots()) == []


def test_the_check_sees_an_upward_import_inside_a_function_and_an_importlib_string(tmp_path):
    (tmp_path / "low").mkdir()
    (tmp_path / "high").mkdir()
    (tmp_path / "low" / "__init__.py").write_text("")
    (tmp_path / "low" / "a.py").write_text("from . import b\n\ndef f():\n    from ..high import x\n    return x\n")
    (tmp_path / "low" / "b.py").write_text("import importlib\nM = importlib.import_module('high.x')\n")
    (tmp_path / "high" / "__init__.py").write_text("")
    (tmp_path / "high" / "x.py").write_text("from low.a import f\n")
    found = violations({"low": set(), "high": {"low"}}, {"low": tmp_path / "low", "high": tmp_path / "high"})
    assert found == ["low.a:4 imports high", "low.b:2 imports high.x"]


@pytest.mark.parametrize("entry, absent", [
    ("pebench_tasks.tasks.utils, pebench_tasks.lmms_plugin, pebench_tasks.scoring.sweep", {"unlearn", "pebench_cli"}),
    ("unlearn.run, unlearn.finetune, unlearn.evaluate", {"pebench_tasks", "pebench_cli"}),
    ("pebench_data.dataset, pebench_data.resolve, pebench_data.build", {"pebench_tasks", "unlearn", "pebench_cli"}),
])
def test_importing_a_layer_loads_nothing_above_it(entry, absent):
    """What the layers mean at run time: lmms-eval loading our tasks never loads the training code."""
    code = f"import json, sys, {entry}\nprint('LOADED', json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out.split("LOADED ", 1)[1]))      # after what the imports print
    assert "pebench_core" in loaded and not (loaded & absent), (entry, loaded & absent)


def test_the_adapter_file_name_is_pefts():
    from peft.utils import CONFIG_NAME

    from pebench_core.names import ADAPTER_CONFIG_FILE

    assert ADAPTER_CONFIG_FILE == CONFIG_NAME


def test_no_folder_of_the_repository_is_named_like_a_task():
    """lmms-eval reads `--tasks NAME` as a path when NAME exists in the working directory: a package
    folder called `pebench` made `lmms-eval --tasks pebench` find no task when run from a checkout."""
    import yaml

    repo = Path(__file__).resolve().parent.parent
    tasks = Path(importlib.util.find_spec("pebench_tasks.tasks").submodule_search_locations[0])
    names = set()
    for f in tasks.glob("*.yaml"):
        doc = yaml.safe_load("\n".join(l for l in f.read_text().splitlines() if "!function" not in l)) or {}
        names |= {doc[k] for k in ("task", "group") if isinstance(doc.get(k), str)}
    assert "pebench" in names and "pebench_forget" in names
    assert sorted(n for n in names if (repo / n).exists()) == []
