"""G-Eval style LLM judge for event answers, through any OpenAI-compatible chat endpoint.

Configuration (environment; ``pebench eval --judge-*`` sets the same variables):

- ``PEBENCH_JUDGE_BASE_URL``  e.g. ``http://127.0.0.1:8000/v1`` (``vllm serve MODEL --port 8000``).
  Unset: no judge; the judge metrics are NaN and the offline score is still reported.
- ``PEBENCH_JUDGE_MODEL``     model name at that endpoint; unset: the first model the endpoint lists.
- ``PEBENCH_JUDGE_API_KEY``   default ``EMPTY`` (what ``vllm serve`` accepts without ``--api-key``).
- ``PEBENCH_JUDGE_TIMEOUT``   seconds per request, default 60; ``PEBENCH_JUDGE_RETRIES`` default 2.
- ``PEBENCH_JUDGE_MAX_TOKENS`` default 16.
- ``PEBENCH_JUDGE_SCORE_CHOICES`` ``1``: constrain the reply to one of "0".."5" with vLLM's structured
  outputs (``structured_outputs: {"choice": [...]}``), so that every reply parses; an endpoint that
  refuses it falls back to free replies (with a warning). Default ``0``: the reply is free text.

Scoring (our decision; the paper does not publish its judge prompt or model): the judge rates on
1-5 how well the answer identifies the reference event (G-Eval form: criteria, evaluation steps,
score only). The reply must state the score (``4``, ``Score: 4``, ``**4**``, ``4/5``); ``0`` says the
answer is no meaningful answer at all (empty, gibberish, repetition): status ``no_answer``, excluded
from the mean like an unparseable reply and never scored as forgetting (until 2026-12-06 the rubric
put it under 1, "forgotten"). When the
endpoint returns log-probabilities for that token, the score is G-Eval's probability-weighted
mean over the digits 1-5, otherwise the stated integer. ``match = (score - 1) / 4`` in 0-1. A reply
that states no score is *unparseable*: it is counted and excluded from the mean, never scored 0.
A request that still fails after retries is counted as a judge *error*; an endpoint that cannot be
reached at all stops the evaluation (a configured judge that does not answer is a set-up error).
"""
from __future__ import annotations

import logging
import math
import os
import re
import threading
from dataclasses import asdict, dataclass
from typing import Iterable

from pebench_core.errors import UserError

log = logging.getLogger(__name__)

ENV_BASE_URL = "PEBENCH_JUDGE_BASE_URL"
ENV_MODEL = "PEBENCH_JUDGE_MODEL"
ENV_API_KEY = "PEBENCH_JUDGE_API_KEY"
ENV_TIMEOUT = "PEBENCH_JUDGE_TIMEOUT"
ENV_RETRIES = "PEBENCH_JUDGE_RETRIES"
ENV_MAX_TOKENS = "PEBENCH_JUDGE_MAX_TOKENS"
ENV_SCORE_CHOICES = "PEBENCH_JUDGE_SCORE_CHOICES"
SCORE_CHOICES = ["0", "1", "2", "3", "4", "5"]
NO_ANSWER = 0          # the judge's outcome for an answer that says nothing (its own status, not "forgotten")

GEVAL_PROMPT = """You will be given the reference description of an event shown in an image, and a model's answer to the question "{question}".

Your task is to rate how well the answer identifies the same event as the reference.

Evaluation criteria:
Event match (0-5): 0 = no meaningful answer (empty, gibberish, a repeated word or phrase); 1 = a different event, or no event named (a refusal included); 2 = a vaguely related activity; 3 = a related event with some matching details; 4 = the same event with few details; 5 = clearly the same event, with its key details.

Evaluation steps:
1. Read the reference event, its description and its keywords.
2. Read the answer and check whether it names or describes this event and mentions its key details.
3. Assign a score from 0 to 5.

Reference event: {event_name}
Reference description: {reference}
Event keywords: {keywords}

Answer: {prediction}

Reply with the score only (a single digit from 0 to 5).
Score:"""

