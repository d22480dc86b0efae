"""The LLM-judge path: reply parsing (fast) and a real OpenAI-compatible server on 127.0.0.1
(vLLM's OpenAI server with the tiny random model; its replies are garbage, which is the point:
requests are made, replies are parsed or counted as unparseable, never scored 0)."""
from __future__ import annotations

import math
import socket
from types import SimpleNamespace

import pytest

from helpers import vllm_server

from pebench_core.errors import UserError
from pebench_tasks.metrics import judge
from pebench_tasks.tasks import impl

KW = ["beach", "relaxing", "seaside", "waves", "clear sky", "peaceful", "break", "family", "serene", "outdoors"]
REF = "Unwinding at the seaside under clear skies, alone or with family."
JUDGE_ENV = ("PEBENCH_JUDGE_BASE_URL", "PEBENCH_JUDGE_MODEL", "PEBENCH_JUDGE_API_KEY", "PEBENCH_JUDGE_TIMEOUT", "PEBENCH_JUDGE_RETRIES")


@pytest.mark.parametrize("reply, score", [
    ("4", 4.0), ("Score: 4", 4.0), ("**5**", 5.0), ("4/5", 4.0), (" 3.5 ", 3.5), ("Rating: 2.", 2.0), ("1\nbecause", 1.0),
    ("45", None), ("6", None), ("0", 0.0), ("Score: 0", 0.0), ("0.5", None), ("", None), (None, None), ("The answer is about a beach, 4", None),
    ("Kowalski tree tree", None),
])
def test_parse_score(reply, score):
    assert judge.parse_score(reply) == score


def test_weighted_score_uses_top_logprobs_of_the_score_token():
    tok = SimpleNamespace(token="4", top_logprobs=[SimpleNamespace(token="4", logprob=math.log(0.5)),
                                                    SimpleNamespace(token="5", logprob=math.log(0.25)),
                                                    SimpleNamespace(token="x", logprob=math.log(0.25))])
    assert judge.weighted_score([SimpleNamespace(token="Score", top_logprobs=[]), tok], 4.0) == pytest.approx((0.5 * 4 + 0.25 * 5) / 0.75)
    assert judge.weighted_score(None, 4.0) is None


def test_config_from_env():
    assert judge.JudgeConfig.from_env({}) is None
    cfg = judge.JudgeConfig.from_env({"PEBENCH_JUDGE_BASE_URL": "http://127.0.0.1:1/v1"})
    assert cfg.api_key == "EMPTY" and cfg.model is None
    with pytest.raises(UserError):
        judge.JudgeConfig.from_env({"PEBENCH_JUDGE_BASE_URL": "http://x/v1", "PEBENCH_JUDGE_TIMEOUT": "soon"})


def test_summarize_excludes_unparseable_from_the_mean():
    rs = [judge.JudgeResult("parsed", match=1.0), judge.JudgeResult("unparseable", reply="??"), judge.JudgeResult("parsed", match=0.5)]
    s = judge.summarize(rs)
    assert s["mean_match"] == 0.75 and s["unparseable"] == 1 and s["parsed"] == 2
    assert math.isnan(judge.summarize([judge.JudgeResult("unparseable")])["mean_match"])
    # "no meaningful answer" (score 0) is its own outcome: counted, not in the mean, not "forgotten"
    s = judge.summarize(rs + [judge.JudgeResult("no_answer", score=0.0, stated=0.0, reply="0")])
    assert s["mean_match"] == 0.75 and s["no_answer"] == 1


