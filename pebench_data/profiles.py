"""People and events tables (schema: docs/schema.md), generated from the vocabulary and a seed.

People: gender (female/male, half each in expectation), a name from vocab.generate_names, an
occupation category drawn uniformly from the 17 categories then a job in it, an age that fits the
job (students and retirees get their age band, everyone else 23-64), and a city drawn uniformly
from all cities (its region follows). Appearance: one option per attribute of
``drawing.APPEARANCE_OPTIONS`` (10 attributes), drawn independently and re-drawn until the person
differs from every earlier person in at least ``MIN_DIFFERENT_ATTRIBUTES``; beards and moustaches
are only drawn for men (the one attribute that depends on gender).

Events: the vocab's 40 events in vocab order (full), or the 8 of ``MINI_EVENTS`` (mini). Event ids
are positional (``e00`` ...) in both scales.
"""
from __future__ import annotations

import json

import numpy as np

from .drawing import APPEARANCE_OPTIONS, SCENES
from .vocab import generate_names, load_vocab

MIN_DIFFERENT_ATTRIBUTES = 3

# Mini uses 8 events picked by hand to be visually distinct at 112 px. Each differs from the other
# seven in dominant background colour (green field, dark grey-indoor, purple night club, warm brown
# cafe, blue sea/yellow sand, grey road, navy night sky, white snow), ground, the held object or worn
# item on the person (straw hat + pitchfork, dumbbells, glow sticks, book, sun hat + beach ball, race
# bib, headlamp + telescope, winter hat + coat + snowshoes) and pose.
# 16 events (forget05 < forget10 < forget20 on events too) were measured on 2026-12-02: the tiny
# recipe then reached only 88.8% names (Finetune) and 58.9% (Goal) in 1,600 steps, against 97.5% with
# these 8, so the Goal bound would not be trustworthy; mini keeps 8 (docs/schema.md).
MINI_EVENTS = ["farm visit", "gym workout", "dance event", "coffee shop reading", "beach relaxing",
               "marathon running", "night sky stargazing", "snowshoeing"]
# The holdout event of mini (TOFU-style non-members: in no training split of any model); any scene works
# since no model learns it.
MINI_HOLDOUT_EVENTS = ["mountain hiking"]

SCALES = {
    # 2 held-out views: 32 person generality rows on person_forget10 (2 persons x 8 events x 2).
    # holdout_people / holdout_events: extra entities that no model is trained on (the MIA's non-members,
    # docs/schema.md); full keeps the paper's 200 x 40 and adds 20 holdout people (every vocab event is used).
    "mini": {"n_people": 20, "events": MINI_EVENTS, "views": 5, "train_views": 3, "image_size": 112,
             "holdout_people": 4, "holdout_events": MINI_HOLDOUT_EVENTS},
    "full": {"n_people": 200, "events": None, "views": 3, "train_views": 2, "image_size": 112,
             "holdout_people": 20, "holdout_events": []},
}

_AGE_BANDS = {
    "Primary School Student": (8, 11), "Junior High Student": (12, 14), "High School Junior": (16, 17),
    "Undergraduate Student": (18, 22), "Community College Student": (18, 25), "Master’s Student": (22, 28),
    "Doctoral Student": (24, 33), "Research Assistant": (22, 30), "Apprentice": (16, 22),
    "Technical School Student": (17, 22), "Retired": (62, 82),
}


def _appearances(n: int, rng: np.random.Generator, genders: list[str]) -> list[dict]:
    attrs = list(APPEARANCE_OPTIONS)
    chosen: list[tuple[int, ...]] = []
    for i in range(n):
        for _ in range(10_000):
            vec = []
            for a in attrs:
                opts = APPEARANCE_OPTIONS[a]
                if a == "face_feature" and genders[i] == "female":
                    opts = [x for x in opts if x not in ("beard", "moustache")]
                vec.append(APPEARANCE_OPTIONS[a].index(opts[rng.integers(len(opts))]))
            vec = tuple(vec)
            if all(sum(x != y for x, y in zip(vec, other)) >= MIN_DIFFERENT_ATTRIBUTES for other in chosen):
                break
        else:  # pragma: no cover - the attribute space (~10^8) is far larger than any scale
            raise RuntimeError("could not draw a distinct appearance")
        chosen.append(vec)
    return [{a: APPEARANCE_OPTIONS[a][v] for a, v in zip(attrs, vec)} for vec in chosen]


def make_people(n: int, seed: int) -> list[dict]:
    """``n`` people rows (schema order); ``appearance`` is a JSON string of the drawn attributes."""
    vocab = load_vocab()
    rng = np.random.default_rng([seed, 1])
    genders = ["female" if rng.random() < 0.5 else "male" for _ in range(n)]
    names = generate_names(n, rng, genders)
    looks = _appearances(n, rng, genders)
    categories = list(vocab["occupations"])
    cities = [(region, city) for region, cs in vocab["regions"].items() for city in cs]
    rows = []
    for i in range(n):
        cat = categories[rng.integers(len(categories))]
        jobs = vocab["occupations"][cat]
        job = jobs[rng.integers(len(jobs))]
        lo, hi = _AGE_BANDS.get(job, (23, 64))
        region, city = cities[rng.integers(len(cities))]
        first, last = names[i]
        rows.append({
            "person_id": f"p{i:03d}", "name": f"{first} {last}", "first_name": first, "last_name": last,
            "gender": genders[i], "age": int(rng.integers(lo, hi + 1)),
            "occupation_category": cat, "occupation": job, "city": city, "region": region,
            "appearance": json.dumps(looks[i], sort_keys=True),
        })
    return rows


def make_events(event_names: list[str] | None = None) -> list[dict]:
    """Events rows for the given vocab event names (default: all 40, vocab order)."""
    vocab = {e["name"]: e for e in load_vocab()["events"]}
    names = list(vocab) if event_names is None else event_names
    rows = []
    for i, name in enumerate(names):
        e = vocab[name]
        rows.append({
            "event_id": f"e{i:02d}", "name": name, "keywords": list(e["keywords"]),
            "description": e["summary"], "objects": list(SCENES[name].objects),
        })
    return rows
