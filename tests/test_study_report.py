"""The study report (pebench_cli.study.report): a summary.csv written by the real write_summary,
with real per-sample logs beside fake results files, and the numbers the report derives from them."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pebench_tasks.scoring import intervals as I
from pebench_tasks.scoring import summary as S
from pebench_cli.study import findings as FD
from pebench_cli.study import report as R
from pebench_cli.study import results as RS
from pebench_cli.study import tables as T

TASK = dict(S.COLUMNS)
PERSON = ["person_efficacy", "person_generality", "person_retain", "person_scope"]
EVENT = ["event_efficacy_offline", "event_generality_offline", "event_retain_offline", "event_scope"]


def _raw(rate: float, n: int, metric: str) -> list:
    """n per-sample raw values whose mean is ``rate`` (bools for `correct`, floats otherwise)."""
    k = round(rate * n)
    return [i < k for i in range(n)] if S._SAMPLE_VALUE[metric][0] == "correct" else [1.0] * k + [0.0] * (n - k)


TARGETS = 6        # forget targets per task in these sweeps (sample i is about target i mod TARGETS)


def make_row(folder: Path, name: str, *, method: str, target: str = "", forget: str = "forget10", seed=0, bgd=False,
             setting: str = "", raw: dict | None = None, kinds: dict | None = None, logs: bool = True) -> dict:
    """One summary row as summary_row builds it: value = the task's aggregate of the per-sample raw
    values, CI = summary.bootstrap_ci of them; the logs are written beside a results file (or not).
    Sample i carries qa_id q<i> and the target t<i mod TARGETS> (person_id, event_id, image_id)."""
    results = folder / name / f"{name}_results.json"
    row = {"adapter": name, "method": method, "bgd": bgd if method not in ("none", "goal") else "", "target": target,
           "forget": forget, "seed": seed, "setting": setting, "results": str(results)}
    by_task: dict = {}
    for metric, values in (raw or {}).items():
        key, transform = S._SAMPLE_VALUE[metric]
        recs = by_task.setdefault(TASK[metric], [])
        recs += [{} for _ in range(len(values) - len(recs))]
        for i, (rec, v) in enumerate(zip(recs, values)):
            t = f"t{i % TARGETS}"
            rec[metric] = {key: v, "qa_id": f"q{i}", "person_id": t, "event_id": t, "image_id": t}
        row[metric] = transform(float(np.mean(np.asarray(values, dtype=float))))
        row[f"{metric}_ci"] = S.bootstrap_ci(recs, metric)
    for col, v in (kinds or {}).items():
        row[col] = v
    if logs:
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps({"results": {}}))
        for task, recs in by_task.items():
            (results.parent / f"{name}_samples_{task}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    return row


def person_raw(eff: float, ret: float, scope: float = 0.9, n: int = 40) -> dict:
    """Rates as Table 1 shows them: efficacy/retain 0-100 (efficacy = 100 - precision), scope 0-1."""
    return {"person_efficacy": _raw(1 - eff / 100, n, "person_efficacy"),
            "person_generality": _raw(1 - eff / 100, n, "person_generality"),
            "person_retain": _raw(ret / 100, n, "person_retain"), "person_scope": _raw(scope, n, "person_scope"),
            "pope_accuracy": _raw(0.8, n, "pope_accuracy")}


def event_raw(eff: float, ret: float, scope: float = 90.0, n: int = 40) -> dict:
    return {"event_efficacy_offline": _raw(1 - eff, n, "event_efficacy_offline"),
            "event_generality_offline": _raw(1 - eff, n, "event_generality_offline"),
            "event_retain_offline": _raw(ret, n, "event_retain_offline"), "event_scope": _raw(scope / 100, n, "event_scope"),
            "pope_accuracy": _raw(0.8, n, "pope_accuracy")}


KINDS = {f"{c}_forget_{k}": v for c in ("person", "event")
         for k, v in zip(("true", "partial", "other", "refusal", "degenerate", "unmatched"), (0.1, 0.05, 0.2, 0.5, 0.05, 0.1))}


def full_rows(folder: Path, with_both: bool = True, seeds=(0, 1, 2)) -> list[dict]:
    """A demo-like sweep: Finetune (single and both settings), Goal models, every method on persons
    and events (plus an extra method 'rmu') and GD/GD+BGD/KL/KL+BGD on both, each with ``seeds``."""
    single = "event_forget10/person_forget10"
    rows = [make_row(folder, "base-single_forget10", method="none", setting=single,
                     raw={**person_raw(0, 95, 0.9), **event_raw(0.05, 0.95, 95)}, kinds=KINDS)]
    if with_both:
        rows.append(make_row(folder, "base-both_forget10", method="none", setting="both_forget10",
                             raw={**person_raw(0, 95), **event_raw(0.05, 0.95)}, kinds=KINDS))
    for i, m in enumerate(("npo", "dpo", "rmu", "siu", "kl", "gd", "ga", "po")):     # shuffled on purpose
        for sd in seeds:
            rows.append(make_row(folder, f"{m}-person-s{sd}", method=m, target="person", setting="person_forget10",
                                 seed=sd, raw=person_raw(100, 5 + i, 0.3), kinds=KINDS))
            rows.append(make_row(folder, f"{m}-event-s{sd}", method=m, target="event", setting="event_forget10",
                                 seed=sd, raw=event_raw(0.3, 0.6, 40), kinds=KINDS))
    rows.append(make_row(folder, "goal-person", method="goal", target="person", setting="person_forget10",
                         raw=person_raw(100, 95)))
    rows.append(make_row(folder, "goal-event", method="goal", target="event", setting="event_forget10",
                         raw=event_raw(0.95, 0.95)))
    if with_both:
        for m, bgd, pe, ee in (("gd", False, 50, 0.0), ("gd", True, 100, 0.5), ("kl", False, 40, 0.0), ("kl", True, 90, 0.45)):
            for sd in seeds:
                rows.append(make_row(folder, f"{m}{'_bgd' if bgd else ''}-both-s{sd}", method=m, bgd=bgd, target="both",
                                     setting="both_forget10", seed=sd, raw={**person_raw(pe, 30), **event_raw(ee, 0.7)}))
        rows.append(make_row(folder, "goal-both", method="goal", target="both", setting="both_forget10",
                             raw={**person_raw(100, 95), **event_raw(0.95, 0.95)}))
    return rows


def summary_csv(folder: Path, rows: list[dict]) -> Path:
    S.write_summary(folder, rows)
    return folder / "summary.csv"


def study_of(csv: Path, forget: str = "forget10") -> RS.Study:
    rows = RS.read_summary(csv)
    return RS.Study(rows, forget, RS.event_kind_of(rows))


def _md_table(md: str, first_header: str) -> list[list[str]]:
    """Rows of the markdown table whose header starts with ``first_header`` (first one found)."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header}"))
    out = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        out.append([c.strip() for c in line.strip("|").split(" | ")])
    return out