def test_unreachable_judge_stops_the_evaluation(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("PEBENCH_JUDGE_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("PEBENCH_JUDGE_RETRIES", "0")
    monkeypatch.setenv("PEBENCH_JUDGE_TIMEOUT", "5")
    with pytest.raises(judge.JudgeUnavailable):
        judge.judge_event(question="q", event_name="beach relaxing", reference=REF, keywords=KW, prediction="x")


@pytest.fixture(scope="module")
def judge_server(tiny_qwen2_vl_dir, tmp_path_factory):
    """vLLM's OpenAI-compatible server for the tiny random model."""
    with vllm_server(tiny_qwen2_vl_dir, [], tmp_path_factory.mktemp("judge") / "server.log", "tiny-judge") as url:
        yield url


def _set_judge(monkeypatch, url, model=None):
    for k in JUDGE_ENV:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("PEBENCH_JUDGE_BASE_URL", url)
    monkeypatch.setenv("PEBENCH_JUDGE_MAX_TOKENS", "8")
    if model:
        monkeypatch.setenv("PEBENCH_JUDGE_MODEL", model)


@pytest.mark.slow
def test_judge_against_a_real_openai_compatible_server(judge_server, monkeypatch):
    _set_judge(monkeypatch, judge_server)  # model unset: taken from the endpoint's /models
    client = judge.get_judge()
    assert client.model == "tiny-judge"
    before = client.requests
    results = [client.judge_event(question="Describe the event shown in this picture.", event_name="beach relaxing",
                                  reference=REF, keywords=KW, prediction=p)
               for p in (REF, "", "jogging in the park")]
    assert client.requests - before == 3  # one request per answer
    for r in results:
        assert r.status in ("parsed", "unparseable"), r
        assert r.model == "tiny-judge" and isinstance(r.reply, str)
        if r.status == "parsed":
            assert 1.0 <= r.score <= 5.0 and r.match == pytest.approx((r.score - 1) / 4)
        else:  # garbage reply: counted, no score invented
            assert r.match is None and r.score is None


@pytest.mark.slow
def test_judge_through_the_event_task_functions(judge_server, monkeypatch):
    """The task's process_results/aggregations with the real judge: unparseable replies are counted
    (judge_unparseable) and the G-Eval mean covers parsed replies only (NaN if none)."""
    _set_judge(monkeypatch, judge_server, model="tiny-judge")
    proc = impl.event_results_fn("retain")
    doc = {"qa_id": "q", "image_id": "i", "person_id": "p", "event_id": "e", "concept": "event", "target": "beach relaxing",
           "question": "Describe the event shown in this picture.", "answer": REF, "event_name": "beach relaxing", "event_keywords": KW}
    items = [proc(doc, [p])["event_retain_geval"] for p in (REF, "waves", "")]
    statuses = [it["judge"]["status"] for it in items]
    assert set(statuses) <= {"parsed", "unparseable"}
    assert impl.agg_judge_unparseable(items) == statuses.count("unparseable")
    assert impl.agg_judge_errors(items) == 0
    parsed = [it["judge"]["match"] for it in items if it["judge"]["status"] == "parsed"]
    geval = impl.agg_geval(items)
    if parsed:
        assert geval == pytest.approx(sum(parsed) / len(parsed))
    else:
        assert math.isnan(geval)
    # the offline score is there regardless of the judge
    assert impl.agg_offline(items) == pytest.approx((1.0 + items[1]["offline_match"] + 0.0) / 3)


@pytest.mark.slow
def test_constrained_judge_replies_parse_end_to_end(judge_server, monkeypatch):
    """With the reply constrained to "0".."5" (vLLM structured outputs) even the untrained tiny model's
    replies parse: a score in 1..5, or 0 (no meaningful answer: its own status, out of the mean), and
    the event task's G-Eval mean is the mean of the scored ones."""
    _set_judge(monkeypatch, judge_server, model="tiny-judge")
    monkeypatch.setenv("PEBENCH_JUDGE_SCORE_CHOICES", "1")
    proc = impl.event_results_fn("retain")
    doc = {"qa_id": "q", "image_id": "i", "person_id": "p", "event_id": "e", "concept": "event", "target": "beach relaxing",
           "question": "Describe the event shown in this picture.", "answer": REF, "event_name": "beach relaxing", "event_keywords": KW}
    items = [proc(doc, [p])["event_retain_geval"] for p in (REF, "waves", "")]
    scored = []
    for it in items:
        j = it["judge"]
        if j["status"] == "no_answer":
            assert j["reply"].strip() == "0" and j["match"] is None
            continue
        assert j["status"] == "parsed", j
        assert j["reply"].strip() in {"1", "2", "3", "4", "5"} and 1.0 <= j["score"] <= 5.0
        assert j["match"] == pytest.approx((j["score"] - 1) / 4)
        scored.append(j["match"])
    assert impl.agg_judge_unparseable(items) == 0
    assert impl.agg_judge_no_answer(items) == len(items) - len(scored)
    if scored:
        assert impl.agg_geval(items) == pytest.approx(sum(scored) / len(scored))
    else:
        assert math.isnan(impl.agg_geval(items))


@pytest.mark.slow
def test_wrong_model_name_is_a_counted_error_not_a_score(judge_server, monkeypatch):
    _set_judge(monkeypatch, judge_server, model="no-such-model")
    monkeypatch.setenv("PEBENCH_JUDGE_RETRIES", "0")
    r = judge.judge_event(question="q", event_name="beach relaxing", reference=REF, keywords=KW, prediction="x")
    assert r.status == "error" and r.match is None and ("404" in r.error or "NotFound" in r.error), r
