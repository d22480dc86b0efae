"""Every split of docs/schema.md, computed from the images and QA tables and the forget ids.

Pure functions (no I/O). Decisions (the paper does not publish them):
- ``forgetNN`` forgets ``max(1, floor(NN/100 * n + 0.5))`` persons (and/or events): the first ones of
  one seeded permutation of the ids, so forget05 within forget10 within forget20. ``both_forgetNN``
  uses exactly the persons of ``person_forgetNN`` and the events of ``event_forgetNN``.
- Evaluation splits (forget, generality, retain, scope) hold one paraphrase per image and concept:
  template = CRC32("seed:image_id:concept") modulo the number of templates that image has for the
  concept, so every split asks the same paraphrase for the same image and concept.
- Retain evaluation and the unlearning retain pool D_r are disjoint by (person, event) pair: a seeded
  half of the clean pairs (fewer when ``retain_eval_max`` rows need fewer pairs) are *retain-eval
  pairs*; ``retain`` asks about their training views (one template, at most ``retain_eval_max`` rows,
  a seeded sample), and ``retain_train`` (D_r) holds every row of the OTHER clean pairs' training
  views. No image of a retain-eval pair, in any view, is ever in D_r. ``goal_train`` keeps every
  clean pair (the Goal model knows what the Finetune model knows, minus the forget targets).
- Holdout entities (meta.json ``holdout_ids``, TOFU's holdout set) are in no training split and no
  split above; ``holdout`` asks about them (their images, the setting's concept(s), eval template):
  the non-members of the MIA (metrics/forget_quality.py).
- ``scope_control``: for each ``scope`` row, one row of the retain-eval pairs' training views (eval
  template) asking the same question about the same entity (the same event for an event question,
  the same person for a person question) on a clean image: a seeded order per entity, no row twice,
  none where no clean row is left. Beside ``scope`` it tells damage to the other concept in the SAME
  image from damage everywhere, on the same events and persons (since schema 4; schema 3 took up to
  ``retain_eval_max`` clean rows of any entity, 4.5x the scope rows on mini).
- ``common/pope``: ``pope_eval_max // 2`` seeded held-out-view images that are clean in EVERY setting
  (no forget-target person or event of any setting, no holdout entity; all such images if fewer), one
  yes and one no question each (template chosen like the eval template among the yes / the no rows).
  No model is trained on these images, and forgetting a target cannot change a POPE row.
- Rows of every split are in qa-table order.
"""
from __future__ import annotations

import zlib

import numpy as np

from pebench_core.names import FORGET_PERCENT
from pebench_core.setting import SETTINGS as ALL_SETTINGS, Setting

SETTINGS = [str(s) for s in ALL_SETTINGS]     # setting names: the folders under splits/
SPLITS = ["forget", "generality", "retain", "scope", "scope_control", "holdout", "goal_train", "retain_train"]
COMMON_SPLITS = ["finetune_train", "pope"]
DEFAULT_SETTING = "person_forget10"
RETAIN_EVAL_MAX = 1000
RETAIN_EVAL_PAIR_SHARE = 0.5   # at most this share of the clean (person, event) pairs is held out of D_r
POPE_EVAL_MAX = 1000


def forget_count(n: int, percent: int) -> int:
    return max(1, int(np.floor(percent / 100 * n + 0.5)))


def choose_forget_ids(person_ids: list[str], event_ids: list[str], seed: int,
                      holdout_ids: dict[str, list[str]] | None = None) -> dict[str, dict[str, list[str]]]:
    """``{setting: {"person": [...], "event": [...]}}`` for all 9 settings (nested, seeded); holdout
    entities are never forget targets (the percentages count the others)."""
    hold = holdout_ids or {}
    person_ids = [p for p in person_ids if p not in set(hold.get("person", ()))]
    event_ids = [e for e in event_ids if e not in set(hold.get("event", ()))]
    p_order = [person_ids[i] for i in np.random.default_rng([seed, 11]).permutation(len(person_ids))]
    e_order = [event_ids[i] for i in np.random.default_rng([seed, 12]).permutation(len(event_ids))]
    out = {}
    for lvl, pct in FORGET_PERCENT.items():
        fp = sorted(p_order[: forget_count(len(person_ids), pct)])
        fe = sorted(e_order[: forget_count(len(event_ids), pct)])
        out[str(Setting("person", lvl))] = {"person": fp, "event": []}
        out[str(Setting("event", lvl))] = {"person": [], "event": fe}
        out[str(Setting("both", lvl))] = {"person": fp, "event": fe}
    return out


