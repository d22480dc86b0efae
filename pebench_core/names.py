"""Every name and file format the packages share, defined once."""
from __future__ import annotations

import os

# what can be forgotten, and how much (docs/schema.md)
TARGETS = ("person", "event", "both")
CONCEPTS = ("person", "event")              # task families: the concept a question asks about
FORGET_PERCENT = {"forget05": 5, "forget10": 10, "forget20": 20}   # share of the persons / events forgotten
FORGET_SIZES = tuple(FORGET_PERCENT)
DEFAULT_FORGET = "forget10"

# files
ADAPTER_META_FILE = "pebench_unlearn.json"   # beside adapter_config.json; pebench_core.adapter_meta
FINETUNE_META_FILE = "pebench_finetune.json" # in a Finetune or Goal model folder (unlearn finetune)
RESULTS_SUFFIX = "_results.json"             # lmms-eval's aggregated results
SIDECAR_SUFFIX = "_pebench.json"             # ours, beside it: data, setting, judge, problems
RESULTS_GLOB = f"**/*{RESULTS_SUFFIX}"
DATA_META_FILE = "meta.json"                 # a data folder's manifest (pebench_data.writer, docs/schema.md)
SUMMARY_FILE = "summary.csv"                 # a scoring run's table, one row per model (pebench_tasks.scoring.summary)
# peft.utils.CONFIG_NAME (tests/test_architecture.py checks they agree): importing peft takes seconds,
# too long for listing adapter folders
ADAPTER_CONFIG_FILE = "adapter_config.json"

IGNORE_INDEX = -100                          # label of tokens that take no loss (HF convention)

# LoRA ranks vLLM serves (vllm.config.lora.MaxLoRARanks)
VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)

# vLLM on CPU: a KV-cache size (it refuses to start without one) and the engine in this process
# (starts in ~5 s instead of ~20 s and generates faster on 2 cores).
VLLM_CPU_ENV = {"VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def cpu_vllm_env(env: dict | None = None) -> dict:
    """``env`` (default: this process's) with the CPU vLLM and offline defaults where unset."""
    out = dict(os.environ if env is None else env)
    for k, v in {**VLLM_CPU_ENV, **OFFLINE_ENV}.items():
        out.setdefault(k, v)
    return out


def engine_rank(r: int) -> int:
    """The smallest rank vLLM serves that is >= r."""
    for x in VLLM_LORA_RANKS:
        if x >= r:
            return x
    raise ValueError(f"LoRA rank {r} is above vLLM's largest ({VLLM_LORA_RANKS[-1]})")
