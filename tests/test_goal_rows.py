"""Full models beside adapters in `pebench eval` (issue: the Goal model is never scored): a full
model of person_forget10 bounds the table from above while the Finetune model bounds it from below
(a full model's row equals the base row of the same model: tests/test_scoring.py)."""
from __future__ import annotations

import csv

import pytest
from conftest import GOAL_SETTING, run_cli
from test_scoring import ENGINE_ARGS, _env

from pebench_tasks.scoring import adapters as A


def test_full_models_read_their_setting_and_refuse_clashing_names(tmp_path):
    import json

    (tmp_path / "m").mkdir()
    with pytest.raises(Exception, match="not a model folder"):
        A.full_models(str(tmp_path / "m"))
    for name, info in (("ft", {"stage": "finetune", "setting": None, "seed": 0}),
                       ("goal", {"stage": "goal", "setting": "event_forget20", "seed": 3})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")
        (tmp_path / name / "pebench_finetune.json").write_text(json.dumps(info))
    ft, goal = A.full_models(f"{tmp_path / 'ft'},{tmp_path / 'goal'}")
    assert (ft.meta.method, ft.meta.target, ft.setting) == ("finetune", "", None)
    assert (goal.meta.method, goal.meta.target, goal.meta.forget, goal.setting) == ("goal", "event", "forget20", "event_forget20")
    with pytest.raises(Exception, match="share the name"):
        A.check_names([A.Adapter(ft.name, ft.path, 8)], [ft])


@pytest.mark.slow
def test_goal_model_bounds_the_person_table(goal_person, finetuned, mini_data_dir, tmp_path):
    """Goal (never saw the forget persons) vs Finetune (saw everything) on person_forget10, all rows."""
    out = tmp_path / "eval"
    run_cli("pebench", "eval", "--include-base", "--full-models", str(goal_person), "--tasks", "pebench_person",
            "--model-args", f"model={finetuned},{ENGINE_ARGS}", "--output", str(out), "--seed", "0",
            env=_env(mini_data_dir))
    rows = {r["adapter"]: r for r in csv.DictReader((out / "summary.csv").open())}
    goal, ft = rows[goal_person.name], rows["base"]
    assert (goal["method"], goal["target"], goal["forget"]) == ("goal", "person", "forget10")
    assert GOAL_SETTING in goal["setting"].split("/")     # its person tasks read its own setting
    num = {k: {c: float(r[c]) for c in ("person_efficacy", "person_generality", "person_retain")} for k, r in
           (("goal", goal), ("ft", ft))}
    # the Finetune model knows the forget persons, the Goal model cannot name them (CI 2026-12-02 with
    # the aux-head recipe: Finetune 20.8 on these 24 questions, Goal 100.0)
    assert num["ft"]["person_efficacy"] <= 30 and num["goal"]["person_efficacy"] >= 95, num
    assert num["goal"]["person_generality"] >= 90, num
    # what the Goal model keeps is close to what the Finetune model knows (the retain persons); measured
    # 2026-12-02: 89.3 vs 96.3 (the Goal recipe reaches 88% names on training views, the Finetune 96.7%)
    assert abs(num["goal"]["person_retain"] - num["ft"]["person_retain"]) <= 10, num
    assert float(goal["person_forget_true"]) <= 0.05 and float(goal["person_forget_other"]) >= 0.5, goal