# ----------------------------------------------------------------------------- tables
def test_table1_rows_in_the_paper_order_with_the_offline_header(tmp_path):
    csv = summary_csv(tmp_path, full_rows(tmp_path / "eval"))
    out = R.write_report(tmp_path / "report", csv, title="demo")
    md = out["md"].read_text()
    person = _md_table(md, "Method | Efficacy | Generality")
    assert [r[0].split(" (3")[0] for r in person[2:]] == ["Finetune", "PO", "GA", "GD", "KL", "SIU", "DPO", "NPO", "RMU",
                                                          "Goal (person)"]
    assert person[0][1:5] == ["Efficacy", "Generality", "Retain", "Scope [ROUGE-L]"]
    event = _md_table(md, "Method | Efficacy [offline score (no judge configured)]")
    assert [r[0].split(" (3")[0] for r in event[2:]] == ["Finetune", "PO", "GA", "GD", "KL", "SIU", "DPO", "NPO", "RMU",
                                                         "Goal (event)"]
    assert event[0][4] == "Scope [precision]"
    # Real is not measured: n/a; answer kinds beside; GD retain: 5 + index 5 -> 10.0 with a CI
    gd = person[2 + 3]
    assert gd[0] == "GD (3 seeds)" and gd[5] == "n/a" and gd[-2] == "0.10 / 0.05 / 0.20 / 0.50 / 0.05 / 0.10"
    assert gd[3].startswith("10.0 [") and "†" not in gd[3] and "*" not in gd[3]
    assert gd[-1] == "3 x 6 x 120" and person[2][-1] == "1 x 6 x 40"       # seeds x targets x rows
    assert person[2][1].endswith(" *")                                  # Finetune: one seed
    assert set(out) >= {"md", "html", "figures", "findings", "kendall"}
    assert sorted(p.name for p in out["figures"]) == sorted(p.name for p in (tmp_path / "report" / "figures").iterdir())
    assert all(p.is_file() for p in out["figures"]) and len(out["figures"]) == 4
    assert "figures/tradeoff_forget10.png" in md and not list((tmp_path).glob(".report.tmp-*"))