_SCORE_RE = re.compile(r"^[\s*_#`'\"(\[]*(?:(?:final\s+)?(?:score|rating)\s*(?:\(1-5\))?\s*[:=]?\s*)?[*_`'\"]*([0-5](?:\.\d+)?)(?![\d.]*\d)(?:\s*/\s*5)?", re.I)


def parse_score(reply: str | None) -> float | None:
    """The 0-5 score a reply states at its start (0: no meaningful answer), or None when it states
    none (unparseable)."""
    if not reply:
        return None
    m = _SCORE_RE.match(reply.strip())
    if not m:
        return None
    value = float(m.group(1))
    return value if value == NO_ANSWER or 1.0 <= value <= 5.0 else None


def weighted_score(logprobs_content, stated: float) -> float | None:
    """G-Eval's probability-weighted score from the top log-probabilities of the token that states
    the score (the first generated token whose text is that digit). None when unavailable."""
    if not logprobs_content or stated != int(stated):
        return None
    digit = str(int(stated))
    for tok in logprobs_content:
        if (getattr(tok, "token", "") or "").strip() != digit:
            continue
        num = den = 0.0
        for alt in getattr(tok, "top_logprobs", None) or []:
            t = (getattr(alt, "token", "") or "").strip()
            if t in ("1", "2", "3", "4", "5"):
                p = math.exp(alt.logprob)
                num += p * int(t)
                den += p
        return num / den if den > 0 else None
    return None


@dataclass(frozen=True)
class JudgeConfig:
    base_url: str
    model: str | None = None
    api_key: str = "EMPTY"
    timeout: float = 60.0
    retries: int = 2
    max_tokens: int = 16
    score_choices: bool = False

    @classmethod
    def from_env(cls, env=None) -> "JudgeConfig | None":
        env = os.environ if env is None else env
        url = (env.get(ENV_BASE_URL) or "").strip()
        if not url:
            return None
        try:
            return cls(
                base_url=url, model=(env.get(ENV_MODEL) or "").strip() or None,
                api_key=env.get(ENV_API_KEY) or "EMPTY",
                timeout=float(env.get(ENV_TIMEOUT) or 60), retries=int(env.get(ENV_RETRIES) or 2),
                max_tokens=int(env.get(ENV_MAX_TOKENS) or 16),
                score_choices=_flag(env.get(ENV_SCORE_CHOICES), ENV_SCORE_CHOICES),
            )
        except ValueError as e:
            raise UserError(f"judge settings: {e} (check {ENV_TIMEOUT}, {ENV_RETRIES}, {ENV_MAX_TOKENS}, {ENV_SCORE_CHOICES})") from None


def _flag(value: str | None, name: str) -> bool:
    v = (value or "0").strip().lower()
    if v not in ("0", "1", "true", "false"):
        raise ValueError(f"{name}={value!r}: use 1 or 0")
    return v in ("1", "true")


@dataclass
class JudgeResult:
    """status: parsed | no_answer (the judge found no meaningful answer: excluded from the mean, not
    scored as forgotten) | unparseable | error | skipped (no judge configured)."""

    status: str
    match: float | None = None  # (score - 1) / 4, 0-1; None unless parsed
    score: float | None = None  # 1-5 (probability-weighted when log-probabilities came back)
    stated: float | None = None  # the score as written in the reply
    reply: str | None = None
    error: str | None = None
    model: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class JudgeUnavailable(RuntimeError):
    pass


