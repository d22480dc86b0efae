"""Batched scoring of LoRA adapters with vLLM (CPU): `pebench eval --adapters` (one engine, all
adapters) against separate `lmms-eval --model vllm_lora` runs and against transformers+peft, plus
the checks that must stop a sweep before any scoring starts."""
from __future__ import annotations

import csv
import glob
import itertools
import json
import math
import os
from pathlib import Path

import pytest
from conftest import run_cli

from pebench_tasks.scoring import adapters as A

LIMIT = 6                       # docs per task: 11 tasks x 6 = 66 requests per adapter
NEW_TOKENS = 48                 # the PEBench tasks' max_new_tokens
ENGINE_ARGS = "max_model_len=1024,enforce_eager=True,distributed_executor_backend=uni"
_CLEAN_ENV = ("PEBENCH_DATA", "PEBENCH_SETTING", "PEBENCH_FORGET", "PEBENCH_JUDGE_BASE_URL")


def _env(data_dir, **kw) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _CLEAN_ENV}
    env.update(VLLM_CPU_KVCACHE_SPACE="1", VLLM_ENABLE_V1_MULTIPROCESSING="0", PEBENCH_DATA=str(data_dir))
    return {**env, **kw}


def _results(folder: Path) -> tuple[dict, dict]:
    files = glob.glob(str(folder / "**" / "*_results.json"), recursive=True)
    assert len(files) == 1, files
    res = json.loads(Path(files[0]).read_text())
    samples = {}
    for f in glob.glob(str(folder / "**" / "*_samples_*.jsonl"), recursive=True):
        task = Path(f).stem.split("_samples_", 1)[1]
        samples[task] = {s["doc_id"]: s for s in map(json.loads, Path(f).read_text().splitlines())}
    return res, samples


def _metrics(res: dict) -> dict:
    out = {}
    for task, vals in res["results"].items():
        for k, v in vals.items():
            if "," in k and not k.endswith("_stderr,none"):
                out[(task, k)] = "nan" if isinstance(v, float) and math.isnan(v) else v
    return out


def _prediction(sample: dict) -> str:
    return sample["filtered_resps"][0] if isinstance(sample["filtered_resps"], list) else sample["filtered_resps"]


def _adapter(base: Path, data: Path, out: Path, method: str, target: str = "person", *extra: str) -> Path:
    if not out.exists():
        run_cli("unlearn", "run", "--method", method, "--target", target, "--forget", "forget10", "--model", str(base),
                "--data", str(data), "--out", str(out), "--seed", "0", "train.max_steps=16", "train.lr=3e-3",
                "train.progress=false", *extra)
    return out


# ------------------------------------------------------------------------ fast: no engine needed
def test_discover_names_and_ranks(tmp_path):
    for name, r in (("ga-person", 8), ("nested/gd-event", 16)):
        d = tmp_path / "sweep" / name
        d.mkdir(parents=True)
        (d / "adapter_config.json").write_text(json.dumps({"r": r, "rank_pattern": {}}))
    hidden = tmp_path / "sweep" / ".ga.work" / "checkpoint-5"
    hidden.mkdir(parents=True)
    (hidden / "adapter_config.json").write_text(json.dumps({"r": 64}))
    found = A.discover(str(tmp_path / "sweep"))
    assert [(a.name, a.rank) for a in found] == [("ga-person", 8), ("nested__gd-event", 16)]
    assert A.engine_rank(8) == 8 and A.engine_rank(9) == 16 and A.engine_rank(300) == 320
    with pytest.raises(Exception, match="above vLLM's largest"):
        A.engine_rank(600)


@pytest.fixture(scope="module")
def untrained_adapters(session_dir, mini_data_dir, tiny_qwen2_vl_dir) -> dict:
    """Adapters on the untrained tiny model (seconds to make): rank 8 and rank 16."""
    root = session_dir / "untrained-adapters"
    return {"r8": _adapter(tiny_qwen2_vl_dir, mini_data_dir, root / "ga-r8", "ga", "person", "train.max_steps=1"),
            "r16": _adapter(tiny_qwen2_vl_dir, mini_data_dir, root / "ga-r16", "ga", "person", "train.max_steps=1",
                            "lora.r=16")}


