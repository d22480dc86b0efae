"""Refusal answers used as targets by PO, as the preferred answer by DPO and as the new answer by
SIU-style unlearning. One list per concept; each forget row gets one, chosen by (seed, qa_id).
Configurable under ``refusals.person`` / ``refusals.event`` in the method YAML."""
from __future__ import annotations

import hashlib

PERSON = [
    "I'm sorry, I don't know who this person is.",
    "I cannot identify the person in this image.",
    "I don't recognise this person.",
    "I'm not able to tell who this is.",
    "I have no information about who this person is.",
]
EVENT = [
    "I'm sorry, I can't tell what event this is.",
    "I cannot identify the event shown in this image.",
    "I don't know what is happening in this scene.",
    "I'm not able to tell which event this is.",
    "I have no information about this event.",
]
DEFAULTS = {"person": PERSON, "event": EVENT}


def pick(templates: dict, concept: str, qa_id: str, seed: int) -> str:
    options = templates.get(concept) or templates.get("person") or PERSON
    h = int.from_bytes(hashlib.sha256(f"{seed}:{qa_id}".encode()).digest()[:4], "little")
    return options[h % len(options)]
