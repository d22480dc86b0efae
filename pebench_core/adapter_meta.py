"""``pebench_unlearn.json``: what an unlearned LoRA adapter is (method, target, forget size, seed,
base model hash, config, training record), owned by one type, as peft's ``PeftConfig`` owns
``adapter_config.json``. ``unlearn run`` writes it; scoring and the pipelines read it."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .names import ADAPTER_META_FILE, FORGET_SIZES, TARGETS

FORMAT = "pebench-unlearn/1"


@dataclass
class AdapterMeta:
    method: str                      # registry key, e.g. "gd"
    target: str                      # person | event | both
    forget: str                      # forget05 | forget10 | forget20
    seed: int
    base_model: dict                 # {"path", "sha256", "kind", "files"} (pebench_core.hashing.model_hash)
    bgd: bool = False
    hyperparameters: dict = field(default_factory=dict)
    method_params: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    steps: int = 0
    train_seconds: float = 0.0
    speed: dict = field(default_factory=dict)   # seconds_per_step, device, peak_gpu_memory_gib (unlearn.trainers.StepTimer)
    stop_reason: str | None = None
    versions: dict = field(default_factory=dict)
    log_history: list = field(default_factory=list)
    format: str = FORMAT

    @property
    def setting(self) -> str:
        return f"{self.target}_{self.forget}"

    @property
    def base_sha256(self) -> str:
        return str(self.base_model.get("sha256") or "")

    @property
    def base_path(self) -> str:
        return str(self.base_model.get("path") or "")

    def validate(self, where: str = ADAPTER_META_FILE) -> "AdapterMeta":
        if self.format != FORMAT:
            raise UserError(f"{where}: format {self.format!r}, expected {FORMAT!r}; re-run `unlearn run` with this pebench")
        if self.target not in TARGETS:
            raise UserError(f"{where}: target {self.target!r}, expected one of {', '.join(TARGETS)}")
        if self.forget not in FORGET_SIZES:
            raise UserError(f"{where}: forget {self.forget!r}, expected one of {', '.join(FORGET_SIZES)}")
        if not self.base_sha256:
            raise UserError(f"{where}: base_model.sha256 is missing; re-run `unlearn run` for this adapter")
        return self

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "setting": self.setting}

    def write(self, folder: str | Path) -> Path:
        """Into ``folder`` (callers write inside an atomic temporary folder)."""
        path = Path(folder) / ADAPTER_META_FILE
        path.write_text(json.dumps(self.validate(str(path)).to_dict(), indent=1, default=str), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, d: dict, where: str = ADAPTER_META_FILE) -> "AdapterMeta":
        if not isinstance(d, dict):
            raise UserError(f"{where}: expected a JSON object")
        names = {f.name for f in dataclasses.fields(cls)}
        missing = [k for k in ("method", "target", "forget", "seed", "base_model") if k not in d]
        if missing:
            raise UserError(f"{where}: missing field(s) {', '.join(missing)}; re-run `unlearn run` for this adapter")
        return cls(**{k: v for k, v in d.items() if k in names}).validate(where)

    @classmethod
    def read(cls, folder: str | Path) -> "AdapterMeta":
        path = Path(folder) / ADAPTER_META_FILE
        if not path.is_file():
            raise UserError(f"{folder}: no {ADAPTER_META_FILE}; was it written by `unlearn run`?")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise UserError(f"{path}: not valid JSON ({e}); re-run `unlearn run` for this adapter") from None
        return cls.from_dict(d, str(path))

    @classmethod
    def read_optional(cls, folder: str | Path) -> "AdapterMeta | None":
        """None for adapters not written by ``unlearn run`` (no metadata file)."""
        return cls.read(folder) if (Path(folder) / ADAPTER_META_FILE).is_file() else None