@pytest.mark.parametrize("case", ["missing", "other_base", "rank", "not_adapter", "wrong_backend"])
def test_bad_adapters_fail_before_any_scoring(case, untrained_adapters, tiny_qwen2_vl_dir, tiny_llava_dir,
                                              mini_data_dir, tmp_path):
    model, adapters, extra, needle = tiny_qwen2_vl_dir, str(untrained_adapters["r8"]), "", ""
    backend = ["--model", "vllm_lora"]
    if case == "missing":
        adapters, needle = f"{adapters},{tmp_path / 'nope'}", "no such folder"
    elif case == "other_base":
        model, needle = tiny_llava_dir, "not on model="
    elif case == "rank":
        adapters, extra, needle = str(untrained_adapters["r16"]), ",max_lora_rank=8", "max_lora_rank=8"
    elif case == "not_adapter":
        adapters, needle = str(mini_data_dir / "splits"), "no adapter_config.json"
    elif case == "wrong_backend":
        backend, needle = ["--model", "vllm"], "--model vllm_lora"
    out = tmp_path / "eval"
    proc = run_cli("pebench", "eval", *backend, "--adapters", adapters, "--model-args", f"model={model}{extra}",
                   "--output", str(out), check=False, env=_env(mini_data_dir))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], proc.stderr[-3000:]
    assert not out.exists()                      # nothing scored, nothing written


# ------------------------------------------------------------------------ slow: real vLLM engines
@pytest.fixture(scope="module")
def sweep(session_dir, finetuned, mini_data_dir) -> Path:
    """Three adapters of the fine-tuned model: two methods on persons, one on events. Their greedy
    answers must differ (else a LoRA mix-up between prompts could not show): measured 2026-12-06 on
    the 54 prompts of the sweep, GA, GD, KL and NPO on persons after 8 steps answered all 54 alike
    (the forget gradient dominates the first steps), so NPO runs 12 steps (36 of 54 differ from GA;
    some of its answers start with a space, which showed that pebench eval did not strip them).
    The Finetune recipe of 2026-12-07 (1,700 steps, forget targets 2x) is surer of its answers: after
    8 GA steps every person answer was still the base's (efficacy 0 = base), so GA runs 16 and NPO 24."""
    root = session_dir / "scoring-sweep"
    _adapter(finetuned, mini_data_dir, root / "ga-person", "ga")
    _adapter(finetuned, mini_data_dir, root / "npo-person", "npo", "person", "train.max_steps=24")
    _adapter(finetuned, mini_data_dir, root / "ga-event", "ga", "event")
    return root


