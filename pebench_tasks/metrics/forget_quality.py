"""Beyond the paper: forget quality (TOFU) and a loss-based membership-inference AUC, per model.

Input: per-sample statistics, the mean log-probability of the true answer's tokens under the
training prompt (length-normalised; ``pebench_tasks.scoring.answer_logprobs`` computes them).

* Forget quality, as in TOFU (Maini et al. 2024, section 2.5): the p-value of the two-sample
  Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``) between the model's statistics on the forget
  set and the Goal model's (same setting, never trained on the forget targets). High p: the
  model's forget-set answers look like a model that never saw them. TOFU uses the truth ratio; we
  use the answer log-probability (our decision: PEBench has no perturbed answers to build a truth
  ratio from).
* MIA AUC (as open-unlearning's loss attack): ``sklearn.metrics.roc_auc_score`` of the statistic
  for members = the forget rows (training views the Finetune model was trained on) against
  non-members = the generality rows (held-out views of the same targets, trained on by no model).
  Our decision: PEBench has no never-trained people, so membership is per image; 0.5 = the model
  cannot tell the two apart (as a Goal model), above 0.5 = training views are still recognised.
"""
from __future__ import annotations

import numpy as np

FORGET, HELDOUT = "forget", "generality"      # member and non-member splits


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


def summarize(records: list[dict], goal_of: dict[str, str]) -> list[dict]:
    """One row per (model, setting) from per-sample ``records`` ({model, setting, split, logprob});
    ``goal_of`` maps a setting to the name of its Goal model (settings without one: no forget quality)."""
    by: dict[tuple[str, str, str], list[float]] = {}
    for r in records:
        by.setdefault((r["model"], r["setting"], r["split"]), []).append(float(r["logprob"]))
    out = []
    for model, setting in dict.fromkeys((m, s) for m, s, _ in by):
        forget, held = by.get((model, setting, FORGET), []), by.get((model, setting, HELDOUT), [])
        row = {"model": model, "setting": setting, "n_forget": len(forget), "n_heldout": len(held),
               "logprob_forget": float(np.mean(forget)) if forget else None,
               "logprob_heldout": float(np.mean(held)) if held else None,
               "ks_d": None, "forget_quality": None,
               "mia_auc": mia_auc(forget, held) if forget and held else None}
        goal = by.get((goal_of.get(setting, ""), setting, FORGET))
        if forget and goal:
            row["ks_d"], row["forget_quality"] = forget_quality(forget, goal)
        out.append(row)
    return out
