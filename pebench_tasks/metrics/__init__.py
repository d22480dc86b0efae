"""Registry of PEBench metric functions (names used in docs/tasks.md and by the task YAMLs).

Per-sample functions take one answer; set-level functions take lists. Scales follow the paper:
person precision and POPE 0-100, event scores and ROUGE-L 0-1.
"""
from __future__ import annotations

from typing import Callable

from pebench_core.errors import UserError
from .judge import JudgeConfig, JudgeResult, judge_event, parse_score, summarize as summarize_judge
from .pope import parse_yes_no, pope_scores
from .text import contains_phrase, event_offline_match, keyword_coverage, name_correct, name_precision, normalize, rouge_l

METRICS: dict[str, Callable] = {
    # person concept
    "name_correct": name_correct,  # (prediction, full_name) -> bool
    "name_precision": name_precision,  # (predictions, names) -> 0-100
    # event concept
    "keyword_coverage": keyword_coverage,  # (prediction, keywords) -> 0-1
    "rouge_l": rouge_l,  # (prediction, reference) -> 0-1 F-measure
    "event_offline_match": event_offline_match,  # (prediction, reference, keywords) -> dict, 0-1
    "geval": judge_event,  # (question=, event_name=, reference=, keywords=, prediction=) -> JudgeResult
    # utility
    "pope": pope_scores,  # (answers, labels) -> accuracy/f1/precision/recall 0-100, unparsed
}


def get_metric(name: str) -> Callable:
    try:
        return METRICS[name]
    except KeyError:
        raise UserError(f"unknown metric {name!r}; known: {', '.join(sorted(METRICS))}") from None


__all__ = [
    "METRICS", "get_metric", "JudgeConfig", "JudgeResult", "judge_event", "parse_score", "summarize_judge",
    "parse_yes_no", "pope_scores", "contains_phrase", "event_offline_match", "keyword_coverage",
    "name_correct", "name_precision", "normalize", "rouge_l",
]
