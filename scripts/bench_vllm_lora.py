"""Benchmark: scoring K LoRA adapters on PEBench, three ways, measured side by side in one run.

  (a) lmms-eval's HF backend (`qwen2_vl`), one run per adapter, adapter merged into the weights
  (b) `lmms-eval --model vllm_lora`, one run per adapter (one engine start each)
  (c) `pebench eval --adapters`: all adapters on one vLLM engine, requests batched across adapters

Same tiny Qwen2-VL, same K adapters, same tasks (`pebench`, --limit docs per task on the `full`
synthetic set: 9 tasks x 230 = 2,070 documents per adapter by default), same max_new_tokens.
Prints samples/s with the engine/model start included (whole process wall time) and excluded
(evaluation only), and the ratios c/a and c/b.

    .venv/bin/python scripts/bench_vllm_lora.py                     # K=8, ~2,000 docs/adapter
    .venv/bin/python scripts/bench_vllm_lora.py --paper-size        # every document of the full set
    .venv/bin/python scripts/bench_vllm_lora.py --hf-adapters 8     # (a) on all K (slow: see README)

(a) is the slow baseline; by default it runs on --hf-adapters of the K adapters and its samples/s
is that of those runs (each adapter's run costs the same; the printout says how many ran).
Artefacts (data, model, adapters, merged models) are cached in --work, so a re-run only measures.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from benchlib import BIN, run  # noqa: E402

METHODS = ("ga", "gd", "npo", "kl", "po", "dpo", "siu", "ga")


def sh(cmd: list, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess, float]:
    """(wall seconds, completed process, peak RSS MiB) of ``cmd``."""
    r = run(cmd, env)
    return r.wall, subprocess.CompletedProcess(cmd, 0, r.stdout, r.stderr), r.rss_mib


def prepare(args) -> tuple[Path, Path, list[Path]]:
    work = Path(args.work)
    data, model = work / "data-full", work / "tiny-qwen2-vl"
    if not data.exists():
        print("building the full synthetic set (once) ...", flush=True)
        sh([BIN / "pebench", "data", "build", "--scale", "full", "--seed", args.seed, "--out", data, "--quiet"])
    if not model.exists():
        sh([BIN / "pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", data, "--out", model, "--seed", args.seed])
    # adapters are trained on the mini set: the benchmark measures scoring, and encoding the full
    # set's 200k retain rows would cost a minute per adapter
    mini = work / "data-mini"
    if not mini.exists():
        sh([BIN / "pebench", "data", "build", "--scale", "mini", "--seed", args.seed, "--out", mini, "--quiet"])
    adapters = []
    for i in range(args.n_adapters):
        out = work / "adapters" / f"{METHODS[i % len(METHODS)]}-{i}"
        if not out.exists():
            # a few steps are enough: the benchmark measures scoring, not unlearning
            sh([BIN / "unlearn", "run", "--method", METHODS[i % len(METHODS)], "--target", "person", "--forget", "forget10",
                "--model", model, "--data", mini, "--out", out, "--seed", args.seed + i, "train.max_steps=2",
                "train.lr=1e-2", "train.progress=false", "train.batch_size=4"])
        adapters.append(out)
    return data, model, adapters


def merged(model: Path, adapter: Path, work: Path) -> Path:
    """The adapter merged into a full copy of the model, for the HF backend."""
    out = work / "merged" / adapter.name
    if out.exists():
        return out
    from peft import PeftModel

    from pebench_core.atomic import atomic_dir
    from unlearn.models import load_model_and_processor

    base, proc = load_model_and_processor(model)
    m = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    with atomic_dir(out) as tmp:
        m.save_pretrained(str(tmp))
        proc.save_pretrained(str(tmp))
    return out


WORKER = r'''
import json, sys, time
t0 = time.perf_counter()
from lmms_eval import evaluator, models
from lmms_eval.tasks import TaskManager
backend, margs, limit, gen = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
tm = TaskManager("ERROR")
t_import = time.perf_counter() - t0
t1 = time.perf_counter()
lm = models.get_model(backend).create_from_arg_string(margs, {"batch_size": int(sys.argv[5]), "device": "cpu"})
t_load = time.perf_counter() - t1
t2 = time.perf_counter()
res = evaluator.simple_evaluate(model=lm, tasks=["pebench"], limit=limit, gen_kwargs=gen, task_manager=tm,
                                log_samples=False, batch_size=int(sys.argv[5]), device="cpu", verbosity="ERROR")
t_eval = time.perf_counter() - t2
docs = sum(v["effective"] for v in res["n-samples"].values())
print("BENCH " + json.dumps({"import": t_import, "load": t_load, "eval": t_eval, "docs": docs}))
'''


def run_worker(backend: str, margs: str, args, env) -> dict:
    wall, proc, rss = sh([sys.executable, "-c", WORKER, backend, margs, args.limit, f"max_new_tokens={args.new_tokens}",
                     args.hf_batch if backend == "qwen2_vl" else 1], env=env)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH "))
    return {**json.loads(line[6:]), "wall": wall, "rss": rss}


def sweep(adapters: list[Path], model: Path, out: Path, limit: int, args, env, engine: str) -> dict:
    """(c) once: one `pebench eval --adapters` process; its wall, engine start, generation figures, peak RSS."""
    shutil.rmtree(out, ignore_errors=True)
    wall, proc, rss = sh([BIN / "pebench", "eval", "--adapters", ",".join(map(str, adapters)), "--model-args",
                     f"model={model},{engine},max_new_tokens={args.new_tokens}", "--output", out, "--no-log-samples",
                     "--verbosity", "ERROR", "--limit", limit], env=env)
    m = re.search(r"engine start ([\d.]+) s, generation ([\d.]+) s for (\d+) prompts", proc.stderr)
    docs = 0
    for f in glob.glob(str(out / "**" / "*_results.json"), recursive=True):
        docs += sum(v["effective"] for v in json.loads(Path(f).read_text())["n-samples"].values())
    return {"wall": wall, "load": float(m.group(1)) if m else 0.0, "generation": float(m.group(2)) if m else float("nan"),
            "prompts": int(m.group(3)) if m else 0, "docs": docs, "rss": rss}


def k_table(adapters: list[Path], model: Path, ks: list[int], args, env, engine: str) -> None:
    """Cost per adapter as K grows: one sweep per K on the first K adapters."""
    runs = []
    for k in ks:
        print(f"K table: {k} adapter(s) on one engine ...", flush=True)
        runs.append((k, sweep(adapters[:k], model, Path(args.work) / f"eval-k{k}", args.k_table_limit, args, env, engine)))
    print(f"\ncost per adapter as K grows ({args.k_table_limit} documents per task, {runs[0][1]['docs']} per adapter)")
    print(f"{'K':>3}{'prompts':>9}{'wall s':>8}{'engine s':>9}{'gen s':>8}{'s/adapter':>11}{'gen s/adapter':>14}"
          f"{'prompts/s':>11}{'peak RSS MiB':>14}")
    for k, r in runs:
        print(f"{k:>3}{r['prompts']:>9}{r['wall']:>8.1f}{r['load']:>9.1f}{r['generation']:>8.1f}{r['wall'] / k:>11.2f}"
              f"{r['generation'] / k:>14.2f}{r['prompts'] / r['generation']:>11.1f}{r['rss']:>14.0f}")
    (k0, r0), (k1, r1) = runs[0], runs[-1]
    if k1 > k0:
        print(f"memory per extra adapter: {(r1['rss'] - r0['rss']) / (k1 - k0):.1f} MiB (peak RSS, K={k0} -> K={k1})")


def profile(adapters: list[Path], model: Path, args, env, engine: str) -> None:
    """(c) in one process with timers (scripts/sweep_profile.py): where the time goes, the compute floor."""
    print(f"profile: (c) with {len(adapters)} adapters, timed in-process ...", flush=True)
    out = Path(args.work) / "eval-profile"
    shutil.rmtree(out, ignore_errors=True)
    _, proc, _ = sh([sys.executable, REPO / "scripts" / "sweep_profile.py", model, "--", "eval", "--adapters",
                  ",".join(map(str, adapters)), "--model-args", f"model={model},{engine},max_new_tokens={args.new_tokens}",
                  "--output", out, "--no-log-samples", "--verbosity", "ERROR", "--limit", args.limit], env=env)
    rec = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROFILE "))[8:])
    wall, secs = rec["wall"], rec["seconds"]
    print(f"\nwhere the time of (c) goes ({len(adapters)} adapters, {wall:.1f} s in the process, exclusive times)")
    for label, t in sorted(secs.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<82}{t:>8.1f} s {100 * t / wall:>5.1f}%  ({rec['calls'][label]} calls)")
    rest = wall - sum(secs.values())
    print(f"  {'imports, task loading, everything not timed':<82}{rest:>8.1f} s {100 * rest / wall:>5.1f}%")
    fl = rec["flops"]
    total = fl["vision"] + fl["lm"]
    rate_big = rec["matmul_gflops"]["1024x1024x1024"]
    shape, rate_run = next((k, v) for k, v in rec["matmul_gflops"].items() if k != "1024x1024x1024")
    model_s = secs.get("vision encoder", 0) + secs.get("language model forward (prefill + decode, LoRA)", 0)
    gen_s = sum(v for k, v in secs.items() if k not in ("engine start", "our backend (prompts, store, files)",
                "image load (doc_to_visual)") and not k.startswith("lmms-eval"))
    print(f"model work: {rec['tokens']:,} language-model tokens in {rec['calls'].get('language model forward (prefill + decode, LoRA)', 0)} "
          f"forward calls ({rec['mean_tokens_per_forward']} tokens per call), {rec['images']:,} images "
          f"({rec['patches']:,} patches) through the vision encoder")
    print(f"compute floor: {total / 1e9:.1f} GFLOP (vision {fl['vision'] / 1e9:.1f}, language model {fl['lm'] / 1e9:.1f}; "
          f"2 x parameters x tokens) / {rate_big:.0f} GFLOP/s (fp32 matmul 1024^3 on {rec['threads']} threads) = "
          f"{total / rate_big / 1e9:.2f} s; at this run's shapes ({shape}: {rate_run:.0f} GFLOP/s) {total / rate_run / 1e9:.2f} s")
    print(f"achieved: {100 * total / rate_big / 1e9 / max(gen_s, 1e-9):.2f}% of the floor over vLLM's time ({gen_s:.1f} s), "
          f"{100 * total / rate_big / 1e9 / max(model_s, 1e-9):.1f}% over the model forwards alone ({model_s:.1f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default=str(REPO / "runs" / "bench-vllm-lora"), help="cache folder for data/model/adapters")
    ap.add_argument("--k", type=int, default=8, help="number of adapters of the a/b/c comparison (default 8)")
    ap.add_argument("--limit", type=int, default=230, help="documents per task (9 tasks; default 230 -> 2,070 per adapter)")
    ap.add_argument("--paper-size", action="store_true", help="every document of the full set (no --limit)")
    ap.add_argument("--new-tokens", type=int, default=16, help="max_new_tokens for every backend (default 16)")
    ap.add_argument("--hf-adapters", type=int, default=2, help="adapters run through the HF backend (a) (default 2)")
    ap.add_argument("--hf-batch", type=int, default=16, help="lmms-eval --batch_size of the HF backend (default 16)")
    ap.add_argument("--k-table", default="1,2,4,8,16", help="adapter counts of the cost-per-adapter table ('': none)")
    ap.add_argument("--k-table-limit", type=int, default=60, help="documents per task in the K table (default 60 -> 540 per adapter)")
    ap.add_argument("--no-profile", action="store_true", help="skip the time breakdown and compute floor of (c)")
    ap.add_argument("--only-c", action="store_true", help="skip (a) and (b): the K table and the profile only")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.paper_size:
        args.limit = 10 ** 9
    ks = [int(k) for k in args.k_table.split(",") if k.strip()]
    args.n_adapters = max([args.k, *ks])
    data, model, all_adapters = prepare(args)
    adapters = all_adapters[:args.k]
    env = {"PEBENCH_DATA": str(data), "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "2"),
           "TOKENIZERS_PARALLELISM": "false"}
    engine = "max_model_len=1024,enforce_eager=True"
    print(f"{os.cpu_count()} CPU(s); peak RSS is per process (os.wait4)")
    if ks:
        k_table(all_adapters, model, ks, args, env, engine)
    if not args.no_profile:
        profile(adapters, model, args, env, engine)
    if args.only_c:
        return
    rows = {}
    hf = [merged(model, a, Path(args.work)) for a in adapters[:args.hf_adapters]]
    rows["a"] = []
    for i, m in enumerate(hf):
        print(f"(a) HF qwen2_vl, merged adapter {i + 1}/{len(hf)} ...", flush=True)
        rows["a"].append(run_worker("qwen2_vl", f"pretrained={m},device_map=cpu,system_prompt=", args, env))
    rows["b"] = []
    for i, a in enumerate(adapters):
        print(f"(b) lmms-eval vllm_lora, adapter {i + 1}/{len(adapters)} ...", flush=True)
        rows["b"].append(run_worker("vllm_lora", f"model={model},lora={a},{engine}", args, env))
    print(f"(c) pebench eval --adapters ({len(adapters)} adapters, one engine) ...", flush=True)
    rows["c"] = [sweep(adapters, model, Path(args.work) / "eval-c", args.limit, args, env, engine)]

    def rate(runs, incl: bool) -> float:
        docs = sum(r["docs"] for r in runs)
        secs = sum(r["wall"] if incl else r["wall"] - r.get("load", 0) - r.get("import", 0) for r in runs)
        return docs / secs

    names = {"a": "HF qwen2_vl, merged, 1 run/adapter", "b": "lmms-eval vllm_lora, 1 run/adapter",
             "c": "pebench eval, all adapters, 1 engine"}
    per_adapter = rows["b"][0]["docs"]
    print(f"\nK = {len(adapters)} adapters, {per_adapter} documents per adapter, max_new_tokens {args.new_tokens}, "
          f"{os.cpu_count()} CPU(s)")
    print(f"{'':3}{'backend':40}{'runs':>6}{'docs':>8}{'wall s':>9}{'samples/s incl. start':>24}{'excl. start':>13}"
          f"{'peak RSS MiB':>14}")
    for key, runs in rows.items():
        wall = sum(r["wall"] for r in runs)
        print(f"({key}) {names[key]:40}{len(runs):>4}{sum(r['docs'] for r in runs):>8}{wall:>9.1f}"
              f"{rate(runs, True):>24.2f}{rate(runs, False):>13.2f}{max(r['rss'] for r in runs):>14.0f}")
    for other in ("a", "b"):
        print(f"c/{other}: {rate(rows['c'], True) / rate(rows[other], True):.1f}x incl. start, "
              f"{rate(rows['c'], False) / rate(rows[other], False):.1f}x excl. start")
    if args.hf_adapters < len(adapters):
        print(f"(a) ran {args.hf_adapters} of the {len(adapters)} adapters (--hf-adapters); its time for all "
              f"{len(adapters)} would be ~{sum(r['wall'] for r in rows['a']) * len(adapters) / max(1, args.hf_adapters):.0f} s")


if __name__ == "__main__":
    main()
