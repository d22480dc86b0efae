"""Metric functions against hand-checked cases (no model, no lmms-eval run)."""
import math

import pytest
from rouge_score import rouge_scorer

from pebench_tasks.metrics import (
    event_offline_match, keyword_coverage, name_correct, name_precision, normalize,
    parse_yes_no, pope_scores, rouge_l,
)
from pebench_tasks.tasks import impl

NAME = "Adebola Okafor"
KW = ["interview", "local media", "studio", "casual setup", "conversation", "crew", "minimal distractions",
      "well-lit", "profession", "professional"]
REF = "Person interviewed by local media in a bright studio or casual set, small crew."


def test_normalize():
    assert normalize("  Adébola-OKAFOR!! ") == "adebola okafor"
    assert normalize(None) == "" and normalize("...") == ""


@pytest.mark.parametrize("answer, ok", [
    ("Adebola Okafor", True), ("This is Adebola Okafor.", True), ("ADEBOLA-OKAFOR!", True),
    ("adebola   okafor", True), ("Adébola Okafor", True),
    ("Adebola", False), ("Okafor", False), ("Okafor Adebola", False), ("Adebola Okaforson", False),
    ("", False), (None, False), ("I don't know.", False),
])
def test_name_rule(answer, ok):
    assert name_correct(answer, NAME) is ok


def _person_task(split, answers, name=NAME):
    """Run the task's own process_results + aggregation, as lmms-eval does."""
    proc = impl.person_results_fn(split)
    metric = f"person_{impl.SPLIT_METRIC[split]}"
    doc = {"qa_id": "q", "image_id": "i", "person_id": "p", "event_id": "e", "concept": "person", "target": name,
           "question": "Who is this?", "answer": f"This is {name}."}
    items = [proc(doc, [a])[metric] for a in answers]
    agg = impl.agg_precision if split == "retain" else impl.agg_inverse_precision
    return agg(items), items


def test_true_answer_scores_retain_100_efficacy_0():
    assert _person_task("retain", ["This is Adebola Okafor."])[0] == 100.0
    assert _person_task("forget", ["This is Adebola Okafor."])[0] == 0.0
    assert _person_task("generality", ["adebola okafor"])[0] == 0.0


def test_empty_or_wrong_answer_scores_efficacy_100():
    assert _person_task("forget", ["", "Chinedu Mensah", "I cannot say."])[0] == 100.0
    assert _person_task("retain", ["", "Chinedu Mensah"])[0] == 0.0
    # 1 correct of 4 -> precision 25, efficacy 75
    assert _person_task("forget", [NAME, "", "x", "Okafor"])[0] == 75.0


def test_per_sample_records_carry_ids_target_prediction():
    _, items = _person_task("forget", [" This is Adebola Okafor. "])
    rec = items[0]
    assert rec["qa_id"] == "q" and rec["image_id"] == "i" and rec["concept"] == "person" and rec["target"] == NAME
    assert rec["prediction"] == "This is Adebola Okafor." and rec["correct"] is True


def test_name_precision_scale_and_nan():
    assert name_precision([NAME, "no"], [NAME, NAME]) == 50.0
    assert math.isnan(name_precision([], []))
    with pytest.raises(ValueError):
        name_precision([NAME], [])


@pytest.mark.parametrize("pred, ref", [
    ("the cat sat on the mat", "a cat was sitting on the mat"),
    (REF, REF), ("", REF), ("Interviews, studios and crews!", REF), ("jogging in the park", "Park jogging."),
])
def test_rouge_l_equals_rouge_score(pred, ref):
    expected = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True).score(ref, pred)["rougeL"].fmeasure
    assert rouge_l(pred, ref) == pytest.approx(expected, abs=1e-12)


def test_rouge_l_hand_checked():
    # LCS("the cat sat", "the cat sat down") = 3: P = 1, R = 3/4, F = 6/7
    assert rouge_l("the cat sat", "the cat sat down") == pytest.approx(6 / 7)
    assert rouge_l("", "anything") == 0.0


def test_keyword_coverage_hand_checked():
    assert keyword_coverage(REF, KW) == pytest.approx(0.3)  # local media, studio, crew
    assert keyword_coverage("A professional interview in a well lit studio", KW) == pytest.approx(0.4)
    assert keyword_coverage("", KW) == 0.0
    assert math.isnan(keyword_coverage("x", []))


BEACH_KW = ["beach", "relaxing", "seaside", "waves", "clear sky", "peaceful", "break", "family", "serene", "outdoors"]
BEACH = "Unwinding at the seaside under clear skies, alone or with family."
SHARED = {"relaxing", "peaceful", "break", "serene", "outdoors"}      # other events of the mini set have these too


def _beach(answer):
    return event_offline_match(answer, BEACH, BEACH_KW, "beach relaxing", SHARED)