def test_geval_columns_are_used_when_a_judge_scored(tmp_path):
    rows = full_rows(tmp_path / "eval", with_both=False)
    for r in rows:
        if r.get("event_efficacy_offline") is not None:
            r["event_efficacy_geval"] = 0.25
    csv = summary_csv(tmp_path, rows)
    md = R.write_report(tmp_path / "report", csv, title="t")["md"].read_text()
    event = _md_table(md, "Method | Efficacy [G-Eval]")
    assert event[3][1] == "0.250 [no CI]"            # G-Eval has no per-sample values in the logs
    assert "offline score (no judge configured)" not in md


def test_cell_is_the_mean_over_seeds_with_the_ci_of_the_pooled_samples(tmp_path):
    folder = tmp_path / "eval"
    rows = [make_row(folder, "base", method="none", raw=person_raw(0, 95)),
            make_row(folder, "gd-s0", method="gd", target="person", seed=0, raw=person_raw(100, 10, n=20)),
            make_row(folder, "gd-s1", method="gd", target="person", seed=1, raw=person_raw(100, 40, n=20))]
    study = study_of(summary_csv(tmp_path, rows))
    gd = study.entry("gd", "person")
    assert gd.label == "GD" and len(gd.rows) == 2
    cell = study.cell(gd, "person_retain")
    logs = {sd: [{"person_retain": {"correct": v, "qa_id": f"q{i}", "person_id": f"t{i % TARGETS}"}}
                 for i, v in enumerate(_raw(rate, 20, "person_retain"))] for sd, rate in ((0, 0.10), (1, 0.40))}
    assert cell.value == pytest.approx(25.0) and cell.ci_source == "samples"
    assert (cell.design.n_seeds, cell.design.n_targets, cell.design.n_rows) == (2, TARGETS, 40)
    assert cell.ci == I.interval(S.design(logs, "person_retain"), 100.0) and cell.ci[0] < 25.0 < cell.ci[1]
    # the seeds' spread (10 vs 40) is in the interval: wider than the rows-only one of the pooled rows
    rows_only = S.bootstrap_ci([r for sd in logs for r in logs[sd]], "person_retain")
    assert cell.ci[1] - cell.ci[0] > rows_only[1] - rows_only[0]
    assert "GD (2 seeds)" in T.table1(study, "person")[1][1][0] and cell.flags == ["2 seeds"]


def test_a_missing_results_file_falls_back_to_the_csv_cis(tmp_path):
    folder = tmp_path / "eval"
    rows = [make_row(folder, "base", method="none", raw=person_raw(0, 95)),
            make_row(folder, "ga-s0", method="ga", target="person", seed=0, raw=person_raw(100, 10, n=20), logs=False),
            make_row(folder, "ga-s1", method="ga", target="person", seed=1, raw=person_raw(100, 30, n=20), logs=False)]
    csv = summary_csv(tmp_path, rows)
    study = study_of(csv)
    cell = study.cell(study.entry("ga", "person"), "person_retain")
    parsed = [r for r in RS.read_summary(csv) if r["method"] == "ga"]
    lows, highs = [r["person_retain_ci_low"] for r in parsed], [r["person_retain_ci_high"] for r in parsed]
    assert cell.ci_source == "csv" and cell.design is None
    assert cell.ci == pytest.approx((np.mean(lows), np.mean(highs)))
    assert cell.ci[0] == pytest.approx((rows[1]["person_retain_ci"][0] + rows[2]["person_retain_ci"][0]) / 2, abs=0.01)
    md = R.write_report(tmp_path / "report", csv, title="t")["md"].read_text()
    ga = next(r for r in _md_table(md, "Method | Efficacy | Generality") if r[0].startswith("GA"))
    assert ga[3] == f"20.0 [{cell.ci[0]:.1f}, {cell.ci[1]:.1f}] †"


