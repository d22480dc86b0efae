"""`pebench demo`: options, bad input and the planned stage commands (--dry-run). Fast: nothing is trained
here; the real stages are each tested by their own CLI's tests."""
from __future__ import annotations

import json
import shlex

import pytest
from conftest import run_cli

from pebench_tasks.cli import _main, run


def demo(*args: str) -> int:
    return run(_main, ["demo", *args])


def test_help_lists_options():
    out = run_cli("pebench", "demo", "--help").stdout
    for opt in ("--out", "--seed", "--methods", "--targets", "--forget", "--steps", "--skip-eval", "--overwrite", "--dry-run"):
        assert opt in out


@pytest.mark.parametrize("bad, message", [
    (["--methods", "ga,nope"], "unknown method 'nope'"),
    (["--targets", "place"], "unknown target 'place'"),
    (["--forget", "forget99"], "unknown forget split 'forget99'"),
    (["--methods", "gd_bgd", "--targets", "person"], "needs --targets both"),
    (["--steps", "0"], "--steps must be >= 1"),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys, bad, message):
    out = tmp_path / "demo"
    assert demo("--out", str(out), "--seed", "0", *bad) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not out.exists()


def test_bad_method_through_console_script(tmp_path):
    proc = run_cli("pebench", "demo", "--out", str(tmp_path / "demo"), "--seed", "0", "--methods", "nope", check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and proc.stderr.startswith("error: unknown method")
    assert not (tmp_path / "demo").exists()


def test_refuses_a_folder_that_is_not_a_demo(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        assert demo("--out", str(tmp_path), "--seed", "0", *extra) == 2
        assert "is not a demo folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"  # --overwrite never deletes a foreign folder


def _plan(capsys, *args: str) -> list[list[str]]:
    assert demo(*args, "--dry-run") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert all(line.startswith("[") for line in lines)
    return [shlex.split(line.split(": ", 1)[1].split("  #")[0]) for line in lines]


def test_dry_run_plans_every_stage_with_the_seed(tmp_path, capsys):
    out = tmp_path / "demo"
    cmds = _plan(capsys, "--out", str(out), "--seed", "7", "--methods", "ga,npo", "--targets", "person,event",
                 "--forget", "forget20", "--steps", "5")
    assert not out.exists()  # dry run writes nothing
    for cmd in cmds:
        assert "--seed 7" in shlex.join(cmd)
    assert cmds[0][1:4] == ["data", "build", "--scale"] and "mini" in cmds[0]
    assert cmds[1][1:3] == ["model", "tiny"] and "qwen2_vl" in cmds[1]
    assert cmds[2][1] == "finetune" and "finetune_train" in cmds[2]
    goals = cmds[3:5]                         # one Goal model per target, beside the fine-tune (one thread each)
    assert [c[c.index("--setting") + 1] for c in goals] == ["person_forget20", "event_forget20"]
    for c in [cmds[2], *goals]:
        assert "train.threads=1" in c and c[c.index("--model") + 1] == str(out / "tiny-qwen2-vl")
    assert all("goal_train" in c for c in goals)
    runs = cmds[5:-1]
    assert [c[c.index("--out") + 1] for c in runs] == [
        str(out / "adapters" / n) for n in ("ga-person_forget20", "ga-event_forget20", "npo-person_forget20", "npo-event_forget20")]
    for c in runs:
        assert c[1] == "run" and "train.max_steps=5" in c and c[c.index("--forget") + 1] == "forget20"
        assert c[c.index("--model") + 1] == str(out / "finetuned")
    ev = shlex.join(cmds[-1])
    assert cmds[-1][1] == "eval" and f"--adapters {out / 'adapters'}" in ev and "--include-base" in ev
    assert f"--output {out / 'eval'}" in ev
    assert f"--full-models {out / 'goals' / 'goal-person_forget20'},{out / 'goals' / 'goal-event_forget20'}" in ev

    cmds = _plan(capsys, "--out", str(out), "--seed", "7", "--skip-eval")
    assert len(cmds) == 3 + 2 + 5 * 2 and all(c[1] != "eval" for c in cmds)  # default: 5 methods x person,event
    cmds = _plan(capsys, "--out", str(out), "--seed", "7", "--goals", "none")
    assert len(cmds) == 3 + 5 * 2 + 1 and "--full-models" not in shlex.join(cmds[-1])
    assert "train.threads=1" not in cmds[2]   # alone, the fine-tune takes both threads


def test_resume_skips_complete_stages_and_checks_seed(tmp_path, capsys):
    out = tmp_path / "demo"
    (out / "data").mkdir(parents=True)
    (out / "data" / "meta.json").write_text(json.dumps({"seed": 3}))
    (out / "tiny-qwen2-vl").mkdir()
    (out / ".finetuned.work").mkdir()  # checkpoints of an interrupted fine-tune belong to a demo folder
    assert demo("--out", str(out), "--seed", "4", "--dry-run") == 2
    assert "--seed 3" in capsys.readouterr().err
    assert demo("--out", str(out), "--seed", "3", "--methods", "ga", "--targets", "person", "--skip-eval", "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [("would be skipped" in line) for line in lines] == [True, True, False, False, False]
    # --overwrite plans every stage again (and ignores the old seed)
    assert demo("--out", str(out), "--seed", "4", "--overwrite", "--skip-eval", "--dry-run") == 0
    assert "skipped" not in capsys.readouterr().out
    assert (out / "tiny-qwen2-vl").exists()  # a dry run deletes nothing


def test_a_failed_eval_is_never_taken_for_finished(tmp_path, capsys, mini_data_dir, tiny_qwen2_vl_dir):
    """The eval stage fails (bad PEBENCH_FORGET) after a stale summary.md exists: no completion
    record, so the next plan re-runs it; the finished unlearning stage is skipped by its record."""
    import os
    import shutil

    root = tmp_path / "demo"
    root.mkdir()
    shutil.copytree(mini_data_dir, root / "data")
    shutil.copytree(tiny_qwen2_vl_dir, root / "tiny-qwen2-vl")
    shutil.copytree(tiny_qwen2_vl_dir, root / "finetuned")      # stands in for the fine-tune (minutes)
    (root / "eval").mkdir()
    (root / "eval" / "summary.md").write_text("| adapter |\n|---|\n")    # left by an earlier, failed eval
    args = ["--out", str(root), "--seed", "0", "--methods", "ga", "--targets", "person", "--steps", "1", "--goals", "none"]
    os.environ["PEBENCH_FORGET"] = "forget99"                   # makes `pebench eval` exit 2
    try:
        assert demo(*args) == 2
    finally:
        del os.environ["PEBENCH_FORGET"]
    assert "stage 'eval' failed" in capsys.readouterr().err
    records = sorted(p.name for p in (root / ".stages").glob("*.json"))
    assert records == ["data.json", "finetune.json", "tiny_model.json", "unlearn_ga-person_forget10.json"]
    assert (root / ".stages" / "eval.started").is_file()       # begun, never finished
    plan = [line for line in _dry(capsys, *args)]
    assert plan[-1].startswith("[5/5] eval:") and "would be skipped" not in plan[-1]
    assert "would be skipped" in plan[3]                       # the adapter: finished, by its record
    rec = json.loads((root / ".stages" / "unlearn_ga-person_forget10.json").read_text())
    assert rec["exit_code"] == 0 and not rec["adopted"] and rec["seconds"] > 0

    # a changed command (another --steps) is a new identity: the record no longer counts
    assert demo(*args[:-3], "2", "--goals", "none", "--dry-run") == 2   # refused: the adapter was trained with 1 step
    assert "was trained with --steps 1" in capsys.readouterr().err


def _dry(capsys, *args):
    assert demo(*args, "--dry-run") == 0
    return capsys.readouterr().out.strip().splitlines()
