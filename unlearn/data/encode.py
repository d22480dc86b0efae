"""Turn (image, question, answer) rows into model inputs, once, and batches, every step.

Why our own encoder instead of calling the processor on every batch: training the tiny model from
scratch needs fresh image augmentation every step (env notes: without it the model memorises
training views), and the processor's PIL resize + patchify on every step costs more than the tiny
model's forward pass. So each image is resized by the processor ONCE and kept as raw pixels
(C, H, W in [0, 1]); each step augments the raw pixels, normalises and patchifies them with tensor
ops (Qwen2-VL) or passes them through (LLaVA/CLIP). Text is tokenised once per row with the
processor's own chat template; the image placeholder is expanded to the processor's image-token
count. Both paths are checked against the processor's own output on the first row (`verify`), and
any other processor (e.g. LLaVA-1.6 any-res) uses the processor on every batch (slow path).

Labels: -100 everywhere except the answer tokens and the end-of-turn token that follows them
(the model must learn to stop).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch

from pebench_core.names import IGNORE_INDEX

log = logging.getLogger(__name__)

IGNORE = IGNORE_INDEX


@dataclass
class Encoded:
    """One QA row ready for collation."""

    input_ids: torch.Tensor        # (T,) long, image placeholder already expanded
    labels: torch.Tensor           # (T,) long, IGNORE outside the answer
    image_key: str                 # key into the encoder's image store
    meta: dict = field(default_factory=dict)


def _messages(question: str, answer: str | None) -> list[dict]:
    msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
    if answer is not None:
        msgs.append({"role": "assistant", "content": [{"type": "text", "text": answer}]})
    return msgs


def detect_arch(processor) -> str:
    name = type(getattr(processor, "image_processor", None)).__name__
    if name.startswith("Qwen2VLImageProcessor"):
        return "qwen2_vl"
    if name.startswith("CLIPImageProcessor") and type(processor).__name__.startswith("LlavaProcessor"):
        return "llava"
    return "generic"


class Encoder:
    """Tokenises rows once; caches resized raw images; builds batches (with optional augmentation)."""

    def __init__(self, processor, fast: bool = True):
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.arch = detect_arch(processor) if fast else "generic"
        ip = processor.image_processor
        self.mean = torch.tensor(ip.image_mean, dtype=torch.float32).view(-1, 1, 1)
        self.std = torch.tensor(ip.image_std, dtype=torch.float32).view(-1, 1, 1)
        self.image_token = getattr(processor, "image_token", None)
        self.image_token_id = self.tokenizer.convert_tokens_to_ids(self.image_token) if self.image_token else None
        eos = self.tokenizer.eos_token
        self.eos_id = self.tokenizer.convert_tokens_to_ids(eos) if eos else None
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        self._n_image_tokens: int | None = None
        self._images: dict[str, Any] = {}     # key -> raw tensor (fast path) or PIL image (generic)
        self._verified = False
        self._text_cache: dict = {}

    # ------------------------------------------------------------------ images
    def add_image(self, key: str, image) -> None:
        if key in self._images:
            return
        image = image.convert("RGB")
        if self.arch == "generic":
            self._images[key] = image
            return
        raw = self._raw_if_no_resize(image)
        if raw is not None:
            self._images[key] = raw
            return
        out = self.processor.image_processor(images=[image], return_tensors="pt")
        pv = out["pixel_values"]
        if self.arch == "qwen2_vl":
            thw = out["image_grid_thw"][0].tolist()
            norm = self._unpatchify(pv, thw)
        else:
            norm = pv[0]
        raw = (norm * self.std + self.mean).clamp(0, 1)
        self._images[key] = raw.to(torch.float16) if raw.numel() > 2_000_000 else raw

    def _raw_if_no_resize(self, image):
        """Images already at the model's input size need no resize: raw = pixels / 255 (the processor
        would only rescale, normalise and patchify; `verify` checks this on the first row)."""
        ip = self.processor.image_processor
        w, h = image.size
        try:
            if self.arch == "qwen2_vl":
                from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

                size = getattr(ip, "size", None) or {}
                lo = size.get("shortest_edge", getattr(ip, "min_pixels", None))
                hi = size.get("longest_edge", getattr(ip, "max_pixels", None))
                ps, _, m = self._geom()
                if (h, w) != tuple(smart_resize(h, w, factor=ps * m, min_pixels=lo, max_pixels=hi)):
                    return None
            else:
                size = getattr(ip, "size", {}) or {}
                crop = getattr(ip, "crop_size", {}) or {}
                if not (h == w == size.get("shortest_edge") == crop.get("height") == crop.get("width")):
                    return None
        except Exception:  # noqa: BLE001 - unknown processor layout: use the processor
            return None
        import numpy as np

        arr = np.asarray(image, dtype=np.float32) / np.float32(255.0)     # numpy: no torch thread pool for tiny ops
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))

    def has_image(self, key: str) -> bool:
        return key in self._images

    def raw_image(self, key: str):
        return self._images[key]

    # Qwen2-VL patch layout, as Qwen2VLImageProcessor builds it (checked in `verify`).
    def _geom(self):
        ip = self.processor.image_processor
        return int(ip.patch_size), int(ip.temporal_patch_size), int(ip.merge_size)

    def _unpatchify(self, flat: torch.Tensor, thw: Sequence[int]) -> torch.Tensor:
        ps, tps, m = self._geom()
        gt, gh, gw = (int(v) for v in thw)
        c = flat.shape[1] // (tps * ps * ps)
        x = flat.reshape(gt, gh // m, gw // m, m, m, c, tps, ps, ps)
        # patchify permutation was (0, 3, 6, 4, 7, 2, 1, 5, 8) of
        # (gt, tps, c, gh/m, m, ps, gw/m, m, ps); invert it
        x = x.permute(0, 6, 5, 1, 3, 7, 2, 4, 8)
        x = x.reshape(gt * tps, c, gh * ps, gw * ps)
        return x[0]

    def _patchify(self, img: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
        ps, tps, m = self._geom()
        c, h, w = img.shape
        gh, gw = h // ps, w // ps
        x = img.unsqueeze(0).expand(tps, c, h, w)
        x = x.reshape(1, tps, c, gh // m, m, ps, gw // m, m, ps)
        x = x.permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
        return x.reshape(gh * gw, c * tps * ps * ps), [1, gh, gw]

    def pixel_inputs(self, raws: list) -> dict:
        """Batch of raw images (already augmented) -> model pixel inputs."""
        if self.arch == "generic":
            out = self.processor.image_processor(images=raws, return_tensors="pt")
            return dict(out)
        norm = [((r.float() - self.mean) / self.std) for r in raws]
        if self.arch == "llava":
            return {"pixel_values": torch.stack(norm)}
        flats, grids = zip(*(self._patchify(x) for x in norm))
        return {"pixel_values": torch.cat(flats), "image_grid_thw": torch.tensor(grids, dtype=torch.long)}

    # ------------------------------------------------------------------ text
    def n_image_tokens(self, sample_key: str) -> int:
        if self._n_image_tokens is None:
            img = self._images[sample_key]
            if self.arch == "qwen2_vl":
                _, grid = self._patchify(img.float())
                ps, tps, m = self._geom()
                self._n_image_tokens = grid[1] * grid[2] // (m * m)
            elif self.arch == "llava":
                text = self.image_token
                enc = self.processor(text=[text], images=[_to_pil(img)], return_tensors="pt")
                self._n_image_tokens = int((enc["input_ids"][0] == self.image_token_id).sum())
            else:
                raise RuntimeError("generic path does not expand image tokens itself")
        return self._n_image_tokens

    def _template(self, question: str, answer: str | None) -> tuple[str, str]:
        prompt = self.processor.apply_chat_template(_messages(question, None), add_generation_prompt=True, tokenize=False)
        if answer is None:
            return prompt, ""
        full = self.processor.apply_chat_template(_messages(question, answer), add_generation_prompt=False, tokenize=False)
        if not full.startswith(prompt):
            raise RuntimeError("chat template: the answer turn does not extend the generation prompt")
        return prompt, full[len(prompt):]

    def _tokens(self, question: str, answer: str | None):
        key = (question, answer)
        hit = self._text_cache.get(key)
        if hit is None:
            prompt, completion = self._template(question, answer)
            tok = self.tokenizer
            p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
            c_ids = tok(completion, add_special_tokens=False)["input_ids"] if completion else []
            hit = self._text_cache[key] = (prompt, completion, p_ids, c_ids)
            if len(self._text_cache) > 200_000:
                self._text_cache.clear()
        return hit

    def encode(self, image_key: str, question: str, answer: str | None, meta: dict | None = None) -> Encoded:
        """Tokenise one row. ``answer=None`` -> generation prompt only (labels all IGNORE)."""
        prompt, completion, p_ids, c_ids = self._tokens(question, answer)
        if c_ids and self.eos_id is not None and self.eos_id in c_ids:
            # the answer ends with its end-of-turn token; drop what the template adds after it
            # (a newline): same ids as unlearn.models.build_inputs
            c_ids = c_ids[:c_ids.index(self.eos_id) + 1]
        labels_c = list(c_ids)
        if self.arch != "generic":
            n = self.n_image_tokens(image_key)
            expanded = []
            for t in p_ids:
                expanded.extend([t] * n if t == self.image_token_id else [t])
            p_ids = expanded
        ids = torch.tensor(p_ids + c_ids, dtype=torch.long)
        labels = torch.tensor([IGNORE] * len(p_ids) + labels_c, dtype=torch.long)
        enc = Encoded(ids, labels, image_key, dict(meta or {}))
        enc.meta.setdefault("_text", prompt + (self.tokenizer.decode(c_ids) if c_ids else ""))
        enc.meta["_n_completion"] = len(c_ids)
        if not self._verified and self.arch != "generic":
            self.verify(enc)
        return enc

    def verify(self, enc: Encoded) -> None:
        """Fast path == processor on one row; otherwise fall back to the slow, generic path."""
        self._verified = True
        pil = _to_pil(self._images[enc.image_key])
        ref = self.processor(text=[enc.meta["_text"]], images=[pil], return_tensors="pt")
        ok = torch.equal(ref["input_ids"][0], enc.input_ids)
        mine = self.pixel_inputs([self._images[enc.image_key]])
        ok = ok and torch.allclose(ref["pixel_values"].float(), mine["pixel_values"].float(), atol=2e-2)
        if self.arch == "qwen2_vl":
            ok = ok and torch.equal(ref["image_grid_thw"], mine["image_grid_thw"])
        if not ok:
            raise RuntimeError(f"fast {self.arch} encoding differs from the processor's; use data.fast_encoding=false")

    # ------------------------------------------------------------------ batches
    def collate(self, rows: list[Encoded], raws: list | None = None, pad_side: str = "right",
                positions: bool = False) -> dict:
        """Pad rows into a batch. ``raws``: the (augmented) raw images, one per row, in order.
        ``positions`` (Qwen2-VL, training batches): add the M-RoPE ``position_ids`` (see
        :func:`mrope_position_ids`); generation computes its own (it needs the model's rope deltas)."""
        if raws is None:
            raws = [self._images[r.image_key] for r in rows]
        if self.arch == "generic":
            texts = [r.meta["_text"] for r in rows]
            old_side = self.tokenizer.padding_side
            self.tokenizer.padding_side = pad_side
            try:
                batch = dict(self.processor(text=texts, images=raws, return_tensors="pt", padding=True))
            finally:
                self.tokenizer.padding_side = old_side
            # the completion is the end of each row's text: put its labels at the end of the real tokens
            labels = torch.full_like(batch["input_ids"], IGNORE)
            for i, r in enumerate(rows):
                n_c = int(r.meta.get("_n_completion", 0))
                if n_c:
                    real = batch["attention_mask"][i].nonzero().flatten()
                    end = int(real[-1]) + 1
                    labels[i, end - n_c:end] = r.labels[-n_c:]
            batch["labels"] = labels
            return batch
        T = max(len(r.input_ids) for r in rows)
        B = len(rows)
        ids = torch.full((B, T), self.pad_id, dtype=torch.long)
        labels = torch.full((B, T), IGNORE, dtype=torch.long)
        att = torch.zeros((B, T), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(r.input_ids)
            sl = slice(0, n) if pad_side == "right" else slice(T - n, T)
            ids[i, sl] = r.input_ids
            labels[i, sl] = r.labels
            att[i, sl] = 1
        batch = {"input_ids": ids, "attention_mask": att, "labels": labels, **self.pixel_inputs(raws)}
        if self.arch == "qwen2_vl":
            batch["mm_token_type_ids"] = (ids == self.image_token_id).long()
            if positions:
                batch["position_ids"] = mrope_position_ids(batch, self._geom()[2])
        return batch


def mrope_position_ids(batch: dict, merge_size: int) -> torch.Tensor:
    """Qwen2-VL's 3-D rotary positions (3, B, T) of a CPU batch, by transformers' own
    ``Qwen2VLModel.get_rope_index`` (it reads only the merge size). Inside the model this runs on the
    model's device at every forward: a Python loop over rows and images with a host sync for each
    (``.tolist()``, ``.item()``, boolean indexing) that leaves a GPU idle; here it runs once per batch
    on the CPU, in the DataLoader workers when there are any. Equal to the model's own (tested)."""
    from types import SimpleNamespace

    from transformers.models.qwen2_vl.modeling_qwen2_vl import Qwen2VLModel

    shim = SimpleNamespace(config=SimpleNamespace(vision_config=SimpleNamespace(spatial_merge_size=merge_size)))
    shim.get_vision_position_ids = lambda *a, **kw: Qwen2VLModel.get_vision_position_ids(shim, *a, **kw)
    pos, _ = Qwen2VLModel.get_rope_index(shim, batch["input_ids"], mm_token_type_ids=batch["mm_token_type_ids"],
                                        image_grid_thw=batch["image_grid_thw"], attention_mask=batch["attention_mask"])
    return pos


def _to_pil(raw):
    if not isinstance(raw, torch.Tensor):
        return raw
    from PIL import Image

    arr = (raw.float().clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    return Image.fromarray(arr)