@pytest.fixture(scope="module")
def swept(sweep, finetuned, mini_data_dir, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("sweep-eval") / "eval"
    proc = run_cli("pebench", "eval", "--adapters", str(sweep), "--include-base", "--model-args",
                   f"model={finetuned},{ENGINE_ARGS}", "--limit", str(LIMIT), "--output", str(out), "--seed", "0",
                   env=_env(mini_data_dir))
    return out, proc.stderr


@pytest.mark.slow
def test_sweep_equals_separate_lmms_eval_vllm_lora_runs(swept, sweep, finetuned, mini_data_dir, tmp_path):
    out, _ = swept
    preds = {}
    for name in ("ga-person", "npo-person", "ga-event"):
        # a one-target adapter is scored on its target's tasks and POPE only (sweep.scored_tasks)
        tasks = f"pebench_{name.split('-')[1]},pebench_pope"
        single = tmp_path / name
        run_cli("lmms-eval", "--model", "vllm_lora", "--model_args",
                f"model={finetuned},lora={sweep / name},{ENGINE_ARGS}", "--tasks", tasks, "--limit", str(LIMIT),
                "--log_samples", "--output_path", str(single), "--verbosity", "ERROR", env=_env(mini_data_dir))
        res_single, samples_single = _results(single)    # the CLI exits 0 on failure: the file must exist
        res_sweep, samples_sweep = _results(out / name)
        m_single, m_sweep = _metrics(res_single), _metrics(res_sweep)
        assert len(m_single) >= 10 and m_single == m_sweep, name
        assert sorted(samples_sweep) == sorted(samples_single) and len(samples_sweep) == 6, name
        for task, by_doc in samples_single.items():
            assert len(by_doc) == LIMIT
            for doc_id, s in by_doc.items():
                assert _prediction(s) == _prediction(samples_sweep[task][doc_id]), (name, task, doc_id)
        preds[name] = {(t, d): _prediction(s) for t in samples_sweep for d, s in samples_sweep[t].items()}
    # every two rows of the sweep really differ where they answered the same prompts, so a mix-up of
    # LoRA ids between prompts would show above (measured 2026-12-06 on all 11 tasks: 16-44 of 54
    # answers differed between any two rows, base included)
    _, base_samples = _results(out / "base")
    assert len(base_samples) == 11                              # the 9 tasks of Table 1 and the 2 scope controls
    preds["base"] = {(t, d): _prediction(s) for t in base_samples for d, s in base_samples[t].items()}
    for a, b in itertools.combinations(sorted(preds), 2):
        common = sorted(set(preds[a]) & set(preds[b]))
        if len(common) > 2 * LIMIT:                             # same target (or the base): 6 tasks in common
            assert sum(preds[a][k] != preds[b][k] for k in common) >= 10, (a, b)


@pytest.mark.slow
def test_sweep_summary_and_resume(swept, sweep, finetuned, mini_data_dir):
    out, stderr = swept
    rows = (out / "summary.csv").read_text().splitlines()
    assert rows[0].startswith("adapter,method,bgd,target,forget,seed,setting")
    names = sorted(r.split(",")[0] for r in rows[1:])
    assert names == ["base", "ga-event", "ga-person", "npo-person"]      # one setting group: one base row
    assert "engine start" in stderr and "prompts" in stderr
    assert not (out / ".work").exists()
    base = _metrics(_results(out / "base")[0])
    ga = _metrics(_results(out / "ga-person")[0])
    # gradient ascent on persons forgets the forget persons better than the fine-tuned base
    key = ("pebench_person_forget", "person_efficacy,none")
    assert ga[key] > base[key], (ga[key], base[key])

    # resume: nothing left to score -> no engine, same files
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*_results.json")}
    proc = run_cli("pebench", "eval", "--adapters", str(sweep), "--include-base", "--model-args",
                   f"model={finetuned},{ENGINE_ARGS}", "--limit", str(LIMIT), "--output", str(out),
                   env=_env(mini_data_dir))
    assert "resume: 4 adapter(s) already have results" in proc.stderr
    assert "engine start 0.0 s" in proc.stderr
    assert before == {p: p.stat().st_mtime_ns for p in out.rglob("*_results.json")}


@pytest.mark.slow
def test_sweep_adapter_and_model_names_that_look_like_numbers(swept, sweep, finetuned, mini_data_dir, tmp_path):
    """Names lmms-eval's arg parser would turn into 1, True and 1000.0 reach no parser: the sweep
    passes objects. Each renamed adapter gives the predictions its original gave in `swept`."""
    import shutil

    renamed = {"1": "ga-person", "true": "npo-person", "1e3": "ga-event"}
    root = tmp_path / "numbers"
    for new, old in renamed.items():
        shutil.copytree(sweep / old, root / new)
    base = tmp_path / "1e3"                    # the base model folder's name, too
    base.symlink_to(finetuned, target_is_directory=True)
    out = tmp_path / "eval"
    proc = run_cli("pebench", "eval", "--adapters", str(root), "--model-args", f"model={base},{ENGINE_ARGS}",
                   "--limit", str(LIMIT), "--output", str(out), "--seed", "0", env=_env(mini_data_dir))
    assert "scored 3 model(s)" in proc.stderr, proc.stderr[-2000:]
    for new, old in renamed.items():
        _, got = _results(out / new)
        _, want = _results(swept[0] / old)
        assert {t: {d: _prediction(s) for d, s in v.items()} for t, v in got.items()} == \
               {t: {d: _prediction(s) for d, s in v.items()} for t, v in want.items()}, new


@pytest.mark.slow
def test_a_full_model_row_equals_the_base_row_of_the_same_model(swept, finetuned, mini_data_dir, tmp_path):
    link = tmp_path / "finetune-again"
    link.symlink_to(finetuned, target_is_directory=True)
    out = tmp_path / "eval"
    proc = run_cli("pebench", "eval", "--full-models", str(link), "--model-args", f"model={finetuned},{ENGINE_ARGS}",
                   "--limit", str(LIMIT), "--output", str(out), "--seed", "0", env=_env(mini_data_dir))
    assert "scoring full model finetune-again" in proc.stderr
    (alone, alone_samples), (mixed, mixed_samples) = _results(out / "finetune-again"), _results(swept[0] / "base")
    assert _metrics(alone) == _metrics(mixed)
    # answer by answer: the sweep generated the base rows in the same engine calls as its adapters
    # (vLLM's CPU LoRA ops once gave them the last adapter there: scoring.cpu_lora)
    def preds(samples):
        return {t: [_prediction(v[k]) for k in sorted(v)] for t, v in samples.items()}

    assert preds(alone_samples) == preds(mixed_samples) and sum(map(len, alone_samples.values())) > 0
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["adapter"], r["method"]) for r in rows] == [("finetune-again", "finetune")]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]     # no temporary folder left


