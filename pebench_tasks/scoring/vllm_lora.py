"""lmms-eval model backend ``vllm_lora``: a base model plus one peft LoRA adapter, served by vLLM.

    lmms-eval --model vllm_lora --model_args model=BASE,lora=ADAPTER --tasks pebench --log_samples --output_path out/

Registered through the ``lmms_eval.models`` entry point (``pebench_tasks.lmms_plugin``). It fixes
what the built-in ``vllm`` backend gets wrong for this use (see docs/scoring.md):

* LoRA: every request carries a ``LoRARequest`` for ``lora`` (the built-in backend has no LoRA);
  the engine is started with ``enable_lora=True`` and ``max_lora_rank`` rounded up from the adapter.
* ``max_new_tokens``: the task's value is used (the built-in backend raises it to a floor of 4096);
  the ``max_new_tokens`` model arg, when given, overrides it for every task.
* stop strings: the task's ``until`` strings are passed to vLLM as ``stop`` (dropped by the built-in).
* image order: image(s) before the question, as lmms-eval's chat messages build them (the same
  prompt transformers' chat template gives).
* batching: all requests go to vLLM in chunks of ``chunk_size`` (lmms-eval's ``--batch_size`` is
  not needed: vLLM schedules its own batches).

Any other model arg goes to ``vllm.LLM`` (``dtype``, ``tensor_parallel_size``,
``gpu_memory_utilization``, ``max_model_len``, ``enforce_eager``, ...). Without ``lora`` the
backend scores the base model. ``pebench eval --adapters`` runs one lmms-eval evaluation per
adapter on one shared engine with instances made by :meth:`VLLMLoRA.on_store` (Python objects
passed to ``simple_evaluate``; nothing goes through the model-args string).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lmms_eval.api.model import lmms
from lmms_eval.protocol import ChatMessages

from pebench_core.errors import UserError
from . import adapters as A
from . import engine as E

DEFAULT_MAX_NEW_TOKENS = 256


def _parse_json_args(kwargs: dict) -> dict:
    """lmms-eval passes model args as strings; JSON objects (e.g. hf_overrides) are decoded."""
    out = {}
    for k, v in kwargs.items():
        if isinstance(v, str) and v.strip().startswith("{") and v.strip().endswith("}"):
            try:
                v = json.loads(v)
            except json.JSONDecodeError:
                pass
        out[k] = v
    return out


class VLLMLoRA(lmms):
    is_simple = False
    backend_name = "vllm_lora"

    def __init__(self, model: str, lora: str | None = None, max_new_tokens: int | None = None,
                 chunk_size: int = 4096, max_lora_rank: int | None = None, max_loras: int | None = None,
                 chat_template: str | None = None, seed: int = 0, batch_size: Any = None, device: Any = None,
                 max_batch_size: Any = None, **llm_kwargs) -> None:
        super().__init__()
        self._options(model, max_new_tokens, chunk_size, chat_template)
        self._store = None
        if lora:
            ad = A.discover(str(lora))
            if len(ad) != 1:
                raise UserError(f"lora={lora}: {len(ad)} adapters found; vllm_lora scores one (use `pebench eval --adapters` for many)")
            rank = A.check(ad, self.model, max_lora_rank)
        else:
            ad, rank = [], A.engine_rank(int(max_lora_rank or 8))
        self.engine = E.LoRAEngine(self.model, ad, max_lora_rank=rank, max_loras=max_loras or 1, seed=seed,
                                   **_parse_json_args(llm_kwargs))
        self.adapter = ad[0].name if ad else None

    def _options(self, model, max_new_tokens, chunk_size, chat_template) -> None:
        self.model = str(model)
        self.max_new_tokens = None if max_new_tokens in (None, "", "None") else int(max_new_tokens)
        self.chunk_size = int(chunk_size)
        self.chat_template = Path(chat_template).read_text() if chat_template and Path(chat_template).is_file() else chat_template

    @classmethod
    def on_store(cls, store: E.SweepStore, adapter: A.Adapter | None, max_new_tokens: int | None = None,
                 chunk_size: int = 4096) -> "VLLMLoRA":
        """A backend for ``adapter`` (None: the base model) on the sweep's shared engine and store."""
        self = cls.__new__(cls)
        lmms.__init__(self)
        self._options(store.engine.model, max_new_tokens, chunk_size, store.chat_template)
        self._store, self.engine = store, store.engine
        self.adapter = adapter.name if adapter is not None else None
        return self

    # ------------------------------------------------------------------ requests -> vLLM inputs
    def sampling_params(self, gen_kwargs: dict | None) -> dict:
        gen = dict(gen_kwargs or {})
        max_tokens = self.max_new_tokens or gen.get("max_new_tokens") or DEFAULT_MAX_NEW_TOKENS
        params = {"max_tokens": int(max_tokens), "temperature": float(gen.get("temperature") or 0.0),
                  "top_p": float(gen.get("top_p") or 1.0)}
        if params["temperature"] == 0:
            params["top_p"] = 1.0
        until = gen.get("until")
        if isinstance(until, str):
            until = [until]
        stop = [s for s in (until or []) if s]
        if stop:
            params["stop"] = stop
        for k in ("top_k", "repetition_penalty", "seed"):
            if gen.get(k) is not None:
                params[k] = gen[k]
        return params

    def build_request(self, instance) -> E.Request:
        ctx, doc_to_messages, gen_kwargs, doc_id, task, split = instance.arguments
        params = self.sampling_params(gen_kwargs)
        key = E.request_key(task, split, doc_id, ctx, params)
        if self._store is not None and self._store.has(key, task):
            return E.Request(key, None, params, task)    # generated already: skip building the prompt
        return E.Request(key, ChatMessages(messages=doc_to_messages(self.task_dict[task][split][doc_id])), params, task)

    def generate_until(self, requests) -> list[str]:
        from tqdm import tqdm

        built = [self.build_request(r) for r in tqdm(requests, desc="Building prompts", disable=len(requests) < 2000)]
        if self._store is not None:
            return self._store.results_for(self.adapter, built)
        out: list[str] = []
        bar = tqdm(total=len(built), desc="vLLM generation", unit="prompt")
        for i in range(0, len(built), self.chunk_size):
            chunk = built[i:i + self.chunk_size]
            out += self.engine.generate([r.chat for r in chunk], [r.params for r in chunk],
                                        [self.adapter] * len(chunk), chat_template=self.chat_template, progress=False)
            bar.update(len(chunk))
        bar.close()
        return out

    def loglikelihood(self, requests):
        raise NotImplementedError("vllm_lora generates text only (PEBench tasks are generate_until)")

    def generate_until_multi_round(self, requests):
        raise NotImplementedError("vllm_lora does not do multi-round generation")
