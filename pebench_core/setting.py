"""A PEBench setting: what is forgotten (target) x how much of it (forget size), written
``person_forget10``. Parsed and formatted here only (docs/schema.md)."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import UserError
from .names import CONCEPTS, FORGET_SIZES, TARGETS


@dataclass(frozen=True)
class Setting:
    target: str      # person | event | both
    forget: str      # forget05 | forget10 | forget20

    def __post_init__(self):
        if self.target not in TARGETS or self.forget not in FORGET_SIZES:
            raise UserError(f"setting ({self.target!r}, {self.forget!r}): the target is one of {', '.join(TARGETS)}, "
                            f"the forget size one of {', '.join(FORGET_SIZES)}")

    def __str__(self) -> str:
        return f"{self.target}_{self.forget}"

    @classmethod
    def parse(cls, text: str, where: str = "setting") -> "Setting":
        target, sep, forget = str(text).strip().lower().partition("_")
        if not sep or target not in TARGETS or forget not in FORGET_SIZES:
            raise UserError(f"{where} {text!r} is not a setting; use <target>_<forget size> such as person_forget10, "
                            f"event_forget05, both_forget20")
        return cls(target, forget)

    @property
    def concepts(self) -> tuple[str, ...]:
        """The concepts forgotten: both of them for ``both``."""
        return CONCEPTS if self.target == "both" else (self.target,)


# every setting, target-major (the order of the data folder's splits/ and of the tables)
SETTINGS = tuple(Setting(t, f) for t in TARGETS for f in FORGET_SIZES)
