"""Which PEBench data folder and forget setting the lmms-eval tasks read.

Environment variables (all optional):

- ``PEBENCH_DATA``     a PEBench data folder (``pebench data build`` / ``pebench data import``
  output, docs/schema.md). Unset: the embedded mini data set (``--scale mini --seed 0``), built
  deterministically on first use into ``$PEBENCH_CACHE/data/mini-seed0-schema<N>-v<version>`` (default cache
  ``$XDG_CACHE_HOME/pebench`` or ``~/.cache/pebench``) under a file lock, so parallel processes
  build it once.
- ``PEBENCH_FORGET``   forget-set size: ``forget05`` | ``forget10`` (default) | ``forget20``.
- ``PEBENCH_SETTING``  ``single`` (default: person tasks read ``person_<size>``, event tasks read
  ``event_<size>``: one target at a time, the paper's Table 1) or ``both`` (every task reads
  ``both_<size>``: persons and events forgotten together, Table 2). A full setting name is accepted
  as a shorthand: ``both_forget20`` = ``both`` + ``forget20``; ``person_forget20`` or
  ``event_forget20`` = ``single`` + ``forget20``.

Our own runs (``pebench eval``, the sweep) turn this into a :class:`Selection` once and pass the
object on (``pebench_tasks.evaluation``'s TaskManager binds each PEBench task's ``process_docs`` to
it); the variables are the interface of plain ``lmms-eval`` runs and of ``pebench eval``'s flags.

Task family -> rows: ``<family>_{forget,generality,retain}`` take the rows of that split whose
question concept is the family; ``<family>_scope`` takes the scope rows of the OTHER concept
(person scope: event questions on forget-person images; event scope: person questions on
forget-event images) and ``<family>_scope_control`` the same concept on clean images (the
``scope_control`` split); ``pope`` takes ``splits/common/pope``.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from pebench_core.errors import UserError
from pebench_core.names import DATA_META_FILE, DEFAULT_FORGET, FORGET_SIZES
from pebench_core.setting import Setting

ENV_DATA = "PEBENCH_DATA"
ENV_SETTING = "PEBENCH_SETTING"
ENV_FORGET = "PEBENCH_FORGET"
ENV_CACHE = "PEBENCH_CACHE"

FAMILIES = ("person", "event")
TASK_SPLITS = ("forget", "generality", "retain", "scope", "scope_control")
MODES = ("single", "both")
DEFAULT_SCALE, DEFAULT_SEED = "mini", 0


@dataclass(frozen=True)
class Selection:
    data_dir: Path | None  # None: the embedded default (built on demand)
    mode: str
    forget: str

    def setting_for(self, family: str) -> str:
        if family not in FAMILIES:
            raise UserError(f"unknown concept {family!r}; expected one of {', '.join(FAMILIES)}")
        return str(Setting("both" if self.mode == "both" else family, self.forget))


def choice_of(setting: str, forget: str) -> tuple[str, str]:
    """(mode, forget size) the tasks read for a mode (single, both; ``forget`` gives the size) or a
    setting name (its own size). person_forget10 and event_forget10 are one choice: (single, forget10)."""
    s = setting.strip().lower()
    if s in MODES:
        return s, forget
    try:
        parsed = Setting.parse(s)
    except UserError:
        raise UserError(
            f"{ENV_SETTING}={setting!r} is not a setting; use single or both, or a setting name such as "
            f"person_forget10, event_forget05, both_forget20"
        ) from None
    return ("both" if parsed.target == "both" else "single"), parsed.forget


def resolve(env=None) -> Selection:
    """The selection the environment makes (no data access): the user-facing interface of plain
    ``lmms-eval`` runs and of ``pebench eval``'s flags."""
    env = os.environ if env is None else env
    forget = (env.get(ENV_FORGET) or DEFAULT_FORGET).strip().lower()
    if forget not in FORGET_SIZES:
        raise UserError(f"{ENV_FORGET}={forget!r} is not a forget-set size; use one of {', '.join(FORGET_SIZES)}")
    mode, forget = choice_of(env.get(ENV_SETTING) or "single", forget)
    data = (env.get(ENV_DATA) or "").strip()
    return Selection(data_dir=Path(data).expanduser().resolve() if data else None, mode=mode, forget=forget)


def cache_root(env=None) -> Path:
    env = os.environ if env is None else env
    if env.get(ENV_CACHE):
        return Path(env[ENV_CACHE]).expanduser()
    base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pebench"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("pebench")
    except Exception:  # running from a source tree without an install
        return "dev"