def test_event_offline_match_credits_the_event_itself():
    ref = _beach(BEACH)
    assert ref["offline_match"] == 1.0 and ref["rougeL"] == 1.0 and ref["keyword_score"] == 1.0
    assert ref["keyword_coverage"] == pytest.approx(0.2)               # seaside, family
    # the event's name: was 0.000 (it shares no keyword with the reference sentence)
    assert _beach("beach relaxing")["offline_match"] == 1.0
    assert _beach("They are relaxing at the beach, a beach relaxing day.")["offline_match"] == 1.0
    # its keywords the reference sentence lacks count too: two for full credit, one for half
    assert _beach("Waves on a beach.")["offline_match"] == 1.0
    assert _beach("A day at the beach.")["offline_match"] == 0.5
    # nothing of the event: 0, another event's own description included (was 0.05-0.1 by ROUGE-L)
    for other in ("", "Quiet café break: reading, laptop work or chatting with friends.",
                  "Racing in a local marathon past cheering crowds in clear weather.",
                  "A peaceful break outdoors.", "someone jogging in a park"):
        r = _beach(other)
        assert r["offline_match"] == 0.0, (other, r)
    # a close rewording of the reference without its keywords: ROUGE-L from 0.5 on
    near = _beach("Unwinding under clear skies, alone or with friends.")
    assert near["keyword_score"] == 0.0 and near["offline_match"] == pytest.approx(near["rougeL"]) and near["rougeL"] >= 0.5


def test_event_offline_reference_always_scores_1():
    # a reference that names none of the event's keywords (happens at full scale): still 1
    plain = "They are looking at paintings on white walls."
    r = event_offline_match(plain, plain, ["gallery", "exhibition", "curator", "artwork"], "art gallery visit")
    assert r["keyword_score"] == 0.0 and r["offline_match"] == 1.0
    # without the other events' keywords every keyword of the event counts
    assert event_offline_match("gallery artwork", plain, ["gallery", "exhibition", "curator", "artwork"])["offline_match"] == 1.0


EVENT_DOC = {"qa_id": "q", "image_id": "i", "person_id": "p", "event_id": "e", "concept": "event", "target": "media interview",
             "question": "What event is this?", "answer": REF, "event_name": "media interview", "event_keywords": KW}


def _event_task(split, answers):
    proc = impl.event_results_fn(split)
    m = impl.SPLIT_METRIC[split]
    items = [proc(EVENT_DOC, [a])[f"event_{m}_offline"] for a in answers]
    return items


def test_event_task_offline_and_judge_skipped(monkeypatch):
    monkeypatch.delenv("PEBENCH_JUDGE_BASE_URL", raising=False)
    items = _event_task("forget", [REF])
    assert impl.agg_inverse_offline(items) == 0.0  # the true answer: nothing forgotten
    assert math.isnan(impl.agg_inverse_geval(items))  # no judge: NaN, not 0
    assert impl.agg_judge_unparseable(items) == 0 and items[0]["judge"]["status"] == "skipped"
    items = _event_task("forget", ["", "jogging"])
    assert impl.agg_inverse_offline(items) == 1.0
    # strict efficacy: an empty answer is degenerate, not forgotten; "jogging" is an unmatched answer
    proc = impl.event_results_fn("forget")
    recs = [proc(EVENT_DOC, [a]) for a in ("", "They are jogging.", REF)]
    assert [r["event_efficacy_strict"]["answer_kind"] for r in recs] == ["degenerate", "unmatched", "true"]
    assert impl.agg_event_efficacy_strict([r["event_efficacy_strict"] for r in recs]) == pytest.approx(1 / 3)
    assert impl.agg_offline(_event_task("retain", [REF, ""])) == 0.5


@pytest.mark.parametrize("answer, parsed", [
    ("Yes", "yes"), ("yes, there is", "yes"), ("No.", "no"), ("There is not a barn", "no"),
    ("I see yes", "yes"), ("", None), ("barn", None),
])
def test_parse_yes_no(answer, parsed):
    assert parse_yes_no(answer) == parsed


def test_pope_scores_hand_checked_against_sklearn_definition():
    # labels y y n n ; answers y n(unparsed->wrong) y n
    s = pope_scores(["Yes", "banana", "yes", "no"], ["yes", "yes", "no", "no"])
    # TP=1 FN=1 FP=1 TN=1 -> acc 50, precision 50, recall 50, f1 50
    assert (s["accuracy"], s["precision"], s["recall"], s["f1"], s["unparsed"]) == (50.0, 50.0, 50.0, 50.0, 1)
    perfect = pope_scores(["yes", "no"], ["Yes", "No"])
    assert perfect["accuracy"] == 100.0 and perfect["f1"] == 100.0
    with pytest.raises(ValueError):
        pope_scores(["yes"], ["maybe"])
