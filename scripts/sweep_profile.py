"""Where the time of a one-engine sweep goes: ``pebench eval --adapters`` run in this process with
wall-clock timers around the parts that matter, and the run's compute floor.

Used by ``scripts/bench_vllm_lora.py --profile`` (own process: the CPU engine sets torch's thread
count). Each timer is exclusive: time spent in a timed call nested inside another is counted once,
in the inner one. Prints one JSON line (``PROFILE {...}``) that the benchmark turns into a table.

    .venv/bin/python scripts/sweep_profile.py MODEL -- <pebench eval arguments>
"""
from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import time
from collections import Counter, defaultdict

# part -> (module, class, method): the vLLM 0.32 / lmms-eval 0.7.3 functions timed
PARTS = {
    "engine start": ("vllm.entrypoints.llm", "LLM", "__init__"),
    "chat template + message parsing": ("vllm.renderers.hf", "HfRenderer", "render_messages"),
    "image preprocessing (HF processor)": ("vllm.renderers.base", "BaseRenderer", "_process_multimodal"),
    "request intake (vLLM)": ("vllm.v1.engine.input_processor", "InputProcessor", "process_inputs"),
    "vision encoder": ("vllm.model_executor.models.qwen2_vl", "Qwen2VisionTransformer", "forward"),
    "language model forward (prefill + decode, LoRA)": ("vllm.model_executor.models.qwen2_vl", "Qwen2VLForConditionalGeneration", "forward"),
    "sampling": ("vllm.v1.worker.gpu_model_runner", "GPUModelRunner", "_sample"),
    "detokenisation + outputs": ("vllm.v1.engine.output_processor", "OutputProcessor", "process_outputs"),
    "vLLM generate, other (scheduler, batching, glue)": ("pebench_tasks.scoring.engine", "LoRAEngine", "_generate"),
    "our backend (prompts, store, files)": ("pebench_tasks.scoring.vllm_lora", "VLLMLoRA", "generate_until"),
    "image load (doc_to_visual)": ("pebench_tasks.tasks.impl", None, "doc_to_visual"),
    "lmms-eval + task code (documents, process_results, aggregation, results files)": ("lmms_eval.evaluator", None, "evaluate"),
}


class Timers:
    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter = Counter()
        self.tokens = 0          # language-model tokens (prefill + decode) over all forward calls
        self.images = 0          # images through the vision encoder
        self.patches = 0         # their patches (t x h x w of each image's grid)
        self._stack: list[float] = []

    def wrap(self, label: str, module: str, cls: str | None, attr: str) -> None:
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        fn = getattr(owner, attr)
        timers = self

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if label.startswith("language model"):
                pos = kwargs.get("positions", args[2] if len(args) > 2 else None)
                timers.tokens += int(pos.shape[-1]) if pos is not None else 0
            elif label == "vision encoder":
                grid = kwargs.get("grid_thw", args[2] if len(args) > 2 else None)
                for t, h, w in (grid.tolist() if hasattr(grid, "tolist") else grid or []):
                    timers.images += 1
                    timers.patches += t * h * w
            timers._stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                inner = timers._stack.pop()
                timers.seconds[label] += dt - inner
                timers.calls[label] += 1
                if timers._stack:
                    timers._stack[-1] += dt

        setattr(owner, attr, timed)


def param_counts(model_dir: str) -> dict:
    """Parameters of the vision tower and of the language model without its input embedding (a
    lookup, no FLOPs), from the model itself. The LM head's matmul runs for sampled positions only
    and is left out of the floor (a lower bound)."""
    from unlearn.models import load_model_and_processor

    model, _ = load_model_and_processor(model_dir)
    vision = sum(p.numel() for n, p in model.named_parameters() if ".visual." in f".{n}")
    rest = sum(p.numel() for n, p in model.named_parameters() if ".visual." not in f".{n}")
    head = model.get_output_embeddings().weight
    embed = model.get_input_embeddings().weight
    lm = rest - embed.numel() - (0 if head.data_ptr() == embed.data_ptr() else head.numel())
    return {"vision": vision, "lm": lm}


def matmul_rate(threads: int, m: int, k: int, n: int, seconds: float = 1.0) -> float:
    """GFLOP/s of fp32 torch.mm (m x k) @ (k x n) on ``threads`` threads, best of ~``seconds``."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(3):
        a @ b
    best, t_end = float("inf"), time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        for _ in range(10):
            a @ b
        best = min(best, (time.perf_counter() - t0) / 10)
    torch.set_num_threads(old)
    return 2 * m * k * n / best / 1e9


def main() -> None:
    model, rest = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    timers = Timers()
    for label, (module, cls, attr) in PARTS.items():
        timers.wrap(label, module, cls, attr)
    from pebench_cli import cli

    t0 = time.perf_counter()
    try:
        cli.main(rest)
    except SystemExit as e:
        if e.code not in (0, None):
            raise
    wall = time.perf_counter() - t0
    counts = param_counts(model)
    vision_flops = 2 * counts["vision"] * timers.patches
    lm_flops = 2 * counts["lm"] * timers.tokens
    gen_calls = timers.calls["language model forward (prefill + decode, LoRA)"]
    mean_tokens = max(1, timers.tokens // max(1, gen_calls))
    threads = int(os.environ.get("PEBENCH_BENCH_THREADS", os.cpu_count() or 1))
    rec = {"wall": wall, "seconds": dict(timers.seconds), "calls": dict(timers.calls), "tokens": timers.tokens,
           "images": timers.images, "patches": timers.patches, "params": counts, "flops": {"vision": vision_flops, "lm": lm_flops},
           "mean_tokens_per_forward": mean_tokens, "threads": threads,
           "matmul_gflops": {"1024x1024x1024": matmul_rate(threads, 1024, 1024, 1024),
                             f"{mean_tokens}x256x768 (this run's mean forward)": matmul_rate(threads, mean_tokens, 256, 768)}}
    print("PROFILE " + json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
