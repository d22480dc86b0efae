"""Scoring through a running ``vllm serve --enable-lora --lora-modules name=path ...`` endpoint
instead of an engine in this process: ``ServedEngine`` has ``LoRAEngine.generate``'s signature, so
``SweepStore`` and lmms-eval's per-adapter runs are unchanged. Every adapter is addressed by its
served name (by default its folder name, as ``pebench eval`` names its row); the base model by the
server's base model name.

Requests go to ``/v1/chat/completions`` (the same chat messages as ``LLM.chat`` gets, images as
PNG data URLs: lossless, the same pixels) from a thread pool, so the server batches across adapters. The base model's
requests go first and alone: vLLM's CPU LoRA ops give a request without LoRA the last adapter when
a batch mixes them (``cpu_lora``'s doc), and a server's engine cannot be patched from here.
"""
from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from pebench_core.errors import UserError

# SamplingParams keywords the OpenAI chat API takes as they are; the rest go in vLLM's extra body
_OPENAI = ("max_tokens", "temperature", "top_p", "stop", "seed", "n")


def served_models(base_url: str, timeout: float = 10.0) -> list[dict]:
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/models", timeout=timeout) as r:
            return json.loads(r.read())["data"]
    except (OSError, ValueError, KeyError) as e:
        raise UserError(f"--served-url {base_url}: no OpenAI-compatible server answers there ({e}); start "
                        "`vllm serve BASE --enable-lora --lora-modules name=path ...` or fix the URL") from None


class ServedEngine:
    """A ``vllm serve`` endpoint in place of ``LoRAEngine`` (``generate`` only)."""

    def __init__(self, base_url: str, adapters: list[str], model: str, api_key: str = "EMPTY", workers: int = 16,
                 timeout: float = 600.0):
        from openai import OpenAI

        self.model = str(model)                 # the local folder of the served base model (checks, records)
        self.base_url = base_url.rstrip("/")
        models = served_models(self.base_url)
        bases = [m["id"] for m in models if not m.get("parent")]
        if not bases:
            raise UserError(f"--served-url {base_url}: the server lists no base model")
        self.base = bases[0]
        missing = sorted(set(adapters) - {m["id"] for m in models})
        if missing:
            raise UserError(f"--served-url {base_url}: the server does not serve {', '.join(missing)}; start it with "
                            f"--enable-lora --lora-modules {missing[0]}=ADAPTER_DIR ... (one per adapter)")
        self.workers = int(workers)
        self.client = OpenAI(base_url=self.base_url, api_key=api_key, timeout=timeout, max_retries=2)

    def _one(self, messages: list, params: dict, model: str) -> str:
        known = {k: v for k, v in params.items() if k in _OPENAI}
        extra = {k: v for k, v in params.items() if k not in _OPENAI}
        out = self.client.chat.completions.create(model=model, messages=messages, extra_body=extra or None, **known)
        return out.choices[0].message.content or ""

    def generate(self, chats: list, params: list[dict], adapters: list[str | None], chat_template=None,
                 progress: bool = True) -> list[str]:
        messages = [c.to_openai_messages() for c in chats]      # JSON: images as data URLs
        if chat_template is not None:
            raise UserError("--served-url: a chat template is the server's (vllm serve --chat-template), not ours")
        out: list = [None] * len(messages)
        base = [i for i, a in enumerate(adapters) if a is None]
        rest = [i for i, a in enumerate(adapters) if a is not None]
        with ThreadPoolExecutor(self.workers) as pool:
            for part in (base, rest):                    # the base model's requests alone, then the adapters'
                futures = {i: pool.submit(self._one, messages[i], params[i], adapters[i] or self.base) for i in part}
                for i, f in futures.items():
                    out[i] = f.result()
        return out
