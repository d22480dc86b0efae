"""Train the Finetune model on until it knows its forget targets (issue 24; our decision).

A forget row the Finetune model never answered correctly is credited to every unlearning method as
forgotten (the paper's Finetune model scores efficacy 0). After the main schedule the model answers
the forget rows of every setting greedily; a row is known when its answer is of the kind ``true``
(the person's full name, ``name_correct``; the event's name or half of the reference's event
keywords, ``event_named``: the rules of the benchmark's answer kinds). While a setting knows fewer
than ``consolidate.known`` of its rows, the model trains ``consolidate.steps`` more steps on its own
training split with the questions about forget targets ``consolidate.target_repeat`` times as
often, at the main schedule's final learning rate (constant, fresh AdamW state), and is checked
again; at most ``consolidate.max_rounds`` rounds. A shortfall after them is printed and recorded
in pebench_finetune.json (``consolidate``), not an error: the report's known-row efficacy shows
its cost. The rule is fixed before any scoring and reads only training rows.
"""
from __future__ import annotations

import dataclasses
import time

from pebench_data.answer_rules import event_named, name_correct, reference_keywords
from pebench_data.dataset import SETTINGS

from . import common, steps
from .evaluate import greedy_answers, prompt_rows, split_rows
from .settings import ConsolidateSettings, EvalSettings, TrainSettings


def is_known(row: dict, answer: str) -> bool:
    """The answer kind ``true`` of a forget row (person or event question)."""
    if row["concept"] == "person":
        return name_correct(answer, row["target"])
    return event_named(answer, row["target"], reference_keywords(row.get("event_keywords") or [], row["answer"]))


class KnownCheck:
    """Greedy answers to the forget rows of every setting (each row once) -> share known per setting."""

    def __init__(self, ds_meta, encoder, evals: EvalSettings, seed: int):
        self.encoder, self.evals = encoder, evals
        self.rows_of = {s: split_rows(ds_meta, s, "forget") for s in SETTINGS if s in ds_meta.meta.get("forget_ids", {})}
        unique = {r["qa_id"]: r for rows in self.rows_of.values() for r in rows}
        self.rows = [unique[k] for k in sorted(unique)]
        self.prompts = prompt_rows(self.rows, ds_meta.image, encoder, seed=seed)

    def __call__(self, model) -> dict[str, float]:
        answers = greedy_answers(model, self.encoder, self.prompts, self.evals.batch_size, self.evals.max_new_tokens)
        known = {r["qa_id"]: is_known(r, a) for r, a in zip(self.rows, answers)}
        return {s: sum(known[r["qa_id"]] for r in rows) / len(rows) for s, rows in self.rows_of.items() if rows}


def consolidate(trainer, cfg: dict, make_check, make_trainer, work, seed: int) -> dict:
    """Rounds of training until every setting knows ``known`` of its forget rows (see the module).
    ``make_check()`` builds the :class:`KnownCheck` (only when the check is on);
    ``make_trainer(train, args, target_repeat, seed)`` builds a trainer on the same model and rows.
    Returns the record for pebench_finetune.json."""
    s = ConsolidateSettings.from_cfg(cfg)
    record = {"settings": dataclasses.asdict(s), "rounds": [], "steps": 0, "seconds": 0.0}
    if s.known <= 0:
        return record
    t0 = time.time()
    check = make_check()
    main = TrainSettings.from_cfg(cfg)
    # the main schedule's last learning rate, constant: the rounds continue where it ended
    lr = main.lr * (main.min_lr_ratio if main.schedule == "cosine_min" else 1.0)
    train = dataclasses.replace(main, max_steps=s.steps, lr=lr, schedule="constant", warmup_steps=0,
                                save_steps=s.steps)
    model = trainer.model
    for r in range(s.max_rounds + 1):
        shares = check(model)
        short = {k: v for k, v in shares.items() if v < s.known}
        record["rounds"].append({"round": r, "known": shares})
        print(f"forget rows known after {record['steps']} extra steps: " +
              ", ".join(f"{k} {100 * v:.1f}%" for k, v in shares.items()), flush=True)
        if not short or r == s.max_rounds:
            break
        print(f"consolidate round {r + 1}/{s.max_rounds}: {', '.join(sorted(short))} under "
              f"{100 * s.known:.0f}%: {s.steps} steps with forget targets {s.target_repeat}x", flush=True)
        args = common.training_arguments(cfg, work / f"consolidate-{r + 1}", seed + r + 1, train=train, save_strategy="no")
        steps.train(make_trainer(train, args, s.target_repeat, seed + r + 1), None)
        record["steps"] += s.steps
    record["seconds"] = round(time.time() - t0, 1)
    record["met"] = not short
    if short:
        print(f"warning: after {s.max_rounds} rounds the Finetune model knows fewer than {100 * s.known:.0f}% of the "
              f"forget rows of {', '.join(sorted(short))}; the report's known-row efficacy accounts for it", flush=True)
    return record