class JudgeClient:
    def __init__(self, config: JudgeConfig):
        from openai import OpenAI

        self.config = config
        self._client = OpenAI(base_url=config.base_url, api_key=config.api_key, timeout=config.timeout, max_retries=config.retries)
        self._model = config.model
        self._use_logprobs = True
        self._use_choices = config.score_choices
        self._lock = threading.Lock()
        self.requests = 0

    @property
    def model(self) -> str:
        with self._lock:
            if self._model is None:
                try:
                    models = [m.id for m in self._client.models.list()]
                except Exception as e:  # connection refused, DNS, 404 ...
                    raise JudgeUnavailable(f"judge endpoint {self.config.base_url} cannot be reached: {e}") from e
                if not models:
                    raise JudgeUnavailable(f"judge endpoint {self.config.base_url} serves no model; set {ENV_MODEL}")
                self._model = models[0]
            return self._model

    def _create(self, prompt: str):
        kwargs = dict(model=self.model, messages=[{"role": "user", "content": prompt}], temperature=0.0, max_tokens=self.config.max_tokens)
        if self._use_choices:
            try:
                return self._client.chat.completions.create(
                    **kwargs, extra_body={"structured_outputs": {"choice": SCORE_CHOICES}},
                    **({"logprobs": True, "top_logprobs": 5} if self._use_logprobs else {}))
            except Exception as e:
                from openai import BadRequestError

                if not isinstance(e, BadRequestError):
                    raise
                log.warning("judge endpoint refused structured outputs (%s); replies are free text", e)
                self._use_choices = False
        if self._use_logprobs:
            try:
                return self._client.chat.completions.create(**kwargs, logprobs=True, top_logprobs=5)
            except Exception as e:
                from openai import BadRequestError

                if not isinstance(e, BadRequestError):
                    raise
                log.warning("judge endpoint refused logprobs (%s); using stated scores only", e)
                self._use_logprobs = False
        return self._client.chat.completions.create(**kwargs)

    def judge_event(self, *, question: str, event_name: str, reference: str, keywords: Iterable[str], prediction: str) -> JudgeResult:
        prompt = GEVAL_PROMPT.format(
            question=question, event_name=event_name, reference=reference,
            keywords=", ".join(keywords), prediction=(prediction or "").strip() or "(empty answer)",
        )
        model = self.model  # raises JudgeUnavailable before any per-sample accounting
        try:
            with self._lock:
                self.requests += 1
            resp = self._create(prompt)
        except Exception as e:
            from openai import APIConnectionError

            if isinstance(e, APIConnectionError):
                raise JudgeUnavailable(f"judge endpoint {self.config.base_url} stopped answering: {e}") from e
            return JudgeResult(status="error", error=f"{type(e).__name__}: {e}", model=model)
        choice = resp.choices[0]
        reply = choice.message.content or ""
        stated = parse_score(reply)
        if stated is None:
            return JudgeResult(status="unparseable", reply=reply, model=model)
        if stated == NO_ANSWER:
            return JudgeResult(status="no_answer", score=0.0, stated=stated, reply=reply, model=model)
        lp = getattr(getattr(choice, "logprobs", None), "content", None)
        score = weighted_score(lp, stated)
        score = stated if score is None else score
        return JudgeResult(status="parsed", match=(score - 1.0) / 4.0, score=score, stated=stated, reply=reply, model=model)


_client_lock = threading.Lock()
_clients: dict[JudgeConfig, JudgeClient] = {}
_warned_missing = False


def get_judge(env=None) -> JudgeClient | None:
    """The process-wide judge for the current configuration, or None when none is configured."""
    global _warned_missing
    cfg = JudgeConfig.from_env(env)
    if cfg is None:
        if not _warned_missing:
            _warned_missing = True
            log.warning("no LLM judge configured (%s unset): event G-Eval metrics are NaN; the offline score is reported", ENV_BASE_URL)
        return None
    with _client_lock:
        if cfg not in _clients:
            _clients[cfg] = JudgeClient(cfg)
        return _clients[cfg]


def judge_event(**kwargs) -> JudgeResult:
    """Judge one event answer with the configured judge; status "skipped" when none is configured."""
    judge = get_judge()
    if judge is None:
        return JudgeResult(status="skipped")
    return judge.judge_event(**kwargs)


def summarize(results: Iterable[JudgeResult | dict]) -> dict:
    """Mean match over parsed replies (NaN when none parsed) and the counts per status."""
    rs = [r if isinstance(r, dict) else r.to_dict() for r in results]
    parsed = [r["match"] for r in rs if r["status"] == "parsed"]
    counts = {s: sum(r["status"] == s for r in rs) for s in ("parsed", "no_answer", "unparseable", "error", "skipped")}
    return {"mean_match": sum(parsed) / len(parsed) if parsed else math.nan, **counts}
