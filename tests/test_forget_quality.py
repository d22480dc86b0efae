"""Beyond the paper: `pebench forget-quality` (TOFU forget quality, MIA AUC) from vLLM prompt
log-probs, checked against transformers + peft in fp32, and its table in the report."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from conftest import GOAL_SETTING, run_cli
from test_scoring import ENGINE_ARGS, _adapter, _env

from pebench_data.dataset import open_dataset
from pebench_tasks.metrics import forget_quality as FQ

# vLLM (the tiny model kept in fp32 on CPU: scoring.engine.cpu_defaults; its own kernels and batching)
# vs transformers+peft fp32: the per-row mean answer log-prob agreed to 3e-6 (2026-12-03, the test
# prints its max |diff|); in vLLM's default bf16 it was off by up to 9e-3
TOL = 1e-4


def _hf_logprobs(model_dir, adapter_dir, rows) -> list[float]:
    """The same statistic with transformers (+ peft), fp32, one row at a time."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    proc = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir, dtype=torch.float32).eval()
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_dir)).eval()
    out = []
    for r in rows:
        msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": r["question"]}]},
                {"role": "assistant", "content": [{"type": "text", "text": r["answer"]}]}]
        text = proc.apply_chat_template(msgs, continue_final_message=True)
        enc = proc(text=[text], images=[r["image"]], return_tensors="pt")
        ids = proc.tokenizer.encode(r["answer"], add_special_tokens=False)
        assert enc["input_ids"][0, -len(ids):].tolist() == ids
        with torch.no_grad():
            logits = model(**enc).logits[0].float()
        lp = torch.log_softmax(logits[-len(ids) - 1:-1], -1).gather(1, torch.tensor(ids)[:, None])
        out.append(float(lp.mean()))
    return out


def test_truth_ratio_and_its_perturbed_answers():
    names = ["Anh Santoso", "Mei Lin", "Lars Eriksen", "Renata Ramirez"]
    row = {"qa_id": "q1", "concept": "person", "target": "Anh Santoso", "answer": "This is Anh Santoso, a trainer."}
    pert = FQ.perturbed_answers(row, names, {})
    assert len(pert) == 3 and len(set(pert)) == 3 and all("Anh Santoso" not in p and p.endswith(", a trainer.") for p in pert)
    assert {p.split(",")[0][8:] for p in pert} == set(names[1:])
    events = {"beach relaxing": "At the seaside.", "farm visit": "On a farm.", "gym workout": "In a gym."}
    ev = {"qa_id": "q2", "concept": "event", "target": "beach relaxing", "answer": "At the seaside."}
    assert sorted(FQ.perturbed_answers(ev, names, events)) == ["In a gym.", "On a farm."]
    # R = mean_k exp(lp_k) / exp(lp_true), per forget row
    recs = [{"split": "forget", "qa_id": "a", "logprob": -0.1}, {"split": "holdout", "qa_id": "h", "logprob": -0.2},
            *({"split": "perturbed", "qa_id": f"a#{k}", "logprob": lp} for k, lp in enumerate((-1.0, -2.0, -3.0)))]
    r = FQ.truth_ratios(recs)
    assert set(r) == {"a"} and r["a"] == pytest.approx((math.exp(-1) + math.exp(-2) + math.exp(-3)) / 3 / math.exp(-0.1))
    # forget quality: KS of the truth ratios against the Goal model's on the same rows
    def model(name, true_lp, pert_lp, n=30):
        out = []
        for i in range(n):
            out.append({"model": name, "setting": "s", "split": "forget", "qa_id": f"q{i}", "logprob": true_lp - i * 0.01})
            out += [{"model": name, "setting": "s", "split": "perturbed", "qa_id": f"q{i}#{k}", "logprob": pert_lp}
                    for k in range(3)]
        return out
    rows = {r["model"]: r for r in FQ.summarize(model("ft", -0.05, -3.0) + model("un", -2.0, -2.0) + model("goal", -2.0, -2.0),
                                                {"s": "goal"})}
    assert rows["ft"]["truth_ratio"] < 0.1 and rows["ft"]["forget_quality"] < 1e-6
    assert rows["un"]["forget_quality"] == 1.0 and rows["goal"]["ks_d"] == 0.0


