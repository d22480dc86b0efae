"""What the benchmarks under scripts/ share: run a command as a child process and measure it."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent          # the venv's console scripts (pebench, unlearn, lmms-eval)


@dataclass
class Ran:
    wall: float              # seconds
    rss_mib: float           # peak RSS of the child (and the descendants it waited for), os.wait4
    stdout: str | None
    stderr: str | None


def run(cmd: list, env: dict | None = None, quiet: bool = True) -> Ran:
    """Run ``cmd``; exit with the tail of its stderr if it fails."""
    t0 = time.perf_counter()
    pipe = subprocess.PIPE if quiet else None
    child = subprocess.Popen([str(c) for c in cmd], stdout=pipe, stderr=pipe, text=True, env={**os.environ, **(env or {})})
    texts: dict[str, str | None] = {"out": None, "err": None}

    def drain(name, stream):
        texts[name] = stream.read() if stream else None

    readers = [threading.Thread(target=drain, args=a) for a in (("out", child.stdout), ("err", child.stderr))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(child.pid, 0)       # reaps the child here: Popen must not wait for it
    for r in readers:
        r.join()
    child.returncode = code = os.waitstatus_to_exitcode(status)
    ran = Ran(time.perf_counter() - t0, usage.ru_maxrss / 1024, texts["out"], texts["err"])
    if code != 0:
        tail = (ran.stderr or "")[-3000:]
        sys.exit(f"error: {' '.join(map(str, cmd[:4]))} ... failed ({code})\n{tail}")
    return ran
