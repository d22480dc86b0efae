"""Beyond the paper: forget quality (TOFU) and a loss-based membership-inference AUC, per model.

Input: per-sample statistics, the mean log-probability of an answer's tokens under the training
prompt (length-normalised, i.e. log P(a)^(1/|a|); ``pebench_tasks.scoring.answer_logprobs``
computes them) for the true answer of every forget and held-out row, and for ``PERTURBATIONS``
perturbed answers of every forget row (:func:`perturbed_answers`).

* Truth ratio, as in TOFU (Maini et al. 2024, section 2.5.1): R = mean_k P(ã_k)^(1/|ã_k|) /
  P(a)^(1/|a|) over the perturbed answers ã_k of a forget row. TOFU divides by a paraphrased
  answer; PEBench has none, so the true answer is the denominator (our decision). Perturbed answers
  are natural for PEBench: the true answer with another person's full name (person rows), or
  another event's answer (event rows). R << 1: the model still prefers the truth.
* Forget quality, as TOFU computes it: the p-value of the two-sample Kolmogorov-Smirnov test
  (``scipy.stats.ks_2samp``) between the model's truth ratios on the forget rows and the Goal
  model's (same setting, never trained on the forget targets). High p: the model's forget-set
  answers look like a model that never saw them. (Until 2026-12-06 the KS test compared the
  true answers' log-probabilities: every adapter of the demo got p = 1e-28 to 1e-64 with D = 1.00,
  so the column could not tell methods apart.)
* MIA AUC (as open-unlearning's loss attack, on TOFU's holdout set): ``sklearn.metrics.roc_auc_score``
  of the statistic (:func:`mia_statistic`) for members = the forget rows (training views the Finetune model was trained on)
  against non-members = the ``holdout`` rows (entities in no training split of any model,
  docs/schema.md), with a 95 % percentile bootstrap interval (``scipy.stats.bootstrap``, members and
  non-members resampled independently, by whole target: :func:`mia_auc_ci`). 0.5 = the model cannot tell its forget targets from people
  (events) it never saw, as the Goal model; above 0.5 = the targets are still recognised. (Until
  2026-12-06 the non-members were held-out views of the SAME targets: the Finetune model recognises
  those as well as training views, so its AUC was ~0.5 like the Goal model's.)
  The statistic of a person row is the mean log-probability of the tokens of the person's NAME
  (``logprob_name``), of an event row the whole answer's (event answers do not name the event). Our
  decision (2026-12-07): on the whole person answer the Goal model's AUC was 0.002, not ~0.5,
  because the answers are not exchangeable (a forget person's job and city words occur in no Goal
  training row, a holdout person's do: docs/metrics-2026-12-06.md); names of forget and holdout
  people come from the same generator and neither is in the Goal model's data.
"""
from __future__ import annotations

import numpy as np

FORGET, HOLDOUT = "forget", "holdout"         # member and non-member splits
PERTURBED = "perturbed"                         # the perturbed answers of the forget rows
PERTURBATIONS = 3                               # perturbed answers per forget row
SEP = "#"                                       # a perturbed row's qa_id: <forget qa_id>#<k>


def perturbed_answers(row: dict, names: list[str], event_answers: dict[str, str], k: int = PERTURBATIONS) -> list[str]:
    """``k`` wrong answers for a forget ``row`` (qa columns): person rows, the true answer with
    another person's full name in place of the target's (``names``: every person of the data set);
    event rows, other events' answers (``event_answers``: event name -> its answer). Chosen in a
    fixed order from the row's qa_id; [] when the answer does not contain the name to replace."""
    import hashlib

    h = int.from_bytes(hashlib.sha256(row["qa_id"].encode()).digest()[:4], "little")
    if row["concept"] == "person":
        if row["target"] not in row["answer"]:
            return []
        others = sorted(n for n in names if n != row["target"])
        return [row["answer"].replace(row["target"], others[(h + i) % len(others)]) for i in range(min(k, len(others)))]
    others = sorted(a for e, a in event_answers.items() if e != row["target"] and a != row["answer"])
    return [others[(h + i) % len(others)] for i in range(min(k, len(others)))]


def truth_ratios(records: list[dict]) -> dict[str, float]:
    """qa_id -> R of every forget row of ONE model that has perturbed answers (module doc)."""
    true = {r["qa_id"]: float(r["logprob"]) for r in records if r["split"] == FORGET}
    pert: dict[str, list[float]] = {}
    for r in records:
        if r["split"] == PERTURBED:
            pert.setdefault(r["qa_id"].rsplit(SEP, 1)[0], []).append(float(r["logprob"]))
    return {q: float(np.mean(np.exp(lps)) / np.exp(true[q])) for q, lps in pert.items() if q in true}


def forget_quality(values: list[float], goal_values: list[float]) -> tuple[float, float]:
    """(KS statistic D, p-value) of ``values`` against the Goal model's on the same rows."""
    from scipy.stats import ks_2samp

    res = ks_2samp(np.asarray(values, float), np.asarray(goal_values, float))
    return float(res.statistic), float(res.pvalue)


def name_span(row: dict) -> tuple[int, int] | None:
    """Character span of a person row's target name in its answer (qa columns); None otherwise."""
    if row.get("concept") != "person" or not row.get("target"):
        return None
    i = row["answer"].find(row["target"])
    return None if i < 0 else (i, i + len(row["target"]))