def test_table2_bgd_delta_with_the_bootstrap_ci_of_the_difference(tmp_path):
    folder = tmp_path / "eval"
    n = 30
    rows = [make_row(folder, "gd", method="gd", target="both", raw={**person_raw(0, 50, n=n), **event_raw(0.2, 0.7, n=n)}),
            make_row(folder, "gd_bgd", method="gd", bgd=True, target="both",
                     raw={**person_raw(100, 50, n=n), **event_raw(0.5, 0.7, n=n)})]
    study = study_of(summary_csv(tmp_path, rows))
    _, body = T.table2(study)
    assert [r[0] for r in body] == ["GD", "GD+BGD", "Δ GD+BGD − GD"]
    # every GD answer still names the person, no GD+BGD answer does: +100 on every one of the 6
    # (seed, target) units: the exact interval [100 x 0.025^(1/6), 100], not [100, 100]
    assert body[2][1] == f"+100.0 [+{100 * 0.025 ** (1 / 6):.1f}, +100.0]"
    d, cmp = study.delta(study.entry("gd", "both", bgd=True), study.entry("gd", "both"), "event_efficacy_offline")
    assert d == pytest.approx(0.3) and cmp.paired and cmp.n_rows == n
    assert cmp.ci[0] < 0.3 < cmp.ci[1]
    assert body[2][3] == f"+0.300 [{cmp.ci[0]:+.3f}, {cmp.ci[1]:+.3f}]"


# ----------------------------------------------------------------------------- findings
def _finding(study, key: str) -> dict:
    return next(f for f in FD.findings(study) if f["pattern"] == key)


def test_verdicts_held_on_a_paper_like_sweep(tmp_path):
    study = study_of(summary_csv(tmp_path, full_rows(tmp_path / "eval")))
    found = {f["pattern"]: f for f in FD.findings(study)}
    # 3 seeds x 6 targets per method. Persons: efficacy 100 vs Finetune 0, retain 5-12 vs 95; gains
    # person 1.0 vs event 0.28; scopes 0.3 vs 0.9 and 40 vs 95; both-target efficacies 40-50 vs 100
    # and 0.0 vs 0.3; BGD +50 / +0.5: every comparison survives Holm
    assert {k: f["verdict"] for k, f in found.items()} == {"i": "held", "ii": "held", "iii": "held", "iv": "held",
                                                            "v": "held"}
    assert found["iv"]["evidence"].endswith("4 of 4 units show it, 0 go against it, 0 unclear.")
    assert "GD+BGD - GD person efficacy +50.0 [" in found["v"]["evidence"]
    assert "8 of 8 units" in found["i"]["evidence"]                 # RMU too: every person-target method
    assert len(found["i"]["family"]) == 16 and len(found["iii"]["family"]) == 16   # 2 per method; person + event


def test_verdicts_not_held_and_underpowered(tmp_path):
    folder = tmp_path / "eval"
    single = "event_forget10/person_forget10"
    rows = [make_row(folder, "base", method="none", setting=single, raw={**person_raw(0, 95, 0.5), **event_raw(0.1, 0.9)})]
    for m in ("ga", "gd"):   # persons barely forgotten; events forgotten as well as persons (overlap)
        rows.append(make_row(folder, f"{m}-p", method=m, target="person", raw=person_raw(10, 90, 0.5)))
        rows.append(make_row(folder, f"{m}-e", method=m, target="event", raw=event_raw(0.1, 0.9)))
    rows += [make_row(folder, "gd-b", method="gd", target="both", raw={**person_raw(60, 50), **event_raw(0.5, 0.5)}),
             make_row(folder, "gdb-b", method="gd", bgd=True, target="both", raw={**person_raw(20, 50), **event_raw(0.1, 0.5)})]
    study = study_of(summary_csv(tmp_path, rows))
    v = {f["pattern"]: f["verdict"] for f in FD.findings(study)}
    assert v["i"] == "not held"                      # retain 90 clearly above half of Finetune's 95
    assert v["ii"] == "underpowered"                 # no Goal rows: no normalised gain, nothing to compare
    assert v["iv"] == "not held"                     # both-target efficacies clearly above the single ones
    assert v["v"] == "not held"                      # GD+BGD clearly below GD
    assert v["iii"] == "underpowered"                # scope as Finetune's: the difference is 0
    empty = study_of(summary_csv(tmp_path / "e", [make_row(folder, "b2", method="none", raw=person_raw(0, 95))]))
    assert {f["verdict"] for f in FD.findings(empty)} == {"inconclusive (not measured)"}


