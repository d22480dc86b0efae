"""Every scored column, defined once: the lmms-eval task and metric that report it, its per-sample
value, scale, label, target level and the paper's column it stands for. summary.csv, the report's
tables, the findings' number formats, the Kendall columns and the table in docs/tasks.md are all
derived from :data:`COLUMNS` (``python -m pebench_tasks.metrics.registry`` prints that table).

Adding a column: its per-sample value in tasks/impl.py, its metric in the task YAML, one
:class:`Column` here (docs/tasks.md, "Adding a column").
"""
from __future__ import annotations

from dataclasses import dataclass

from .answer_kinds import KINDS

# the paper's Table 1 columns, in its order ("real": real-world knowledge, which we do not measure)
PAPER_COLUMNS = ("efficacy", "generality", "retain", "scope", "real", "pope")
HEADLINE, STRICT, KNOWN, CONTROL, KIND, EXTRA = "headline", "strict", "known", "control", "kind", "extra"


@dataclass(frozen=True)
class Column:
    name: str                    # the summary.csv column (and the lmms-eval metric unless ``metric`` is set)
    task: str                    # the lmms-eval task that reports it
    concept: str                 # person | event | pope: Table 1 shows it on rows of that target (pope: all)
    top: float                   # the scale's maximum: 100.0 (0-100) or 1.0 (0-1)
    label: str                   # header in the report's tables
    key: str | None = None       # per-sample record field whose mean gives it (None: no interval)
    inverse: bool = False        # top * (1 - mean): forgetting scores (1 - match)
    target_field: str = ""       # the unit a row belongs to (intervals.Design's target level)
    paper: str | None = None     # the paper's Table 1 column it stands for (PAPER_COLUMNS)
    group: str = HEADLINE        # headline (Table 1) | strict | known | control | kind (answer-kind share) | extra
    metric: str | None = None    # the lmms-eval metric name when it differs from ``name``
    judge: str | None = None     # event columns: "geval" or "offline" (which score of the event)
    of: str | None = None        # known: the column it restricts to the rows the Finetune model answered

    @property
    def lmms_metric(self) -> str:
        return self.metric or self.name

    def value(self, mean: float) -> float:
        """The column's value from the mean of its per-sample ``key``."""
        return self.top * (1.0 - mean) if self.inverse else self.top * mean


def _person(split: str, name: str, label: str, inverse: bool) -> Column:
    return Column(f"person_{name}", f"pebench_person_{split}", "person", 100.0, label, "correct", inverse, "person_id", name)


def _event(split: str, name: str, label: str, judge: str, inverse: bool) -> Column:
    what = "G-Eval" if judge == "geval" else "offline score (no judge configured)"
    return Column(f"event_{name}_{judge}", f"pebench_event_{split}", "event", 1.0, f"{label} [{what}]",
                  "judge" if judge == "geval" else "offline_match", inverse, "event_id", name, judge=judge)


