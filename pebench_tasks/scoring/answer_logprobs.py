"""``pebench forget-quality``: per-sample answer log-probabilities of the Finetune model, every
adapter and every Goal model on the forget and held-out rows of their settings, from vLLM prompt
log-probs; then forget quality (KS vs the Goal model) and MIA AUC per model
(``pebench_tasks.metrics.forget_quality`` defines both).

Prompt: the training prompt (image, then the question, no instruction) followed by the true answer;
statistics: the mean log-probability of the answer's tokens (``logprob``), and of the tokens that
spell the person's name where a person answer names it (``logprob_name``, the MIA's statistic). The Finetune model and the adapters
share ONE engine (each prompt with its adapter's ``LoRARequest``), as in ``pebench eval``; each Goal
model gets its own engine in a child process (two vLLM engines in one process are not safe on CPU).

Output folder (written atomically): ``answer_logprobs.csv`` (one line per model x row) and
``forget_quality.csv`` (one line per model x setting, with the row's method/target/forget/bgd/seed).
"""
from __future__ import annotations

import csv
import io
import multiprocessing as mp
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pebench_core.atomic import atomic_dir
from pebench_core.errors import UserError

from ..metrics import forget_quality as FQ
from . import adapters as A
from . import engine as E

LOGPROBS_CSV, QUALITY_CSV = "answer_logprobs.csv", "forget_quality.csv"
LOGPROB_FIELDS = ["model", "setting", "split", "qa_id", "target", "logprob", "tokens", "logprob_name"]
QUALITY_FIELDS = ["model", "method", "bgd", "target", "forget", "seed", "setting", "n_forget", "n_holdout",
                  "logprob_forget", "logprob_holdout", "truth_ratio", "ks_d", "forget_quality", "mia_auc", "mia_auc_lo",
                  "mia_auc_hi"]


@dataclass
class Spec:
    model: str                                      # the adapters' base (the Finetune model)
    adapters: list[A.Adapter]
    full_models: list[A.FullModel]
    data: Path
    output: Path
    seed: int = 0
    llm_kwargs: dict = field(default_factory=dict)
    chat_template: str | None = None
    max_lora_rank: int | None = None


def _rows(data, setting: str) -> list[dict]:
    """The forget and holdout rows with their true answers, then the forget rows' perturbed answers."""
    out, perturbed = [], []
    names = list(data.people["name"])
    event_answers = {e["name"]: e["description"] for e in data.events.to_list()}
    for split in (FQ.FORGET, FQ.HOLDOUT):
        ds = data.split(setting, split)
        for r in ds:
            out.append({"split": split, "qa_id": r["qa_id"], "image": r["image"], "question": r["question"],
                        "answer": r["answer"], "target": r["target"], "name_span": FQ.name_span(r)})
            if split == FQ.FORGET:
                perturbed += [{**out[-1], "split": FQ.PERTURBED, "qa_id": f"{r['qa_id']}{FQ.SEP}{k}", "answer": a,
                               "name_span": None}
                              for k, a in enumerate(FQ.perturbed_answers(r, names, event_answers))]
    return out + perturbed


def messages(row: dict) -> list[dict]:
    """The training prompt and the true answer (the same order as the training chat template)."""
    return [{"role": "user", "content": [{"type": "image_pil", "image_pil": row["image"]},
                                         {"type": "text", "text": row["question"]}]},
            {"role": "assistant", "content": row["answer"]}]


def score(engine: E.LoRAEngine, tokenizer, data, jobs: list[tuple[str, str | None, str]],
          chat_template=None, chunk: int = 512) -> list[dict]:
    """Per-sample records for ``jobs`` = [(row name, adapter name or None, setting)]."""
    rows = {s: _rows(data, s) for s in dict.fromkeys(s for _, _, s in jobs)}
    todo = [(name, adapter, s, r) for name, adapter, s in jobs for r in rows[s]]
    enc = {}
    out = []
    for i in range(0, len(todo), chunk):
        part = todo[i:i + chunk]
        for *_, r in part:
            if r["answer"] not in enc:
                e = tokenizer(r["answer"], add_special_tokens=False, return_offsets_mapping=True)
                enc[r["answer"]] = (e["input_ids"], e["offset_mapping"])
        lps = engine.answer_logprobs([messages(r) for *_, r in part], [enc[r["answer"]][0] for *_, r in part],
                                     [a for _, a, _, _ in part], chat_template)
        for (name, _, s, r), lp in zip(part, lps):
            name_lp = FQ.span_mean(lp, enc[r["answer"]][1], r.get("name_span"))
            out.append({"model": name, "setting": s, "split": r["split"], "qa_id": r["qa_id"], "target": r["target"],
                        "logprob": sum(lp) / len(lp),
                        "tokens": len(lp), "logprob_name": "" if name_lp is None else name_lp})
    return out


