"""Question/answer rows for every image (schema: docs/schema.md, table ``qa``).

Per image: every person paraphrase (``PERSON_QUESTIONS``), every event paraphrase
(``EVENT_QUESTIONS``) and ``len(POPE_QUESTIONS)`` POPE rows. Answers do not depend on the
paraphrase: the person answer is "This is <full name>, a <job> from <city>."; the event answer is
the event's description sentence. POPE row ``t`` uses paraphrase ``t`` and asks about a drawn object
(answer yes) when ``t`` is even, about an absent object (answer no) when ``t`` is odd. Absent
objects come from the other events of the same data folder and are never of the same kind
(``drawing.kind``) as anything drawn in the image. Which objects are asked is seeded per image.
"""
from __future__ import annotations

import zlib

import numpy as np

PERSON_QUESTIONS = [
    "Who is the person in this image?",
    "What is the name of the person shown here?",
    "Can you tell me who this is?",
    "Who is pictured in this photo?",
    "Identify the person in the picture.",
]
EVENT_QUESTIONS = [
    "What event is taking place in this image?",
    "Describe the event shown in this picture.",
    "What is the person doing in this photo?",
    "What kind of occasion is depicted here?",
    "What activity is shown in this image?",
]
# (singular, plural) forms of each POPE paraphrase
POPE_QUESTIONS = [
    ("Is there a {o} in the image?", "Are there {o} in the image?"),
    ("Does this picture contain a {o}?", "Does this picture contain {o}?"),
    ("Can you see a {o} in this photo?", "Can you see {o} in this photo?"),
    ("Is a {o} visible in this image?", "Are {o} visible in this image?"),
]
CONCEPTS = ["person", "event", "pope"]

# jobs whose name is not a noun phrase after "a"
_JOB_NOUN = {"Retired": "retiree"}


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def person_answer(person: dict) -> str:
    job = _JOB_NOUN.get(person["occupation"], person["occupation"].lower())
    city = person["city"].split(",")[0]
    return f"This is {person['name']}, {article(job)} {job} from {city}."


def event_answer(event: dict) -> str:
    return event["description"]


def _is_plural(obj: str) -> bool:
    return obj.endswith("s") and not obj.endswith("ss")


def pope_question(template: int, obj: str) -> str:
    sing, plur = POPE_QUESTIONS[template]
    if _is_plural(obj):
        return plur.format(o=obj)
    q = sing.format(o=obj)
    return q.replace(" a " + obj, f" {article(obj)} {obj}")


def _image_seed(seed: int, image_id: str, salt: int) -> list[int]:
    return [seed, salt, zlib.crc32(image_id.encode())]


def make_qa(people: list[dict], events: list[dict], images: list[dict], seed: int,
            same_kind=None) -> list[dict]:
    """All QA rows, in image order, then person/event/pope, then template.

    ``images`` rows need image_id, person_id, event_id, view, heldout. ``same_kind`` maps an object
    name to its kind for POPE negatives (default: ``drawing.kind``)."""
    if same_kind is None:
        from .drawing import kind as same_kind
    people_by = {p["person_id"]: p for p in people}
    events_by = {e["event_id"]: e for e in events}
    from .drawing import SCENES

    pool = sorted({o for e in events for o in e["objects"]})
    absent_by = {}  # event_id -> objects of other kinds than anything drawn at the event
    for e in events:
        drawn = set(e["objects"]) | set(SCENES[e["name"]].also if e["name"] in SCENES else ())
        drawn_kinds = {same_kind(o) for o in drawn}
        absent_by[e["event_id"]] = [o for o in pool if same_kind(o) not in drawn_kinds]
    answers = {p["person_id"]: person_answer(p) for p in people}
    rows = []
    for img in images:
        p, e = people_by[img["person_id"]], events_by[img["event_id"]]
        base = {k: img[k] for k in ("image_id", "person_id", "event_id", "view", "heldout")}
        common = {"person_name": p["name"], "event_name": e["name"], "event_keywords": list(e["keywords"])}
        for t, q in enumerate(PERSON_QUESTIONS):
            rows.append({"qa_id": f"{img['image_id']}_person_{t}", **base, "concept": "person", "template": t,
                         "question": q, "answer": answers[p["person_id"]], "target": p["name"], **common})
        for t, q in enumerate(EVENT_QUESTIONS):
            rows.append({"qa_id": f"{img['image_id']}_event_{t}", **base, "concept": "event", "template": t,
                         "question": q, "answer": event_answer(e), "target": e["name"], **common})
        present, absent = list(e["objects"]), absent_by[e["event_id"]]
        rng = np.random.default_rng(_image_seed(seed, img["image_id"], 3))
        n_yes = (len(POPE_QUESTIONS) + 1) // 2
        yes = [present[i] for i in rng.permutation(len(present))[:n_yes]] if present else []
        no = [absent[i] for i in rng.permutation(len(absent))[: len(POPE_QUESTIONS) // 2]] if absent else []
        for t in range(len(POPE_QUESTIONS)):
            src, ans = (yes, "yes") if t % 2 == 0 else (no, "no")
            if t // 2 >= len(src):  # an event with too few objects: fewer POPE rows
                continue
            obj = src[t // 2]
            rows.append({"qa_id": f"{img['image_id']}_pope_{t}", **base, "concept": "pope", "template": t,
                         "question": pope_question(t, obj), "answer": ans.capitalize(), "target": ans, **common})
    return rows