def test_scope_drop_everywhere_is_not_cross_concept_interference(tmp_path):
    """Rule (iii) with the scope control: scope 0.9 -> 0.3 is interference only when the same metric
    on clean images (person_scope_control) does not drop as much."""
    def verdict(control_after: float, sub: str) -> str:
        folder = tmp_path / sub / "eval"
        ctl = lambda v: {"person_scope_control": _raw(v, 40, "person_scope_control")}  # noqa: E731
        rows = [make_row(folder, "base", method="none", raw={**person_raw(0, 95, 0.9), **ctl(0.9)})]
        rows += [make_row(folder, f"{m}-s{sd}", method=m, target="person", seed=sd,
                          raw={**person_raw(100, 50, 0.3), **ctl(control_after)}) for m in ("ga", "gd") for sd in (0, 1, 2)]
        return _finding(study_of(summary_csv(tmp_path / sub, rows)), "iii")

    local, everywhere = verdict(0.9, "local"), verdict(0.3, "everywhere")
    assert local["verdict"] == "held" and len(local["family"]) == 4, local
    assert everywhere["verdict"] == "underpowered", everywhere     # scope < Finetune's, but no more than the control


def test_person_forgetting_is_not_easy_when_finetune_never_knew_the_names(tmp_path):
    """Rule (i) needs efficacy above Finetune's: a Finetune model that names nobody (efficacy 100)
    leaves every unit unclear, whatever the retain numbers."""
    folder = tmp_path / "eval"
    rows = [make_row(folder, "base", method="none", raw=person_raw(100, 95))]
    rows += [make_row(folder, m, method=m, target="person", raw=person_raw(100, 5)) for m in ("ga", "gd", "kl")]
    f = _finding(study_of(summary_csv(tmp_path, rows)), "i")
    assert f["verdict"] == "underpowered" and f["evidence"].endswith("0 of 3 units show it, 0 go against it, 3 unclear.")


def _test(value: float, p: float, claim: int = +1) -> FD.Test:
    return FD.Test("t", I.Paired(value, (value - 1, value + 1), p, True, 3, 6, 100), claim)


def test_verdict_rules_with_holm():
    # 3 units of one comparison each: p 0.001, 0.01, 0.5 -> Holm 0.003, 0.02, 0.5: two show, one unclear
    assert FD.verdict([("a", [_test(1, 0.001)]), ("b", [_test(1, 0.01)]), ("c", [_test(1, 0.5)])])[0] == "held"
    # the same p-values in a family of 10 (7 more at p = 0.5): Holm 0.01, 0.09, ...: one shows of 10
    many = [("a", [_test(1, 0.001)]), ("b", [_test(1, 0.01)])] + [(f"x{i}", [_test(1, 0.5)]) for i in range(8)]
    assert FD.verdict(many)[0] == "underpowered"
    assert FD.verdict([("a", [_test(-1, 0.001)]), ("b", [_test(-1, 0.001)]), ("c", [_test(1, 0.001)])])[0] == "not held"
    assert FD.verdict([("a", [_test(1, 0.001)]), ("b", [_test(-1, 0.001)])])[0] == "inconclusive"
    # a unit shows only when all its comparisons do; one against makes it against
    assert FD.verdict([("a", [_test(1, 0.001), _test(1, 0.5)])])[0] == "underpowered"
    assert FD.verdict([("a", [_test(1, 0.001), _test(1, 0.001, claim=-1)])])[0] == "not held"
    assert FD.verdict([])[0] == "inconclusive (not measured)"


