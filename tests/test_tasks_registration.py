"""How the PEBench tasks reach lmms-eval: the `lmms_eval.models` entry point (no flags) and
`--include_path` (no model import needed). Fresh subprocesses, because lmms-eval's registries are
process-global."""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

from conftest import run_cli

from pebench_tasks.lmms_plugin import MANIFESTS, with_pebench_path
from pebench_tasks.tasks import TASKS_DIR

TASKS = [f"pebench_{f}_{s}" for f in ("person", "event")
         for s in ("forget", "generality", "retain", "scope", "scope_control")] + ["pebench_pope"]
GROUPS = ["pebench_forget", "pebench_retain", "pebench_generality", "pebench_scope", "pebench_person", "pebench_event", "pebench"]


def _py(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_entry_point_is_installed_and_manifests_are_a_valid_payload():
    eps = [ep for ep in entry_points(group="lmms_eval.models") if ep.name == "pebench"]
    assert eps and eps[0].value == "pebench_tasks.lmms_plugin:MANIFESTS"
    from lmms_eval.models.registry_v2 import ModelRegistryV2

    reg = ModelRegistryV2()
    assert isinstance(reg._coerce_payload_to_manifests(MANIFESTS), list)
    reg.load_entrypoint_manifests()  # raises on a bad payload


def test_include_path_helper_adds_our_folder_once():
    assert with_pebench_path(None) == [str(TASKS_DIR)]
    assert with_pebench_path("/x") == ["/x", str(TASKS_DIR)]
    assert with_pebench_path([str(TASKS_DIR) + "/"]) == [str(TASKS_DIR) + "/"]
    assert with_pebench_path(["/x"], include_defaults=False) == ["/x"]


def test_models_import_registers_every_task_and_group():
    out = _py(
        "import json, sys\n"
        "from lmms_eval.tasks import TaskManager\n"
        "assert 'pebench_tasks.lmms_plugin' not in sys.modules\n"
        "wrapped_before = getattr(TaskManager.initialize_tasks, '_pebench_wrapped', False)\n"
        "import lmms_eval.models  # loads the entry points, as the CLI does before building its TaskManager\n"
        "tm = TaskManager('ERROR')\n"
        "names = sorted(t for t in tm.all_tasks if t.startswith('pebench'))\n"
        "print(json.dumps({'wrapped_before': wrapped_before, 'names': names, 'types': {t: tm.task_index[t]['type'] for t in names},\n"
        "                  'paths': sorted({tm.task_index[t]['yaml_path'].rsplit('/', 1)[0] for t in names})}))\n"
    )
    res = json.loads(out)
    assert res["wrapped_before"] is False  # nothing but the plugin registers our tasks
    assert set(res["names"]) == set(TASKS + GROUPS)
    assert all(res["types"][t] == "task" for t in TASKS) and all(res["types"][g] == "group" for g in GROUPS)
    assert res["paths"] == [str(TASKS_DIR)]


def test_lmms_eval_tasks_list_with_include_path():
    # `lmms-eval tasks` does not import the models (no plugin): the include path alone registers them
    proc = run_cli("lmms-eval", "tasks", "list", "--include-path", str(TASKS_DIR))
    names = {line.strip() for line in proc.stdout.splitlines()}
    assert set(TASKS + GROUPS) <= names