def _engine_records(model: str, adapters: list[A.Adapter], jobs, spec: Spec) -> list[dict]:
    from transformers import AutoTokenizer

    from pebench_data.dataset import open_dataset

    rank = A.check(adapters, model, spec.max_lora_rank)
    engine = E.LoRAEngine(model, adapters, max_lora_rank=rank, max_loras=max(1, len(adapters)), seed=spec.seed,
                          **dict(spec.llm_kwargs))
    try:
        return score(engine, AutoTokenizer.from_pretrained(model), open_dataset(spec.data), jobs, spec.chat_template)
    finally:
        engine.close()          # GPU: the Goal models' engines come next


def _child(model: str, jobs, spec: Spec, out: Path) -> None:
    records = _engine_records(model, [], jobs, spec)
    out.write_text(_csv(records, LOGPROB_FIELDS), encoding="utf-8")


def _csv(rows: list[dict], fields: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fields})
    return buf.getvalue()


def _info(spec: Spec) -> dict[str, dict]:
    """Row name -> what the quality table says of it (method, target, ...), and its setting."""
    info = {}
    settings = [a.meta.setting for a in spec.adapters if a.meta] + [m.setting for m in spec.full_models if m.setting]
    for s in dict.fromkeys(settings):
        info[f"{A.BASE_NAME}-{s}"] = {"model": f"{A.BASE_NAME}-{s}", "method": "finetune", "bgd": False,
                                      "target": s.split("_")[0], "forget": s.split("_")[1], "seed": "", "setting": s}
    for a in spec.adapters:
        if a.meta is not None:
            info[a.name] = {"model": a.name, "method": a.meta.method, "bgd": bool(a.meta.bgd), "target": a.meta.target,
                            "forget": a.meta.forget, "seed": a.meta.seed, "setting": a.meta.setting}
    for m in spec.full_models:
        if m.setting:
            info[m.name] = {"model": m.name, "method": m.meta.method, "bgd": False, "target": m.meta.target,
                            "forget": m.meta.forget, "seed": m.meta.seed, "setting": m.setting}
    return info


def run(spec: Spec) -> list[dict]:
    """Every model's records and the quality table, written to ``spec.output``; returns the table."""
    t0 = time.perf_counter()
    info = _info(spec)
    if not info:
        raise UserError("forget-quality: no adapter from `unlearn run` and no Goal model given (nothing has a setting)")
    adapters = [a for a in spec.adapters if a.name in info]
    jobs = [(n, None, i["setting"]) for n, i in info.items() if i["method"] == "finetune"]
    jobs += [(a.name, a.name, info[a.name]["setting"]) for a in adapters]
    with atomic_dir(spec.output, overwrite=True) as tmp:
        records = _engine_records(spec.model, adapters, jobs, spec)
        print(f"answer log-probs: {len(records)} rows for {len(jobs)} model(s) on one engine "
              f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
        for m in spec.full_models:
            if m.name not in info:
                continue
            part = tmp / f"{m.name}.part.csv"
            proc = mp.get_context("spawn").Process(target=_child, args=(str(m.path), [(m.name, None, m.setting)], spec, part))
            proc.start()
            proc.join()
            if proc.exitcode != 0 or not part.is_file():
                raise RuntimeError(f"{m.name}: answer log-probs failed (exit {proc.exitcode}); see the messages above")
            records += list(csv.DictReader(part.open(encoding="utf-8")))
            part.unlink()
            print(f"answer log-probs: {m.name} in its own engine ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
        goal_of = {i["setting"]: n for n, i in info.items() if i["method"] == "goal"}
        table = [{**info[r["model"]], **r} for r in FQ.summarize(records, goal_of)]
        (tmp / LOGPROBS_CSV).write_text(_csv(records, LOGPROB_FIELDS), encoding="utf-8")
        (tmp / QUALITY_CSV).write_text(_csv(table, QUALITY_FIELDS), encoding="utf-8")
    return table
