"""`pebench demo` is the study of demo.yaml (one planner), and the stage runner it shares with every
study: a failed stage is never taken for a finished one. Fast: nothing is trained here."""
from __future__ import annotations

import sys

import pytest
from conftest import run_cli

from pebench_cli import pipeline as P
from pebench_core import stages as ST
from pebench_core.errors import UserError


def test_demo_plans_exactly_the_study_of_demo_yaml(tmp_path):
    out = tmp_path / "d"
    demo = run_cli("pebench", "demo", "--out", str(out), "--seed", "3", "--set", "unlearn.steps=7", "--dry-run").stdout
    study = run_cli("pebench", "study", "demo.yaml", "--out", str(out), "--seed", "3", "--set", "unlearn.steps=7",
                    "--dry-run").stdout
    assert demo == study and "train.max_steps=7" in demo and "--seed 3" in demo
    assert not out.exists()                                      # a dry run writes nothing


def test_demo_default_folder_is_runs_demo(tmp_path):
    proc = run_cli("pebench", "demo", "--dry-run", cwd=tmp_path)
    assert f"-> {tmp_path / 'runs' / 'demo'}:" in proc.stdout.splitlines()[0]


def test_demo_refuses_a_folder_that_is_not_a_study(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    proc = run_cli("pebench", "demo", "--out", str(tmp_path), "--seed", "0", check=False)
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "is not a study folder" in proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def _specs(root):
    """Two real stages: `make` writes its output; `score` leaves a stale file and fails (exit 2)."""
    py = [sys.executable, "-c"]
    made, summary = root / "made", root / "eval" / "summary.md"
    return [
        P.StageSpec("make", made, py, [f"import pathlib; pathlib.Path({str(made)!r}).write_text('x')"]),
        P.StageSpec("score", summary, py, [f"import pathlib, sys; p = pathlib.Path({str(summary)!r}); "
                                           "p.parent.mkdir(exist_ok=True); p.write_text('stale'); sys.exit(2)"],
                    upstream=("make",), atomic=False),
    ]


def test_a_failed_stage_is_never_taken_for_finished(tmp_path):
    root = tmp_path / "run"
    with pytest.raises(UserError, match="stage 'score' failed"):
        P.run(root, P.resolve(root, _specs(root)))
    assert (root / "eval" / "summary.md").read_text() == "stale"       # its output exists ...
    assert ST.record_file(root, "make").is_file() and not ST.record_file(root, "score").exists()   # ... no record
    assert ST.started_file(root, "score").is_file()
    assert [s.done for s in P.resolve(root, _specs(root))] == [True, False]
    # a changed upstream command is a new identity for it and for everything downstream
    changed = _specs(root)
    changed[0] = P.StageSpec("make", changed[0].out, changed[0].script, [changed[0].command[0] + "  # v2"])
    assert [s.done for s in P.resolve(root, changed)] == [False, False]
