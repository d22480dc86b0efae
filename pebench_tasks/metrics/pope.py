"""POPE-style yes/no utility metrics (accuracy and F1 with "yes" as the positive class), computed
with scikit-learn and reported on a 0-100 scale like the paper's POPE column."""
from __future__ import annotations

import math
from typing import Sequence

from pebench_data.answer_rules import normalize

_NEGATIONS = {"no", "not", "none", "nothing"}


def parse_yes_no(answer: str | None) -> str | None:
    """Map a free-form answer to "yes", "no" or None (unparsed). Rule (POPE's own convention,
    made stricter): the first word decides if it is yes/no; otherwise an answer containing a
    negation word ("no", "not", "none", "nothing") is "no", one containing "yes" is "yes";
    anything else is unparsed."""
    words = normalize(answer).split()
    if not words:
        return None
    if words[0] in ("yes", "no"):
        return words[0]
    if _NEGATIONS.intersection(words):
        return "no"
    if "yes" in words:
        return "yes"
    return None


def pope_scores(answers: Sequence[str | None], labels: Sequence[str]) -> dict:
    """accuracy, f1, precision, recall (0-100) and the count of unparsed answers. An unparsed
    answer counts as wrong: it is scored as the opposite of its label (a false negative on a
    "yes" question, a false positive on a "no" question), never dropped."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    if len(answers) != len(labels):
        raise ValueError(f"{len(answers)} answers for {len(labels)} labels")
    if not labels:
        return {"accuracy": math.nan, "f1": math.nan, "precision": math.nan, "recall": math.nan, "unparsed": 0}
    y_true, y_pred, unparsed = [], [], 0
    for a, lab in zip(answers, labels):
        lab = normalize(lab)
        if lab not in ("yes", "no"):
            raise ValueError(f"POPE label must be yes/no, got {lab!r}")
        p = parse_yes_no(a)
        if p is None:
            unparsed += 1
            p = "no" if lab == "yes" else "yes"
        y_true.append(int(lab == "yes"))
        y_pred.append(int(p == "yes"))
    kw = {"zero_division": 0}
    return {
        "accuracy": 100.0 * accuracy_score(y_true, y_pred),
        "f1": 100.0 * f1_score(y_true, y_pred, **kw),
        "precision": 100.0 * precision_score(y_true, y_pred, **kw),
        "recall": 100.0 * recall_score(y_true, y_pred, **kw),
        "unparsed": unparsed,
    }