def test_kendall_only_on_untied_paper_columns_of_the_same_metric(tmp_path):
    # 6 pairs, one discordant: (5 - 1) / 6
    k = FD.kendall([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 3.0])
    assert k["tau"] == pytest.approx(4 / 6) and 0 < k["p"] <= 1 and k["n"] == 4
    assert FD.kendall([1.0, 2.0], [2.0, 1.0])["note"].startswith("n/a")
    assert FD.kendall([1.0, 2.0, 3.0], [100.0, 100.0, 98.89])["note"] == "n/a (the paper's values are tied)"
    # on a study: person retain of PO, GA, GD = 5, 10, 30 vs the paper's 4.12, 3.89, 21.48: one of three
    # pairs discordant -> (2 - 1) / 3; person efficacy (paper 100, 100, 98.89) is tied: n/a
    folder = tmp_path / "eval"
    rows = [make_row(folder, m, method=m, target="person", raw=person_raw(e, r))
            for m, e, r in (("po", 90, 5), ("ga", 80, 10), ("gd", 70, 30))]
    rows.append(make_row(folder, "npo", method="npo", target="person", raw=person_raw(10, 10)))   # not in the paper
    study = study_of(summary_csv(tmp_path, rows))
    ret, eff = FD.ranking_agreement(study, R._paper()["table1"], [("person", "retain", "person_retain"),
                                                                  ("person", "efficacy", "person_efficacy")])
    assert ret["methods"] == ["PO", "GA", "GD"] and ret["tau"] == pytest.approx(1 / 3) and ret["n"] == 3
    assert eff["tau"] is None and eff["note"] == "n/a (the paper's values are tied)"
    out = R.write_report(tmp_path / "r", tmp_path / "summary.csv", title="t")
    got = next(k for k in out["kendall"] if k["part"] == "person" and k["column"] == "retain")
    assert got["tau"] == pytest.approx(1 / 3)
    # our offline event score is not the paper's G-Eval: never ranked against it
    assert next(k for k in out["kendall"] if k["part"] == "event" and k["column"] == "efficacy")["note"] == \
        "n/a (our offline score, not the paper's G-Eval)"


# ----------------------------------------------------------------------------- document
def test_paper_reference_is_shown_only_with_the_flag(tmp_path):
    csv = summary_csv(tmp_path, full_rows(tmp_path / "eval", with_both=False))
    on = R.write_report(tmp_path / "on", csv, title="t", notes=["a note for the reader"])
    off = R.write_report(tmp_path / "off", csv, title="t", paper_reference=False)
    md_on, html_on = on["md"].read_text(), on["html"].read_text()
    assert "## Paper reference (arXiv 2503.12545 v1, Tables 1 and 2)" in md_on and "| Paper Table 2 |" in md_on
    assert "<details><summary>Paper reference" in html_on and 'id="paper-table1-person"' in html_on
    assert "98.89" in md_on and "63.50" in html_on and "- a note for the reader" in md_on
    md_off, html_off = off["md"].read_text(), off["html"].read_text()
    assert "Paper reference" not in md_off and "<details>" not in html_off and "98.89" not in html_off
    assert "Kendall" in md_off                                  # ranking agreement stays: it is our finding


def test_html_is_self_contained(tmp_path):
    csv = summary_csv(tmp_path, full_rows(tmp_path / "eval"))
    html = R.write_report(tmp_path / "report", csv, title="demo <study>")["html"].read_text()
    assert html.count('src="data:image/png;base64,') == 4 and "<title>demo &lt;study&gt;</title>" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html and "<link" not in html


def test_report_folder_is_replaced_atomically_and_never_a_foreign_folder(tmp_path):
    from pebench_core.errors import UserError

    csv = summary_csv(tmp_path, full_rows(tmp_path / "eval", with_both=False))
    out = tmp_path / "report"
    R.write_report(out, csv, title="first")
    R.write_report(out, csv, title="second")
    assert "# second" in (out / "report.md").read_text() and sorted(p.name for p in tmp_path.glob(".report*")) == []
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    with pytest.raises(UserError, match="not a report folder"):
        R.write_report(foreign, csv, title="t")
    assert (foreign / "keep.txt").is_file()
    with pytest.raises(UserError, match=r"nothing\.csv: no such summary\.csv; run `pebench eval"):
        R.write_report(tmp_path / "x", tmp_path / "nothing.csv", title="t")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="not a pebench summary.csv"):
        RS.read_summary(tmp_path / "bad.csv")


