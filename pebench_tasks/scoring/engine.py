"""One vLLM engine serving a base model plus many LoRA adapters, and the store that lets every
adapter's lmms-eval run share one batched generation pass.

``LoRAEngine`` wraps ``vllm.LLM(enable_lora=True, max_lora_rank=R, max_loras=K)``. ``SweepStore``
is what makes a sweep fast: the first adapter whose lmms-eval run asks for generations triggers
ONE ``LLM.chat`` call over (request x every pending adapter), each prompt with its own
``LoRARequest``, so vLLM batches prompts of different adapters together; later adapters' runs find
their outputs in the store. Outputs are appended per chunk to ``generations.jsonl`` in each
adapter's work folder, so an interrupted sweep does not regenerate what it already has.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pebench_core.names import VLLM_CPU_ENV

from .adapters import Adapter



def _config_dtype(model: str) -> str | None:
    try:
        cfg = json.loads((Path(model) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cfg.get("dtype") or cfg.get("torch_dtype") or (cfg.get("text_config") or {}).get("dtype")


def cpu_defaults(llm_kwargs: dict, model: str | None = None, gpu: bool | None = None) -> bool:
    """CPU only (returns False on a GPU machine, changing nothing): a KV-cache size (vLLM's CPU
    backend refuses to start without one), the engine in this process (starts in ~5 s instead of
    ~20 s, and generates faster on 2 cores than a separate engine process), the grouped LoRA
    matmuls of ``cpu_lora`` (they can only reach an engine in this process), and a float32 model
    kept in float32 (our decision: vLLM's "auto" turns it into bfloat16 on CPU; measured 2026-12-03
    on 2 AVX2 cores without bf16 units, float32 generated 1.8x faster, and its answer log-probs equal
    transformers' fp32 to 1e-6 where bfloat16's were off by up to 1e-2). ``dtype=`` overrides it.
    ``gpu``: whether the engine runs on a GPU (default: torch sees one)."""
    if gpu is None:
        import torch

        gpu = torch.cuda.is_available()
    if gpu:
        return False
    for k, v in VLLM_CPU_ENV.items():
        os.environ.setdefault(k, v)
    if model is not None and llm_kwargs.get("dtype", "auto") == "auto" and _config_dtype(model) == "float32":
        llm_kwargs["dtype"] = "float32"
    if os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] == "0":
        llm_kwargs.setdefault("distributed_executor_backend", "uni")
        if os.environ.get("PEBENCH_CPU_LORA_OPS", "grouped") == "grouped":
            from .cpu_lora import patch

            patch()
    return True


@dataclass
class Request:
    key: str                 # stable across processes: task, split, doc id, prompt, sampling params
    chat: Any                # lmms-eval ChatMessages (None: generated already); each engine renders it
    params: dict             # vllm.SamplingParams keyword arguments
    task: str = ""           # the lmms-eval task it belongs to (SweepStore.wants)


def pil_messages(chat) -> list[dict]:
    """lmms-eval ChatMessages as vLLM chat messages with every image passed as a PIL object
    (``image_pil`` parts). lmms-eval's ``to_openai_messages`` PNG-encodes each image into a base64
    data URL that vLLM then decodes again for every request of every adapter; PNG is lossless, so
    the pixels (and the answers) are the same."""
    out = []
    for m in chat.messages:
        parts = []
        for c in m.content:
            if c.type == "text":
                parts.append({"type": "text", "text": c.text})
            elif c.type == "image" and hasattr(c.url, "convert"):
                parts.append({"type": "image_pil", "image_pil": c.url})
            else:                 # anything else (paths, videos): lmms-eval's own conversion
                return chat.to_openai_messages()
        out.append({"role": m.role, "content": parts})
    return out


def request_key(task: str, split: str, doc_id: Any, ctx: str, params: dict) -> str:
    blob = json.dumps([task, split, doc_id, ctx, params], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


class LoRAEngine:
    """A vLLM engine with LoRA enabled for a known set of adapters (ids are stable per name)."""

    def __init__(self, model: str, adapters: list[Adapter], max_lora_rank: int, max_loras: int | None = None,
                 seed: int = 0, **llm_kwargs):
        on_cpu = cpu_defaults(llm_kwargs, model)
        from vllm import LLM

        from . import cpu_lora

        # vLLM's own CPU LoRA ops give base-model requests the last adapter when a batch mixes them
        # (cpu_lora's doc); without our ops (engine in another process), base requests go alone
        self.split_base = on_cpu and not cpu_lora.patched()
        self.on_cpu = on_cpu

        self.model = str(model)
        self.adapters = {a.name: a for a in adapters}
        self._ids = {a.name: i + 1 for i, a in enumerate(adapters)}
        n = max(1, len(adapters))
        max_loras = int(max_loras or n)
        llm_kwargs.setdefault("max_cpu_loras", max(n, max_loras))
        self.llm = LLM(model=self.model, enable_lora=True, max_lora_rank=int(max_lora_rank), max_loras=max_loras,
                       seed=int(seed), **llm_kwargs)

    def close(self) -> None:
        """GPU: stop the engine-core process and free its memory now, so that the next engine (a
        Goal model's, in a child process) can take its share of the GPU (vLLM reserves
        gpu_memory_utilization of the whole card per engine). CPU: nothing (the in-process engine
        holds no reservation; kept as it was measured)."""
        if self.on_cpu or self.llm is None:
            return
        import gc

        import torch

        core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            core.shutdown()
        self.llm = None
        gc.collect()
        torch.cuda.empty_cache()

    def lora_request(self, name: str | None):
        if name is None:
            return None            # the base model row: no adapter
        from vllm.lora.request import LoRARequest

        a = self.adapters[name]
        return LoRARequest(a.name, self._ids[name], str(a.path))

    def _apart(self, fn, adapters: list[str | None], *columns: list) -> list:
        """``fn(*columns, adapters)`` with the base-model rows in a call of their own when needed."""
        base = [i for i, a in enumerate(adapters) if a is None]
        if not self.split_base or not base or len(base) == len(adapters):
            return fn(*columns, adapters)
        rest = [i for i, a in enumerate(adapters) if a is not None]
        out: list = [None] * len(adapters)
        for part in (base, rest):
            for i, r in zip(part, fn(*([c[i] for i in part] for c in columns), [adapters[i] for i in part])):
                out[i] = r
        return out

    def generate(self, chats: list, params: list[dict], adapters: list[str | None], chat_template=None,
                 progress: bool = True) -> list[str]:
        """One ``LLM.chat`` call; prompt i (lmms-eval ChatMessages) uses ``adapters[i]`` (None: the base model)."""
        messages = [pil_messages(c) for c in chats]
        return self._apart(lambda m, p, a: self._generate(m, p, a, chat_template, progress), adapters, messages, params)

    def _generate(self, messages, params, adapters, chat_template, progress) -> list[str]:
        from vllm import SamplingParams

        outs = self.llm.chat(messages=messages, sampling_params=[SamplingParams(**p) for p in params],
                             lora_request=[self.lora_request(a) for a in adapters], chat_template=chat_template,
                             use_tqdm=progress)
        return [o.outputs[0].text for o in outs]

    def answer_logprobs(self, messages: list, answers: list[list[int]], adapters: list[str | None],
                        chat_template=None) -> list[list[float]]:
        """Log-probabilities of each conversation's final answer tokens as a prompt (vLLM prompt
        log-probs, one ``LLM.chat`` call; conversation i ends with the assistant answer whose token ids
        are ``answers[i]`` and uses ``adapters[i]``). The rendered prompt must end with exactly those ids."""
        return self._apart(lambda m, a, ad: self._answer_logprobs(m, a, ad, chat_template), adapters, messages, answers)

    def _answer_logprobs(self, messages, answers, adapters, chat_template) -> list[list[float]]:
        from vllm import SamplingParams

        params = SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=0)
        outs = self.llm.chat(messages=messages, sampling_params=params, lora_request=[self.lora_request(a) for a in adapters],
                             chat_template=chat_template, add_generation_prompt=False, continue_final_message=True,
                             use_tqdm=False)
        result = []
        for o, ids in zip(outs, answers):
            n = len(ids)
            if list(o.prompt_token_ids[-n:]) != list(ids):
                raise RuntimeError(f"the rendered prompt does not end with the answer's tokens ({ids[:8]}...); "
                                   "the chat template changes the answer text")
            result.append([float(d[t].logprob) for d, t in zip(o.prompt_logprobs[-n:], ids)])
        return result


class SweepStore:
    """Generations of every adapter of a sweep, filled by one batched pass per request set."""

    def __init__(self, engine: LoRAEngine, pending: list[str | None], work_dirs: dict, chunk_size: int = 4096,
                 chat_template=None, wants: dict | None = None):
        self.engine = engine
        self.wants = dict(wants or {})                    # adapter -> the tasks it is scored on (None / absent: all)
        self.pending = list(pending)                      # adapters (None = base) still to score
        self.work_dirs = work_dirs                        # adapter name (or base) -> folder for generations.jsonl
        self.chunk_size = int(chunk_size)
        self.chat_template = chat_template
        self.outputs: dict[str | None, dict[str, str]] = {a: self._load(a) for a in self.pending}
        self.generated = 0                                # prompts generated in this process (for benchmarks)
        self.seconds = 0.0

    def _wanted(self, adapter: str | None, task: str) -> bool:
        tasks = self.wants.get(adapter)
        return tasks is None or task in tasks

    def has(self, key: str, task: str = "") -> bool:
        """Every pending adapter scored on ``task`` has its output for ``key`` (the prompt need not be built)."""
        return all(key in self.outputs[a] for a in self.pending if self._wanted(a, task))

    def _file(self, adapter: str | None) -> Path:
        return Path(self.work_dirs[adapter]) / "generations.jsonl"

    def _load(self, adapter: str | None) -> dict[str, str]:
        f = self._file(adapter)
        out = {}
        if f.is_file():
            for line in f.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    break               # a line cut by an interrupt: regenerate from there
                out[rec["key"]] = rec["text"]
        return out

    def _append(self, adapter: str | None, keys: list[str], texts: list[str]) -> None:
        f = self._file(adapter)
        f.parent.mkdir(parents=True, exist_ok=True)
        with open(f, "a", encoding="utf-8") as fh:
            for k, t in zip(keys, texts):
                fh.write(json.dumps({"key": k, "text": t}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def results_for(self, adapter: str | None, requests: list[Request]) -> list[str]:
        """Outputs of ``adapter`` for ``requests``; generates what is missing for ALL pending adapters
        in chunks (each chunk: one engine call across adapters)."""
        import time

        from tqdm import tqdm

        if adapter not in self.pending:          # e.g. a second lmms-eval run of a finished adapter
            self.pending.append(adapter)
            self.outputs.setdefault(adapter, self._load(adapter))
        todo_adapters = list(self.pending)
        missing = [(a, r) for r in requests for a in todo_adapters
                   if r.key not in self.outputs[a] and (a == adapter or self._wanted(a, r.task))]
        if missing:
            bar = tqdm(total=len(missing), desc=f"vLLM generation ({len(todo_adapters)} model(s))", unit="prompt")
            for i in range(0, len(missing), self.chunk_size):
                chunk = missing[i:i + self.chunk_size]
                t0 = time.perf_counter()
                texts = self.engine.generate([r.chat for _, r in chunk], [r.params for _, r in chunk],
                                             [a for a, _ in chunk], chat_template=self.chat_template, progress=False)
                self.seconds += time.perf_counter() - t0
                self.generated += len(chunk)
                by_adapter: dict = {}
                for (a, r), t in zip(chunk, texts):
                    self.outputs[a][r.key] = t
                    by_adapter.setdefault(a, ([], []))
                    by_adapter[a][0].append(r.key)
                    by_adapter[a][1].append(t)
                for a, (keys, ts) in by_adapter.items():
                    self._append(a, keys, ts)
                bar.update(len(chunk))
            bar.close()
        return [self.outputs[adapter][r.key] for r in requests]

    def done(self, adapter: str | None) -> None:
        """The adapter's results are written: stop generating for it."""
        if adapter in self.pending:
            self.pending.remove(adapter)
            self.outputs.pop(adapter, None)
