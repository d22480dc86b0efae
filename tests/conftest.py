"""Shared test set-up: CPU-only environment for vLLM/HF and session-wide fixtures that build the
embedded mini data set and tiny models once (through the real CLIs) for every test that needs them."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# vLLM on CPU refuses to start without a KV-cache size; no hub access here.
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from helpers import BIN, run_cli  # noqa: E402,F401 - shared with the test modules


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pebench-session")


@pytest.fixture(scope="session")
def mini_data_dir(session_dir) -> Path:
    """The embedded default data set (mini, seed 0), built once per test session."""
    out = session_dir / "mini-data"
    run_cli("pebench", "data", "build", "--scale", "mini", "--seed", "0", "--out", str(out))
    return out


@pytest.fixture(scope="session")
def tiny_qwen2_vl_dir(session_dir, mini_data_dir) -> Path:
    """A random-initialised tiny Qwen2-VL whose tokenizer was trained on the mini data set."""
    out = session_dir / "tiny-qwen2-vl"
    run_cli("pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", str(mini_data_dir), "--out", str(out), "--seed", "0")
    return out


@pytest.fixture(scope="session")
def tiny_llava_dir(session_dir, mini_data_dir) -> Path:
    out = session_dir / "tiny-llava"
    run_cli("pebench", "model", "tiny", "--arch", "llava", "--data", str(mini_data_dir), "--out", str(out), "--seed", "0")
    return out


GOAL_SETTING = "person_forget10"
# extra recipe overrides for both trainings, only to check the suite's plumbing quickly
# (e.g. "train.max_steps=3 eval.final=false consolidate.known=0"); the numbers tests then fail, as they should
RECIPE_OVERRIDES = os.environ.get("PEBENCH_TEST_RECIPE_OVERRIDES", "").split()


def _wants_goal(request) -> bool:
    return any("goal_person" in item.fixturenames for item in request.session.items)


@pytest.fixture(scope="session")
def _goal_training(request, session_dir, mini_data_dir, tiny_qwen2_vl_dir):
    """The Goal model of person_forget10 (the full tiny recipe on its goal_train split), trained in a
    child process so that it runs beside the Finetune model's training: one thread each (two 1-thread
    runs train ~15% faster in total than one 2-thread run after the other on 2 cores)."""
    import subprocess

    out = session_dir / f"goal-{GOAL_SETTING}"
    if os.environ.get("PEBENCH_TEST_GOAL") or out.exists() or not _wants_goal(request):
        yield None
        return
    cmd = [str(BIN / "unlearn"), "finetune", "--model", str(tiny_qwen2_vl_dir), "--data", str(mini_data_dir),
           "--split", "goal_train", "--setting", GOAL_SETTING, "--out", str(out), "--seed", "0",
           "train.progress=false", "train.threads=1", *RECIPE_OVERRIDES]
    log = session_dir / f"goal-{GOAL_SETTING}.log"     # a file, not a pipe: a full pipe would stall it
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    proc.log = log
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def finetuned(session_dir, mini_data_dir, tiny_qwen2_vl_dir, _goal_training) -> Path:
    """The Finetune model: the full tiny recipe on the mini set (minutes on 2 cores). Set
    ``PEBENCH_TEST_FINETUNED=/path/to/model`` to reuse a model fine-tuned earlier from the same mini
    data set (seed 0)."""
    reuse = os.environ.get("PEBENCH_TEST_FINETUNED")
    if reuse:
        return Path(reuse)
    out = session_dir / "finetuned-qwen2-vl"
    if not out.exists():
        from unlearn.finetune import finetune

        threads = ["train.threads=1"] if _goal_training is not None else []
        finetune(str(tiny_qwen2_vl_dir), str(mini_data_dir), "finetune_train", str(out), seed=0,
                 overrides=["train.progress=false", *threads, *RECIPE_OVERRIDES])
        if threads:
            import torch

            torch.set_num_threads(os.cpu_count() or 2)
    return out


@pytest.fixture(scope="session")
def goal_person(session_dir, finetuned, _goal_training) -> Path:
    """The Goal model of person_forget10 (``PEBENCH_TEST_GOAL=/path`` reuses one trained earlier on
    the same mini data set, seed 0)."""
    reuse = os.environ.get("PEBENCH_TEST_GOAL")
    if reuse:
        return Path(reuse)
    out = session_dir / f"goal-{GOAL_SETTING}"
    if _goal_training is not None:
        _goal_training.wait()
        assert _goal_training.returncode == 0, _goal_training.log.read_text()[-3000:]
    assert out.is_dir(), out
    return out
