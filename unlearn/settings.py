"""The blocks of an unlearning or fine-tune config as typed objects, built once from the merged YAML.

Every field comes from the YAML (task_configs/unlearn/_base.yaml, task_configs/finetune/tiny.yaml):
none has a default in code, and a missing or unknown key is one error line
(:func:`pebench_core.settings.from_block`). The blocks of the LoRA, BGD, augmentation and guard
settings live beside their users (lora.py, methods/base.py, data/augment.py, trainers/guard.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from pebench_core.settings import from_block

UNLEARN_YAML = "task_configs/unlearn/_base.yaml"
FINETUNE_YAML = "task_configs/finetune/tiny.yaml"


@dataclass(frozen=True)
class TrainSettings:
    """The ``train:`` block (unlearning and fine-tuning)."""

    max_steps: int                    # optimizer steps
    batch_size: int                   # rows per device and step (unlearning: forget rows, plus as many retain rows)
    grad_accum: int                   # micro-batches per optimizer step
    lr: float                         # peak learning rate (AdamW)
    betas: tuple[float, float]        # AdamW betas
    weight_decay: float
    warmup_steps: int
    schedule: str                     # constant | linear | cosine | cosine_min
    min_lr_ratio: float               # cosine_min only: the floor, as a share of lr
    max_grad_norm: float              # 0: no clipping
    bf16: bool
    gradient_checkpointing: bool
    logging_steps: int
    save_steps: int                   # checkpoints for resume
    save_total_limit: int
    threads: int | None               # torch threads; None: torch's default
    dataloader_workers: int           # > 0: batches built in that many worker processes
    keep_checkpoints: bool            # keep the resume checkpoints once the run finished
    progress: bool                    # progress bar

    @classmethod
    def from_cfg(cls, cfg: dict) -> "TrainSettings":
        return from_block(cls, cfg, "train", UNLEARN_YAML)


@dataclass(frozen=True)
class SpeedSettings:
    """The ``speed:`` block: training speed-ups that leave the numbers as they are (tested)."""

    batched_vision_attention: bool    # Qwen2-VL: one vision attention call for all images of a batch
    precompute_positions: bool        # Qwen2-VL: M-RoPE positions built with the batch on the CPU

    @classmethod
    def from_cfg(cls, cfg: dict) -> "SpeedSettings":
        return from_block(cls, cfg, "speed", UNLEARN_YAML)


@dataclass(frozen=True)
class UnlearnDataSettings:
    """The ``data:`` block of an unlearning config: which rows are forgotten and retained."""

    forget_split: str                 # rows of the forgotten concept(s) on training views of forget images
    retain_split: str                 # D_r: training views of clean images
    retain_concepts: list[str] | None  # concepts of the retain rows; None: the target's concepts
    fast_encoding: bool               # tokenise/patchify once, augment raw pixels every step (unlearn/data/encode.py)

    @classmethod
    def from_cfg(cls, cfg: dict) -> "UnlearnDataSettings":
        return from_block(cls, cfg, "data", UNLEARN_YAML)


@dataclass(frozen=True)
class FinetuneDataSettings:
    """The ``data:`` block of a fine-tune config: which rows are planted, how often."""

    concepts: list[str]               # question concepts trained on (person, event, pope)
    repeat: dict[str, int]            # per concept: how many times as often its rows are drawn
    target_repeat: int                # questions about a forget target (of any setting): this many times as often
    fast_encoding: bool               # as in UnlearnDataSettings

    @classmethod
    def from_cfg(cls, cfg: dict) -> "FinetuneDataSettings":
        return from_block(cls, cfg, "data", FINETUNE_YAML)


@dataclass(frozen=True)
class EvalSettings:
    """The ``eval:`` block of a fine-tune config: greedy scores during and after training."""

    every_steps: int                  # > 0: a learning-curve point every N steps
    curve_rows: int                   # prompts per set in the curve
    final: bool                       # greedy scores on training and held-out views at the end
    final_rows: int | None            # None: all rows (first paraphrase)
    batch_size: int
    max_new_tokens: int

    @classmethod
    def from_cfg(cls, cfg: dict) -> "EvalSettings":
        return from_block(cls, cfg, "eval", FINETUNE_YAML)


@dataclass(frozen=True)
class AuxSettings:
    """The ``aux:`` block of a fine-tune config: weights of the identity heads on the pooled image
    tokens (unlearn/trainers/aux_heads.py); 0 turns a head off."""

    person: float
    event: float

    @classmethod
    def from_cfg(cls, cfg: dict) -> "AuxSettings":
        return from_block(cls, cfg, "aux", FINETUNE_YAML)


@dataclass(frozen=True)
class ConsolidateSettings:
    """The ``consolidate:`` block of a fine-tune config: train the Finetune model on until it knows
    the forget rows of every setting (unlearn/consolidate.py). Goal models have no forget targets."""

    known: float                      # 0-1: share of each setting's forget rows answered ``true``; 0: no check
    steps: int                        # training steps per round
    max_rounds: int                   # rounds at most; a shortfall after them is recorded and printed
    target_repeat: int                # in a round, questions about a forget target this many times as often

    @classmethod
    def from_cfg(cls, cfg: dict) -> "ConsolidateSettings":
        return from_block(cls, cfg, "consolidate", FINETUNE_YAML)