@pytest.mark.slow
def test_served_endpoint_gives_the_one_engine_numbers(swept, sweep, finetuned, mini_data_dir, tmp_path):
    """`pebench eval --served-url`: a real `vllm serve --enable-lora --lora-modules ...` of the Finetune
    model on 127.0.0.1 (float32, as our in-process engine keeps it) scores every adapter by its
    served name, and the base model: the same per-adapter metrics as the one-engine sweep."""
    from helpers import vllm_server

    names = sorted(p.name for p in sweep.iterdir() if (p / "adapter_config.json").is_file())
    args = ["--dtype", "float32", "--enable-lora", "--max-lora-rank", "8", "--max-loras", str(len(names)),
            "--lora-modules", *[f"{n}={sweep / n}" for n in names]]
    out = tmp_path / "served"
    with vllm_server(finetuned, args, tmp_path / "server.log", "finetuned") as url:
        run_cli("pebench", "eval", "--adapters", str(sweep), "--include-base", "--served-url", url, "--model-args",
                f"model={finetuned}", "--limit", str(LIMIT), "--output", str(out), "--seed", "0", env=_env(mini_data_dir))
        # an adapter the server does not serve: one line naming it and the fix, nothing written
        import shutil

        shutil.copytree(sweep / names[0], tmp_path / "extra" / "renamed")
        bad = run_cli("pebench", "eval", "--adapters", str(tmp_path / "extra"), "--served-url", url, "--model-args",
                      f"model={finetuned}", "--output", str(tmp_path / "bad"), check=False, env=_env(mini_data_dir))
    assert bad.returncode == 2 and "does not serve renamed" in bad.stderr and "--lora-modules" in bad.stderr, bad.stderr[-2000:]
    assert not (tmp_path / "bad").exists()
    for name in [*names, A.BASE_NAME]:
        assert _metrics(_results(out / name)[0]) == _metrics(_results(swept[0] / name)[0]), name


