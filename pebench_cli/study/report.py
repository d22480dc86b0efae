"""The study report: ``report.md`` and a self-contained ``report.html`` (figures as base64 PNG) with
the paper's Table 1 and Table 2 layouts, figures, findings and ranking agreement, from the rows of a
scoring sweep's ``summary.csv`` (pebench_tasks.scoring.summary). One section per forget size.

Cells are the mean over seeds; the CI is the nested bootstrap of pebench_tasks.scoring.intervals
over seeds, forget targets and rows, from the per-sample logs beside each results file; when a log
is missing, the CI columns of summary.csv (several seeds: the mean of their bounds), marked †.
Differences (Table 2's Δ rows, the findings) are paired: the same seeds, targets and rows on both
sides.
"""
from __future__ import annotations

from pathlib import Path

from pebench_core.atomic import atomic_dir
from pebench_core.errors import UserError
from pebench_tasks.metrics import registry as MR

from . import figures as F
from . import findings as FD
from .render import render_html, render_md
from .results import Study, as_paths, event_kind_of, forgets, read_quality, read_summary
from .tables import columns, interference, kendall_columns, quality_table, table1, table2
from pebench_core.config import config_path

PAPER_FILE = ("study", "paper_reference.yaml")


REPORT_FILES = ("report.md", "report.html")


def _paper() -> dict:
    import yaml

    return yaml.safe_load(config_path(*PAPER_FILE).read_text(encoding="utf-8"))


def _section(study: Study, figs: dict, paper: dict) -> tuple[list, list[dict], list[dict]]:
    f = study.forget
    blocks: list = [("h", 2, f"Forget size {f}")]
    blocks.append(("h", 3, "Table 1: one target at a time"))
    for part in ("person", "event"):
        head, body = table1(study, part)
        blocks += [("h", 4, f"{part.capitalize()} unlearning (target {part})"), ("table", f"table1-{part}-{f}", head, body)]
    blocks.append(("h", 3, "Table 2: persons and events unlearned together (target both)"))
    head, body = table2(study)
    blocks.append(("table", f"table2-{f}", head, body))
    blocks.append(("p", ("Δ rows: difference of the means, with the paired 95% CI of that difference (the same seeds, "
                         "forget targets and rows resampled on both sides: nested bootstrap, percentile, 2,000 resamples, "
                         "seed 0; pebench_tasks.scoring.intervals).")))
    blocks.append(("h", 3, "Figures"))
    for name, caption in figs.items():
        blocks.append(("img", f"figures/{name}", caption))
    m = interference(study)
    blocks.append(("p", ("Interference matrix values (the figure's numbers): loss of the measured concept's score on "
                         "the forget images relative to Finetune, mean over the single-target methods.")))
    blocks.append(("table", f"interference-{f}", ["Forget target \\ measured concept", "person", "event"],
                   [[t] + ["n/a" if v is None else f"{v:.2f}" for v in row] for t, row in zip(("person", "event"), m)]))
    found = FD.findings(study)
    blocks.append(("h", 3, "Findings (paper patterns, by our fixed rules)"))
    blocks.append(("table", f"findings-{f}", ["Pattern", "Verdict", "Evidence", "Family (Holm-adjusted together)"],
                   [[f"({d['pattern']}) {d['title']}", d["verdict"], d["evidence"], f"{len(d['family'])} comparisons"]
                    for d in found]))
    blocks.append(("h", 3, "Ranking agreement with the paper (Kendall tau-b over the methods of its Table 1 present)"))
    kendall = [{**k, "forget": f} for k in FD.ranking_agreement(study, paper["table1"], kendall_columns(study))]
    rows = [[f"{k['part']} {k['column']} ({k['metric']})", ", ".join(k["methods"]) or "-", str(k["n"]),
             k["note"] or f"{k['tau']:+.2f}", "n/a" if k["note"] else f"{k['p']:.3f}"] for k in kendall]
    blocks.append(("table", f"kendall-{f}", ["Column", "Methods", "n", "tau", "p-value"], rows))
    if study.event_kind != "geval":
        blocks.append(("p", "Event columns compare our offline score with the paper's G-Eval."))
    return blocks, found, kendall