def span_mean(logprobs: list[float], offsets: list[tuple[int, int]], span: tuple[int, int] | None) -> float | None:
    """Mean of the token log-probs whose characters (``offsets``, the tokenizer's offset mapping)
    overlap ``span``; None without a span or when no token overlaps it."""
    if span is None:
        return None
    lo, hi = span
    picked = [lp for lp, (a, b) in zip(logprobs, offsets) if a < hi and b > lo]
    return sum(picked) / len(picked) if picked else None


def mia_statistic(record: dict) -> float:
    """The MIA's per-row statistic: ``logprob_name`` where the row has one, else ``logprob``."""
    v = record.get("logprob_name")
    return float(v) if v not in (None, "") else float(record["logprob"])


def mia_auc(members: list[float], nonmembers: list[float]) -> float:
    """ROC AUC of "higher answer log-probability = member"."""
    from sklearn.metrics import roc_auc_score

    y = [1] * len(members) + [0] * len(nonmembers)
    return float(roc_auc_score(y, list(members) + list(nonmembers)))


def mia_auc_ci(members: list[float], nonmembers: list[float], seed: int = 0, n_resamples: int = 999,
               member_groups: list[str] | None = None,
               nonmember_groups: list[str] | None = None) -> tuple[float | None, float | None]:
    """95 % percentile bootstrap interval of :func:`mia_auc`, members and non-members resampled
    independently. With ``*_groups`` (each row's forget / holdout target) whole targets are
    resampled, not rows: a target's rows share its name, so they are not independent (our decision,
    2026-12-07, as the study's intervals cover targets, docs/study.md). (None, None) when a
    side has fewer than two targets."""
    from scipy.stats import bootstrap, rankdata

    def grouped(values, groups):
        values = np.asarray(values, float)
        if groups is None:
            return [values[i:i + 1] for i in range(len(values))]
        keys = list(dict.fromkeys(groups))
        return [values[[g == k for g in groups]] for k in keys]

    mg, ng = grouped(members, member_groups), grouped(nonmembers, nonmember_groups)
    if len(mg) < 2 or len(ng) < 2:       # one target on a side (mini's one holdout event): no interval
        return None, None

    def auc(mi, ni, axis=-1):
        out = []
        for a, b in zip(np.atleast_2d(mi), np.atleast_2d(ni)):
            m, n = np.concatenate([mg[int(i)] for i in a]), np.concatenate([ng[int(i)] for i in b])
            # the AUC as the Mann-Whitney U / (n_m n_n) (equal to roc_auc_score, ties half): 999 resamples fast
            out.append((rankdata(np.r_[m, n])[:len(m)].sum() - len(m) * (len(m) + 1) / 2) / (len(m) * len(n)))
        return np.array(out)

    res = bootstrap((np.arange(len(mg)), np.arange(len(ng))), auc, paired=False, vectorized=True,
                    n_resamples=n_resamples, method="percentile", rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def summarize(records: list[dict], goal_of: dict[str, str]) -> list[dict]:
    """One row per (model, setting) from per-sample ``records`` ({model, setting, split, qa_id,
    logprob; optional logprob_name, and target: the row's person / event, the MIA interval's unit});
    ``goal_of`` maps a setting to the name of its Goal model (settings without one: no forget quality)."""
    by: dict[tuple[str, str, str], list[float]] = {}
    mia: dict[tuple[str, str, str], list[float]] = {}
    groups: dict[tuple[str, str, str], list[str]] = {}
    per_model: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        by.setdefault((r["model"], r["setting"], r["split"]), []).append(float(r["logprob"]))
        mia.setdefault((r["model"], r["setting"], r["split"]), []).append(mia_statistic(r))
        groups.setdefault((r["model"], r["setting"], r["split"]), []).append(r.get("target") or r["qa_id"])
        per_model.setdefault((r["model"], r["setting"]), []).append(r)
    ratios = {k: truth_ratios(v) for k, v in per_model.items()}
    out = []
    for model, setting in dict.fromkeys((m, s) for m, s, _ in by):
        forget, held = by.get((model, setting, FORGET), []), by.get((model, setting, HOLDOUT), [])
        row = {"model": model, "setting": setting, "n_forget": len(forget), "n_holdout": len(held),
               "logprob_forget": float(np.mean(forget)) if forget else None,
               "logprob_holdout": float(np.mean(held)) if held else None,
               "ks_d": None, "forget_quality": None, "mia_auc": None, "mia_auc_lo": None, "mia_auc_hi": None}
        if forget and held:
            members, nonmembers = mia[(model, setting, FORGET)], mia[(model, setting, HOLDOUT)]
            row["mia_auc"] = mia_auc(members, nonmembers)
            row["mia_auc_lo"], row["mia_auc_hi"] = mia_auc_ci(members, nonmembers, member_groups=groups[(model, setting, FORGET)],
                                                              nonmember_groups=groups[(model, setting, HOLDOUT)])
        tr = ratios.get((model, setting), {})
        row["truth_ratio"] = float(np.mean(list(tr.values()))) if tr else None
        goal = ratios.get((goal_of.get(setting, ""), setting), {})
        shared = sorted(set(tr) & set(goal))        # the same forget rows on both sides
        if shared:
            row["ks_d"], row["forget_quality"] = forget_quality([tr[q] for q in shared], [goal[q] for q in shared])
        out.append(row)
    return out
