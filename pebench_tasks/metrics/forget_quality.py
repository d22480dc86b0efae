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
  of the statistic for members = the forget rows (training views the Finetune model was trained on)
  against non-members = the ``holdout`` rows (entities in no training split of any model,
  docs/schema.md), with a 95 % percentile bootstrap interval (``scipy.stats.bootstrap``, members and
  non-members resampled independently). 0.5 = the model cannot tell its forget targets from people
  (events) it never saw, as the Goal model; above 0.5 = the targets are still recognised. (Until
  2026-12-06 the non-members were held-out views of the SAME targets: the Finetune model recognises
  those as well as training views, so its AUC was ~0.5 like the Goal model's.)
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


def mia_auc(members: list[float], nonmembers: list[float]) -> float:
    """ROC AUC of "higher answer log-probability = member"."""
    from sklearn.metrics import roc_auc_score

    y = [1] * len(members) + [0] * len(nonmembers)
    return float(roc_auc_score(y, list(members) + list(nonmembers)))


def mia_auc_ci(members: list[float], nonmembers: list[float], seed: int = 0, n_resamples: int = 999) -> tuple[float, float]:
    """95 % percentile bootstrap interval of :func:`mia_auc` (the two samples resampled independently)."""
    from scipy.stats import bootstrap

    from sklearn.metrics import roc_auc_score

    def auc(m, n, axis=-1):
        m, n = np.atleast_2d(m), np.atleast_2d(n)
        y = np.r_[np.ones(m.shape[-1]), np.zeros(n.shape[-1])]
        return np.array([roc_auc_score(y, np.r_[a, b]) for a, b in zip(m, n)])

    res = bootstrap((np.asarray(members, float), np.asarray(nonmembers, float)), auc, paired=False, vectorized=True,
                    n_resamples=n_resamples, method="percentile", rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def summarize(records: list[dict], goal_of: dict[str, str]) -> list[dict]:
    """One row per (model, setting) from per-sample ``records`` ({model, setting, split, logprob});
    ``goal_of`` maps a setting to the name of its Goal model (settings without one: no forget quality)."""
    by: dict[tuple[str, str, str], list[float]] = {}
    per_model: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        by.setdefault((r["model"], r["setting"], r["split"]), []).append(float(r["logprob"]))
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
            row["mia_auc"] = mia_auc(forget, held)
            row["mia_auc_lo"], row["mia_auc_hi"] = mia_auc_ci(forget, held)
        tr = ratios.get((model, setting), {})
        row["truth_ratio"] = float(np.mean(list(tr.values()))) if tr else None
        goal = ratios.get((goal_of.get(setting, ""), setting), {})
        shared = sorted(set(tr) & set(goal))        # the same forget rows on both sides
        if shared:
            row["ks_d"], row["forget_quality"] = forget_quality([tr[q] for q in shared], [goal[q] for q in shared])
        out.append(row)
    return out
