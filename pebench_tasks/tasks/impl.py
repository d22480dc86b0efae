"""Task functions behind the YAMLs: docs, prompts, per-sample results and aggregations.

Every per-sample record carries the ids (qa_id, image_id, person_id, event_id), the concept asked,
the target and the prediction, plus the sample's own score, so that ``--log_samples`` output is
enough to recompute or bootstrap any metric later.
"""
from __future__ import annotations

import functools
import math
from typing import Callable

from pebench_data import resolve as data_resolve
from ..metrics import judge as judge_mod
from ..metrics.pope import parse_yes_no, pope_scores
from ..metrics import registry as R
from ..metrics.answer_kinds import FORGOTTEN, KINDS, SHARE_METRICS, Catalogue, Event, Person, answer_kind, vocabulary_of
from pebench_data.answer_rules import event_offline_match, name_correct, reference_keywords, rouge_l

ID_FIELDS = ("qa_id", "image_id", "person_id", "event_id", "view", "concept", "template", "target", "person_name", "event_name", "setting")

# the headline metric of each (family, split): Table 1's columns
SPLIT_METRIC = {"forget": "efficacy", "generality": "generality", "retain": "retain"}


# ----------------------------------------------------------------------------- docs and prompts
def docs_fn(family: str, split: str) -> Callable:
    """``process_docs`` for one task: the YAML's dataset is a one-row stub; the real rows come from
    the data folder chosen by the environment (``pebench_data.resolve``; plain ``lmms-eval`` runs).
    ``with_selection`` swaps it for one bound to a ``Selection`` object (our own runs)."""

    def process_docs(_stub):
        return data_resolve.task_rows(family, split)

    process_docs.__name__ = f"{family}_{split}_docs"
    process_docs.pebench_rows = (family, split)
    return process_docs


def _selected_rows(sel: data_resolve.Selection, family: str, split: str, _stub):
    return data_resolve.task_rows(family, split, sel=sel)


def with_selection(config: dict, sel: data_resolve.Selection) -> dict:
    """A task config (lmms-eval's dict, ``!function`` resolved) whose ``process_docs`` reads the rows
    of ``sel`` instead of the environment's; configs of other tasks come back as they are."""
    rows = getattr(config.get("process_docs"), "pebench_rows", None)
    if rows is None:
        return config
    return {**config, "process_docs": functools.partial(_selected_rows, sel, *rows)}


def doc_to_visual(doc):
    return [doc["image"].convert("RGB")]


def doc_to_text(doc, lmms_eval_specific_kwargs=None):
    kw = lmms_eval_specific_kwargs or {}
    return f"{kw.get('pre_prompt', '')}{doc['question']}{kw.get('post_prompt', '')}"


def _prediction(results) -> str:
    r = results[0] if isinstance(results, (list, tuple)) and results else results
    return "" if r is None else str(r).strip()


def _record(doc, prediction: str) -> dict:
    rec = {k: doc.get(k) for k in ID_FIELDS if k in doc}
    rec["prediction"] = prediction
    return rec


# ----------------------------------------------------------------------------- answer kinds
@functools.lru_cache(maxsize=8)
def _catalogue(root: str) -> Catalogue:
    """Every person and event of the data folder at ``root``, with what an answer can leak."""
    data = data_resolve.open_data()
    persons = tuple(Person(r["name"], r.get("first_name") or "", r.get("last_name") or "",
                           tuple(a for a in (r.get("occupation"), (r.get("city") or "").split(",")[0]) if a))
                    for r in data.people.to_list())
    events = tuple(Event(r["name"], tuple(r.get("keywords") or ())) for r in data.events.to_list())
    return Catalogue(persons, events, vocabulary_of(data.texts()))


def _current() -> Catalogue:
    return _catalogue(str(data_resolve.open_data().root))


def _with_kind(doc, rec: dict) -> dict:
    """``rec`` plus its answer kind (metrics/answer_kinds.py) and whether strict efficacy counts it
    as forgotten."""
    concept = doc.get("concept") or "person"
    ref_kws = reference_keywords(doc.get("event_keywords") or [], doc.get("answer"))
    rec["answer_kind"] = answer_kind(rec["prediction"], concept, doc["target"], _current(), ref_kws)
    rec["forgotten"] = rec["answer_kind"] in FORGOTTEN
    return rec


def _kind_metrics(rec: dict) -> dict:
    return {m: rec for m in SHARE_METRICS}


def agg_share(kind: str) -> Callable:
    def agg(items) -> float:
        items = list(items)
        return sum(r["answer_kind"] == kind for r in items) / len(items) if items else math.nan

    agg.__name__ = f"agg_answer_{kind}"
    return agg


# ----------------------------------------------------------------------------- process_results
def person_results_fn(split: str) -> Callable:
    metric = f"person_{SPLIT_METRIC[split]}"

    strict = {"person_efficacy_strict"} if split == "forget" else set()

    def process_results(doc, results):
        pred = _prediction(results)
        rec = _with_kind(doc, {**_record(doc, pred), "correct": bool(name_correct(pred, doc["target"]))})
        return {metric: rec, **{m: rec for m in strict}, **_kind_metrics(rec)}

    return process_results


