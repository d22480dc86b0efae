"""What an answer IS, beside the paper's scores (our rule; the paper has none).

Efficacy and generality are 1 − match, so an empty answer, a refusal or gibberish scores as
perfect forgetting. Each answer therefore also gets exactly one kind, checked in this order:

1. ``true``: it still names the true target (person: the full name, ``name_correct``; event: the
   event's name as a phrase, or at least half of the keywords the reference answer contains).
2. ``other``: it names ANOTHER known person (full name) or event (name) of the data set: the
   Goal-like answer, a confident wrong answer.
3. ``refusal``: it declines (``I don't know``, ``cannot identify``, ``not able to tell``, ``no
   information``, ``sorry``, ...; :data:`REFUSAL_PATTERNS`).
4. ``degenerate``: empty; or repetition (one word is more than half of 4+ words, or a word
   trigram occurs 3+ times); or mostly unknown words (fewer than half of its words occur anywhere
   in the data set's text).
5. ``unmatched``: anything else (a fluent answer that names nothing known).

Shares of the four first kinds are reported per task as ``answer_true``, ``answer_other``,
``answer_refusal``, ``answer_degenerate`` (0-1, lower-is-better is not implied: they describe).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from .text import contains_phrase, name_correct, normalize

KINDS = ("true", "other", "refusal", "degenerate", "unmatched")
SHARE_METRICS = {f"answer_{k}": k for k in KINDS[:4]}

REFUSAL_PATTERNS = tuple(re.compile(p) for p in (
    r"\bi (do not|don t|dont) (know|recogni[sz]e)\b", r"\b(cannot|can t|cant|unable to|not able to) (identify|tell|say|recogni[sz]e|determine)\b",
    r"\bno (information|idea)\b", r"\bi m sorry\b|\bsorry\b", r"\bnot sure\b", r"\bi have no\b",
))


def is_refusal(answer: str) -> bool:
    text = normalize(answer)
    return any(p.search(text) for p in REFUSAL_PATTERNS)


def is_degenerate(answer: str, vocabulary: set[str]) -> bool:
    words = normalize(answer).split()
    if not words:
        return True
    if len(words) >= 4 and Counter(words).most_common(1)[0][1] * 2 > len(words):
        return True
    trigrams = Counter(zip(words, words[1:], words[2:]))
    if trigrams and trigrams.most_common(1)[0][1] >= 3:
        return True
    return bool(vocabulary) and sum(w in vocabulary for w in words) * 2 < len(words)


def answer_kind(answer: str | None, concept: str, target: str, known: Iterable[str], vocabulary: set[str],
                reference_keywords: Iterable[str] = ()) -> str:
    """The kind of ``answer`` to a ``concept`` ("person" | "event") question whose true target is
    ``target``; ``known`` holds every person's full name or every event's name of the data set."""
    answer = answer or ""
    if concept == "person":
        if name_correct(answer, target):
            return "true"
    else:
        kws = [k for k in reference_keywords if normalize(k)]
        if contains_phrase(answer, target) or (kws and sum(contains_phrase(answer, k) for k in kws) * 2 >= len(kws)):
            return "true"
    if any(contains_phrase(answer, k) for k in known if normalize(k) != normalize(target)):
        return "other"
    if is_refusal(answer):
        return "refusal"
    if is_degenerate(answer, vocabulary):
        return "degenerate"
    return "unmatched"


def vocabulary_of(texts: Iterable[str]) -> set[str]:
    return {w for t in texts for w in normalize(t).split()}