COLUMNS: tuple[Column, ...] = (
    _person("forget", "efficacy", "Efficacy", True),
    _person("generality", "generality", "Generality", True),
    _person("retain", "retain", "Retain", False),
    Column("person_scope", "pebench_person_scope", "person", 1.0, "Scope [ROUGE-L]", "rougeL", False, "person_id", "scope"),
    *(_event(split, name, label, judge, name != "retain")
      for split, name, label in (("forget", "efficacy", "Efficacy"), ("generality", "generality", "Generality"),
                                 ("retain", "retain", "Retain"))
      for judge in ("geval", "offline")),
    Column("event_scope", "pebench_event_scope", "event", 100.0, "Scope [precision]", "correct", False, "event_id", "scope"),
    Column("pope_accuracy", "pebench_pope", "pope", 100.0, "POPE", "correct", False, "image_id", "pope"),
    Column("pope_f1", "pebench_pope", "pope", 100.0, "POPE F1"),
    # ours (metrics/answer_kinds.py): only other / refusal / unmatched answers count as forgotten
    Column("person_efficacy_strict", "pebench_person_forget", "person", 100.0, "Strict efficacy", "forgotten", False,
           "person_id", group=STRICT),
    Column("event_efficacy_strict", "pebench_event_forget", "event", 1.0, "Strict efficacy", "forgotten", False,
           "event_id", group=STRICT),
    # ours: efficacy on the forget rows the Finetune model answered correctly (answer kind "true"),
    # computed by the report from the per-sample logs; not an lmms-eval metric
    Column("person_efficacy_known", "pebench_person_forget", "person", 100.0, "Efficacy (known rows)", "correct", True,
           "person_id", group=KNOWN, of="person_efficacy"),
    *(Column(f"event_efficacy_{j}_known", "pebench_event_forget", "event", 1.0, "Efficacy (known rows)",
             "judge" if j == "geval" else "offline_match", True, "event_id", group=KNOWN, judge=j, of=f"event_efficacy_{j}")
      for j in ("geval", "offline")),
    # ours: the scope metric on clean images (the scope_control split), beside scope
    Column("person_scope_control", "pebench_person_scope_control", "person", 1.0, "Scope control [ROUGE-L, clean images]",
           "rougeL", False, "person_id", group=CONTROL),
    Column("event_scope_control", "pebench_event_scope_control", "event", 100.0, "Scope control [precision, clean images]",
           "correct", False, "event_id", group=CONTROL),
    Column("pope_unparsed", "pebench_pope", "pope", 1.0, "POPE unparsed", "unparsed", False, "image_id", group=EXTRA),
    *(Column(f"{c}_forget_{k}", f"pebench_{c}_forget", c, 1.0, k, group=KIND, metric=f"answer_{k}")
      for c in ("person", "event") for k in KINDS),
)
BY_NAME = {c.name: c for c in COLUMNS}


def column(name: str) -> Column:
    return BY_NAME[name]


def concepts(target: str | None) -> set[str]:
    """The concepts a row of forget ``target`` shows (Table 1's layout): a person adapter's row the person
    columns, an event adapter's the event columns (numbers measured on forget targets it never saw are
    not its scores), a joint adapter and the base rows both; POPE (world knowledge) always."""
    return {"person", "event", "pope"} if target in (None, "both") else {target, "pope"}


def tasks(target: str | None = None) -> set[str]:
    """The lmms-eval tasks of the columns a row of ``target`` shows (None: every task of the registry)."""
    return {c.task for c in COLUMNS if c.concept in concepts(target)}


def scored() -> list[Column]:
    """The columns with a value per adapter in summary.csv, answer kinds last."""
    return [c for c in COLUMNS if c.group not in (KIND, KNOWN)] + kinds()


def kinds(concept: str | None = None) -> list[Column]:
    return [c for c in COLUMNS if c.group == KIND and concept in (None, c.concept)]


def table1(concept: str, judge: str) -> list[tuple[str, Column | None]]:
    """Table 1's columns for one target in the paper's order ((header, column); None where we
    measure nothing), then strict and known-row efficacy and the scope control; event columns by ``judge``
    ("geval" | "offline")."""
    out: list[tuple[str, Column | None]] = []
    for p in PAPER_COLUMNS:
        cs = [c for c in COLUMNS if c.group == HEADLINE and c.paper == p and c.concept in (concept, "pope")
              and c.judge in (None, judge)]
        out.append((cs[0].label, cs[0]) if cs else (p.capitalize(), None))
    out += [(c.label, c) for c in COLUMNS if c.group in (STRICT, KNOWN, CONTROL) and c.concept == concept
            and c.judge in (None, judge)]
    return out


def scale_100() -> set[str]:
    return {c.name for c in COLUMNS if c.top == 100.0}


def markdown() -> str:
    """The column table of docs/tasks.md."""
    lines = ["| Column | Task | Metric | Per-sample value | Scale | Target level | Paper column | Group |",
             "|---|---|---|---|---|---|---|---|"]
    for c in COLUMNS:
        value = "-" if c.key is None else (f"1 - mean({c.key})" if c.inverse else f"mean({c.key})")
        value += f", rows Finetune answered (`{c.of}`)" if c.of else ""
        lines.append(f"| `{c.name}` | {c.task} | `{c.lmms_metric}` | {value} | 0-{c.top:g} | {c.target_field or '-'} "
                     f"| {c.paper or '-'} | {c.group} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
