"""Re-score the logged answers of a finished study with the current rules, beside the logged scores.

Generation is untouched: every forget answer in ``RUN/eval/**/*_samples_pebench_{person,event}_forget.jsonl``
goes through the task's own ``process_results`` again (pebench_tasks/tasks/impl.py, no judge),
with the documents of the study's data folder. Prints, per row of Table 1 (mean over seeds), the
logged and the current efficacy, strict efficacy and answer-kind shares, so that a change of a
scoring rule is measured on real answers before a full study is re-run.

    .venv/bin/python scripts/rescore_logs.py runs/demo [--data runs/demo/data] [--out docs/rescore.md]
"""
from __future__ import annotations

import argparse
import json
import os
import re
from collections import defaultdict
from pathlib import Path


def _docs(data_dir: Path) -> dict:
    import pyarrow.parquet as pq

    return {r["qa_id"]: r for r in pq.read_table(data_dir / "qa.parquet").to_pylist()}


def _row_label(run: str) -> str:
    m = re.match(r"(?P<m>.+?)-(?P<t>person|event|both)_forget\d+-s\d+$", run)
    if m:
        return f"{m['m'].upper().replace('_BGD', '+BGD')} ({m['t']})"
    m = re.match(r"goal-(?P<t>person|event|both)_forget\d+", run)
    if m:
        return f"Goal ({m['t']})"
    return "Finetune" if run.startswith("base-") else run


def rescore(run_dir: Path, data_dir: Path) -> dict:
    os.environ["PEBENCH_DATA"] = str(data_dir)
    os.environ.pop("PEBENCH_JUDGE_BASE_URL", None)
    from pebench_tasks.metrics.answer_kinds import KINDS
    from pebench_tasks.tasks import impl

    docs = _docs(data_dir)
    fns = {"person": (impl.person_results_fn("forget"), "person_efficacy", "correct"),
           "event": (impl.event_results_fn("forget"), "event_efficacy_offline", "offline_match")}
    out: dict = defaultdict(lambda: defaultdict(list))       # (label, concept) -> measure -> per-run values
    for f in sorted(run_dir.glob("eval/**/*_samples_pebench_*_forget.jsonl")):
        concept = "person" if "_person_forget" in f.name else "event"
        fn, metric, key = fns[concept]
        old, new = [], []
        for line in f.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)[metric]
            old.append(rec)
            new.append(fn(docs[rec["qa_id"]], [rec["prediction"]])[metric])
        if not new:
            continue
        m = defaultdict(float)
        n = len(new)
        for o, x in zip(old, new):
            m["old_match"] += float(o[key]) / n
            m["new_match"] += float(x[key]) / n
            m["new_strict"] += x["forgotten"] / n
            m[f"old_{o.get('answer_kind')}"] += 1 / n
            m[f"new_{x['answer_kind']}"] += 1 / n
        label = _row_label(f.parent.parent.name)
        for k in ["old_match", "new_match", "new_strict"] + [f"{a}_{k}" for a in ("old", "new") for k in KINDS]:
            out[(label, concept)][k].append(m.get(k, 0.0))
    return out


def _shares(mean: dict, which: str) -> str:
    from pebench_tasks.metrics.answer_kinds import KINDS

    return " / ".join(f"{mean[which + '_' + k]:.2f}" for k in KINDS)


def table(out: dict) -> str:
    from pebench_tasks.metrics.answer_kinds import KINDS

    lines = []
    for concept, top in (("person", 100.0), ("event", 1.0)):
        lines += [f"\n{concept} forget answers ({'efficacy = 100 - name precision' if concept == 'person' else 'efficacy = 1 - offline match'}; "
                  f"kinds: {' / '.join(KINDS)})\n",
                  "| Row | runs | efficacy logged -> now | strict efficacy now | kinds logged | kinds now |",
                  "|---|---|---|---|---|---|"]
        for (label, c), m in sorted(out.items()):
            if c != concept:
                continue
            mean = {k: sum(v) / len(v) for k, v in m.items()}
            fmt = (lambda v: f"{top * v + 0.0:.1f}") if top == 100.0 else (lambda v: f"{v + 0.0:.3f}")
            lines.append(f"| {label} | {len(m['new_match'])} | {fmt(1 - mean['old_match'])} -> {fmt(1 - mean['new_match'])} "
                         f"| {fmt(mean['new_strict'])} "
                         f"| {_shares(mean, 'old')} | {_shares(mean, 'new')} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path, help="a finished study folder (with eval/ logs and data/)")
    ap.add_argument("--data", type=Path, help="its data folder (default RUN/data)")
    ap.add_argument("--out", type=Path, help="also write the table to this file")
    a = ap.parse_args()
    text = table(rescore(a.run, a.data or a.run / "data"))
    print(text)
    if a.out:
        from pebench_core.atomic import atomic_write_text

        atomic_write_text(a.out, text)


if __name__ == "__main__":
    main()