def test_ks_and_auc_definitions():
    # MIA AUC on forget vs holdout rows, with its bootstrap interval
    rows = [{"model": "m", "setting": "s", "split": "forget", "qa_id": f"f{i}", "logprob": -0.1 * i} for i in range(20)]
    rows += [{"model": "m", "setting": "s", "split": "holdout", "qa_id": f"h{i}", "logprob": -1.5 - 0.1 * i} for i in range(20)]
    (r,) = FQ.summarize(rows, {})
    assert (r["n_forget"], r["n_holdout"]) == (20, 20)
    f, h = [x["logprob"] for x in rows[:20]], [x["logprob"] for x in rows[20:]]
    pairs = sum((a > b) + 0.5 * (a == b) for a in f for b in h) / 400      # AUC = P(member > non-member)
    assert r["mia_auc"] == pytest.approx(pairs) and 0.85 < r["mia_auc_lo"] < r["mia_auc"] < r["mia_auc_hi"] <= 1.0
    lo, hi = FQ.mia_auc_ci([0.0, 1.0, 2.0, 3.0] * 5, [0.5, 1.5, 2.5, 3.5] * 5)
    assert lo < 0.5 < hi
    assert FQ.forget_quality([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == (0.0, 1.0)
    d, p = FQ.forget_quality([0.0] * 20, [5.0] * 20)
    assert d == 1.0 and p < 1e-6
    assert FQ.mia_auc([2.0, 3.0], [0.0, 1.0]) == 1.0 and FQ.mia_auc([0.0, 1.0], [2.0, 3.0]) == 0.0


def test_mia_interval_resamples_whole_targets():
    """Rows of one target are not independent: the interval resamples targets. Two forget targets,
    one ranking above every holdout target and one below: rows alone give a narrow interval around
    0.5, targets the whole range; a side with one target has no interval."""
    rng = np.random.default_rng(0)
    members = list(rng.normal(0.0, 0.01, 20)) + list(rng.normal(-2.0, 0.01, 20))
    m_groups = ["a"] * 20 + ["b"] * 20
    nonmembers = list(rng.normal(-1.0, 0.01, 40))
    n_groups = [f"h{i % 4}" for i in range(40)]
    assert FQ.mia_auc(members, nonmembers) == 0.5
    row_lo, row_hi = FQ.mia_auc_ci(members, nonmembers)
    lo, hi = FQ.mia_auc_ci(members, nonmembers, member_groups=m_groups, nonmember_groups=n_groups)
    assert 0.3 < row_lo < 0.5 < row_hi < 0.7 and lo == 0.0 and hi == 1.0
    assert FQ.mia_auc_ci(members, nonmembers, member_groups=m_groups, nonmember_groups=["h"] * 40) == (None, None)
    # summarize takes each record's target as its unit
    recs = [{"model": "m", "setting": "s", "split": "forget", "qa_id": f"f{i}", "target": g, "logprob": v}
            for i, (g, v) in enumerate(zip(m_groups, members))]
    recs += [{"model": "m", "setting": "s", "split": "holdout", "qa_id": f"h{i}", "target": g, "logprob": v}
             for i, (g, v) in enumerate(zip(n_groups, nonmembers))]
    (r,) = FQ.summarize(recs, {})
    assert (r["mia_auc_lo"], r["mia_auc_hi"]) == (0.0, 1.0)


def test_mia_uses_the_name_tokens_of_person_rows():
    """The MIA statistic of a person row is the mean log-prob of its name's tokens; the whole answer
    (here ranking the other way) only where a row has no name (event rows)."""
    row = {"concept": "person", "target": "Mei Lin", "answer": "This is Mei Lin, a teacher."}
    assert FQ.name_span(row) == (8, 15) and FQ.name_span({**row, "concept": "event"}) is None
    assert FQ.name_span({**row, "answer": "A teacher."}) is None
    offsets = [(0, 4), (4, 7), (7, 11), (11, 15), (15, 16), (16, 18), (18, 26), (26, 27)]
    lps = [-1.0, -1.0, -0.2, -0.4, -3.0, -3.0, -3.0, -3.0]
    assert FQ.span_mean(lps, offsets, (8, 15)) == pytest.approx(-0.3)      # " Mei" and " Lin" only
    assert FQ.span_mean(lps, offsets, None) is None and FQ.span_mean(lps, offsets, (40, 50)) is None
    recs = [{"model": "m", "setting": "s", "split": "forget", "qa_id": f"f{i}", "logprob": -3.0, "logprob_name": -0.1}
            for i in range(5)]
    recs += [{"model": "m", "setting": "s", "split": "holdout", "qa_id": f"h{i}", "logprob": -1.0, "logprob_name": "-2.5"}
             for i in range(5)]
    (r,) = FQ.summarize(recs, {})
    assert r["mia_auc"] == 1.0 and r["logprob_forget"] == -3.0        # names known; whole answers rank the other way
    (r,) = FQ.summarize([{**x, "logprob_name": ""} for x in recs], {})
    assert r["mia_auc"] == 0.0


@pytest.mark.slow
def test_forget_quality_from_vllm_equals_transformers_peft(finetuned, goal_person, mini_data_dir, session_dir, tmp_path):
    adapter = _adapter(finetuned, mini_data_dir, session_dir / "scoring-sweep" / "ga-person", "ga")
    out = tmp_path / "fq"
    run_cli("pebench", "forget-quality", "--model-args", f"model={finetuned},{ENGINE_ARGS}", "--adapters", str(adapter),
            "--full-models", str(goal_person), "--data", str(mini_data_dir), "--output", str(out), "--seed", "0",
            env=_env(mini_data_dir))
    records = list(csv.DictReader((out / "answer_logprobs.csv").open()))
    table = {r["model"]: r for r in csv.DictReader((out / "forget_quality.csv").open())}
    base, goal = f"base-{GOAL_SETTING}", goal_person.name
    assert set(table) == {base, adapter.name, goal}, table.keys()

    data = open_dataset(mini_data_dir)
    n_forget, n_held = (data.meta["counts"]["splits"][GOAL_SETTING][s] for s in ("forget", "holdout"))
    for r in table.values():
        assert (int(r["n_forget"]), int(r["n_holdout"])) == (n_forget, n_held), r
        assert 0.0 <= float(r["mia_auc"]) <= 1.0
    # every forget / holdout person row has its name's statistic; the Finetune model knows the forget
    # names (and the holdout names no better than the Goal model does): a clear membership signal
    named = [r for r in records if r["split"] in ("forget", "holdout")]
    assert named and all(r["logprob_name"] != "" for r in named)
    assert float(table[base]["mia_auc"]) > 0.9 and float(table[base]["mia_auc"]) > float(table[goal]["mia_auc"]) + 0.2, table
    # the Goal model is its own reference; the Finetune model knows the forget persons, the Goal
    # model never saw them: their answer log-probs are far apart (KS p tiny)
    assert (float(table[goal]["ks_d"]), float(table[goal]["forget_quality"])) == (0.0, 1.0)
    assert float(table[base]["forget_quality"]) < 1e-3, table[base]
    assert float(table[base]["logprob_forget"]) > float(table[goal]["logprob_forget"]) + 1.0, table

    # the per-row statistic equals transformers (+ peft) fp32 on forget and held-out rows
    rows = {r["qa_id"]: r for s in ("forget", "holdout") for r in data.split(GOAL_SETTING, s)}
    pick = [r["qa_id"] for r in records if r["model"] == base][:6] + \
           [r["qa_id"] for r in records if r["model"] == base and r["split"] == "holdout"][:4]
    worst = 0.0
    for name, model_dir, adapter_dir in ((base, finetuned, None), (adapter.name, finetuned, adapter), (goal, goal_person, None)):
        ours = {r["qa_id"]: float(r["logprob"]) for r in records if r["model"] == name}
        ref = _hf_logprobs(model_dir, adapter_dir, [rows[q] for q in pick])
        diffs = [abs(ours[q] - x) for q, x in zip(pick, ref)]
        worst = max(worst, *diffs)
        assert max(diffs) <= TOL, (name, diffs)
    print(f"max |vLLM - transformers+peft| of the mean answer log-prob: {worst:.2e}")
    # the adapter changed what it was trained on (GA raises the forget loss): not the base's numbers
    assert float(table[adapter.name]["logprob_forget"]) < float(table[base]["logprob_forget"]), table


def test_report_shows_the_quality_table(tmp_path):
    """The report's "Beyond the paper" table from a forget_quality.csv (no model needed)."""
    from pebench_cli.study.results import read_quality
    from pebench_cli.study.tables import quality_table

    path = tmp_path / "forget_quality.csv"
    rows = [["base-person_forget10", "finetune", "False", "person", "forget10", "", "person_forget10", "48", "32",
             "-0.04", "-0.05", "0.001", "1.0", "3e-28", "0.55"],
            ["ga-a", "ga", "False", "person", "forget10", "0", "person_forget10", "48", "32", "-2.0", "-1.5", "0.5", "0.5", "0.01", "0.40"],
            ["ga-b", "ga", "False", "person", "forget10", "1", "person_forget10", "48", "32", "-4.0", "-3.5", "0.7", "0.3", "0.03", "0.50"],
            ["goal-person_forget10", "goal", "False", "person", "forget10", "0", "person_forget10", "48", "32",
             "-10.3", "-10.4", "1.2", "0.0", "1.0", "0.56"]]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        from pebench_tasks.scoring.answer_logprobs import QUALITY_FIELDS

        w.writerow(QUALITY_FIELDS)
        w.writerows(rows)
    head, body = quality_table(read_quality(path), "forget10")
    assert [b[1] for b in body] == ["Finetune", "GA (2 seeds)", "Goal"]
    assert body[1][2:5] == ["0.02", "0.40", "0.450"]        # means over the two seeds
    assert body[1][5] == "-3.00 / -2.50" and body[1][6] == "0.6"
    bad = tmp_path / "bad.csv"
    bad.write_text("model,method\nx,ga\n")
    with pytest.raises(Exception, match="no column 'target'"):
        read_quality(bad)
