"""The metric registry is the one definition of a column: the task YAMLs report every registry
column of their task with an aggregation that exists, docs/tasks.md shows its table, and the
summary, report and findings read their columns from it."""
from pathlib import Path

import pytest
import yaml

from pebench_tasks.metrics import registry as R
from pebench_tasks.metrics.answer_kinds import KINDS
from pebench_tasks.tasks import TASKS_DIR
from pebench_tasks.tasks import utils as task_utils

ROOT = Path(__file__).resolve().parents[1]


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!function", lambda loader, node: ("function", loader.construct_scalar(node)))


def _task_metrics() -> dict[str, dict[str, tuple]]:
    out = {}
    for f in Path(TASKS_DIR).glob("pebench_*.yaml"):
        doc = yaml.load(f.read_text(encoding="utf-8"), Loader=_Loader)
        if "task" in doc and isinstance(doc["task"], str):
            out[doc["task"]] = {m["metric"]: m["aggregation"] for m in doc.get("metric_list", [])}
    return out


def test_every_registry_column_is_reported_by_its_task_yaml():
    tasks = _task_metrics()
    for c in R.COLUMNS:
        assert c.task in tasks, (c.name, c.task)
        if c.group == R.KNOWN:        # computed by the report from the logs of the column it restricts
            assert R.column(c.of).task == c.task and c.key == R.column(c.of).key
            continue
        assert c.lmms_metric in tasks[c.task], f"{c.task} YAML lacks metric {c.lmms_metric} (registry column {c.name})"
        kind, name = tasks[c.task][c.lmms_metric]
        assert kind == "function" and callable(getattr(task_utils, name.split(".", 1)[1])), (c.name, name)


def test_docs_show_the_registry_table():
    text = (ROOT / "docs" / "tasks.md").read_text(encoding="utf-8")
    assert R.markdown() in text, "docs/tasks.md: paste `python -m pebench_tasks.metrics.registry`"


def test_every_forget_task_reports_all_six_answer_kinds_and_strict_efficacy():
    assert len(KINDS) == 6
    for concept in ("person", "event"):
        assert [c.name for c in R.kinds(concept)] == [f"{concept}_forget_{k}" for k in KINDS]
        assert f"{concept}_efficacy_strict" in [c.name for _, c in R.table1(concept, "offline") if c]


@pytest.mark.parametrize("judge", ["geval", "offline"])
def test_table1_follows_the_papers_columns(judge):
    for concept in ("person", "event"):
        cols = R.table1(concept, judge)
        assert [c.paper for _, c in cols if c is not None and c.paper] == [p for p in R.PAPER_COLUMNS if p != "real"]
        assert all(c.judge in (None, judge) for _, c in cols if c is not None)
        assert ("Real", None) in cols
    event_headers = [h for h, _ in R.table1("event", judge)]
    assert event_headers[0] == ("Efficacy [G-Eval]" if judge == "geval" else "Efficacy [offline score (no judge configured)]")


def test_summary_report_and_findings_read_the_registry():
    from pebench_tasks.scoring import summary as S
    from pebench_cli.study import findings as FD
    from pebench_cli.study import results, tables

    assert [m for m, _ in S.COLUMNS] + [c for c, _, _ in S.KIND_COLUMNS] == [c.name for c in R.scored()]
    assert FD.SCALE_100 == {c.name for c in R.COLUMNS if c.top == 100.0}
    for c in R.COLUMNS:
        if c.key:
            key, value = S._SAMPLE_VALUE[c.name]
            assert key == c.key and value(0.25) == pytest.approx(c.top * (0.75 if c.inverse else 0.25))
    study = results.Study([], "forget10", "offline")
    assert tables.kendall_columns(study) == [(p, c.paper, c.name) for p in ("person", "event")
                                              for _, c in R.table1(p, "offline") if c and c.paper]
