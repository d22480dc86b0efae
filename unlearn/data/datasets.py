"""Training datasets with a deterministic, resumable sample stream.

Every dataset here is "virtual": item ``i`` of a run is a pure function of (seed, i). The order of
rows comes from per-pass seeded permutations (:class:`Stream`), augmentation from a generator
seeded with (seed, i). The trainer reads items in order (sequential sampler), so that

* ``--seed`` gives the same batches, augmentations and therefore the same run, and
* a run resumed from a checkpoint at step k sees exactly the batches k+1, ... it would have seen
  (the HF Trainer skips the first k batches of the sequential stream).

Datasets:
* :class:`FinetuneDataset` — QA rows, optional per-concept repeat weights (names x2 in the tiny
  recipe).
* :class:`UnlearnDataset` — each item holds one forget row, one retain row and (for PO/DPO/SIU)
  the forget row with a refusal answer. With ``balanced=True`` (BGD) items alternate between the
  person and the event forget rows, so every batch of even size holds exactly half of each,
  whatever the sizes of the two subsets (:class:`BalancedConceptSampler`).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Callable

import numpy as np
import torch
from torch.utils.data import Dataset

from pebench_core.errors import UserError
from pebench_core.names import IGNORE_INDEX

from .augment import AugmentConfig, augment
from .encode import Encoded, Encoder

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("qa_id", "image_id", "person_id", "event_id", "view", "heldout", "concept", "template",
                "question", "answer", "target", "person_name", "event_name")


def _seed_seq(*parts) -> np.random.Generator:
    ints = []
    for p in parts:
        if isinstance(p, str):
            ints.append(int.from_bytes(hashlib.sha256(p.encode()).digest()[:4], "little"))
        else:
            ints.append(int(p) & 0xFFFFFFFF)
    return np.random.default_rng(ints)


class Stream:
    """k-th draw from n items: shuffled passes without replacement, seeded by (seed, salt, pass)."""

    def __init__(self, n: int, seed: int, salt: str, weights: Sequence[int] | None = None):
        if n <= 0:
            raise ValueError("empty stream")
        base = np.arange(n) if weights is None else np.repeat(np.arange(n), np.asarray(weights, dtype=int))
        if len(base) == 0:
            raise ValueError("empty stream (all weights 0)")
        self.base, self.seed, self.salt = base, seed, salt
        self._perm: dict[int, np.ndarray] = {}

    def __call__(self, k: int) -> int:
        p, pos = divmod(int(k), len(self.base))
        perm = self._perm.get(p)
        if perm is None:
            perm = self.base[_seed_seq(self.seed, self.salt, p).permutation(len(self.base))]
            if len(self._perm) > 4:
                self._perm.clear()
            self._perm[p] = perm
        return int(perm[pos])


class BalancedConceptSampler:
    """Index i -> (group, row): groups take turns (i mod G), each group a shuffled :class:`Stream`.
    A batch of B consecutive indices holds B/G rows of every group (B a multiple of G)."""

    def __init__(self, groups: dict[str, int], seed: int, salt: str = "balanced"):
        empty = [g for g, n in groups.items() if n == 0]
        if empty:
            raise UserError(f"balanced sampling needs rows of every group; none for: {', '.join(empty)}")
        self.names = list(groups)
        self.streams = {g: Stream(n, seed, f"{salt}:{g}") for g, n in groups.items()}

    def __call__(self, i: int) -> tuple[str, int]:
        g = self.names[i % len(self.names)]
        return g, self.streams[g](i // len(self.names))


# ------------------------------------------------------------------------------------ row pools
class LazyRows(Sequence):
    """The rows of a QA split (HF dataset with an ``image`` column) that ``keep`` selects, each
    encoded (and its image decoded, once per image id) on first access. A full-scale retain split
    has 201,600 rows and an unlearning run reads a few thousand of them: encoding them all up front
    held back the first step by a minute. Encoding is a pure function of the row, so the order of
    access changes nothing."""

    def __init__(self, hf_split, encoder: Encoder, keep: Callable[[dict], bool] | None = None):
        cols = [c for c in TEXT_COLUMNS if c in hf_split.column_names]
        self._split, self._encoder = hf_split, encoder
        self._text = hf_split.select_columns(cols).to_list()
        self._index = [i for i, row in enumerate(self._text) if keep is None or keep(row)]
        self._done: dict[int, Encoded] = {}

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        hit = self._done.get(k)
        if hit is None:
            i = self._index[k]
            row = self._text[i]
            if not self._encoder.has_image(row["image_id"]):
                self._encoder.add_image(row["image_id"], self._split[i]["image"])
            hit = self._done[k] = self._encoder.encode(row["image_id"], row["question"], row["answer"], meta=dict(row))
        return hit


def load_rows(hf_split, encoder: Encoder, keep: Callable[[dict], bool] | None = None) -> list[Encoded]:
    """Every row of :class:`LazyRows`, encoded now (small splits, and rows whose metadata is read up front)."""
    return list(LazyRows(hf_split, encoder, keep))


@dataclass
class ImageFn:
    """Fetch the raw image of a row and augment it with a per-item generator."""

    encoder: Encoder
    aug: AugmentConfig

    def __call__(self, enc: Encoded, rng: np.random.Generator):
        raw = self.encoder.raw_image(enc.image_key)
        if self.aug.enabled and isinstance(raw, torch.Tensor):
            raw = augment(raw, rng, self.aug)
        return raw


class FinetuneDataset(Dataset):
    def __init__(self, rows: list[Encoded], encoder: Encoder, length: int, seed: int,
                 aug: AugmentConfig, repeat: dict[str, int] | None = None,
                 targets: dict[str, set[str]] | None = None, target_repeat: int = 1):
        """``repeat``: sampling weight per concept; rows asking about one of ``targets`` (person /
        event ids) weigh ``target_repeat`` times more (the Finetune model must know its forget targets)."""
        if not rows:
            raise UserError("the training split has no rows")
        targets = targets or {}

        def weight(m: dict) -> int:
            c = m.get("concept")
            hit = m.get(f"{c}_id") in targets.get(c, ())
            return int((repeat or {}).get(c, 1)) * (int(target_repeat) if hit else 1)

        weights = [weight(r.meta) for r in rows]
        self.rows, self.length, self.seed = rows, int(length), seed
        self.stream = Stream(len(rows), seed, "finetune", weights)
        self.image = ImageFn(encoder, aug)

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        r = self.rows[self.stream(i)]
        return {"main": (r, self.image(r, _seed_seq(self.seed, "aug", i)))}


class UnlearnDataset(Dataset):
    """Items: {"forget": (row, img), "retain": (row, img)?, "forget_alt": (row, img)?}."""

    def __init__(self, forget: list[Encoded], retain: list[Encoded] | None, alt: list[Encoded] | None,
                 encoder: Encoder, length: int, seed: int, aug: AugmentConfig, balanced: bool = False):
        if not forget:
            raise UserError("the forget split has no rows for this target")
        self.forget, self.retain, self.alt = forget, retain, alt
        self.length, self.seed, self.balanced = int(length), seed, balanced
        self.image = ImageFn(encoder, aug)
        if balanced:
            groups: dict[str, list[int]] = {"person": [], "event": []}
            for j, r in enumerate(forget):
                groups.setdefault(r.meta.get("concept"), []).append(j)
            self.groups = groups
            self.sampler = BalancedConceptSampler({g: len(v) for g, v in groups.items() if g in ("person", "event")}, seed)
        else:
            self.fstream = Stream(len(forget), seed, "forget")
        if retain is not None:
            if not retain:
                raise UserError("the retain set has no rows")
            self.rstream = Stream(len(retain), seed, "retain")

    def __len__(self):
        return self.length

    def forget_index(self, i: int) -> int:
        if self.balanced:
            g, k = self.sampler(i)
            return self.groups[g][k]
        return self.fstream(i)

    def __getitem__(self, i):
        j = self.forget_index(i)
        rng = _seed_seq(self.seed, "aug", i)
        f = self.forget[j]
        img = self.image(f, rng)
        item = {"forget": (f, img)}
        if self.alt is not None:
            item["forget_alt"] = (self.alt[j], img)     # same (augmented) image as the forget row
        if self.retain is not None:
            r = self.retain[self.rstream(i)]
            item["retain"] = (r, self.image(r, rng))
        return item


# ------------------------------------------------------------------------------------ collation
CONCEPT_CODE = {"person": 0, "event": 1, "pope": 2}


class Collator:
    """List of items (dicts of name -> (Encoded, raw image)) -> dict of name -> padded batch.
    Adds ``<name>_concept`` (0 person, 1 event, 2 other) and, if asked, ``<name>_concept_ids``
    and ``<name>_new_ids`` (token ids of each row's target name and of its unseen name, -1 padded)
    for SIU's masks."""

    def __init__(self, encoder: Encoder, concept_ids: bool = False, flat_key: str | None = None,
                 aux_labels: dict[str, dict[str, int]] | None = None, positions: bool = False):
        self.encoder, self.concept_ids, self.flat_key = encoder, concept_ids, flat_key
        self.positions = positions            # Qwen2-VL M-RoPE positions built here (encode.mrope_position_ids)
        self._target_ids: dict[str, list[int]] = {}
        self.aux_labels = aux_labels or {}    # concept -> {person_id/event_id: class} (unlearn.trainers.aux_heads)

    def target_token_ids(self, target: str) -> list[int]:
        hit = self._target_ids.get(target)          # tokenised once per name, not once per row per step
        if hit is None:
            tok = self.encoder.tokenizer
            ids = set(tok(target, add_special_tokens=False)["input_ids"]) | set(tok(" " + target, add_special_tokens=False)["input_ids"])
            hit = self._target_ids[target] = sorted(ids)
        return hit

    def _ids(self, names: list[str]) -> torch.Tensor:
        """(B, K) token ids of each row's name, -1 padded (no name: none)."""
        lists = [self.target_token_ids(n) if n else [] for n in names]
        ids = torch.full((len(names), max(1, max(len(x) for x in lists))), -1, dtype=torch.long)
        for i, x in enumerate(lists):
            ids[i, :len(x)] = torch.tensor(x, dtype=torch.long)
        return ids

    def __call__(self, items: list[dict]) -> dict:
        out = {}
        for name in items[0]:
            rows = [it[name][0] for it in items]
            raws = [it[name][1] for it in items]
            batch = self.encoder.collate(rows, raws, positions=self.positions)
            for concept, classes in self.aux_labels.items():
                batch[f"aux_{concept}"] = torch.tensor([classes.get(r.meta.get(f"{concept}_id"), IGNORE_INDEX) for r in rows])
            if self.flat_key == name:
                return batch
            batch["concept"] = torch.tensor([CONCEPT_CODE.get(r.meta.get("concept"), 2) for r in rows])
            if self.concept_ids and name.startswith("forget"):
                batch["concept_ids"] = self._ids([r.meta.get("target", "") for r in rows])
                batch["new_ids"] = self._ids([r.meta.get("unseen_name", "") for r in rows])
            out[name] = batch
        return out


def model_inputs(batch: dict) -> dict:
    """The keys of a sub-batch that the model's forward takes."""
    return {k: v for k, v in batch.items() if k not in ("labels", "concept", "concept_ids", "new_ids")}
