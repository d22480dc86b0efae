"""End to end through the real lmms-eval CLI in subprocesses, on the tiny random Qwen2-VL with
lmms-eval's `vllm` backend (CPU). The lmms-eval CLI exits 0 even when evaluation fails, so every
check reads the results JSON and the per-sample logs it wrote."""
from __future__ import annotations

import glob
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from pebench_data.dataset import open_dataset
from pebench_data.resolve import default_data_dir
from pebench_tasks.metrics import registry
from pebench_tasks.metrics.answer_kinds import KINDS
from pebench_tasks.tasks import TASKS_DIR

HEADLINE = {
    "pebench_person_forget": ["person_efficacy"],
    "pebench_person_generality": ["person_generality"],
    "pebench_person_retain": ["person_retain"],
    "pebench_person_scope": ["person_scope"],
    "pebench_event_scope": ["event_scope"],
    "pebench_person_scope_control": ["person_scope_control"],
    "pebench_event_scope_control": ["event_scope_control"],
    "pebench_pope": ["pope_accuracy", "pope_f1", "pope_unparsed"],
}
for _s, _m in (("forget", "efficacy"), ("generality", "generality"), ("retain", "retain")):
    HEADLINE[f"pebench_event_{_s}"] = [f"event_{_m}_geval", f"event_{_m}_offline", "keyword_coverage", "rougeL",
                                       "judge_unparseable", "judge_no_answer", "judge_errors"]
HEADLINE["pebench_person_forget"].append("person_efficacy_strict")
HEADLINE["pebench_event_forget"].append("event_efficacy_strict")
SAMPLE_FIELDS = {"qa_id", "image_id", "person_id", "event_id", "concept", "target", "prediction"}
SCALE_100 = registry.scale_100()
_CLEAN_ENV = ("PEBENCH_DATA", "PEBENCH_SETTING", "PEBENCH_FORGET", "PEBENCH_JUDGE_BASE_URL")


def _env(**kw) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _CLEAN_ENV}
    env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    # vLLM engine in-process (no engine worker process): ~1 s engine start instead of ~40 s on CPU
    env["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
    return {**env, **kw}


def _model_args(model_dir) -> str:
    return f"model={model_dir},max_new_tokens=32,max_model_len=1024,enforce_eager=True,distributed_executor_backend=uni"


def _lmms_eval(args: list[str], env: dict, timeout=1800) -> subprocess.CompletedProcess:
    bin_ = Path(sys.executable).parent / "lmms-eval"
    return subprocess.run([str(bin_), *args], capture_output=True, text=True, env=env, timeout=timeout)


def _read_outputs(out: Path, proc) -> tuple[dict, dict[str, list[dict]]]:
    files = glob.glob(str(out / "**" / "*_results.json"), recursive=True)
    assert len(files) == 1, f"no results file (the CLI exits 0 on failure)\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    results = json.loads(Path(files[0]).read_text())
    samples = {}
    for f in glob.glob(str(out / "**" / "*_samples_*.jsonl"), recursive=True):
        task = Path(f).stem.split("_samples_", 1)[1]
        samples[task] = [json.loads(line) for line in Path(f).read_text().splitlines() if line.strip()]
    return results, samples


def _check_metrics(results: dict, tasks: list[str], judge: bool = False):
    for task in tasks:
        res = results["results"][task]
        for metric in HEADLINE[task]:
            value = res[f"{metric},none"]
            assert isinstance(value, (int, float)), (task, metric, value)
            if metric.endswith("_geval") and not judge:
                assert math.isnan(value), (task, metric)  # no judge configured: NaN, never 0
                continue
            hi = 100 if metric in SCALE_100 else (1e9 if metric.startswith("judge_") else 1)
            assert 0 <= value <= hi, (task, metric, value)
        if "answer_true,none" in res:       # every answer has exactly one kind
            assert sum(res[f"answer_{k},none"] for k in KINDS) == pytest.approx(1.0), (task, res)


def _check_samples(samples: dict, task: str, n: int):
    assert len(samples[task]) == n
    for s in samples[task]:
        for metric in HEADLINE[task]:
            rec = s[metric]
            assert SAMPLE_FIELDS <= set(rec), (task, metric, sorted(rec))


@pytest.fixture(scope="module")
def default_cache(tmp_path_factory) -> Path:
    """PEBENCH_CACHE after two processes asked for the embedded default data set at the same time."""
    cache = tmp_path_factory.mktemp("pebench-cache")
    code = "from pebench_data.resolve import ensure_default_data; print(ensure_default_data())"
    env = _env(PEBENCH_CACHE=str(cache))
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=1200) for p in procs]
    for p, (o, e) in zip(procs, outs):
        assert p.returncode == 0, e[-3000:]
    cache.joinpath("outs.json").write_text(json.dumps(outs))
    return cache


def test_default_data_is_built_once_under_a_lock(default_cache):
    outs = json.loads(default_cache.joinpath("outs.json").read_text())
    paths = {o.strip().splitlines()[-1] for o, _ in outs}
    assert len(paths) == 1
    built = [e for _, e in outs if "building the embedded PEBench mini data set" in e]
    assert len(built) == 1  # one process built, the other waited for it
    data = open_dataset(paths.pop())
    assert data.meta["scale"] == "mini" and data.meta["seed"] == 0
    assert not [p for p in (default_cache / "data").iterdir() if ".tmp-" in p.name]  # no half-built folder left


