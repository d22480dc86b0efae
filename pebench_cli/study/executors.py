"""Where a study's stages run: ``local`` (pebench_cli.pipeline.run: in order, the trainings side by
side) or ``ray`` (every training stage a Ray task with declared resources, as many at once as the
cluster holds and the dependencies allow; scoring and report run here, on the engine's own
parallelism). Both run the same commands with the same environment, so they give the same numbers.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

from pebench_core.errors import UserError
from pebench_core.names import cpu_vllm_env
from pebench_cli import pipeline as P

EXECUTORS = ("local", "ray")
LOCAL_LABELS = ("scoring", "report")       # not Ray tasks: one engine uses the whole machine


def run(root: Path, stages: list[P.Stage], executor: str, widths: dict[str, int] | None = None) -> set[str]:
    if executor == "local":
        return P.run(root, stages, widths)
    return run_ray(root, stages)


def _stage_command(argv: list[str], env: dict, log: str) -> int:
    """Body of one Ray task: the stage's command with the driver's environment (Ray sets
    OMP_NUM_THREADS=1 in its workers; the driver's value keeps the numbers equal to a local run)."""
    with open(log, "w") as fh:
        return subprocess.run(argv, env=env, stdout=fh, stderr=subprocess.STDOUT, check=False).returncode


def run_ray(root: Path, stages: list[P.Stage]) -> set[str]:
    try:
        import ray
    except ImportError:
        raise UserError("--executor ray needs Ray: pip install 'pebench[ray]'") from None
    root.mkdir(parents=True, exist_ok=True)
    (root / P.LOGS_DIR).mkdir(exist_ok=True)
    env = cpu_vllm_env()
    if not ray.is_initialized():
        # RAY_ADDRESS set: join that cluster; else start a local one sized to this machine
        ray.init(address=os.environ.get("RAY_ADDRESS") or None, include_dashboard=False, log_to_driver=False)
    gpus = int(ray.cluster_resources().get("GPU", 0))
    task = ray.remote(num_cpus=1, num_gpus=1 if gpus else 0)(_stage_command)
    n, built, clock = len(stages), set(), P.Progress(stages)
    index = {s.label: i for i, s in enumerate(stages)}
    finished = {s.label for s in stages if s.done}
    for s in stages:
        if s.done:
            P.skip(root, s, f"[{index[s.label] + 1}/{n}] {s.label}")
    running: dict = {}                 # ObjectRef -> (stage, start time)
    pending = [s for s in stages if not s.done]
    while pending or running:
        for s in [s for s in pending if all(u in finished for u in s.upstream)]:
            if s.label in LOCAL_LABELS:
                if running:
                    continue           # the engine gets the machine to itself
                head = f"[{index[s.label] + 1}/{n}] {s.label}"
                P.begin(root, s)
                print(f"{head}: {shlex.join(s.argv)}", flush=True)
                t0 = time.time()
                rc = subprocess.run(s.argv, env=env, check=False).returncode
                P.finish(root, s, rc, time.time() - t0, head)
            else:
                P.begin(root, s)
                log = P.log_file(root, s)
                print(f"[{index[s.label] + 1}/{n}] {s.label}: Ray task: {shlex.join(s.argv)} (log {log})", flush=True)
                running[task.remote(s.argv, env, str(log))] = (s, time.time())
                pending.remove(s)
                continue
            pending.remove(s)
            finished.add(s.label)
            built.add(s.label)
            clock.done([s])
        if not running:
            if pending and not any(all(u in finished for u in s.upstream) for s in pending):
                raise UserError(f"stage {pending[0].label!r} waits for a stage that is not planned")  # planning bug
            continue
        ready, _ = ray.wait(list(running), num_returns=1)
        s, t0 = running.pop(ready[0])
        rc = ray.get(ready[0])
        if rc != 0:
            print(P.log_file(root, s).read_text(encoding="utf-8", errors="replace")[-2000:], flush=True)
        P.finish(root, s, rc, time.time() - t0, f"[{index[s.label] + 1}/{n}] {s.label}")
        finished.add(s.label)
        built.add(s.label)
        clock.done([s])
    return built
