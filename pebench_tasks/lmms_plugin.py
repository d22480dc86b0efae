"""lmms-eval plugin: PEBench's model manifests, and registration of the PEBench tasks.

pyproject declares ``[project.entry-points."lmms_eval.models"] pebench =
"pebench_tasks.lmms_plugin:MANIFESTS"``. lmms-eval loads that entry point when ``lmms_eval.models``
is imported, which its CLI (and ``lmms_eval.evaluator``) does before building a ``TaskManager``.
lmms-eval 0.7.3 has no entry point for tasks, so importing this module also wraps
``TaskManager.initialize_tasks`` to append our task folder to the include paths (idempotent; a
folder already given with ``--include_path`` is not added twice; ``include_defaults=False`` is
respected). Result: ``lmms-eval --model X --tasks pebench_forget`` works after ``pip install``
with no ``--include_path``, and ``--include_path <this package>/tasks`` works too.
(``lmms-eval tasks list`` does not import the models, so there ``--include-path`` is needed.)
The wrapped ``TaskManager.match_tasks`` (the CLI calls it before it loads the model) checks the data
selection when a PEBench task is asked for: a broken ``PEBENCH_DATA`` is one ``error:`` line, exit 2.

Model manifests: one line per backend in ``MANIFESTS`` (``vllm_lora``: base model + LoRA adapter on vLLM).
"""
from __future__ import annotations

import functools
import os
import sys

from lmms_eval.models.registry_v2 import ModelManifest

from pebench_core.errors import UserError
from pebench_data import resolve as data_resolve

from .tasks import TASKS_DIR

TASK_PREFIX = "pebench"     # every PEBench task and group is pebench or pebench_*

MANIFESTS: tuple[ModelManifest, ...] = (
    # base model + one peft LoRA adapter on vLLM (docs/scoring.md)
    ModelManifest(model_id="vllm_lora", chat_class_path="pebench_tasks.scoring.vllm_lora.VLLMLoRA"),
)


def _same_dir(a, b) -> bool:
    try:
        return os.path.realpath(os.fspath(a)) == os.path.realpath(os.fspath(b))
    except (TypeError, ValueError):
        return False


def with_pebench_path(include_path, include_defaults: bool = True):
    """``include_path`` (None, str or list) plus our task folder, unless already present or the
    caller asked for no default tasks."""
    if include_path is None:
        paths = []
    elif isinstance(include_path, (str, os.PathLike)):
        paths = [include_path]
    else:
        paths = list(include_path)
    if include_defaults and not any(_same_dir(p, TASKS_DIR) for p in paths):
        paths.append(str(TASKS_DIR))
    return paths or None


def is_pebench_task(name: str) -> bool:
    return name == TASK_PREFIX or name.startswith(TASK_PREFIX + "_")


def check_selection_or_exit(names, sel=None) -> None:
    """A run that asks for a PEBench task: check PEBENCH_DATA / PEBENCH_SETTING / PEBENCH_FORGET and
    the data folder now, before lmms-eval loads the model; a problem is one ``error:`` line and exit 2
    (inside the task loading it would reach the user as a RetryError traceback)."""
    if not any(isinstance(n, str) and is_pebench_task(n) for n in names):
        return
    try:
        data_resolve.check_selection(sel=sel)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def register_tasks() -> bool:
    """Make lmms-eval's TaskManager index the PEBench tasks by default, and check the data selection
    when the CLI matches the requested task names (before the model loads). Returns True if patched now."""
    from lmms_eval.tasks import TaskManager

    original = TaskManager.initialize_tasks
    if getattr(original, "_pebench_wrapped", False):
        return False

    @functools.wraps(original)
    def initialize_tasks(self, include_path=None, include_defaults=True):
        return original(self, include_path=with_pebench_path(include_path, include_defaults), include_defaults=include_defaults)

    original_match = TaskManager.match_tasks

    @functools.wraps(original_match)
    def match_tasks(self, task_list):
        matched = original_match(self, task_list)
        check_selection_or_exit(matched, getattr(self, "selection", None))   # our runs: the manager's object
        return matched

    initialize_tasks._pebench_wrapped = True
    TaskManager.initialize_tasks = initialize_tasks
    TaskManager.match_tasks = match_tasks
    return True


try:
    register_tasks()
except Exception as e:  # never break lmms-eval's model registry because of us
    import warnings

    warnings.warn(f"pebench: could not register the PEBench tasks with lmms-eval ({e}); pass --include_path {TASKS_DIR}")