@pytest.mark.slow
def test_lmms_eval_cli_without_include_path_on_default_data(tiny_qwen2_vl_dir, default_cache, tmp_path):
    """`lmms-eval --tasks pebench_forget` right after install: no --include_path, no data preparation
    (the embedded mini set comes from the cache), every metric in the results file."""
    out = tmp_path / "out"
    proc = _lmms_eval(["--model", "vllm", "--model_args", _model_args(tiny_qwen2_vl_dir), "--tasks", "pebench_forget",
                       "--batch_size", "64", "--output_path", str(out), "--log_samples"], _env(PEBENCH_CACHE=str(default_cache)))
    assert proc.returncode == 0
    results, samples = _read_outputs(out, proc)
    _check_metrics(results, ["pebench_person_forget", "pebench_event_forget"])
    group = results["results"]["pebench_forget"]
    for m in ("person_efficacy", "event_efficacy_geval", "event_efficacy_offline", "judge_unparseable", "judge_errors"):
        assert f"{m},none" in group
    assert group["person_efficacy,none"] == results["results"]["pebench_person_forget"]["person_efficacy,none"]
    data = open_dataset(default_data_dir({"PEBENCH_CACHE": str(default_cache)}))
    n_person = sum(c == "person" for c in data.qa("person_forget10", "forget")["concept"])
    n_event = sum(c == "event" for c in data.qa("event_forget10", "forget")["concept"])
    _check_samples(samples, "pebench_person_forget", n_person)
    _check_samples(samples, "pebench_event_forget", n_event)
    rec = samples["pebench_event_forget"][0]["event_efficacy_geval"]
    assert rec["judge"]["status"] == "skipped"  # no judge configured: skipped, not scored


@pytest.mark.slow
def test_lmms_eval_cli_with_include_path_and_chosen_setting(tiny_qwen2_vl_dir, mini_data_dir, tmp_path):
    out = tmp_path / "out"
    env = _env(PEBENCH_DATA=str(mini_data_dir), PEBENCH_SETTING="both_forget05")
    proc = _lmms_eval(["--model", "vllm", "--model_args", _model_args(tiny_qwen2_vl_dir), "--tasks", "pebench_scope,pebench_pope",
                       "--include_path", str(TASKS_DIR), "--limit", "4", "--batch_size", "64",
                       "--output_path", str(out), "--log_samples"], env)
    assert proc.returncode == 0
    results, samples = _read_outputs(out, proc)
    _check_metrics(results, ["pebench_person_scope", "pebench_event_scope", "pebench_pope"])
    data = open_dataset(mini_data_dir)
    scope_ids = set(data.qa("both_forget05", "scope")["qa_id"])
    for task in ("pebench_person_scope", "pebench_event_scope"):
        _check_samples(samples, task, 4)
        assert {s[HEADLINE[task][0]]["qa_id"] for s in samples[task]} <= scope_ids  # rows of the chosen setting
        assert {s[HEADLINE[task][0]]["setting"] for s in samples[task]} == {"both_forget05"}
    assert {s["person_scope"]["concept"] for s in samples["pebench_person_scope"]} == {"event"}
    assert {s["event_scope"]["concept"] for s in samples["pebench_event_scope"]} == {"person"}
    # the controls: the same concept and metric on clean images (no forget target in the image)
    _check_metrics(results, ["pebench_person_scope_control", "pebench_event_scope_control"])
    control_ids, f = set(data.qa("both_forget05", "scope_control")["qa_id"]), data.forget_ids("both_forget05")
    for task, metric, concept in (("pebench_person_scope_control", "person_scope_control", "event"),
                                  ("pebench_event_scope_control", "event_scope_control", "person")):
        _check_samples(samples, task, 4)
        recs = [s[metric] for s in samples[task]]
        assert {r["qa_id"] for r in recs} <= control_ids and {r["concept"] for r in recs} == {concept}
        assert not any(r["person_id"] in f["person"] or r["event_id"] in f["event"] for r in recs)


@pytest.mark.slow
def test_pebench_eval_runs_every_group_and_reports_the_table_row(tiny_qwen2_vl_dir, mini_data_dir, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("pebench", "eval", "--model", "vllm", "--model-args", _model_args(tiny_qwen2_vl_dir), "--tasks", "pebench",
                   "--data", str(mini_data_dir), "--limit", "2", "--batch-size", "64", "--output", str(out), env=_env())
    results, samples = _read_outputs(out, proc)
    _check_metrics(results, list(HEADLINE))
    row = results["results"]["pebench"]
    for metrics in HEADLINE.values():
        for m in metrics:
            if m not in ("keyword_coverage", "rougeL", "pope_unparsed"):
                assert f"{m},none" in row, m
    assert set(samples) == set(HEADLINE)
    assert "results: " in proc.stdout
    side = json.loads(next(out.rglob("*_pebench.json")).read_text())
    assert side["data_dir"] == str(mini_data_dir.resolve()) and side["settings"] == {"person": "person_forget10", "event": "event_forget10"}
    assert side["judge"] is None and side["exit_code"] == 0


def test_pebench_eval_fails_where_lmms_eval_exits_0(mini_data_dir, tmp_path):
    proc = run_cli("pebench", "eval", "--model", "vllm", "--tasks", "pebench_no_such_task", "--data", str(mini_data_dir),
                   "--output", str(tmp_path / "out"), check=False, env=_env())
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert "evaluation failed" in proc.stderr and "pebench_no_such_task" in proc.stderr
