"""Run a planned list of stage commands in one folder: the runner of `pebench study` (and `pebench demo`).

Each stage is one of the project's own console commands (printed before it runs, its progress bars
streaming through). A stage is finished only when its completion record (pebench_core.stages) says
so under its identity (a hash of its command and of its upstream stages' identities): a re-run
skips what is finished, a changed command re-runs exactly that stage and what depends on it, and a
failed or killed stage leaves no record, so it is never taken as done. Consecutive stages of one
non-empty ``group`` (the trainings) run side by side, their output in ``ROOT/.logs/`` and a
progress line per minute here.
"""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pebench_core import stages as ST
from pebench_core.errors import UserError
from pebench_core.names import cpu_vllm_env

LOGS_DIR = ".logs"


@dataclass
class Stage:
    label: str
    out: Path        # what the stage builds (for eval: summary.md)
    argv: list[str]
    done: bool       # finished under this identity (completion record) -> skipped
    identity: str = ""
    atomic: bool = True   # `out` appears only complete (atomic rename as the command's last step)
    group: str = ""       # consecutive stages of one non-empty group run side by side
    upstream: tuple[str, ...] = ()   # labels of the stages it reads


@dataclass(frozen=True)
class StageSpec:
    """One planned command before identities are known: ``upstream`` names the stages it reads."""
    label: str
    out: Path
    script: list[str]
    command: list[str]
    upstream: tuple[str, ...] = ()
    atomic: bool = True
    group: str = ""


def script(name: str) -> list[str]:
    """This venv's console script (same interpreter as the caller); `python -m` if it is not installed as a script."""
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", {"pebench": "pebench_cli.cli", "unlearn": "unlearn.cli"}[name]]


def resolve(root: Path, specs: list[StageSpec]) -> list[Stage]:
    """Stages with their identities and whether each is finished (pure: reads the folder, writes nothing).
    The identity hashes the command without the script path (where this venv lives is not part of it)."""
    stages, idents = [], {}
    for sp in specs:
        missing = [u for u in sp.upstream if u not in idents]
        if missing:   # a planning bug, not a user error
            raise ValueError(f"stage {sp.label!r}: upstream {missing[0]!r} is not planned before it")
        ident = ST.identity(sp.command, [idents[u] for u in sp.upstream])
        idents[sp.label] = ident
        adoptable = sp.atomic and sp.out.exists() and not ST.record_file(root, sp.label).exists()
        done = ST.finished(root, sp.label, ident) is not None or adoptable
        stages.append(Stage(sp.label, sp.out, [*sp.script, *sp.command], done, ident, sp.atomic, sp.group, sp.upstream))
    return stages


def print_plan(stages: list[Stage]) -> None:
    n = len(stages)
    for i, s in enumerate(stages, 1):
        skip = "  # done, would be skipped" if s.done else ""
        print(f"[{i}/{n}] {s.label}: {shlex.join(s.argv)}{skip}")


def run(root: Path, stages: list[Stage], widths: dict[str, int] | None = None) -> set[str]:
    """Run every stage that is not finished, in order; the labels of the stages built. A group runs
    side by side in batches of at most ``widths[group]`` stages (default: the whole group)."""
    root.mkdir(parents=True, exist_ok=True)
    env = cpu_vllm_env()      # vLLM on CPU: KV-cache size, in-process engine, never a model hub
    built: set[str] = set()
    clock = Progress(stages)
    n, i = len(stages), 0
    while i < n:
        s = stages[i]
        head = f"[{i + 1}/{n}] {s.label}"
        if s.done:
            skip(root, s, head)
            i += 1
            continue
        batch = [s]
        width = (widths or {}).get(s.group, n)
        while (s.group and i + len(batch) < n and len(batch) < width and stages[i + len(batch)].group == s.group
               and not stages[i + len(batch)].done):
            batch.append(stages[i + len(batch)])
        for b in batch:
            begin(root, b)
        if len(batch) == 1:
            print(f"{head}: {shlex.join(s.argv)}", flush=True)
            t0 = time.time()
            rc = subprocess.run(s.argv, env=env, check=False).returncode  # output streams to the terminal
            finish(root, s, rc, time.time() - t0, head)
        else:
            _run_side_by_side(root, batch, i, n, env)
        built.update(b.label for b in batch)
        i += len(batch)
        clock.done(batch)
    return built


