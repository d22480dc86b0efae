"""Quick greedy evaluation with transformers (training curves, fine-tune bars, tests).

Not the benchmark's evaluation (that is lmms-eval with the PEBench tasks): this scores person rows
with the official name rule (``pebench_data.answer_rules.name_correct``: the full name appears, case
and punctuation insensitive) and event rows by exact match of the event's description (normalised)
plus the offline event score (``event_offline_match``). Prompts are the training prompts (same
chat template and token ids as ``unlearn.models.build_inputs`` and vLLM's chat).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from pebench_data.answer_rules import event_offline_match, name_correct, normalize

from .data.encode import Encoded, Encoder
from .device import to_model


@torch.no_grad()
def greedy_answers(model, encoder: Encoder, rows: Sequence[Encoded], batch_size: int = 32,
                   max_new_tokens: int = 40) -> list[str]:
    """Greedy answers for prompt-only rows (encoded with ``answer=None``)."""
    was_training = model.training
    model.eval()
    tok = encoder.tokenizer
    out: list[str] = []
    for i in range(0, len(rows), batch_size):
        chunk = list(rows[i:i + batch_size])
        batch = encoder.collate(chunk, pad_side="left")
        batch.pop("labels", None)
        batch = to_model(batch, model)
        gen = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=encoder.pad_id, eos_token_id=encoder.eos_id)
        new = gen[:, batch["input_ids"].shape[1]:]
        out.extend(s.strip() for s in tok.batch_decode(new, skip_special_tokens=True))
    model.train(was_training)
    return out


def score(rows: Sequence[Encoded], answers: Sequence[str]) -> dict:
    """Per concept: name precision (0-100), event exact-match accuracy (0-100) and offline match (0-1)."""
    person = [name_correct(a, r.meta["target"]) for r, a in zip(rows, answers) if r.meta.get("concept") == "person"]
    ev_rows = [(r, a) for r, a in zip(rows, answers) if r.meta.get("concept") == "event"]
    res: dict = {"n_person": len(person), "n_event": len(ev_rows)}
    res["name_precision"] = 100.0 * sum(person) / len(person) if person else math.nan
    if ev_rows:
        res["event_accuracy"] = 100.0 * sum(normalize(a) == normalize(r.meta["answer"]) for r, a in ev_rows) / len(ev_rows)
        res["event_offline_match"] = sum(
            event_offline_match(a, r.meta["answer"], r.meta.get("event_keywords") or [], r.meta["target"])["offline_match"]
            for r, a in ev_rows) / len(ev_rows)
    else:
        res["event_accuracy"] = math.nan
        res["event_offline_match"] = math.nan
    return res


def prompt_rows(rows: Sequence[dict], get_image, encoder: Encoder, concepts=("person", "event"),
                max_rows: int | None = None, seed: int = 0) -> list[Encoded]:
    """Encode the prompts of QA rows (dicts with image_id, concept, question, answer, target, ...);
    ``get_image(image_id)`` -> PIL image. Optionally a seeded sample of ``max_rows``."""
    import numpy as np

    idx = [i for i, r in enumerate(rows) if r["concept"] in concepts]
    if max_rows is not None and len(idx) > max_rows:
        rng = np.random.default_rng(seed)
        idx = sorted(rng.choice(idx, size=max_rows, replace=False).tolist())
    out = []
    for i in idx:
        row = rows[i]
        if not encoder.has_image(row["image_id"]):
            encoder.add_image(row["image_id"], get_image(row["image_id"]))
        out.append(encoder.encode(row["image_id"], row["question"], None, meta=dict(row)))
    return out


EVAL_COLUMNS = ["qa_id", "image_id", "person_id", "event_id", "heldout", "concept", "template", "question", "answer",
                "target", "event_keywords"]


def split_rows(data, setting, split, template0: bool = False) -> list[dict]:
    """QA rows (no pixels) of a split as dicts; ``template0``: first paraphrase only."""
    ds = data.qa(setting, split)
    ds = ds.select_columns([c for c in EVAL_COLUMNS if c in ds.column_names])
    rows = ds.to_list()
    return [r for r in rows if r.get("template", 0) == 0] if template0 else rows


def heldout_rows(data, exclude_setting: str | None = None) -> list[dict]:
    """Held-out views (never trained on) of every person and event, first paraphrase; with
    ``exclude_setting`` the forget images of that setting are left out (the goal model's view)."""
    import pyarrow.parquet as pq

    t = pq.read_table(data.root / "qa.parquet", columns=EVAL_COLUMNS).to_pylist()
    rows = [r for r in t if r["heldout"] and r["template"] == 0 and r["concept"] in ("person", "event")]
    if exclude_setting:
        f = data.forget_ids(exclude_setting)
        rows = [r for r in rows if r["person_id"] not in f["person"] and r["event_id"] not in f["event"]]
    return rows


@torch.no_grad()
def teacher_forced_nll(model, encoder: Encoder, rows: Sequence[Encoded], batch_size: int = 32) -> float:
    """Mean over rows of the mean answer-token NLL (rows encoded WITH their answers)."""
    from .methods.base import seq_nll

    was_training = model.training
    model.eval()
    total, n = 0.0, 0
    for i in range(0, len(rows), batch_size):
        chunk = list(rows[i:i + batch_size])
        batch = to_model(encoder.collate(chunk), model)
        labels = batch.pop("labels")
        logits = model(**batch, use_cache=False).logits
        v = seq_nll(logits, labels)
        total += float(v.sum())
        n += len(chunk)
    model.train(was_training)
    return total / max(n, 1)


def answer_rows(rows: Sequence[dict], get_image, encoder: Encoder, concepts=("person", "event")) -> list[Encoded]:
    """Encode QA rows WITH their reference answers (for teacher-forced losses)."""
    out = []
    for row in rows:
        if row["concept"] not in concepts:
            continue
        if not encoder.has_image(row["image_id"]):
            encoder.add_image(row["image_id"], get_image(row["image_id"]))
        out.append(encoder.encode(row["image_id"], row["question"], row["answer"], meta=dict(row)))
    return out
