"""Deterministic text metrics: person-name precision, event keyword coverage, ROUGE-L.

Normalisation (``normalize``), used by the name and keyword rules: Unicode NFKD with accents
removed, lower case, every character that is not a letter or digit becomes a space, runs of
spaces collapse. A phrase "appears" in an answer when its normalised word sequence occurs in the
normalised answer on word boundaries ("Adebola Okafor." and "ADEBOLA-OKAFOR" contain "Adebola
Okafor"; "Adebola Okaforson" and "Okafor Adebola" do not).
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Iterable, Sequence

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(text: str | None) -> str:
    """Lower-case, accent-free, punctuation-free, single-spaced text."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def contains_phrase(answer: str | None, phrase: str) -> bool:
    """True when the normalised ``phrase`` occurs in the normalised ``answer`` on word boundaries.
    An empty phrase never matches."""
    p = normalize(phrase)
    if not p:
        return False
    return f" {p} " in f" {normalize(answer)} "


def name_correct(prediction: str | None, full_name: str) -> bool:
    """Person-name rule (our decision; the paper says "precision" only): the answer is correct when
    the FULL name appears in it, case and punctuation insensitive, on word boundaries. A first or
    last name alone is not enough; extra words around the name are allowed."""
    return contains_phrase(prediction, full_name)


def reference_keywords(keywords: Iterable[str], reference: str | None) -> list[str]:
    """The event's keywords that its reference answer contains (the ``true`` rule counts these)."""
    return [k for k in keywords if normalize(k) and contains_phrase(reference, k)]


def event_named(answer: str | None, event_name: str, ref_keywords: Sequence[str]) -> bool:
    """The event rule of the answer kind ``true`` (our decision, pebench_tasks/metrics/answer_kinds.py):
    the event's name appears as a phrase, or at least half of ``ref_keywords``
    (:func:`reference_keywords`) do."""
    kws = [k for k in ref_keywords if normalize(k)]
    return contains_phrase(answer, event_name) or (
        bool(kws) and sum(contains_phrase(answer, k) for k in kws) * 2 >= len(kws))


def name_precision(predictions: Sequence[str | None], names: Sequence[str]) -> float:
    """Share of answers (0-100) that contain the true full name. NaN for no answers."""
    if len(predictions) != len(names):
        raise ValueError(f"{len(predictions)} predictions for {len(names)} names")
    if not names:
        return math.nan
    return 100.0 * sum(name_correct(p, n) for p, n in zip(predictions, names)) / len(names)


def keyword_coverage(prediction: str | None, keywords: Iterable[str]) -> float:
    """Share (0-1) of the event's keywords (10 in PEBench) that appear in the answer, each by the
    phrase rule of ``contains_phrase`` (multi-word keywords must appear as a phrase; no stemming).
    NaN when the event has no keywords."""
    kws = [k for k in keywords if normalize(k)]
    if not kws:
        return math.nan
    return sum(contains_phrase(prediction, k) for k in kws) / len(kws)


@functools.lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(prediction: str | None, reference: str) -> float:
    """ROUGE-L F-measure (0-1) of the answer against the reference answer, computed by the
    ``rouge-score`` package (``RougeScorer(["rougeL"], use_stemmer=True)``: its own tokeniser
    lower-cases and drops punctuation, Porter stemming on)."""
    return float(_scorer().score(reference or "", prediction or "")["rougeL"].fmeasure)


FULL_CREDIT_KEYWORDS = 2   # distinctive keywords of the event that earn the full keyword credit
ROUGE_FLOOR = 0.5          # ROUGE-L below this is wording shared by any two sentences, not the event


def event_offline_match(prediction: str | None, reference: str, keywords: Iterable[str], event_name: str = "",
                        shared_keywords: Iterable[str] = ()) -> dict:
    """The offline (judge-free, deterministic) event score; our decision, the paper has none.

    It credits the event itself, not the overlap with one reference sentence:

    - ``name``: 1 when the event's name appears in the answer as a phrase, else 0.
    - ``keyword_score``: the event's distinctive keywords (its keywords minus ``shared_keywords``,
      those other events of the data set have too: "peaceful" or "event" names no event) that the
      answer contains, ``min(1, hits / FULL_CREDIT_KEYWORDS)``, 0-1.
    - ``rougeL``: ROUGE-L F against the reference answer (``rouge_l``).
    - ``offline_match`` = max(name, keyword_score, rougeL when >= ``ROUGE_FLOOR`` else 0), 0-1: the
      reference answer and a paraphrase naming the event score high, another event's answer and an
      empty answer 0.
    - ``keyword_coverage``: share of all the event's keywords in the answer (diagnostic).

    (Until 2026-12-06 ``offline_match`` was the mean of ROUGE-L and the share of the reference's own
    keywords: "beach relaxing" scored 0 on a beach-relaxing image, and another event's answer 0.05-0.1.)
    """
    kws = [k for k in keywords if normalize(k)]
    shared = {normalize(k) for k in shared_keywords}
    own = [k for k in kws if normalize(k) not in shared]
    hits = sum(contains_phrase(prediction, k) for k in own)
    name = float(contains_phrase(prediction, event_name))
    kscore = min(1.0, hits / FULL_CREDIT_KEYWORDS)
    rl = rouge_l(prediction, reference)
    return {
        "keyword_coverage": sum(contains_phrase(prediction, k) for k in kws) / len(kws) if kws else math.nan,
        "name": name, "keyword_score": kscore, "rougeL": rl,
        "offline_match": max(name, kscore, rl if rl >= ROUGE_FLOOR else 0.0),
    }