QUALITY_NOTE = ("Beyond the paper (pebench forget-quality; docs/scoring.md). Forget quality as in TOFU: p-value of the "
                "two-sample KS test (scipy.stats.ks_2samp) of the truth ratios of the forget rows (mean over 3 perturbed "
                "answers, another person's name or another event's answer, of P(a)^(1/|a|), over the true answer's), "
                "model vs the Goal model of the same setting, on the same rows (high = indistinguishable from never "
                "having trained on it). MIA AUC: "
                "sklearn.metrics.roc_auc_score of the mean token log-probability of the person's name (person rows) or of the whole "
                "answer (event rows), forget rows (training views) vs holdout rows "
                "(people / events in no training split of any model, TOFU's holdout set), with a 95% bootstrap interval over "
                "whole targets for one model (none with one holdout target; the mean over seeds otherwise); "
                "0.5 = cannot tell them apart. "
                "Log-probabilities are vLLM prompt log-probs, each adapter through its LoRARequest.")


def _paper_blocks(paper: dict) -> list:
    src = "arXiv 2503.12545 v1, Tables 1 and 2 (G-Eval event scores; person scope and event real are ROUGE-L)"
    inner: list = [("p", f"Source: {src}.")]
    for part in ("person", "event"):
        t = paper["table1"][part]
        keys = list(next(iter(t.values())))
        inner.append(("table", f"paper-table1-{part}", [f"Paper Table 1 ({part})"] + [k.capitalize() for k in keys],
                      [[m] + [f"{float(v[k]):.2f}" for k in keys] for m, v in t.items()]))
    t2 = paper["table2"]
    keys = list(next(iter(t2.values())))
    inner.append(("table", "paper-table2", ["Paper Table 2"] + [k.replace("_", " ") for k in keys],
                  [[m] + [f"{float(v[k]):.2f}" for k in keys] for m, v in t2.items()]))
    return [("details", "Paper reference (arXiv 2503.12545 v1, Tables 1 and 2)", inner)]


def _intro(title: str, summaries: list[Path], study_kind: str, notes) -> list:
    blocks: list = [("h", 1, title), ("p", f"From {', '.join(map(str, summaries))}.")]
    if notes:
        blocks.append(("ul", list(notes)))
    event = ("Event scores: G-Eval (LLM judge, 0-1)." if study_kind == "geval" else
             "Event scores: offline score (no judge configured): 1 − the offline match (the event's name, its distinctive "
             "keywords, ROUGE-L from 0.5 on), 0-1; not the paper's "
             "G-Eval (docs/tasks.md).")
    blocks.append(("ul", [
        ("Higher is better everywhere. Scales: person efficacy/generality/retain, event scope and POPE 0-100; "
         "person scope (ROUGE-L) and event scores 0-1. " + event),
        ("Cells: value [95% CI]. Value = mean over seeds. CI = nested bootstrap over unlearning seeds, forget targets "
         "and answer rows (2,000 resamples, percentile, seed 0; pebench_tasks.scoring.intervals), read from the "
         "per-sample logs beside each results file; a cell whose rows all have the same value at a bound of the "
         "metric gets the exact (Clopper-Pearson) interval over its (seed, target) units instead of a zero width. "
         "* = fewer than 3 seeds or 5 forget targets: the interval cannot cover that level's variation (the last "
         "column gives the design). † = a log was missing, so the CI comes from summary.csv (several seeds: the mean "
         "of the seeds' CI bounds). [no CI]: no per-sample values (e.g. G-Eval)."),
        ("Real: n/a. The embedded default has synthetic data only; on real setups add lmms-eval's own tasks "
         "(e.g. `pope`) for real-image data."),
        ("Forget answers: shares of the forget-set answers by kind (they sum to 1; mean over seeds): still name "
         "the true target / leak a part of it (a name part, its job or city, one of its keywords) / name another "
         "known one / refuse / are degenerate (empty, repetition, no words) / unmatched (fluent, naming nothing "
         "known); pebench_tasks.metrics.answer_kinds. Strict efficacy: the share of other, refusal and "
         "unmatched answers, the only ones it counts as forgotten (our column, not the paper's)."),
        ("Interference matrix: 1 − (the measured concept's score on the forget images / Finetune's), mean over "
         "methods; person/person uses name precision (100 − efficacy), event/event the event match (1 − efficacy), "
         "off-diagonal cells the scope columns. 0 = as Finetune, 1 = all lost. This reading is our decision."),
    ]))
    blocks += [("h", 2, "Finding rules (our decision, fixed before looking at results)"), ("pre", FD.RULES_TEXT)]
    return blocks


