"""Completion records of pipeline stages: a stage is finished only when its record says so.

A record is written LAST and atomically, after the stage's command exited 0 and its output exists:
``<root>/.stages/<stage>.json`` with what ran, the exit status and the stage's identity (a hash of
its command and of the identities of the stages it depends on). A failed or killed stage leaves no
record and is re-run; a changed command or a changed upstream stage changes the identity, so the
stage re-runs too.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .atomic import atomic_write_json
from .hashing import sha256_json
from .atomic import atomic_write_text

RECORDS_DIR = ".stages"


@dataclass(frozen=True)
class StageRecord:
    label: str
    identity: str
    argv: list
    exit_code: int
    seconds: float
    finished_at: str
    adopted: bool = False        # output found complete (atomic write) without a record: from an older run

    def write(self, root: Path) -> Path:
        path = record_file(root, self.label)
        atomic_write_json(path, asdict(self))
        return path


def identity(command: list[str], upstream: list[str]) -> str:
    return sha256_json({"command": list(command), "upstream": list(upstream)})


def record_file(root: Path, label: str) -> Path:
    return Path(root) / RECORDS_DIR / (re.sub(r"[^A-Za-z0-9_.+-]+", "_", label) + ".json")


def finished(root: Path, label: str, ident: str) -> StageRecord | None:
    """The record of ``label`` if it finished with exit 0 under this identity, else None."""
    path = record_file(root, label)
    try:
        rec = StageRecord(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return rec if rec.exit_code == 0 and rec.identity == ident else None


def record(root: Path, label: str, ident: str, argv: list[str], seconds: float, adopted: bool = False) -> StageRecord:
    rec = StageRecord(label=label, identity=ident, argv=list(argv), exit_code=0, seconds=round(seconds, 1),
                      finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), adopted=adopted)
    rec.write(root)
    return rec


def started_file(root: Path, label: str) -> Path:
    return record_file(root, label).with_suffix(".started")


def mark_started(root: Path, label: str, ident: str) -> None:
    """Which identity last began building this stage's output (so a later, different identity knows
    that a partial output is not its own)."""

    atomic_write_text(started_file(root, label), ident + "\n")


def last_identity(root: Path, label: str) -> str | None:
    """The identity that last started or finished this stage, None if none did."""
    for path in (started_file(root, label), record_file(root, label)):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        return text.strip() if path.suffix == ".started" else json.loads(text).get("identity")
    return None