def default_data_dir(env=None) -> Path:
    from .writer import SCHEMA_VERSION

    # the schema version is in the name too: an older cache of another layout is never read
    return cache_root(env) / "data" / f"{DEFAULT_SCALE}-seed{DEFAULT_SEED}-schema{SCHEMA_VERSION}-v{_version()}"


def _build_default(out: Path) -> None:
    """``pebench data build`` in a child process: the build seeds global RNGs and starts worker
    processes, neither of which belongs inside an lmms-eval process that may hold a model."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "pebench_data.cli", "data", "build", "--scale", DEFAULT_SCALE,
           "--seed", str(DEFAULT_SEED), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UserError(f"building the embedded mini data set into {out} failed: {tail[0]} (set {ENV_DATA} to a built folder instead)")


def ensure_default_data(env=None) -> Path:
    """The embedded mini data set, built on first use (once across processes: file lock)."""
    from filelock import FileLock

    out = default_data_dir(env)
    if (out / DATA_META_FILE).is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out.parent / f".{out.name}.lock"), timeout=3600):
        if not (out / DATA_META_FILE).is_file():  # another process may have built it meanwhile
            import logging

            logging.getLogger(__name__).warning("building the embedded PEBench mini data set into %s (first use)", out)
            _build_default(out)
    return out


def select(setting: str, forget: str, env=None) -> Selection:
    """The environment's data folder with this setting (a mode or a setting name, see ``choice_of``):
    how the sweep scores each adapter on its own setting, passed on as an object."""
    mode, forget = choice_of(setting, forget)
    return dataclasses.replace(resolve(env), mode=mode, forget=forget)


def data_dir(env=None, sel: Selection | None = None) -> Path:
    sel = sel or resolve(env)
    if sel.data_dir is None:
        return ensure_default_data(env)
    if not sel.data_dir.exists():
        raise UserError(f"{ENV_DATA}={sel.data_dir}: no such folder; point it at a PEBench data folder (pebench data build/import) or unset it to use the embedded mini set")
    if not sel.data_dir.is_dir():
        raise UserError(f"{ENV_DATA}={sel.data_dir}: not a folder")
    return sel.data_dir


_lock = threading.RLock()


@functools.lru_cache(maxsize=8)
def _open(path: str):
    from .dataset import open_dataset

    return open_dataset(path)


def open_data(env=None, sel: Selection | None = None):
    """The opened data folder the tasks use (``PEBenchData``)."""
    with _lock:
        return _open(str(data_dir(env, sel)))


def check_selection(env=None, sel: Selection | None = None) -> Selection:
    """The data folder and setting the tasks will read (``sel``, default the environment's), checked
    before any model loads: the variables parse, the folder opens (every table's parquet footer) and
    holds the chosen setting. A problem is a UserError naming the variable or file."""
    sel = sel or resolve(env)
    data = open_data(env, sel)
    for fam in FAMILIES:
        setting = sel.setting_for(fam)
        if setting not in data.meta.get("forget_ids", {}):
            raise UserError(f"{data.root}: no setting {setting} in this data folder")
    return sel


@functools.lru_cache(maxsize=64)
def _load(path: str, setting: str, split: str, concept: str | None):
    data = _open(path)
    ds = data.split(setting, split)
    if concept is not None:
        ds = ds.filter(lambda c: c == concept, input_columns="concept")
    # which setting the rows come from travels with every logged sample
    return ds.add_column("setting", [setting or "common"] * len(ds))


def task_rows(family: str, split: str, env=None, sel: Selection | None = None):
    """The rows (with the ``image`` column) of the task ``pebench_<family>_<split>`` for ``sel``
    (default: the environment's selection); ``family`` "pope" reads the common POPE split."""
    sel = sel or resolve(env)
    if family == "pope":
        setting, split_name, concept = None, "pope", None
    else:
        if split not in TASK_SPLITS:
            raise UserError(f"unknown split {split!r}; expected one of {', '.join(TASK_SPLITS)}")
        setting = sel.setting_for(family)
        split_name = split
        other = "event" if family == "person" else "person"
        concept = other if split in ("scope", "scope_control") else family
    with _lock:
        path = str(data_dir(env, sel))
        ds = _load(path, setting, split_name, concept)
    if len(ds) == 0:
        what = f"{concept} questions in {setting}/{split_name}" if concept else f"rows in common/{split_name}"
        raise UserError(f"{path}: no {what}; choose another {ENV_SETTING}/{ENV_FORGET} or data folder")
    return ds
