"""Which rows each task reads (PEBENCH_DATA / PEBENCH_SETTING / PEBENCH_FORGET) and bad input:
missing folder, unknown split/setting, a folder of another schema -> one clear error."""
from __future__ import annotations

import json

import pytest
from conftest import run_cli

from pebench_data import resolve as dr
from pebench_data.dataset import open_dataset
from pebench_core.errors import UserError
from pebench_tasks.tasks import impl


def test_resolve_defaults_and_shorthands():
    sel = dr.resolve({})
    assert sel.data_dir is None and sel.mode == "single" and sel.forget == "forget10"
    assert sel.setting_for("person") == "person_forget10" and sel.setting_for("event") == "event_forget10"
    sel = dr.resolve({"PEBENCH_SETTING": "both", "PEBENCH_FORGET": "forget05"})
    assert sel.setting_for("person") == sel.setting_for("event") == "both_forget05"
    assert dr.resolve({"PEBENCH_SETTING": "both_forget20"}).setting_for("event") == "both_forget20"
    assert dr.resolve({"PEBENCH_SETTING": "person_forget20"}).setting_for("event") == "event_forget20"


@pytest.mark.parametrize("env, msg", [
    ({"PEBENCH_SETTING": "person_forget15"}, "PEBENCH_SETTING"),
    ({"PEBENCH_SETTING": "everything"}, "PEBENCH_SETTING"),
    ({"PEBENCH_FORGET": "forget50"}, "PEBENCH_FORGET"),
])
def test_unknown_setting_is_a_user_error(env, msg):
    with pytest.raises(UserError, match=msg):
        dr.resolve(env)


def test_cache_location(tmp_path):
    assert dr.cache_root({"PEBENCH_CACHE": str(tmp_path)}) == tmp_path
    assert dr.cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "pebench"
    assert dr.default_data_dir({"PEBENCH_CACHE": str(tmp_path)}).parent == tmp_path / "data"


def test_task_rows_follow_the_setting(mini_data_dir, monkeypatch):
    monkeypatch.setenv("PEBENCH_DATA", str(mini_data_dir))
    data = open_dataset(mini_data_dir)
    for forget, mode in (("forget10", "single"), ("forget05", "both")):
        monkeypatch.setenv("PEBENCH_FORGET", forget)
        monkeypatch.setenv("PEBENCH_SETTING", mode)
        for fam in ("person", "event"):
            setting = f"{fam}_{forget}" if mode == "single" else f"both_{forget}"
            other = "event" if fam == "person" else "person"
            for split in ("forget", "generality", "retain", "scope"):
                rows = dr.task_rows(fam, split)
                want = [r for r in data.qa(setting, split) if r["concept"] == (other if split == "scope" else fam)]
                assert rows["qa_id"] == [r["qa_id"] for r in want], (setting, split)
                assert set(rows["setting"]) == {setting}
                assert rows[0]["image"].size[0] > 0
    pope = dr.task_rows("pope", "pope")
    assert set(pope["concept"]) == {"pope"} and set(pope["target"]) == {"yes", "no"}


def test_process_docs_replaces_the_stub(mini_data_dir, monkeypatch):
    monkeypatch.setenv("PEBENCH_DATA", str(mini_data_dir))
    monkeypatch.delenv("PEBENCH_SETTING", raising=False)
    monkeypatch.delenv("PEBENCH_FORGET", raising=False)
    docs = impl.docs_fn("person", "forget")(None)
    doc = docs[0]
    assert doc["concept"] == "person" and doc["image_id"] in doc["qa_id"]
    assert impl.doc_to_text(doc, {"pre_prompt": "<", "post_prompt": ">"}) == f"<{doc['question']}>"
    assert impl.doc_to_visual(doc)[0].mode == "RGB"


def test_missing_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PEBENCH_DATA", str(tmp_path / "nope"))
    with pytest.raises(UserError, match="no such folder"):
        dr.task_rows("person", "forget")


def test_unknown_split_and_concept(mini_data_dir, monkeypatch):
    monkeypatch.setenv("PEBENCH_DATA", str(mini_data_dir))
    with pytest.raises(UserError, match="unknown split"):
        dr.task_rows("person", "goal")
    with pytest.raises(UserError, match="unknown concept"):
        dr.task_rows("object", "forget")


@pytest.mark.parametrize("kind", ["other_schema_version", "no_meta", "incomplete"])
def test_data_folder_of_another_schema(tmp_path, monkeypatch, kind):
    d = tmp_path / kind
    d.mkdir()
    if kind == "other_schema_version":
        (d / "meta.json").write_text(json.dumps({"schema_version": 99}))
    elif kind == "no_meta":
        (d / "train.parquet").write_bytes(b"PAR1")
    else:
        (d / "meta.json").write_text(json.dumps({"schema_version": 2}))
    monkeypatch.setenv("PEBENCH_DATA", str(d))
    with pytest.raises(UserError) as e:
        dr.task_rows("person", "forget")
    assert str(d) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("args, env, msg", [
    ([], {"PEBENCH_DATA": "/nonexistent/pebench"}, "no such folder"),
    (["--setting", "person_forget15"], {}, "PEBENCH_SETTING"),
    (["--forget", "forget99"], {}, "PEBENCH_FORGET"),
])
def test_pebench_eval_bad_input_is_one_line_exit_2(tmp_path, args, env, msg):
    proc = run_cli("pebench", "eval", "--model", "vllm", "--output", str(tmp_path / "out"), *args, check=False, env=env)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and msg in lines[0]


def test_pebench_eval_other_schema_is_one_line_exit_2(tmp_path):
    d = tmp_path / "old"
    d.mkdir()
    (d / "meta.json").write_text(json.dumps({"schema_version": 0}))
    proc = run_cli("pebench", "eval", "--model", "vllm", "--data", str(d), "--output", str(tmp_path / "out"), check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "schema_version" in proc.stderr


def test_our_task_manager_reads_a_selection_object_not_the_environment(mini_data_dir, monkeypatch):
    """One lmms-eval TaskManager builds the same tasks for two settings in one process from a
    Selection object (the sweep's way), while PEBENCH_* say something else; no state is left behind:
    a plain TaskManager (plain `lmms-eval`) still reads the environment."""
    from lmms_eval.tasks import TaskManager, get_task_dict

    from pebench_tasks.evaluation import task_manager
    from pebench_tasks.tasks import TASKS_DIR

    monkeypatch.setenv("PEBENCH_DATA", str(mini_data_dir))
    monkeypatch.setenv("PEBENCH_FORGET", "forget10")
    tm = task_manager()
    seen = {}
    for forget in ("forget05", "forget20"):
        tm.selection = dr.Selection(data_dir=mini_data_dir.resolve(), mode="single", forget=forget)
        task = get_task_dict(["pebench_person_forget"], tm)["pebench_person_forget"]
        docs = task.dataset[task.config.test_split]
        seen[forget] = (set(docs["setting"]), len(docs))
    data = open_dataset(mini_data_dir)
    for forget in ("forget05", "forget20"):
        want = sum(1 for c in data.qa(f"person_{forget}", "forget")["concept"] if c == "person")
        assert seen[forget] == ({f"person_{forget}"}, want)
    plain = TaskManager("WARNING", include_path=str(TASKS_DIR))
    task = get_task_dict(["pebench_person_forget"], plain)["pebench_person_forget"]
    assert set(task.dataset[task.config.test_split]["setting"]) == {"person_forget10"}
