"""`pebench study`: the plan of every config (fast), bad configs (one line, exit 2, nothing written),
and a real tiny study (slow: real training, real vLLM scoring, real report) that resumes, re-runs
exactly what a changed config touches, and gives the same numbers under the Ray executor."""
from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import pytest
from conftest import run_cli

from pebench_cli.cli import _main, run


def study(*args: str) -> int:
    return run(_main, ["study", *args])


def _plan(capsys, *args: str) -> list[tuple[str, list[str], bool]]:
    assert study(*args, "--dry-run") == 0
    lines = capsys.readouterr().out.strip().splitlines()[1:]
    out = []
    for line in lines:
        label, cmd = line.split("] ", 1)[1].split(": ", 1)
        out.append((label, shlex.split(cmd.split("  #")[0]), line.endswith("# done, would be skipped")))
    return out


def test_demo_plan_has_the_papers_protocol(tmp_path, capsys):
    stages = _plan(capsys, "demo.yaml", "--out", str(tmp_path / "s"), "--seed", "3")
    labels = [s[0] for s in stages]
    assert labels[:3] == ["data", "base model", "finetune"]
    assert [x for x in labels if x.startswith("goal ")] == [f"goal {t}_forget10" for t in ("person", "event", "both")]
    runs = [x.split()[1] for x in labels if x.startswith("unlearn ")]
    table1 = ["po", "ga", "gd", "kl", "siu", "dpo", "npo"]
    # three unlearning seeds of every run (the intervals cover training noise)
    assert runs == [f"{m}-{t}_forget10-s{s}" for t in ("person", "event") for m in table1 for s in (0, 1, 2)] + \
        [f"{m}-both_forget10-s{s}" for m in ("gd", "gd_bgd", "kl", "kl_bgd") for s in (0, 1, 2)]
    assert labels[-3:] == ["scoring", "forget quality", "report"]
    for label, cmd, done in stages:
        assert not done
        if label != "report":
            assert "--seed" in cmd, label
        if label in ("data", "finetune", "scoring", "forget quality") or label.startswith("goal"):
            assert cmd[cmd.index("--seed") + 1] == "3", label   # the study seed reaches every stage
    by = dict(stages_by_label(stages))
    scoring, quality = by["scoring"], by["forget quality"]
    assert "--include-base" in scoring and len(scoring[scoring.index("--full-models") + 1].split(",")) == 3
    # the forget-quality stage reads the same adapters and Goal models; the report reads its table
    for flag in ("--adapters", "--full-models"):
        assert quality[quality.index(flag) + 1] == scoring[scoring.index(flag) + 1]
    assert by["report"][by["report"].index("--forget-quality") + 1].endswith("forget_quality.csv")
    assert not (tmp_path / "s").exists()      # a dry run writes nothing


def stages_by_label(stages):
    return [(label, cmd) for label, cmd, _ in stages]