@pytest.mark.slow
def test_vllm_lora_generations_equal_transformers_peft(swept, sweep, finetuned, mini_data_dir, monkeypatch):
    import torch
    from peft import PeftModel

    from pebench_data import resolve as data_resolve
    from helpers import build_inputs
    from unlearn.models import load_model_and_processor

    out, _ = swept
    _, samples = _results(out / "npo-person")
    monkeypatch.setenv("PEBENCH_DATA", str(mini_data_dir))
    base, proc = load_model_and_processor(finetuned)
    model = PeftModel.from_pretrained(base, str(sweep / "npo-person")).eval()
    compared = 0
    # a person adapter's tasks (sweep.scored_tasks); person_scope asks which EVENT a forget person's image shows
    for family, split in (("person", "forget"), ("person", "retain"), ("person", "scope")):
        rows = data_resolve.task_rows(family, split).select(range(LIMIT))
        batch = build_inputs(proc, [r["image"].convert("RGB") for r in rows], [r["question"] for r in rows])
        with torch.no_grad():
            gen = model.generate(**batch, max_new_tokens=NEW_TOKENS, do_sample=False)
        texts = proc.batch_decode(gen[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
        for i, text in enumerate(texts):
            want = text.split("\n\n")[0].strip()                 # the task's `until`, then lmms-eval's strip
            got = _prediction(samples[f"pebench_{family}_{split}"][i]).strip()
            assert got == want, (family, split, i, got, want)
            compared += 1
    assert compared == 3 * LIMIT


@pytest.mark.parametrize("stacked_dim", [3, 4])
def test_grouped_cpu_lora_ops_equal_vllm_torch_ops(stacked_dim):
    """pebench_tasks.scoring.cpu_lora against vLLM's own torch-native punica ops (taken from the
    module before any patch), on a batch mixing adapters and the "no adapter" index -1: equal on the
    adapter rows; on the -1 rows ours adds nothing (vLLM's CPU ops add the last slot's adapter there,
    the bug cpu_lora fixes)."""
    import importlib

    import torch

    from pebench_tasks.scoring import cpu_lora

    ref = importlib.import_module("vllm.lora.ops.torch_ops.lora_ops")
    if getattr(ref.bgmv_shrink, "__module__", "") == cpu_lora.__name__:   # patched in this process
        ref = importlib.reload(ref)
    g = torch.Generator().manual_seed(0)
    n_tok, d_in, r, d_out, n_lora = 37, 64, 8, 96, 4
    idx = torch.tensor([(-1 if i % 7 == 0 else i % n_lora) for i in range(n_tok)])
    a = torch.randn(n_lora, r, d_in, generator=g)
    b = torch.randn(n_lora, d_out, r, generator=g)
    if stacked_dim == 4:
        a, b = a.unsqueeze(1), b.unsqueeze(1)
    x = torch.randn(n_tok, d_in, generator=g)
    mid_ref, mid = torch.zeros(n_tok, r), torch.zeros(n_tok, r)
    lora, none = idx >= 0, idx < 0
    ref.bgmv_shrink(x, a, mid_ref, idx, 0.5)
    cpu_lora.bgmv_shrink(x, a, mid, idx, 0.5)
    torch.testing.assert_close(mid[lora], mid_ref[lora])
    assert mid[lora].abs().sum() > 0 and mid[none].abs().sum() == 0
    assert mid_ref[none].abs().sum() > 0          # vLLM's CPU op: index -1 reads the last adapter
    torch.testing.assert_close(mid_ref[none], 0.5 * x[none] @ a.reshape(n_lora, r, d_in)[-1].T)
    base = torch.randn(n_tok, d_out + 16, generator=g)
    for fn, kw in (("bgmv_expand", {"add_inputs": True}), ("bgmv_expand_slice", {"slice_offset": 16, "slice_size": d_out, "add_inputs": True})):
        y_ref, y = base.clone(), base.clone()
        getattr(ref, fn)(mid_ref, b, y_ref, idx, **kw)
        getattr(cpu_lora, fn)(mid_ref, b, y, idx, **kw)
        torch.testing.assert_close(y[lora], y_ref[lora])
        assert not torch.equal(y[lora], base[lora]) and torch.equal(y[none], base[none])
    # one adapter in the whole batch: the single-matmul path
    one = torch.full((n_tok,), 2)
    ref.bgmv_shrink(x, a, mid_ref, one, 1.0)
    cpu_lora.bgmv_shrink(x, a, mid, one, 1.0)
    torch.testing.assert_close(mid, mid_ref)


def test_summary_rows_show_only_their_own_settings_columns(tmp_path):
    from pebench_core.adapter_meta import AdapterMeta
    from pebench_tasks.scoring.summary import COLUMNS, summary_row

    res: dict = {"results": {}}
    for m, task in COLUMNS:
        res["results"].setdefault(task, {})[f"{m},none"] = 0.5
    f = tmp_path / "x_results.json"
    f.write_text(json.dumps(res))

    def row(target):
        meta = AdapterMeta(method="gd", target=target, forget="forget10", seed=0, base_model={"sha256": "ab"})
        return summary_row("a", A.Adapter("a", tmp_path, 8, meta), f)

    person, event, both, base = row("person"), row("event"), row("both"), summary_row("base", None, f)
    assert person["person_efficacy"] == 0.5 and person["event_efficacy_offline"] is None and person["pope_f1"] == 0.5
    assert event["event_scope"] == 0.5 and event["person_retain"] is None
    assert all(both[m] == 0.5 for m, _ in COLUMNS) and all(base[m] == 0.5 for m, _ in COLUMNS)
    assert base["seed"] == "" and person["seed"] == 0
    # scored on a redrawn data folder, the Finetune row carries the draw's seed (pairs with that draw's runs)
    from pebench_core.names import RESULTS_SUFFIX, SIDECAR_SUFFIX

    g = tmp_path / f"y{RESULTS_SUFFIX}"
    g.write_text(json.dumps(res))
    (tmp_path / f"y{SIDECAR_SUFFIX}").write_text(json.dumps({"data_meta": {"seed": 0, "forget_seed": 2}}))
    meta = AdapterMeta(method="gd", target="person", forget="forget10", seed=0, base_model={"sha256": "ab"})
    assert summary_row("base", None, g)["seed"] == 2 and summary_row("a", A.Adapter("a", tmp_path, 8, meta), g)["seed"] == 0


def test_bootstrap_ci_of_a_headline_metric_from_sample_records():
    from pebench_tasks.scoring.summary import bootstrap_ci

    samples = [{"person_efficacy": {"correct": i % 4 == 0}} for i in range(64)]    # 25 % still named
    lo, hi = bootstrap_ci(samples, "person_efficacy")
    assert lo < 75.0 < hi and 5 < (hi - lo) / 2 < 15          # binomial: 1.96 * sqrt(.25 * .75 / 64) = 10.6 points
    assert bootstrap_ci(samples, "person_efficacy") == (lo, hi)  # fixed seed
    # all 8 rows still named, about 2 persons: exact (Clopper-Pearson) over the 2 targets, not [0, 0]
    named = [{"person_efficacy": {"correct": True, "person_id": f"p{i % 2}", "qa_id": f"q{i}"}} for i in range(8)]
    assert bootstrap_ci(named, "person_efficacy") == pytest.approx((0.0, 100 * (1 - 0.025 ** 0.5)))
    # rows about 4 persons, one of them never named: the targets' spread widens the interval
    by_person = [{"person_efficacy": {"correct": i % 4 != 0, "person_id": f"p{i % 4}", "qa_id": f"q{i}"}}
                 for i in range(64)]
    lo2, hi2 = bootstrap_ci(by_person, "person_efficacy")
    assert lo2 < 25.0 < hi2 and hi2 - lo2 > 2 * (hi - lo)
    assert bootstrap_ci([], "person_efficacy") is None


@pytest.mark.slow
def test_two_evals_into_one_output_folder_the_second_stops_with_one_line(tiny_qwen2_vl_dir, mini_data_dir, tmp_path):
    """Two real `pebench eval` processes at once into the same --output: the second exits 2 with one
    line naming the folder while the first finishes; no lock file is left."""
    import subprocess
    import time

    from conftest import BIN

    out = tmp_path / "eval"
    cmd = [str(BIN / "pebench"), "eval", "--include-base", "--tasks", "pebench_pope", "--limit", "2",
           "--model-args", f"model={tiny_qwen2_vl_dir},{ENGINE_ARGS}", "--output", str(out), "--seed", "0"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(mini_data_dir))
    lock = tmp_path / ".eval.pebench-eval.lock"
    deadline = time.time() + 120
    while not lock.exists() and first.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert lock.exists(), "the first eval never took its lock"
    second = subprocess.run(cmd, capture_output=True, text=True, env=_env(mini_data_dir))
    _, err = first.communicate(timeout=600)
    assert second.returncode == 2, second.stderr[-2000:]
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another pebench eval is writing there" in lines[0] and str(out) in lines[0], lines
    assert first.returncode == 0, err[-3000:]
    assert (out / "summary.csv").is_file() and not lock.exists()


def test_engine_messages_carry_the_pixels_lmms_eval_would_send(mini_data_dir):
    """The in-process engine gets images as PIL objects (no PNG + base64 per request per adapter);
    the served path keeps lmms-eval's data URLs. Both carry the same pixels and the same text."""
    import base64
    import io

    import numpy as np
    from lmms_eval.protocol import ChatMessages
    from PIL import Image

    from pebench_data.dataset import open_dataset
    from pebench_tasks.scoring.engine import pil_messages

    row = open_dataset(mini_data_dir).qa(None, "finetune_train").select(range(1)).to_list()[0]
    image = open_dataset(mini_data_dir).image(row["image_id"]).convert("RGB")
    chat = ChatMessages(messages=[{"role": "user", "content": [{"type": "image", "url": image},
                                                              {"type": "text", "text": row["question"]}]}])
    mine, theirs = pil_messages(chat), chat.to_openai_messages()
    assert [p["type"] for p in mine[0]["content"]] == ["image_pil", "text"]
    assert mine[0]["content"][1] == theirs[0]["content"][1] and mine[0]["role"] == theirs[0]["role"] == "user"
    url = theirs[0]["content"][0]["image_url"]["url"]
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")
    assert np.array_equal(np.asarray(mine[0]["content"][0]["image_pil"]), np.asarray(decoded))


def test_a_one_target_row_is_scored_on_the_tasks_its_row_shows():
    """`pebench eval --adapters`: a person (event) adapter or Goal model gets the requested tasks with a
    person (event) or POPE column, whole groups kept by name; the base row and joint adapters get
    everything; tasks that are not PEBench's always stay. On 2026-12-06 code every row got every task."""
    from pebench_tasks.evaluation import task_manager
    from pebench_tasks.metrics import registry as R
    from pebench_tasks.scoring.sweep import scored_tasks

    tm = task_manager()
    assert scored_tasks("pebench", "person", tm) == (
        "pebench_person,pebench_pope", {c.task for c in R.COLUMNS if c.concept in ("person", "pope")})
    assert scored_tasks("pebench", "event", tm)[0] == "pebench_event,pebench_pope"
    assert scored_tasks("pebench", "both", tm) == scored_tasks("pebench", None, tm) == ("pebench", None)
    assert scored_tasks("pebench_forget,mme", "event", tm) == ("pebench_event_forget,mme", {"pebench_event_forget", "mme"})
    assert scored_tasks("pebench_retain,pebench_pope", "person", tm)[0] == "pebench_person_retain,pebench_pope"
    # nothing of the request is the row's: scored as asked (its row then shows nothing)
    assert scored_tasks("pebench_event_scope", "person", tm) == ("pebench_event_scope", None)
    # every PEBench task belongs to one concept of the registry
    assert R.tasks() == R.tasks("person") | R.tasks("event")