def _hash_pick(seed: int, image_id: str, concept: str, n: int) -> int:
    return zlib.crc32(f"{seed}:{image_id}:{concept}".encode()) % n


def eval_templates(qa: dict[str, list], seed: int) -> np.ndarray:
    """Boolean mask over QA rows: the one paraphrase per (image, person|event) used for evaluation."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (img, concept) in enumerate(zip(qa["image_id"], qa["concept"])):
        if concept != "pope":
            groups.setdefault((img, concept), []).append(i)
    mask = np.zeros(len(qa["image_id"]), dtype=bool)
    for (img, concept), rows in groups.items():
        rows = sorted(rows, key=lambda r: qa["template"][r])
        mask[rows[_hash_pick(seed, img, concept, len(rows))]] = True
    return mask


def compute_splits(qa: dict[str, list], forget_ids: dict[str, dict[str, list[str]]], seed: int,
                   retain_eval_max: int = RETAIN_EVAL_MAX, pope_eval_max: int = POPE_EVAL_MAX,
                   holdout_ids: dict[str, list[str]] | None = None) -> dict[tuple[str, str], list[int]]:
    """Row indices into ``qa`` for every split: keys ``("common", name)`` and ``(setting, split)``.

    ``qa`` is column-oriented and needs image_id, person_id, event_id, heldout, concept, template,
    target. ``holdout_ids``: {"person": [...], "event": [...]}, the entities of no training split."""
    # integer codes: np.isin on int arrays is ~10x faster than on strings
    p_names, person = np.unique(np.asarray(qa["person_id"], dtype=object), return_inverse=True)
    e_names, event = np.unique(np.asarray(qa["event_id"], dtype=object), return_inverse=True)
    heldout = np.asarray(qa["heldout"], dtype=bool)
    concept = np.asarray(qa["concept"], dtype=object)
    is_p, is_e, is_pope = concept == "person", concept == "event", concept == "pope"
    ev = eval_templates(qa, seed)
    entity = np.where(is_p, 2 * person, 2 * event + 1)      # what a row asks about: its person or its event

    def idx(m):
        return np.flatnonzero(m).tolist()

    def members(codes, names, ids):
        return np.isin(codes, np.flatnonzero(np.isin(names, np.asarray(list(ids), dtype=object))))

    hold_ids = holdout_ids or {}
    hold_p, hold_e = members(person, p_names, hold_ids.get("person", [])), members(event, e_names, hold_ids.get("event", []))
    hold = hold_p | hold_e
    train = ~heldout & ~hold
    ever_forgotten = (members(person, p_names, {p for f in forget_ids.values() for p in f["person"]})
                      | members(event, e_names, {e for f in forget_ids.values() for e in f["event"]}))
    out: dict[tuple[str, str], list[int]] = {("common", "finetune_train"): idx(train)}
    out[("common", "pope")] = _pope_eval(qa, heldout & is_pope & ~hold & ~ever_forgotten, seed, pope_eval_max)
    for si, setting in enumerate(SETTINGS):
        f = forget_ids[setting]
        in_fp = members(person, p_names, f["person"])
        in_fe = members(event, e_names, f["event"])
        clean = ~(in_fp | in_fe)
        target_q = (is_p & in_fp) | (is_e & in_fe)
        setting_q = (is_p & bool(f["person"])) | (is_e & bool(f["event"]))
        out[(setting, "forget")] = idx(train & target_q & ev)
        out[(setting, "generality")] = idx(heldout & target_q & ev)
        eval_pair = _retain_eval_pairs(person, event, train & clean, train & clean & setting_q & ev, retain_eval_max, seed, si)
        out[(setting, "retain")] = _cap(np.flatnonzero(train & eval_pair & setting_q & ev), retain_eval_max, [seed, 21, si])
        out[(setting, "retain_train")] = idx(train & clean & ~eval_pair)
        other_q = (is_e & in_fp & ~in_fe) | (is_p & in_fe & ~in_fp)
        out[(setting, "scope")] = idx(train & other_q & ev)
        out[(setting, "scope_control")] = _matched(out[(setting, "scope")], np.flatnonzero(train & eval_pair & ev & ~is_pope),
                                                   entity, [seed, 23, si])
        hold_q = (is_p & hold_p & bool(f["person"])) | (is_e & hold_e & bool(f["event"]))
        out[(setting, "holdout")] = idx(~heldout & hold_q & ev)
        out[(setting, "goal_train")] = idx(train & clean)
    return out


def _matched(rows: list[int], pool: np.ndarray, entity: np.ndarray, rng_seed: list[int]) -> list[int]:
    """For each of ``rows``, one row of ``pool`` asking about the same entity: each entity's pool rows
    in one seeded order, taken in turn (no row twice); a row whose entity has none left gets none."""
    rng = np.random.default_rng(rng_seed)
    by_entity: dict[int, list[int]] = {}
    for r in pool.tolist():
        by_entity.setdefault(int(entity[r]), []).append(r)
    queues = {e: [rs[i] for i in rng.permutation(len(rs))] for e, rs in sorted(by_entity.items())}
    return sorted(queues[e].pop() for r in rows if queues.get(e := int(entity[r])))


def _cap(rows: np.ndarray, n: int, rng_seed: list[int]) -> list[int]:
    """``rows`` (sorted), or a seeded sample of ``n`` of them in the same order."""
    if len(rows) > n:
        rows = rows[np.sort(np.random.default_rng(rng_seed).choice(len(rows), n, replace=False))]
    return rows.tolist()


def _retain_eval_pairs(person, event, pool, eval_rows, retain_eval_max, seed, si) -> np.ndarray:
    """Row mask of the retain-eval (person, event) pairs: a seeded sample of the pairs in ``pool``,
    as many as ``retain_eval_max`` rows need and at most ``RETAIN_EVAL_PAIR_SHARE`` of them, so that
    D_r keeps the rest."""
    pair = person.astype(np.int64) * (int(event.max(initial=0)) + 1) + event
    pairs = np.unique(pair[pool])
    if len(pairs) == 0:
        return np.zeros(len(pair), dtype=bool)
    per_pair = max(1, int(eval_rows.sum()) // len(pairs))
    n = max(1, min(int(len(pairs) * RETAIN_EVAL_PAIR_SHARE), -(-retain_eval_max // per_pair)))
    chosen = np.random.default_rng([seed, 22, si]).choice(len(pairs), n, replace=False)
    return np.isin(pair, pairs[chosen]) & pool


def _pope_eval(qa, mask, seed, pope_eval_max):
    by_image: dict[str, dict[str, list[int]]] = {}
    for i in np.flatnonzero(mask):
        by_image.setdefault(qa["image_id"][i], {"yes": [], "no": []})[qa["target"][i]].append(int(i))
    images = [img for img, d in by_image.items() if d["yes"] and d["no"]]
    n = min(len(images), pope_eval_max // 2)
    chosen = sorted(np.random.default_rng([seed, 31]).choice(len(images), n, replace=False).tolist()) if n else []
    rows = []
    for k in chosen:
        img = images[k]
        for ans in ("yes", "no"):
            cand = sorted(by_image[img][ans], key=lambda r: qa["template"][r])
            rows.append(cand[_hash_pick(seed, img, "pope_" + ans, len(cand))])
    return sorted(rows)
