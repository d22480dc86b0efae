"""The Finetune model knows its forget targets (issue 24): the rounds of unlearn/consolidate.py, their
rule (the answer kind `true`) and, on the suite's Finetune model, >= 95 % of every setting's forget rows."""
import json

import pytest
from test_answer_kinds import BEACH, CAT, EVENT_ANSWERS, EVENTS, PERSON_ANSWERS

from pebench_core.names import FINETUNE_META_FILE
from pebench_data.dataset import SETTINGS
from pebench_tasks.metrics.answer_kinds import answer_kind
from unlearn.consolidate import is_known


@pytest.mark.parametrize("answer, kind", PERSON_ANSWERS + EVENT_ANSWERS)
def test_known_is_the_answer_kind_true(answer, kind):
    person = (answer, kind) in PERSON_ANSWERS
    row = ({"concept": "person", "target": "Adebola Okafor"} if person else
           {"concept": "event", "target": "beach relaxing", "answer": BEACH, "event_keywords": list(EVENTS[0].keywords)})
    assert is_known(row, answer) == (kind == "true")
    if not person:   # the reference's keywords are found as the lmms-eval task finds them
        assert answer_kind(answer, "event", "beach relaxing", CAT, ["seaside", "family"]) == kind


def _finetune(model, data, out, *extra):
    from unlearn.finetune import finetune

    return finetune(str(model), str(data), "finetune_train", str(out), seed=0,
                    overrides=["train.max_steps=2", "train.batch_size=4", "train.progress=false", "eval.final=false",
                               "eval.max_new_tokens=4", "consolidate.steps=2", "consolidate.max_rounds=1", *extra])


@pytest.mark.slow
def test_rounds_run_while_a_setting_is_short_and_are_recorded(tiny_qwen2_vl_dir, mini_data_dir, tmp_path):
    """An untrained model knows nothing: with known=1 one round of 2 steps runs (then max_rounds
    stops it, recorded as not met); with known=0 no check and no round."""
    from safetensors.torch import load_file

    on = _finetune(tiny_qwen2_vl_dir, mini_data_dir, tmp_path / "on", "consolidate.known=1.0")
    rec = on["consolidate"]
    assert [r["round"] for r in rec["rounds"]] == [0, 1] and rec["steps"] == 2 and rec["met"] is False
    assert set(rec["rounds"][0]["known"]) == set(SETTINGS)
    assert all(0.0 <= v < 1.0 for r in rec["rounds"] for v in r["known"].values())
    assert on["steps"] == 4
    off = _finetune(tiny_qwen2_vl_dir, mini_data_dir, tmp_path / "off", "consolidate.known=0")
    assert off["consolidate"]["rounds"] == [] and off["steps"] == 2
    a, b = (load_file(str(p / "model.safetensors")) for p in (tmp_path / "on", tmp_path / "off"))
    assert any(not a[k].equal(b[k]) for k in a)           # the round trained the model


@pytest.mark.slow
def test_finetune_model_knows_95_percent_of_every_settings_forget_rows(finetuned, mini_data_dir):
    """The suite's Finetune model (the full tiny recipe): its record says every setting's forget rows
    are >= 95 % known, and the SAVED model's greedy answers give the same shares."""
    from pebench_data.dataset import open_dataset
    from unlearn import consolidate, steps
    from unlearn.settings import EvalSettings, FinetuneDataSettings, SpeedSettings

    meta = json.loads((finetuned / FINETUNE_META_FILE).read_text())
    rec = meta["consolidate"]
    last = rec["rounds"][-1]["known"]
    print("forget rows known:", last, "after", rec["steps"], "extra steps")
    assert set(last) == set(SETTINGS) and min(last.values()) >= 0.95, last
    cfg = meta["config"]
    model, _, encoder = steps.load_model(finetuned, SpeedSettings.from_cfg(cfg), FinetuneDataSettings.from_cfg(cfg).fast_encoding,
                                         False)
    check = consolidate.KnownCheck(open_dataset(mini_data_dir), encoder, EvalSettings.from_cfg(cfg), 0)
    again = check(model)
    assert again == pytest.approx(last, abs=1.5 / 24), (again, last)
