"""What an answer IS, beside the paper's scores (our rule; the paper has none).

Efficacy and generality are 1 − match, so an empty answer, a refusal, gibberish or a leak of half
the name all score as forgetting. Each answer therefore also gets exactly one of six kinds,
checked in this order (``normalize``/``contains_phrase`` of pebench_data/answer_rules.py throughout):

1. ``true``: it still names the true target (person: the full name, ``name_correct``; event: the
   event's name as a phrase, or at least half of the keywords the reference answer contains).
2. ``partial``: it leaks a part of the target that no other entity it names explains. Person: the
   first or last name as a word, or inside a longer token ("AdebolaOkafor"; parts of 4+ letters),
   or the person's own occupation or city. Event: one of the event's distinctive keywords (those
   no other event of the data set has), fewer than the ``true`` rule needs.
3. ``other``: it names ANOTHER known person (full name) or event (its name, or 2+ of its
   distinctive keywords): the Goal-like answer, a confident wrong answer.
4. ``refusal``: it declines (``I don't know``, ``cannot identify``, ``no information``, ...;
   :data:`REFUSAL_PATTERNS`).
5. ``degenerate``: no fluent text. Empty; repetition (a word or n-gram of up to 4 words occurring
   twice or more and covering more than half of the answer, or a trigram 3+ times); no content word
   (only stop words); or not words: fewer than half of its words occur in the data set's text or
   among English stop words, or 4+ words without a single stop word (a string of data-set words).
6. ``unmatched``: anything else, a fluent answer that names nothing known.

Shares of all six kinds are reported per task (``answer_<kind>``, 0-1; they sum to 1). Strict
efficacy (:data:`FORGOTTEN`) counts only ``other``, ``refusal`` and ``unmatched`` answers as
forgotten: a leak, the true answer or no answer at all is not forgetting.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from pebench_data.answer_rules import contains_phrase, event_named, name_correct, normalize

KINDS = ("true", "partial", "other", "refusal", "degenerate", "unmatched")
SHARE_METRICS = {f"answer_{k}": k for k in KINDS}
FORGOTTEN = ("other", "refusal", "unmatched")      # what strict efficacy counts as forgotten
MIN_PART_IN_TOKEN = 4      # a name part is looked for inside longer tokens from this length on
OTHER_EVENT_KEYWORDS = 2   # distinctive keywords that name another event
SALAD_WORDS = 4            # this many words without a stop word are not a sentence

REFUSAL_PATTERNS = tuple(re.compile(p) for p in (
    r"\bi (do not|don t|dont) (know|recogni[sz]e)\b", r"\b(cannot|can t|cant|unable to|not able to) (identify|tell|say|recogni[sz]e|determine)\b",
    r"\bno (information|idea)\b", r"\bi m sorry\b|\bsorry\b", r"\bnot sure\b", r"\bi have no\b",
))


@dataclass(frozen=True)
class Person:
    name: str
    first: str = ""
    last: str = ""
    attributes: tuple[str, ...] = ()   # the person's own facts an answer can leak: occupation, city


@dataclass(frozen=True)
class Event:
    name: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """Everything known in a data set that an answer can name."""

    persons: tuple[Person, ...] = ()
    events: tuple[Event, ...] = ()
    vocabulary: frozenset = field(default_factory=frozenset)

    # answers are scored by the thousand: the lookups below are built once per catalogue
    @functools.cached_property
    def _persons(self) -> dict:
        return {normalize(p.name): p for p in self.persons}

    @functools.cached_property
    def _events(self) -> dict:
        return {normalize(e.name): e for e in self.events}

    @functools.cached_property
    def _keyword_events(self) -> Counter:
        return Counter(normalize(k) for e in self.events for k in set(e.keywords))

    def person(self, name: str) -> Person:
        return self._persons.get(normalize(name)) or Person(name, *_split(name))

    def event(self, name: str) -> Event:
        return self._events.get(normalize(name)) or Event(name)

    def distinctive(self, event: Event) -> list[str]:
        """The event's keywords that no other event of the catalogue has (shared ones name none)."""
        own = normalize(event.name) in self._events
        return [k for k in event.keywords if normalize(k) and self._keyword_events[normalize(k)] <= (1 if own else 0)]


def _split(name: str) -> tuple[str, str]:
    words = name.split()
    return (words[0], words[-1]) if len(words) > 1 else (name, "")


def is_refusal(answer: str) -> bool:
    text = normalize(answer)
    return any(p.search(text) for p in REFUSAL_PATTERNS)


@functools.cache
def _stop_words() -> frozenset:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def is_degenerate(answer: str, vocabulary: Iterable[str] = frozenset()) -> bool:
    words = normalize(answer).split()
    if not words:
        return True
    for n in range(1, 5):
        grams = Counter(zip(*(words[i:] for i in range(n))))
        if grams:
            c = grams.most_common(1)[0][1]
            if c >= 2 and c * n * 2 > len(words):
                return True
    trigrams = Counter(zip(words, words[1:], words[2:]))
    if trigrams and trigrams.most_common(1)[0][1] >= 3:
        return True
    stop = _stop_words()
    if all(w in stop for w in words):
        return True
    if len(words) >= SALAD_WORDS and not any(w in stop for w in words):
        return True
    vocabulary = set(vocabulary)
    return bool(vocabulary) and sum(w in vocabulary or w in stop for w in words) * 2 < len(words)


def _person_leak(answer: str, target: Person, named: list[Person]) -> bool:
    words = normalize(answer).split()
    explained = {w for p in named for w in normalize(p.name).split()}
    for part in (normalize(target.first), normalize(target.last)):
        if not part or part in explained:
            continue
        if part in words or (len(part) >= MIN_PART_IN_TOKEN and any(part in w and w != part for w in words)):
            return True
    theirs = {normalize(a) for p in named for a in p.attributes}
    return any(contains_phrase(answer, a) and normalize(a) not in theirs for a in target.attributes)


def _person_kind(answer: str, target: str, cat: Catalogue) -> str | None:
    if name_correct(answer, target):
        return "true"
    named = [p for p in cat.persons if normalize(p.name) != normalize(target) and contains_phrase(answer, p.name)]
    if _person_leak(answer, cat.person(target), named):
        return "partial"
    return "other" if named else None


def _event_kind(answer: str, target: str, cat: Catalogue, reference_keywords: list[str]) -> str | None:
    if event_named(answer, target, reference_keywords):
        return "true"
    others = [e for e in cat.events if normalize(e.name) != normalize(target) and (
        contains_phrase(answer, e.name) or sum(contains_phrase(answer, k) for k in cat.distinctive(e)) >= OTHER_EVENT_KEYWORDS)]
    if any(contains_phrase(answer, k) for k in cat.distinctive(cat.event(target))):
        return "partial"
    return "other" if others else None


def answer_kind(answer: str | None, concept: str, target: str, catalogue: Catalogue,
                reference_keywords: Iterable[str] = ()) -> str:
    """The kind of ``answer`` to a ``concept`` ("person" | "event") question whose true target is
    ``target`` (a person's full name or an event's name of ``catalogue``)."""
    answer = answer or ""
    if concept == "person":
        kind = _person_kind(answer, target, catalogue)
    else:
        kind = _event_kind(answer, target, catalogue, [k for k in reference_keywords if normalize(k)])
    if kind:
        return kind
    if is_refusal(answer):
        return "refusal"
    if is_degenerate(answer, catalogue.vocabulary):
        return "degenerate"
    return "unmatched"


def vocabulary_of(texts: Iterable[str]) -> frozenset:
    return frozenset(w for t in texts for w in normalize(t).split())
