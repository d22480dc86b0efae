"""PEBench metric functions (names used in docs/tasks.md; the task YAMLs reach them through tasks/impl.py).

Per-sample functions take one answer; set-level functions take lists. Scales follow the paper:
person precision and POPE 0-100, event scores and ROUGE-L 0-1.
"""
from __future__ import annotations

from .judge import JudgeConfig, JudgeResult, judge_event, parse_score, summarize as summarize_judge
from .pope import parse_yes_no, pope_scores
from pebench_data.answer_rules import contains_phrase, event_offline_match, keyword_coverage, name_correct, name_precision, normalize, rouge_l

__all__ = [
    "JudgeConfig", "JudgeResult", "judge_event", "parse_score", "summarize_judge",
    "parse_yes_no", "pope_scores", "contains_phrase", "event_offline_match", "keyword_coverage",
    "name_correct", "name_precision", "normalize", "rouge_l",
]