def test_paper_plan_covers_every_forget_size_and_seed(tmp_path, capsys):
    data, model = tmp_path / "data", tmp_path / "model"
    data.mkdir()
    model.mkdir()
    (model / "config.json").write_text("{}")
    stages = _plan(capsys, "paper.yaml", "--out", str(tmp_path / "s"), "--set", f"data.path={data}", f"model.path={model}")
    labels = [s[0] for s in stages]
    assert "data" not in labels and "base model" not in labels     # given folders are used as they are
    # every seed draws its own forget sets from the given folder, with its own Goal models (issue 23)
    assert [x for x in labels if x.startswith("data draw")] == ["data draw s0", "data draw s1", "data draw s2"]
    assert len([x for x in labels if x.startswith("goal ")]) == 9 * 3
    assert len([x for x in labels if x.startswith("unlearn ")]) == (7 + 7 + 4) * 3 * 3
    by = dict(stages_by_label(stages))
    for s in (0, 1, 2):
        draw = by[f"data draw s{s}"]
        assert draw[draw.index("redraw") + 1] == str(data) and draw[draw.index("--forget-seed") + 1] == str(s)
        mine = draw[draw.index("--out") + 1]
        goal = by[f"goal person_forget10 s{s}"]
        assert goal[goal.index("--data") + 1] == mine and goal[goal.index("--seed") + 1] == str(s)
        run = by[f"unlearn gd-both_forget20-s{s}"]
        assert run[run.index("--data") + 1] == mine
        scoring = by[f"scoring s{s}"]
        assert scoring[scoring.index("--data") + 1] == mine
        adapters = scoring[scoring.index("--adapters") + 1].split(",")
        assert len(adapters) == 18 * 3 and all(a.endswith(f"-s{s}") for a in adapters)
        assert all(f"/s{s}/" in g for g in scoring[scoring.index("--full-models") + 1].split(","))
    report = by["report"]
    assert [x for x in report if x.endswith("summary.csv")] == [str(tmp_path / "s" / "eval" / f"s{s}" / "summary.csv")
                                                                 for s in (0, 1, 2)]
    assert len([x for x in report if x.endswith("forget_quality.csv")]) == 3


@pytest.mark.parametrize("sets, message", [
    (["unlearn.runs.person=[nope]"], "unknown method 'nope'"),
    (["unlearn.runs.place=[ga]"], "unknown key 'unlearn.runs.place'"),
    (["unlearn.runs.person=[gd_bgd]"], "only under both"),
    (["goals=[none]"], "a Goal model needs a forget target"),
    (["forget=[forget99]"], "forget 'forget99'"),
    (["forget=[]"], "forget is empty"),
    (["unlearn.steps=many"], "unlearn.steps must be an integer"),
    (["unlearn.seeds=[]"], "unlearn.seeds must be a non-empty list"),
    (["scoring.limit=0"], "scoring.limit must be null or an integer"),
    (["scoring.forget_quality=maybe"], "scoring.forget_quality must be true or false"),
    (["unlearn.redraw_forget=maybe"], "unlearn.redraw_forget must be true or false"),
    (["model.tiny=gpt"], "model.tiny 'gpt'"),
    (["data.scale=huge"], "data.scale 'huge'"),
    (["typo_key=1"], "typo_key"),
    (["unlearn.runs.person=[]", "unlearn.runs.event=[]", "unlearn.runs.both=[]"], "unlearn.runs names no method"),
])
def test_bad_config_one_line_exit_2_nothing_written(tmp_path, capsys, sets, message):
    out = tmp_path / "s"
    assert study("demo.yaml", "--out", str(out), "--set", *sets) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err
    assert not out.exists()