# ----------------------------------------------------------------------------- reproducibility
def test_repro_check_counts_cells_inside_and_verdict_conflicts(tmp_path):
    from pebench_cli.study import repro

    a = summary_csv(tmp_path / "a", full_rows(tmp_path / "a" / "eval"))
    same = summary_csv(tmp_path / "b", full_rows(tmp_path / "b" / "eval"))
    cells, verdicts = repro.compare(a, same)
    assert len(cells) > 50 and all(c.a_in_b and c.b_in_a for c in cells if c.a_ci and c.b_ci)
    assert not any(v["conflict"] for v in verdicts) and all(v["a"] == v["b"] for v in verdicts)
    # a run where no method touched retain (as Finetune's 95): finding (i) flips to "not held"
    rows = full_rows(tmp_path / "c" / "eval")
    for r in rows:
        if r["target"] == "person" and r["method"] not in ("none", "goal"):
            r.update(make_row(tmp_path / "c" / "eval", r["adapter"], method=r["method"], target="person",
                              setting=r["setting"], seed=r["seed"], raw=person_raw(100, 95, 0.3), kinds=KINDS))
    other = summary_csv(tmp_path / "c", rows)
    cells, verdicts = repro.compare(a, other)
    retain = [c for c in cells if c.table == "Table 1 person" and c.metric == "person_retain" and c.row not in
              ("Finetune", "Goal (person)")]
    assert len(retain) == 8 and not any(c.a_in_b or c.b_in_a for c in retain)
    assert [v["pattern"] for v in verdicts if v["conflict"]] == ["i"]
    text = repro.render(cells, verdicts, "run A", "run B")
    assert "NOT met" in text and "held vs not held conflicts: 1" in text and "| forget10 | (i) | held | not held | CONFLICT |" in text


def test_report_and_repro_pool_several_summaries(tmp_path):
    """A study with unlearn.redraw_forget scores each draw into its own summary.csv; `pebench report`
    (and repro.compare) pool their rows: the same tables, findings and verdicts as one file with all rows."""
    from pebench_cli.cli import _main, run
    from pebench_cli.study import repro

    rows = full_rows(tmp_path / "eval")
    one = summary_csv(tmp_path / "all", rows)
    parts = [summary_csv(tmp_path / f"s{s}", [r for r in rows if r["seed"] == s or (s == 0 and r["seed"] == "")])
             for s in (0, 1, 2)]
    assert sum(len(RS.read_summary(p)) for p in parts) == len(rows)
    assert run(_main, ["report", *map(str, parts), "--out", str(tmp_path / "pooled"), "--title", "t"]) == 0
    pooled = (tmp_path / "pooled" / "report.md").read_text()
    whole = R.write_report(tmp_path / "whole", one, title="t")["md"].read_text()
    assert pooled.split("\n", 3)[3] == whole.split("\n", 3)[3]      # all but the "From ..." line
    assert ", ".join(map(str, parts)) in pooled
    cells, verdicts = repro.compare(parts, one)
    assert cells and all(c.a == c.b and c.a_ci == c.b_ci for c in cells)
    assert all(v["a"] == v["b"] for v in verdicts)


def test_known_row_efficacy_counts_only_the_rows_the_finetune_model_answered(tmp_path):
    """Finetune names 30 of 40 forget rows; a method still names rows 0-9 in every seed: its
    efficacy is 75.0 on all rows and 100 x (1 - 10/30) = 66.7 on the known rows."""
    ft_correct = [i < 30 for i in range(40)]
    method_correct = [i < 10 for i in range(40)]
    rows = [make_row(tmp_path, "base", method="none", setting="person_forget10", raw={"person_efficacy": ft_correct})]
    rows += [make_row(tmp_path, f"ga-s{sd}", method="ga", target="person", setting="person_forget10", seed=sd,
                      raw={"person_efficacy": method_correct}) for sd in (0, 1, 2)]
    log = tmp_path / "base" / "base_samples_pebench_person_forget.jsonl"
    recs = [json.loads(line) for line in log.read_text().splitlines()]
    for r in recs:
        r["person_efficacy"]["answer_kind"] = "true" if r["person_efficacy"]["correct"] else "other"
    log.write_text("".join(json.dumps(r) + "\n" for r in recs))
    study = study_of(summary_csv(tmp_path, rows))
    ga = study.entry("ga", "person")
    assert study.cell(ga, "person_efficacy").value == pytest.approx(75.0)
    known = study.cell(ga, "person_efficacy_known")
    assert known.value == pytest.approx(100 * (1 - 10 / 30)) and known.design.n_rows == 90
    lo, hi = known.ci
    assert lo <= known.value <= hi
    assert study.cell(study.finetune("person"), "person_efficacy_known").value == pytest.approx(0.0)
    # without the Finetune model's logs there is no known-row cell (never the all-rows value)
    log.unlink()
    assert study_of(summary_csv(tmp_path, rows)).cell(ga, "person_efficacy_known").value is None