class Progress:
    """Elapsed time and a rough ETA (mean seconds of the stages built so far x stages left)."""

    def __init__(self, stages: list[Stage]):
        self.t0, self.left, self.built = time.time(), sum(not s.done for s in stages), 0

    def done(self, batch: list[Stage]) -> None:
        self.left -= len(batch)
        self.built += len(batch)
        spent = time.time() - self.t0
        eta = f", ETA ~{spent / self.built * self.left / 60:.1f} min" if self.left else ""
        print(f"  progress: {self.built} stage(s) built, {self.left} left, elapsed {spent / 60:.1f} min{eta}", flush=True)


def skip(root: Path, s: Stage, head: str) -> None:
    if ST.finished(root, s.label, s.identity) is None:   # complete atomic output of an older run
        ST.record(root, s.label, s.identity, s.argv, 0.0, adopted=True)
    print(f"{head}: skipped, finished earlier ({s.out})", flush=True)


def begin(root: Path, s: Stage) -> None:
    """Before a stage runs: an output left by a different identity (a changed config or upstream) is
    not this stage's and is removed (it lies inside the run folder: the stage's own output); then the
    stage is marked as started under its identity. An output of the same identity is resumed."""
    prev = ST.last_identity(root, s.label)
    target = s.out if s.atomic else s.out.parent
    if prev is not None and prev != s.identity and target.exists() and root in target.parents:
        print(f"  {s.label}: removing {target} (built under another configuration)", flush=True)
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        ST.record_file(root, s.label).unlink(missing_ok=True)
    ST.mark_started(root, s.label, s.identity)


def finish(root: Path, s: Stage, rc: int, seconds: float, head: str) -> None:
    if rc != 0 or not s.out.exists():
        why = f"exit code {rc}" if rc != 0 else f"it wrote no {s.out}"
        raise UserError(f"stage {s.label!r} failed ({why}); fix the cause above and run the same command to resume")
    ST.record(root, s.label, s.identity, s.argv, seconds)    # last: the stage is finished
    print(f"{head}: done in {seconds:.1f} s", flush=True)


def log_file(root: Path, s: Stage) -> Path:
    return root / LOGS_DIR / f"{s.label.replace(' ', '_')}.log"


def _run_side_by_side(root: Path, batch: list[Stage], first: int, n: int, env: dict, every: float = 60.0) -> None:
    """Run the trainings of ``batch`` at once, output in ROOT/.logs/, one progress line per ``every`` s
    (steps from each run's status.json). Every stage is waited for; the first failure is raised after."""
    (root / LOGS_DIR).mkdir(parents=True, exist_ok=True)
    procs, t0 = [], time.time()
    for k, s in enumerate(batch):
        print(f"[{first + k + 1}/{n}] {s.label}: {shlex.join(s.argv)}  (side by side; log {log_file(root, s)})", flush=True)
        with open(log_file(root, s), "w") as fh:
            procs.append(subprocess.Popen(s.argv, env=env, stdout=fh, stderr=subprocess.STDOUT))
    last = t0
    while any(p.poll() is None for p in procs):
        time.sleep(1.0)
        if time.time() - last >= every:
            last = time.time()
            print(f"  {last - t0:.0f} s: " + "; ".join(f"{s.label} {_steps(s.out)}" for s in batch), flush=True)
    for k, (s, p) in enumerate(zip(batch, procs)):
        if p.returncode != 0:
            print(log_file(root, s).read_text(encoding="utf-8", errors="replace")[-2000:], file=sys.stderr)
        finish(root, s, p.returncode, time.time() - t0, f"[{first + k + 1}/{n}] {s.label}")


def _steps(out: Path) -> str:
    """``step/max`` of a training run from its work folder's status.json ("done" once it wrote ``out``)."""
    if out.exists():
        return "done"
    try:
        st = json.loads((out.parent / f".{out.name}.work" / "status.json").read_text())
        return f"step {st['step']}/{st['max_steps']}"
    except (OSError, ValueError, KeyError):
        return "starting"