def test_bad_config_file_and_executor(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("unlearn: {stepz: 3}\n")
    assert study(str(bad), "--out", str(tmp_path / "s")) == 2
    assert "stepz" in capsys.readouterr().err
    assert study("nope.yaml", "--out", str(tmp_path / "s")) == 2
    assert "study config not found" in capsys.readouterr().err
    assert study("demo.yaml", "--out", str(tmp_path / "s"), "--executor", "slurm") == 2
    assert "--executor 'slurm'" in capsys.readouterr().err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    assert study("demo.yaml", "--out", str(tmp_path / "mine")) == 2
    assert "is not a study folder" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


# ---------------------------------------------------------------- a real tiny study (slow)

def _tiny_config(tmp_path: Path, data: Path, model: Path) -> Path:
    """A study small enough for CI: the session's data and untrained tiny model, 4-step trainings,
    two unlearning methods, 8 rows per task. Its numbers mean nothing; its plumbing is the real one."""
    cfg = tmp_path / "tiny_study.yaml"
    cfg.write_text(f"""data: {{path: {data}}}
model: {{path: {model}}}
finetune: {{config: tiny.yaml, overrides: [train.max_steps=4, train.save_steps=2, eval.final=false, train.progress=false, consolidate.known=0]}}
goals: [person]
unlearn:
  steps: 2
  runs: {{person: [ga, gd]}}
scoring: {{limit: 4}}
""")
    return cfg


def _summary(root: Path) -> list[dict]:
    with open(root / "eval" / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return sorted(({k: v for k, v in r.items() if k != "results"} for r in rows), key=lambda r: r["adapter"])


def _records(root: Path) -> dict:
    return {p.stem: json.loads(p.read_text())["finished_at"] for p in (root / ".stages").glob("*.json")}


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory, mini_data_dir, tiny_qwen2_vl_dir):
    """One uninterrupted tiny study: (config, folder, its summary rows, its stdout)."""
    tmp = tmp_path_factory.mktemp("tiny-study")
    cfg = _tiny_config(tmp, mini_data_dir, tiny_qwen2_vl_dir)
    root = tmp / "study"
    out = run_cli("pebench", "study", str(cfg), "--out", str(root), "--seed", "0").stdout
    return cfg, root, _summary(root), out


@pytest.mark.slow
def test_tiny_study_runs_resumes_and_reruns_what_changed(tiny_study):
    cfg, root, rows, out = tiny_study
    assert "Table 1" in out and "Table 2" in out and "Findings" in out, out[-2000:]
    for f in ("report/report.md", "report/report.html", "study.yaml", "eval/summary.csv"):
        assert (root / f).is_file(), f
    assert {r["adapter"] for r in rows} == {"base", "goal-person_forget10", "ga-person_forget10-s0", "gd-person_forget10-s0"}
    assert all(r["person_efficacy"] != "" for r in rows)
    with open(root / "forget-quality" / "forget_quality.csv", newline="") as fh:
        quality = {r["model"]: r for r in csv.DictReader(fh)}
    assert set(quality) == {"base-person_forget10", "goal-person_forget10", "ga-person_forget10-s0", "gd-person_forget10-s0"}
    assert quality["goal-person_forget10"]["forget_quality"] == "1.0"      # the KS reference itself
    assert "Beyond the paper" in (root / "report" / "report.md").read_text()
    first = _records(root)

    again = run_cli("pebench", "study", str(cfg), "--out", str(root), "--seed", "0").stdout
    assert again.count("skipped, finished earlier") == len(first) and _records(root) == first

    # a changed unlearning setting re-runs the unlearning runs, scoring and report, nothing upstream
    changed = run_cli("pebench", "study", str(cfg), "--out", str(root), "--seed", "0", "--set", "unlearn.steps=3").stdout
    now = _records(root)
    rerun = {k for k in now if now[k] != first[k]}
    assert rerun == {"unlearn_ga-person_forget10-s0", "unlearn_gd-person_forget10-s0", "scoring", "forget_quality",
                     "report"}, rerun
    assert "removing" in changed
    assert json.loads((root / "adapters" / "ga-person_forget10-s0" / "pebench_unlearn.json").read_text())["steps"] == 3
    before, after = ({r["adapter"]: r for r in x} for x in (rows, _summary(root)))
    assert after["base"] == before["base"] and after["goal-person_forget10"] == before["goal-person_forget10"]


@pytest.mark.slow
def test_tiny_study_with_its_own_forget_draw(tmp_path, mini_data_dir, tiny_qwen2_vl_dir):
    """unlearn.redraw_forget (paper.yaml): seed 1 draws its own forget persons, trains its Goal model
    without them, unlearns and is scored on them; the Finetune row carries the draw's seed."""
    from pebench_data.dataset import open_dataset

    cfg = _tiny_config(tmp_path, mini_data_dir, tiny_qwen2_vl_dir)
    root = tmp_path / "study"
    out = run_cli("pebench", "study", str(cfg), "--out", str(root), "--seed", "0", "--set", "unlearn.redraw_forget=true",
                  "unlearn.seeds=[1]", NO_QUALITY).stdout
    assert "Table 1" in out, out[-2000:]
    draw = open_dataset(root / "data-draws" / "s1")
    own = open_dataset(mini_data_dir).forget_ids("person_forget10")["person"]
    drawn = draw.forget_ids("person_forget10")["person"]
    assert draw.meta["forget_seed"] == 1 and drawn != own
    rows = {r["adapter"]: r for r in _summary_rows(root / "eval" / "s1" / "summary.csv")}
    assert set(rows) == {"base", "goal-person_forget10", "ga-person_forget10-s1", "gd-person_forget10-s1"}
    assert rows["base"]["seed"] == "1" and rows["goal-person_forget10"]["seed"] == "1"
    goal = json.loads((root / "goals" / "s1" / "goal-person_forget10" / "pebench_finetune.json").read_text())
    assert goal["data"]["path"] == str((root / "data-draws" / "s1").resolve()) and goal["seed"] == 1
    for name in ("base", "ga-person_forget10-s1"):            # every forget question is about a drawn person
        logs = list((root / "eval" / "s1" / name).rglob("*_samples_pebench_person_forget.jsonl"))
        persons = {json.loads(line)["person_efficacy"]["person_id"] for f in logs for line in f.read_text().splitlines()}
        assert logs and persons and persons <= set(drawn), (name, persons, drawn)
    assert str(root / "eval" / "s1" / "summary.csv") in (root / "report" / "report.md").read_text()


def _summary_rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# the Ray and kill tests compare eval/summary.csv with the tiny study's: the extra metrics stage is
# tested there once, and left out here to save CI minutes
NO_QUALITY = "scoring.forget_quality=false"


@pytest.mark.slow
def test_ray_executor_gives_the_local_numbers(tiny_study, tmp_path):
    cfg, _, rows, _ = tiny_study
    root = tmp_path / "ray"
    proc = run_cli("pebench", "study", str(cfg), "--out", str(root), "--seed", "0", "--executor", "ray",
                   "--set", NO_QUALITY, env={"RAY_ADDRESS": ""})     # a local Ray cluster: one CPU worker per core (2 here)
    assert proc.stdout.count("Ray task:") == 4, proc.stdout[-3000:]     # finetune, goal, two unlearning runs
    assert _summary(root) == rows


# SIGKILL of the whole process group (a pre-empted job) while a stage runs: in the trainings, in an
# unlearning run, in the scoring engine. One folder is killed at each point in turn (each restart
# goes on from what finished); the last restart must finish with the uninterrupted numbers.
KILL_POINTS = [("finetune", 2.0), ("unlearn gd-person_forget10-s0", 3.0), ("scoring", 8.0)]


@pytest.mark.slow
def test_study_killed_mid_stage_resumes_to_the_same_numbers(tiny_study, tmp_path):
    import os
    import signal
    import subprocess
    import time

    from pebench_core import stages as ST
    from helpers import BIN

    cfg, _, rows, _ = tiny_study
    root = tmp_path / "killed"
    cmd = [str(BIN / "pebench"), "study", str(cfg), "--out", str(root), "--seed", "0", "--set", NO_QUALITY]
    for label, after in KILL_POINTS:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started = ST.started_file(root, label)
        t0 = time.time()
        while not started.exists() and proc.poll() is None and time.time() - t0 < 600:
            time.sleep(0.2)
        time.sleep(after)
        assert proc.poll() is None, f"the study ended before the kill point {label!r}"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not ST.record_file(root, label).exists(), label       # the killed stage is not finished
    again = run_cli("pebench", "study", *cmd[2:])
    assert "scoring: skipped" not in again.stdout and "report: skipped" not in again.stdout
    assert "finetune: skipped" in again.stdout                      # finished by the second restart
    assert _summary(root) == rows
    left = [str(p) for p in root.rglob("*") if ".tmp-" in p.name or p.name.endswith(".work")]
    assert left == [], left
