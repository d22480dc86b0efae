"""SIU's fine-tuning targets (Li et al., arXiv 2405.12523, "aligning with unseen concepts"): the
forget row's own answer with the forgotten concept replaced by an unseen one, a name that no
person or event of the data set has. Each row gets one, chosen by (seed, qa_id) as refusals are.

Person rows: the full name in the answer is replaced ("This is Anh Santoso, a trainer from Lagos."
-> "This is Marta Lindqvist, a trainer from Lagos."); an answer without the name becomes "This is
<new name>.". Event rows: PEBench's event answers describe the scene without the event's name, so
the target is "This is a <unseen event>." (our decision for the concept SIU does not cover).
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterable

PERSONS = ("Marta Lindqvist", "Tobias Fenwick", "Yusuf Adeyemi", "Elena Marchetti", "Hiroshi Tanabe",
           "Saoirse Byrne", "Nikolai Petrov", "Amara Nwosu", "Lucas Moreau", "Priya Raghavan",
           "Oskar Halvorsen", "Camila Duarte")
EVENTS = ("kite festival", "pottery class", "chess tournament", "harvest fair", "rowing regatta",
          "street parade", "book signing", "cooking contest")
POOL = {"person": PERSONS, "event": EVENTS}


def _pick(options: list[str], qa_id: str, seed: int) -> str:
    h = int.from_bytes(hashlib.sha256(f"unseen:{seed}:{qa_id}".encode()).digest()[:4], "little")
    return options[h % len(options)]


def unseen_answer(answer: str, target: str, concept: str, qa_id: str, seed: int,
                  known: Iterable[str] = ()) -> tuple[str, str]:
    """(new answer, the unseen name it uses) for one forget row; ``known`` holds the data set's
    names (never picked)."""
    taken = {k.lower() for k in known}
    options = [n for n in POOL.get(concept, PERSONS) if n.lower() not in taken]
    if not options:
        raise ValueError(f"every unseen {concept} name is used by the data set; extend unlearn/data/unseen.py")
    name = _pick(options, qa_id, seed)
    if concept == "person" and target and re.search(re.escape(target), answer or "", re.I):
        return re.sub(re.escape(target), name, answer, flags=re.I), name
    return (f"This is {name}." if concept == "person" else f"This is a {name}."), name