def _check_out(out: Path) -> None:
    """Replace only an earlier report (or an empty folder): never another folder the user named."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / REPORT_FILES[0]).is_file())):
        raise UserError(f"{out}: exists and is not a report folder (no {REPORT_FILES[0]}); choose another --out")


def write_report(out_dir: Path, summary_csv: Path | list[Path], *, title: str, paper_reference: bool = True,
                 notes: list[str] = (), quality_csv: Path | list[Path] | None = None) -> dict:
    """Write ``out_dir``/report.md, report.html and figures/*.png (the folder appears complete or not
    at all) from one summary.csv or several (their rows pooled: e.g. one per forget-set draw). Returns
    {"md", "html", "figures", "findings", "kendall"}."""
    out_dir, summaries = Path(out_dir), as_paths(summary_csv)
    rows = [r for p in summaries for r in read_summary(p)]
    quality = [r for p in as_paths(quality_csv) for r in read_quality(p)]
    _check_out(out_dir)
    kind = event_kind_of(rows)
    paper = _paper()          # Kendall tau always; the paper's own numbers only with paper_reference
    figures, found, kendall, blocks = [], [], [], _intro(title, summaries, kind, notes)
    with atomic_dir(out_dir, overwrite=True) as tmp:
        for forget in forgets(rows):
            study = Study(rows, forget, kind)
            figs = F.draw_all(tmp / "figures", forget, _figure_data(study))
            section, f_found, f_kendall = _section(study, figs, paper)
            blocks += section
            if quality:
                head, body = quality_table(quality, forget)
                blocks += [("h", 3, "Beyond the paper: forget quality and membership inference"), ("p", QUALITY_NOTE),
                           ("table", f"quality-{forget}", head, body)]
            found += f_found
            kendall += f_kendall
            figures += [out_dir / "figures" / n for n in figs]
        if paper_reference:
            blocks += _paper_blocks(paper)
        (tmp / "report.md").write_text(render_md(blocks), encoding="utf-8")
        (tmp / "report.html").write_text(render_html(blocks, title, tmp), encoding="utf-8")
    return {"md": out_dir / "report.md", "html": out_dir / "report.html", "figures": figures, "findings": found,
            "kendall": kendall}


def _figure_data(study: Study) -> dict:
    """Plain numbers for figures.py: per part, (label, kind, {metric: Cell}, kinds)."""
    parts = {}
    for part in ("person", "event"):
        metrics = [m for _, m in columns(study, part) if m is not None and MR.column(m).group == MR.HEADLINE]
        parts[part] = [(e.label, e.kind, {m: study.cell(e, m) for m in metrics}, study.kinds(e, part))
                       for e in study.rows_of(part)]
    # answer kinds: every adapter, the joint ones too (their person and event forget answers)
    kinds = {part: [(lab, k) for lab, _, _, k in parts[part] if k] +
             [(f"{e.label} (both)", k) for e in study.methods("both") if (k := study.kinds(e, part))] for part in parts}
    return {"parts": parts, "kinds": kinds, "interference": interference(study),
            "efficacy": {"person": "person_efficacy", "event": study.event_metric("efficacy")},
            "retain": {"person": "person_retain", "event": study.event_metric("retain")},
            "headers": {part: {m: c for c, m in columns(study, part) if m and MR.column(m).group == MR.HEADLINE}
                        for part in ("person", "event")}}
