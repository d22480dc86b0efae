"""(image, question[, answer]) -> model inputs through the chat template, for both archs.

One user turn = one image then the question text, then the assistant turn:
``<|im_start|>user\\n<IMAGE>QUESTION<|im_end|>\\n<|im_start|>assistant\\n`` where <IMAGE> is
``<|vision_start|><|image_pad|><|vision_end|>`` (Qwen2-VL) or ``<image>\\n`` (LLaVA); the processors
expand the image token to the model's number of image tokens. The answer target is
``ANSWER<|im_end|>`` (eos). The same messages go to vLLM's ``llm.chat`` (:func:`chat_messages`),
so transformers and vLLM see identical token ids.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

IGNORE_INDEX = -100


def user_message(question: str, with_image: bool = True, image: Any = None) -> dict:
    """OpenAI-style user message: image part first (``{"type": "image"}``, or ``image_pil`` when an
    image is given, which vLLM's chat accepts), then the text."""
    content: list[dict] = []
    if with_image:
        content.append({"type": "image"} if image is None else {"type": "image_pil", "image_pil": image})
    content.append({"type": "text", "text": question})
    return {"role": "user", "content": content}


def chat_messages(image, question: str, system: str | None = None) -> list[dict]:
    """Messages for ``vllm.LLM.chat`` (one conversation): ``llm.chat([chat_messages(img, q), ...])``."""
    msgs = [{"role": "system", "content": system}] if system else []
    return msgs + [user_message(question, with_image=image is not None, image=image)]


def prompt_text(processor, question: str, with_image: bool = True, system: str | None = None) -> str:
    """The rendered prompt (ending with the assistant header), image token not yet expanded."""
    msgs = [{"role": "system", "content": system}] if system else []
    msgs.append(user_message(question, with_image=with_image))
    tmpl_owner = processor if getattr(processor, "chat_template", None) else getattr(processor, "tokenizer", processor)
    return tmpl_owner.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)


def _is_qwen2_vl(processor) -> bool:
    return type(processor).__name__.startswith("Qwen2VL") or hasattr(processor, "video_processor")


def build_inputs(
    processor,
    images: Sequence | None,
    questions: Sequence[str],
    answers: Sequence[str] | None = None,
    *,
    system: str | None = None,
    add_eos: bool = True,
) -> dict:
    """Batch of model inputs (torch tensors, left-padded).

    ``images``: one PIL image per question (or ``None`` for text-only prompts). Returns
    ``input_ids``, ``attention_mask``, the pixel inputs (``pixel_values`` and, for Qwen2-VL,
    ``image_grid_thw``), ``mm_token_type_ids`` for Qwen2-VL (transformers 5.19 needs it in hand-made
    batches: 1 at image tokens), and, when ``answers`` are given, ``labels``: -100 everywhere except
    the answer tokens and the final eos (``<|im_end|>``). Without answers the batch ends with the
    assistant header, ready for ``model.generate``.
    """
    import torch

    questions = list(questions)
    if images is not None and len(images) != len(questions):
        raise ValueError(f"build_inputs: {len(images)} images for {len(questions)} questions")
    if answers is not None and len(answers) != len(questions):
        raise ValueError(f"build_inputs: {len(answers)} answers for {len(questions)} questions")
    tok = processor.tokenizer
    texts = [prompt_text(processor, q, with_image=images is not None, system=system) for q in questions]
    kwargs: dict = {"text": texts, "padding": True, "return_tensors": "pt"}
    if images is not None:
        kwargs["images"] = list(images)
    enc = dict(processor(**kwargs))
    qwen = _is_qwen2_vl(processor)
    image_token_id = getattr(processor, "image_token_id", None)
    if qwen and image_token_id is not None:
        enc["mm_token_type_ids"] = (enc["input_ids"] == image_token_id).to(torch.long)
    elif "mm_token_type_ids" in enc and not qwen:
        enc.pop("mm_token_type_ids")
    enc.pop("token_type_ids", None)
    if answers is None:
        return enc

    pad_id = tok.pad_token_id
    rows, labels, mms = [], [], []
    for i, ans in enumerate(answers):
        keep = enc["attention_mask"][i].bool()
        prompt_ids = enc["input_ids"][i][keep].tolist()
        ans_ids = tok(ans, add_special_tokens=False)["input_ids"] + ([tok.eos_token_id] if add_eos else [])
        rows.append(prompt_ids + ans_ids)
        labels.append([IGNORE_INDEX] * len(prompt_ids) + ans_ids)
        if "mm_token_type_ids" in enc:
            mms.append(enc["mm_token_type_ids"][i][keep].tolist() + [0] * len(ans_ids))
    width = max(len(r) for r in rows)

    def left_pad(seqs, value):
        return torch.tensor([[value] * (width - len(s)) + s for s in seqs], dtype=torch.long)

    enc["input_ids"] = left_pad(rows, pad_id)
    enc["attention_mask"] = left_pad([[1] * len(r) for r in rows], 0)
    enc["labels"] = left_pad(labels, IGNORE_INDEX)
    if mms:
        enc["mm_token_type_ids"] = left_pad(mms, 0)
    return enc
