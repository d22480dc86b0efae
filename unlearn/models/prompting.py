"""(image, question[, answer]) -> model inputs through the chat template, for both archs.

One user turn = one image then the question text, then the assistant turn:
``<|im_start|>user\\n<IMAGE>QUESTION<|im_end|>\\n<|im_start|>assistant\\n`` where <IMAGE> is
``<|vision_start|><|image_pad|><|vision_end|>`` (Qwen2-VL) or ``<image>\\n`` (LLaVA); the processors
expand the image token to the model's number of image tokens. The answer target is
``ANSWER<|im_end|>`` (eos). The same messages go to vLLM's ``llm.chat`` (:func:`chat_messages`),
so transformers and vLLM see identical token ids. (The training encoder, ``unlearn.data.encode``,
builds the same ids without the processor; ``tests/helpers.py`` keeps the processor-based oracle.)
"""
from __future__ import annotations

from typing import Any



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
