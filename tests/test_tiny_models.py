"""Tiny models (`pebench model tiny`): built through the CLI from a small data folder, loaded in
transformers, peft and vLLM (CPU); greedy tokens identical between transformers and vLLM; the built
files are deterministic; bad input is one line, exit code 2 and leaves no output."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
ARCHS = ("qwen2_vl", "llava")
N_IMAGES = 4
NEW_TOKENS = 12


@pytest.fixture(scope="module")
def data_dir(mini_data_dir) -> Path:
    return mini_data_dir


@pytest.fixture(scope="module")
def model_dirs(tiny_qwen2_vl_dir, tiny_llava_dir) -> dict[str, Path]:
    """Both archs, built by the shared session fixtures through the CLI (seed 0, mini data)."""
    return {"qwen2_vl": tiny_qwen2_vl_dir, "llava": tiny_llava_dir}


@pytest.fixture(scope="module")
def samples(data_dir):
    """N_IMAGES distinct images (different people where possible) with one question each."""
    import pyarrow.parquet as pq
    from PIL import Image

    imgs = pq.read_table(data_dir / "images.parquet", columns=["image_id", "person_id", "image"]).to_pylist()
    qa = pq.read_table(data_dir / "qa.parquet", columns=["image_id", "question"]).to_pylist()
    first_q = {}
    for row in qa:
        first_q.setdefault(row["image_id"], row["question"])
    picked, seen = [], set()
    for row in imgs:
        if row["person_id"] not in seen and row["image_id"] in first_q:
            seen.add(row["person_id"])
            picked.append(row)
        if len(picked) == N_IMAGES:
            break
    assert len(picked) == N_IMAGES
    images = [Image.open(io.BytesIO(r["image"]["bytes"])).convert("RGB") for r in picked]
    return images, [first_q[r["image_id"]] for r in picked]


# ------------------------------------------------------------------------------ fast unit checks
def test_tiny_config_comes_from_the_packaged_yaml():
    import yaml

    from unlearn.models import cli, tiny

    assert cli.ARCHS == tiny.ARCHS
    for arch in ARCHS:
        assert tiny.resolve_config(arch) == yaml.safe_load(tiny.default_config_path(arch).read_text())
    # no copy of the YAML values in Python
    assert not hasattr(tiny, "DEFAULTS")


def test_config_validation_errors():
    from pebench_core.errors import UserError
    from unlearn.models.tiny import resolve_config

    cfg = resolve_config("qwen2_vl", overrides=["text.hidden_size=320", "text.num_heads=4"])
    assert cfg["text"]["hidden_size"] == 320  # head_dim 80 is in vLLM's list
    for bad, msg in [
        (["text.num_heads=16"], "head_dim"),  # 256 / 16 = 16
        (["vision.embed_dim=192"], "head_dim"),  # 192 / 4 = 48: not a vLLM CPU size
        (["text.num_kv_heads=3"], "num_kv_heads"),
        (["text.nope=1"], "unknown key"),
        (["text.num_layers=two"], "integer"),
        (["text.num_layers"], "key.sub=value"),
    ]:
        with pytest.raises(UserError, match=msg):
            resolve_config("qwen2_vl", overrides=bad)


def test_tokenizer_names_chat_template_and_labels(model_dirs, data_dir, samples):
    import pyarrow.parquet as pq
    from transformers import AutoProcessor

    from helpers import IGNORE_INDEX, build_inputs

    names = pq.read_table(data_dir / "people.parquet", columns=["name"]).column("name").to_pylist()
    images, questions = samples
    for arch, path in model_dirs.items():
        proc = AutoProcessor.from_pretrained(str(path))
        tok = proc.tokenizer
        assert tok.padding_side == "left" and tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
        for name in names:
            for part in name.split():
                for word in (part, " " + part):
                    assert len(tok(word, add_special_tokens=False)["input_ids"]) == 1, (arch, word)
            assert tok.decode(tok(f"This is {name}.")["input_ids"]) == f"This is {name}."

        text = proc.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Who?"}]}],
            tokenize=False, add_generation_prompt=True)
        image = "<|vision_start|><|image_pad|><|vision_end|>" if arch == "qwen2_vl" else "<image>\n"
        assert text == f"<|im_start|>user\n{image}Who?<|im_end|>\n<|im_start|>assistant\n"

        answers = [f"This is {n}." for n in names[: len(questions)]]
        batch = build_inputs(proc, images, questions, answers=answers)
        assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
        for i, ans in enumerate(answers):
            lab = batch["labels"][i][batch["labels"][i] != IGNORE_INDEX].tolist()
            assert lab[-1] == tok.eos_token_id and tok.decode(lab[:-1]) == ans
            assert batch["attention_mask"][i][-1] == 1  # left padding
        if arch == "qwen2_vl":
            mm = batch["mm_token_type_ids"]
            assert mm.shape == batch["input_ids"].shape
            assert (mm.bool() == (batch["input_ids"] == proc.image_token_id)).all()
            assert int(mm[0].sum()) == 16  # 112 px -> 16 image tokens
        else:
            assert int((batch["input_ids"][0] == proc.image_token_id).sum()) == 64


# ------------------------------------------------------------------ transformers, peft, vLLM
def _hf_generate(path: Path, images, questions) -> tuple[list[list[int]], list[list[int]]]:
    import copy

    import torch

    from helpers import build_inputs
    from unlearn.models import load_model_and_processor

    model, proc = load_model_and_processor(path)
    batch = build_inputs(proc, images, questions)
    gen_cfg = copy.deepcopy(model.generation_config)
    gen_cfg.update(max_new_tokens=NEW_TOKENS, do_sample=False, eos_token_id=None)  # vLLM ignore_eos=True
    with torch.no_grad():
        out = model.generate(**batch, generation_config=gen_cfg)
    width = batch["input_ids"].shape[1]
    prompts = [ids[m.bool()].tolist() for ids, m in zip(batch["input_ids"], batch["attention_mask"])]
    return prompts, out[:, width:].tolist()


def test_transformers_load_and_peft_lora(model_dirs, samples):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    from helpers import build_inputs
    from unlearn.models import load_model_and_processor

    images, questions = samples
    for arch, path in model_dirs.items():
        _, info = AutoModelForImageTextToText.from_pretrained(str(path), output_loading_info=True)
        assert not any(info.values()), (arch, info)  # no missing/unexpected keys (LLaVA vLLM layout)
        card = json.loads((path / "model_card.json").read_text())
        assert card["arch"] == arch and card["seed"] == 0 and len(card["data"]["meta_sha256"]) == 64
        assert 3e6 < card["params"]["total"] < 8e6

        model, proc = load_model_and_processor(path)
        assert next(model.parameters()).dtype == torch.float32
        lora = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=r".*language_model.*\.(q_proj|v_proj)"))
        batch = build_inputs(proc, images[:2], questions[:2], answers=["yes", "no"])
        loss = lora(**batch).loss
        loss.backward()
        assert torch.isfinite(loss)
        grads = [p.grad for n, p in lora.named_parameters() if "lora_" in n]
        assert grads and all(g is not None for g in grads)


_VLLM_WORKER = textwrap.dedent(
    """
    import gc, json, os, sys
    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    from PIL import Image
    from vllm import LLM, ModelRegistry, SamplingParams
    from vllm.model_executor.models.llava import LlavaForConditionalGeneration
    from vllm.model_executor.models.qwen2_vl import Qwen2VLForConditionalGeneration
    from unlearn.models.prompting import chat_messages
    # Same classes, registered as already imported: vLLM then inspects them in this process instead
    # of a fresh subprocess per arch (~20 s each on a cold ~/.cache/vllm, e.g. in CI).
    for cls in (LlavaForConditionalGeneration, Qwen2VLForConditionalGeneration):
        ModelRegistry.register_model(cls.__name__, cls)
    spec = json.loads(open(sys.argv[1]).read())
    images = [Image.open(p).convert("RGB") for p in spec["images"]]
    result = {}
    for arch, path in spec["models"].items():
        llm = LLM(model=path, dtype="float32", max_model_len=512, enforce_eager=True, seed=0,
                  distributed_executor_backend="uni", limit_mm_per_prompt={"image": 1})
        params = SamplingParams(temperature=0.0, max_tokens=spec["new_tokens"], ignore_eos=True)
        outs = llm.chat([chat_messages(im, q) for im, q in zip(images, spec["questions"])], params, use_tqdm=False)
        result[arch] = {"prompts": [list(o.prompt_token_ids) for o in outs],
                        "tokens": [list(o.outputs[0].token_ids) for o in outs]}
        del llm
        gc.collect()
    open(sys.argv[2], "w").write(json.dumps(result))
    """
)


@pytest.mark.slow
def test_vllm_greedy_tokens_equal_transformers(model_dirs, samples, tmp_path):
    images, questions = samples
    paths = []
    for i, im in enumerate(images):
        paths.append(str(tmp_path / f"img{i}.png"))
        im.save(paths[-1])
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"images": paths, "questions": questions, "new_tokens": NEW_TOKENS,
                                "models": {a: str(p) for a, p in model_dirs.items()}}))
    result_path = tmp_path / "vllm.json"
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    # own process: vLLM's in-process engine rebinds torch threads of the process that starts it
    proc = subprocess.run([sys.executable, "-c", _VLLM_WORKER, str(spec), str(result_path)],
                          check=False, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    vllm_out = json.loads(result_path.read_text())
    for arch, path in model_dirs.items():
        hf_prompts, hf_tokens = _hf_generate(path, images, questions)
        assert vllm_out[arch]["prompts"] == hf_prompts, arch  # same chat template + image expansion
        assert all(len(t) == NEW_TOKENS for t in vllm_out[arch]["tokens"])
        assert vllm_out[arch]["tokens"] == hf_tokens, arch


# ------------------------------------------------------------------------------- determinism
def test_same_seed_and_data_give_identical_files(model_dirs, data_dir, tmp_path):
    from unlearn.models import build_tiny_model

    for arch, ref in model_dirs.items():
        again = build_tiny_model(arch, data_dir, tmp_path / arch, seed=0)
        names = sorted(p.name for p in ref.iterdir())
        assert names == sorted(p.name for p in again.iterdir())
        assert {"model.safetensors", "tokenizer.json", "config.json", "model_card.json"} <= set(names)
        for name in names:
            assert (ref / name).read_bytes() == (again / name).read_bytes(), (arch, name)
    other = build_tiny_model("qwen2_vl", data_dir, tmp_path / "seed1", seed=1)
    assert (other / "model.safetensors").read_bytes() != (model_dirs["qwen2_vl"] / "model.safetensors").read_bytes()
    assert (other / "tokenizer.json").read_bytes() == (model_dirs["qwen2_vl"] / "tokenizer.json").read_bytes()


# --------------------------------------------------------------------------------- bad input
def _no_leftovers(out: Path) -> None:
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_bad_input_is_one_line_exit_2_and_leaves_nothing(data_dir, tmp_path):
    out = tmp_path / "model"
    no_meta = tmp_path / "no-meta"
    no_meta.mkdir()
    bad_json = tmp_path / "bad-json"
    bad_json.mkdir()
    (bad_json / "meta.json").write_text("{not json")
    cases = [
        (["--data", str(tmp_path / "missing")], "missing"),
        (["--data", str(no_meta)], "no-meta"),
        (["--data", str(bad_json)], "meta.json"),
        (["--data", str(data_dir), "--set", "text.num_heads=16"], "head_dim"),
        (["--data", str(data_dir), "--set", "vision.num_heads=8"], "head_dim"),
        (["--data", str(data_dir), "--config", str(tmp_path / "nope.yaml")], "nope.yaml"),
    ]
    for extra, needle in cases:
        proc = run_cli("pebench", "model", "tiny", "--arch", "qwen2_vl", "--out", str(out), *extra, check=False)
        assert proc.returncode == 2, (extra, proc.stderr[-2000:])
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], (extra, proc.stderr)
        _no_leftovers(out)

    proc = run_cli("pebench", "model", "tiny", "--arch", "gpt5", "--data", str(data_dir), "--out", str(out), check=False)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
    _no_leftovers(out)

    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = run_cli("pebench", "model", "tiny", "--arch", "llava", "--data", str(data_dir), "--out", str(out), check=False)
    assert proc.returncode == 2 and "--overwrite" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