def event_results_fn(split: str) -> Callable:
    m = SPLIT_METRIC[split]
    strict = {"event_efficacy_strict"} if split == "forget" else set()

    def process_results(doc, results):
        pred = _prediction(results)
        cat = _current()
        event = cat.event(doc["event_name"])
        shared = set(event.keywords) - set(cat.distinctive(event)) if event.keywords else ()
        off = event_offline_match(pred, doc["answer"], doc["event_keywords"], doc["event_name"], shared)
        jr = judge_mod.judge_event(
            question=doc["question"], event_name=doc["event_name"], reference=doc["answer"],
            keywords=doc["event_keywords"], prediction=pred,
        )
        rec = _with_kind(doc, {**_record(doc, pred), **off, "judge": jr.to_dict()})
        return {
            f"event_{m}_geval": rec, f"event_{m}_offline": rec,
            "keyword_coverage": rec, "rougeL": rec, "judge_unparseable": rec, "judge_no_answer": rec, "judge_errors": rec,
            **_kind_metrics(rec),
            **{x: rec for x in strict},
        }

    return process_results


def scope_results_fn(family: str, metric: str) -> Callable:
    """Scope (cross-concept interference) of ``family`` unlearning, reported as ``metric``: the OTHER
    concept's answers, person unlearning: event answers, ROUGE-L (0-1); event unlearning: person
    answers, name precision (0-100). The scope split asks on forget-target images, scope_control on
    clean ones."""

    def process_results(doc, results):
        pred = _prediction(results)
        score = {"rougeL": rouge_l(pred, doc["answer"])} if family == "person" else \
            {"correct": bool(name_correct(pred, doc["target"]))}
        rec = _with_kind(doc, {**_record(doc, pred), **score})
        return {metric: rec, **_kind_metrics(rec)}

    process_results.__name__ = f"{metric}_results"
    return process_results


def pope_results(doc, results):
    pred = _prediction(results)
    rec = {**_record(doc, pred), "parsed": parse_yes_no(pred), "label": str(doc["target"]).strip().lower()}
    rec["correct"] = rec["parsed"] == rec["label"]
    rec["unparsed"] = rec["parsed"] is None
    return {"pope_accuracy": rec, "pope_f1": rec, "pope_unparsed": rec}


# ----------------------------------------------------------------------------- aggregations
def _mean(values) -> float:
    vals = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(vals) / len(vals) if vals else math.nan


def agg_precision(items) -> float:
    """Name precision, 0-100."""
    return 100.0 * _mean(r["correct"] for r in items)


def agg_inverse_precision(items) -> float:
    """100 - name precision (efficacy / generality of person unlearning)."""
    return 100.0 - agg_precision(items)


def agg_offline(items) -> float:
    return _mean(r["offline_match"] for r in items)


def agg_inverse_offline(items) -> float:
    return 1.0 - agg_offline(items)


def agg_geval(items) -> float:
    """Mean judge match over parsed replies; NaN when no judge is configured or none parsed."""
    return judge_mod.summarize(r["judge"] for r in items)["mean_match"]


def agg_inverse_geval(items) -> float:
    return 1.0 - agg_geval(items)


def agg_keyword_coverage(items) -> float:
    return _mean(r["keyword_coverage"] for r in items)


def agg_rougeL(items) -> float:
    return _mean(r["rougeL"] for r in items)


def agg_judge_unparseable(items) -> int:
    return judge_mod.summarize(r["judge"] for r in items)["unparseable"]


def agg_judge_no_answer(items) -> int:
    """Judge replies "0": no meaningful answer (out of the G-Eval mean, not scored as forgotten)."""
    return judge_mod.summarize(r["judge"] for r in items)["no_answer"]


def agg_judge_errors(items) -> int:
    return judge_mod.summarize(r["judge"] for r in items)["error"]


def agg_pope_accuracy(items) -> float:
    return pope_scores([r["prediction"] for r in items], [r["label"] for r in items])["accuracy"]


def agg_pope_f1(items) -> float:
    return pope_scores([r["prediction"] for r in items], [r["label"] for r in items])["f1"]


def column_agg(name: str) -> Callable:
    """The aggregation of a registry column with a per-sample value: its ``value`` of the mean."""
    col = R.column(name)

    def agg(items) -> float:
        m = _mean(r[col.key] for r in items)
        return math.nan if math.isnan(m) else col.value(m)

    agg.__name__ = f"agg_{name}"
    return agg


def group_sum(metrics, sizes, weight_by_size=False) -> float:
    """Group aggregation for counts (judge_unparseable, judge_no_answer, judge_errors): the sum over subtasks."""
    return sum(metrics)


agg_answer_true, agg_answer_partial, agg_answer_other, agg_answer_refusal, agg_answer_degenerate, agg_answer_unmatched = (
    agg_share(k) for k in KINDS)
agg_person_efficacy_strict, agg_event_efficacy_strict, agg_pope_unparsed = (
    column_agg(c) for c in ("person_efficacy_strict", "event_efficacy_strict", "pope_unparsed"))
