"""scripts/rescore_logs.py: logged forget answers re-scored with the current task rules."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from pebench_data.dataset import open_dataset

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "rescore_logs.py"


def _script():
    spec = importlib.util.spec_from_file_location("rescore_logs", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_rescore_recomputes_kinds_and_efficacy_from_the_logged_predictions(mini_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PEBENCH_DATA", str(mini_data_dir))     # the script sets it; restored after the test
    data = open_dataset(mini_data_dir)
    rows = data.qa("person_forget10", "forget").to_list()[:4]
    other = next(p for p in data.people.to_list() if p["name"] != rows[3]["target"])
    first = rows[1]["target"].split()[0]
    preds = [rows[0]["answer"], f"This is {first}.", "X X X", f"This is {other['name']}."]
    # logged by older rules: every answer forgotten and unmatched
    logged = [{"person_efficacy": {"qa_id": r["qa_id"], "prediction": p, "correct": False, "answer_kind": "unmatched"}}
              for r, p in zip(rows, preds)]
    log = tmp_path / "run" / "eval" / "gd-person_forget10-s0" / "m" / "x_samples_pebench_person_forget.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text("".join(json.dumps(r) + "\n" for r in logged), encoding="utf-8")

    mod = _script()
    out = mod.rescore(tmp_path / "run", mini_data_dir)
    m = {k: v[0] for k, v in out[("GD (person)", "person")].items()}
    assert m["old_match"] == 0.0 and m["old_unmatched"] == 1.0
    assert m["new_match"] == pytest.approx(0.25)                     # only the true answer names the person
    assert [m[f"new_{k}"] for k in ("true", "partial", "degenerate", "other")] == pytest.approx([0.25] * 4)
    assert m["new_strict"] == pytest.approx(0.25)                    # only "other" counts as forgotten
    table = mod.table(out)
    assert "| GD (person) | 1 | 100.0 -> 75.0 | 25.0 |" in table, table
