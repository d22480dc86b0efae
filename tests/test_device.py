"""What a GPU run needs, checked on the CPU (CI has no GPU; scripts/gpu_smoke.sh runs the rest on one).

Each test names the bug class it catches:
* a batch collated on the CPU reaching a model on another device (the 2026-12-06 crash of
  `unlearn finetune` on an H100, in the final greedy evaluation): the model is moved to the
  ``meta`` device and the first call into it records where its inputs are;
* CPU-only engine settings (float32, in-process engine, CPU LoRA ops, KV-cache size) leaking into a
  GPU engine;
* CPU-only study settings (side by side, one thread each) on a GPU study;
* training arguments that ignore the device choice or the DataLoader workers key.
"""
from __future__ import annotations

import dataclasses
import os

import pytest
import torch


class _Reached(Exception):
    """Raised by a probe at the model's door: the inputs were seen, nothing needs to run."""


def _meta_model_and_rows(model_dir, data_dir, answers: bool):
    from pebench_data.dataset import open_dataset
    from unlearn.data import Encoder
    from unlearn.evaluate import answer_rows, prompt_rows, split_rows
    from unlearn.models import load_model_and_processor

    model, processor = load_model_and_processor(model_dir, device="meta")
    enc = Encoder(processor)
    ds = open_dataset(data_dir)
    rows = split_rows(ds, "person_forget10", "forget", template0=True)[:4]
    encoded = answer_rows(rows, ds.image, enc) if answers else prompt_rows(rows, ds.image, enc)
    return model, enc, encoded


def _devices(kwargs: dict) -> set[str]:
    return {v.device.type for v in kwargs.values() if isinstance(v, torch.Tensor)}


def test_greedy_evaluation_moves_the_batch_to_the_model_device(tiny_qwen2_vl_dir, mini_data_dir):
    """Bug class: batch on the CPU, model on the GPU in `greedy_answers` (fine-tune bars, curves,
    `unlearn score`)."""
    from unlearn.evaluate import greedy_answers

    model, enc, rows = _meta_model_and_rows(tiny_qwen2_vl_dir, mini_data_dir, answers=False)
    seen: list[set[str]] = []

    def probe(**kwargs):
        seen.append(_devices(kwargs))
        raise _Reached

    model.generate = probe
    with pytest.raises(_Reached):
        greedy_answers(model, enc, rows)
    assert seen == [{"meta"}], seen       # input_ids, attention_mask, pixel_values, grid, mm_token_type_ids


def test_teacher_forced_loss_moves_the_batch_to_the_model_device(tiny_qwen2_vl_dir, mini_data_dir):
    """Bug class: batch on the CPU, model on the GPU in `teacher_forced_nll` (forget/retain losses)."""
    from unlearn.evaluate import teacher_forced_nll

    model, enc, rows = _meta_model_and_rows(tiny_qwen2_vl_dir, mini_data_dir, answers=True)
    seen: list[set[str]] = []

    def probe(module, args, kwargs):
        seen.append(_devices(kwargs) | {a.device.type for a in args if isinstance(a, torch.Tensor)})
        raise _Reached

    model.register_forward_pre_hook(probe, with_kwargs=True)
    with pytest.raises(_Reached):
        teacher_forced_nll(model, enc, rows)
    assert seen == [{"meta"}], seen


def test_models_we_load_follow_pebench_device(tiny_qwen2_vl_dir, monkeypatch):
    """`PEBENCH_DEVICE` picks where `unlearn verify/score` put the model; auto is the CPU here."""
    from unlearn.device import default_device
    from unlearn.models import load_model_and_processor

    monkeypatch.delenv("PEBENCH_DEVICE", raising=False)
    assert default_device() == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setenv("PEBENCH_DEVICE", "meta")
    model, _ = load_model_and_processor(tiny_qwen2_vl_dir)
    assert {p.device.type for p in model.parameters()} == {"meta"}


def test_training_arguments_follow_the_device_and_workers_keys(tmp_path, monkeypatch):
    """Bug classes: a `--device cpu` run on a GPU machine training on the GPU anyway; the workers key
    not reaching the DataLoader."""
    from unlearn.common import training_arguments
    from unlearn.run import resolve_config

    cfg = resolve_config("gd", overrides=["train.dataloader_workers=3"])
    monkeypatch.setenv("PEBENCH_DEVICE", "cpu")
    args = training_arguments(cfg, tmp_path, seed=0)
    assert args.use_cpu is True
    assert (args.dataloader_num_workers, args.dataloader_persistent_workers, args.dataloader_prefetch_factor) == (3, True, 4)
    args0 = training_arguments(resolve_config("gd"), tmp_path, seed=0)
    assert args0.dataloader_num_workers == 0


def test_engine_settings_for_a_gpu_change_nothing(tiny_qwen2_vl_dir, monkeypatch):
    """Bug class: our CPU engine choices (float32, KV-cache env, in-process engine, CPU LoRA ops)
    applied on a GPU."""
    from pebench_core.names import VLLM_CPU_ENV
    from pebench_tasks.scoring.engine import cpu_defaults

    for k in VLLM_CPU_ENV:
        monkeypatch.delenv(k, raising=False)
    kw = {"max_model_len": 2048}
    assert cpu_defaults(kw, str(tiny_qwen2_vl_dir), gpu=True) is False
    assert kw == {"max_model_len": 2048}
    assert not any(k in os.environ for k in VLLM_CPU_ENV)
    # the same call for a CPU engine sets them (what the GPU call must not)
    assert cpu_defaults(kw, str(tiny_qwen2_vl_dir), gpu=False) is True
    assert kw["dtype"] == "float32" and kw["distributed_executor_backend"] == "uni"
    assert all(os.environ[k] == v for k, v in VLLM_CPU_ENV.items())


def test_gpu_study_runs_stages_one_at_a_time_without_cpu_threads(tmp_path):
    """Bug class: the CPU side-by-side settings (one thread each, trainings at once) on a GPU study;
    a study asking for a GPU that is not there starts nothing."""
    from pebench_core.errors import UserError
    from pebench_cli.study import config as SC
    from pebench_cli.study import plan

    cpu = SC.load("demo.yaml", ["device=cpu"])
    gpu = dataclasses.replace(cpu, device="cuda")      # what device=auto resolves to on a GPU machine
    cpu_plan, gpu_plan = plan.plan(cpu, tmp_path), plan.plan(gpu, tmp_path)
    assert [s.label for s in cpu_plan] == [s.label for s in gpu_plan]
    assert sum("train.threads=1" in s.command for s in cpu_plan) == 4 + len(cpu.runs)   # trainings + runs
    assert not any("train.threads=1" in s.command for s in gpu_plan)
    assert {s.group for s in gpu_plan} == {""} and {s.group for s in cpu_plan} > {""}
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="device is cuda but torch sees no GPU"):
            SC.load("demo.yaml", ["device=cuda"])
    with pytest.raises(UserError, match="device must be one of auto, cpu, cuda"):
        SC.load("demo.yaml", ["device=gpu"])
