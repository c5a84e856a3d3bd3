"""Evaluation metrics for risk scores: discrimination, calibration, fairness.

Pure functions of arrays: ``y`` holds 0/1 labels, ``score`` a risk score
(a probability where calibration is measured), ``groups`` the value of one
fairness attribute per row (gender, age_band, country). Fairness attributes
are used here, for auditing, and never as model inputs.

Group rules, everywhere below: a missing group value is its own group
``"unknown"``; groups with fewer than ``min_rows`` rows (default 30) or with
only one class cannot have an ROC curve and are skipped — and reported as
skipped, with the reason, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

#: Smallest group that gets its own ROC-AUC, ABROCA and TPR/FPR.
MIN_GROUP_ROWS = 30
#: Fairness attributes audited by default (columns of the profile view).
FAIRNESS_ATTRIBUTES = ("gender", "age_band", "country")


def _arrays(y: Any, score: Any) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y, dtype=float).ravel()
    s_arr = np.asarray(score, dtype=float).ravel()
    if y_arr.shape != s_arr.shape:
        raise ValueError(f"labels and scores differ in length: {len(y_arr)} vs {len(s_arr)}")
    return y_arr, s_arr


def _both_classes(y: np.ndarray) -> bool:
    return len(y) > 0 and 0 < y.sum() < len(y)


# ------------------------------------------------------------------ discrimination


def roc_auc(y: Any, score: Any) -> float:
    """Area under the ROC curve; NaN when only one class is present."""
    y_arr, s_arr = _arrays(y, score)
    return float(roc_auc_score(y_arr, s_arr)) if _both_classes(y_arr) else float("nan")


def pr_auc(y: Any, score: Any) -> float:
    """Area under the precision-recall curve (average precision); NaN without positives."""
    y_arr, s_arr = _arrays(y, score)
    if y_arr.sum() == 0:
        return float("nan")
    return float(average_precision_score(y_arr, s_arr))


# --------------------------------------------------------------------- calibration


def brier(y: Any, probability: Any) -> float:
    """Mean squared difference between the predicted probability and the outcome."""
    y_arr, p_arr = _arrays(y, probability)
    return float(brier_score_loss(y_arr, p_arr))


def expected_calibration_error(y: Any, probability: Any, n_bins: int = 10) -> float:
    """ECE over ``n_bins`` equal-width probability bins.

    ``sum_b (n_b / n) * |mean(y in b) - mean(p in b)|``; bins are
    ``[0, 0.1), [0.1, 0.2), ..., [0.9, 1.0]`` for 10 bins (1.0 falls in the last).
    """
    y_arr, p_arr = _arrays(y, probability)
    if len(y_arr) == 0:
        return float("nan")
    bins = np.clip(np.floor(p_arr * n_bins).astype(int), 0, n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        in_bin = bins == b
        total += in_bin.sum() / len(y_arr) * abs(y_arr[in_bin].mean() - p_arr[in_bin].mean())
    return float(total)


def calibration_table(y: Any, probability: Any, n_bins: int = 10) -> pd.DataFrame:
    """Per equal-width bin: rows, mean predicted probability, observed rate (for plots)."""
    y_arr, p_arr = _arrays(y, probability)
    bins = np.clip(np.floor(p_arr * n_bins).astype(int), 0, n_bins - 1)
    frame = pd.DataFrame({"bin": bins, "y": y_arr, "p": p_arr})
    table = frame.groupby("bin").agg(rows=("y", "size"), predicted=("p", "mean"),
                                     observed=("y", "mean"))
    return table.reset_index()


# ------------------------------------------------------------------------ fairness


def _group_labels(groups: Any) -> np.ndarray:
    values = pd.Series(groups, dtype=object)
    return values.where(values.notna(), "unknown").astype(str).to_numpy()


def eligible_groups(y: Any, groups: Any, min_rows: int = MIN_GROUP_ROWS
                    ) -> tuple[list[str], dict[str, str]]:
    """Groups big enough and with both classes, and ``{group: reason}`` for the rest."""
    y_arr = np.asarray(y, dtype=float).ravel()
    labels = _group_labels(groups)
    kept, skipped = [], {}
    for group in sorted(set(labels)):
        in_group = labels == group
        n = int(in_group.sum())
        if n < min_rows:
            skipped[group] = f"{n} rows < {min_rows}"
        elif not _both_classes(y_arr[in_group]):
            skipped[group] = f"only one class in {n} rows"
        else:
            kept.append(group)
    return kept, skipped


def group_roc_auc(y: Any, score: Any, groups: Any, min_rows: int = MIN_GROUP_ROWS
                  ) -> dict[str, Any]:
    """ROC-AUC per group and the largest gap between two groups.

    Returns ``{"auc": {group: auc}, "gap": max - min (NaN with < 2 groups),
    "skipped": {group: reason}}``.
    """
    y_arr, s_arr = _arrays(y, score)
    labels = _group_labels(groups)
    kept, skipped = eligible_groups(y_arr, labels, min_rows)
    aucs = {g: roc_auc(y_arr[labels == g], s_arr[labels == g]) for g in kept}
    gap = max(aucs.values()) - min(aucs.values()) if len(aucs) >= 2 else float("nan")
    return {"auc": aucs, "gap": float(gap), "skipped": skipped}


def _roc_points(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fpr, tpr, _ = roc_curve(y, score, drop_intermediate=False)
    return fpr, tpr


def _segment_values(fpr: np.ndarray, tpr: np.ndarray, left: float, right: float
                    ) -> tuple[float, float]:
    """A piecewise-linear ROC curve's values at both ends of an interval that holds no
    breakpoint of it, ignoring vertical jumps at the ends (they enclose no area)."""
    third = (right - left) / 3.0
    a = float(np.interp(left + third, fpr, tpr))
    b = float(np.interp(right - third, fpr, tpr))
    slope = (b - a) / third
    return a - slope * third, b + slope * third


def abroca_pair(y_a: Any, score_a: Any, y_b: Any, score_b: Any) -> float:
    """Absolute area between two groups' ROC curves (ABROCA), computed exactly.

    Both curves are piecewise linear in FPR; between consecutive breakpoints of
    either curve the difference is linear, so ``|tpr_a - tpr_b|`` integrates in
    closed form (splitting a segment where the curves cross).
    """
    fa, ta = _roc_points(*_arrays(y_a, score_a))
    fb, tb = _roc_points(*_arrays(y_b, score_b))
    grid = np.unique(np.concatenate([fa, fb, [0.0, 1.0]]))
    area = 0.0
    for left, right in zip(grid[:-1], grid[1:], strict=True):
        width = right - left
        if width <= 0:
            continue
        a0, a1 = _segment_values(fa, ta, left, right)
        b0, b1 = _segment_values(fb, tb, left, right)
        d0, d1 = a0 - b0, a1 - b1
        if d0 * d1 >= 0:
            area += width * (abs(d0) + abs(d1)) / 2.0
        else:  # the curves cross inside the segment: two triangles
            area += width * (d0 * d0 + d1 * d1) / (2.0 * (abs(d0) + abs(d1)))
    return float(area)


def abroca(y: Any, score: Any, groups: Any, min_rows: int = MIN_GROUP_ROWS
           ) -> dict[str, Any]:
    """ABROCA of an attribute.

    Two eligible groups: the area between their ROC curves. More than two: each
    group against the *majority* group (the eligible group with most rows), and
    the attribute's ABROCA is the largest of those areas — the worst-served
    group's distance from the curve most learners get. Returns ``{"abroca",
    "reference_group", "by_group": {group: area vs reference}, "skipped"}``.
    """
    y_arr, s_arr = _arrays(y, score)
    labels = _group_labels(groups)
    kept, skipped = eligible_groups(y_arr, labels, min_rows)
    if len(kept) < 2:
        return {"abroca": float("nan"), "reference_group": kept[0] if kept else None,
                "by_group": {}, "skipped": skipped}
    sizes = {g: int((labels == g).sum()) for g in kept}
    reference = max(kept, key=lambda g: (sizes[g], g))
    ref = labels == reference
    by_group = {
        g: abroca_pair(y_arr[labels == g], s_arr[labels == g], y_arr[ref], s_arr[ref])
        for g in kept if g != reference
    }
    return {"abroca": max(by_group.values()), "reference_group": reference,
            "by_group": by_group, "skipped": skipped}


def rate_gaps(y: Any, score: Any, groups: Any, threshold: float,
              min_rows: int = MIN_GROUP_ROWS) -> dict[str, Any]:
    """TPR and FPR per group at the operating ``threshold`` (flagged: score >= threshold),
    and the largest gap of each between two groups."""
    y_arr, s_arr = _arrays(y, score)
    labels = _group_labels(groups)
    kept, skipped = eligible_groups(y_arr, labels, min_rows)
    flagged = s_arr >= threshold
    tpr, fpr = {}, {}
    for g in kept:
        in_group = labels == g
        pos, neg = in_group & (y_arr == 1), in_group & (y_arr == 0)
        tpr[g] = float(flagged[pos].mean())
        fpr[g] = float(flagged[neg].mean())

    def gap(values: Mapping[str, float]) -> float:
        return float(max(values.values()) - min(values.values())) if len(values) >= 2 \
            else float("nan")

    return {"tpr": tpr, "fpr": fpr, "tpr_gap": gap(tpr), "fpr_gap": gap(fpr),
            "threshold": float(threshold), "skipped": skipped}


def _rank_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC-AUC by the rank-sum (Mann-Whitney) identity, ties averaged — the same value
    as :func:`roc_auc`, without its input checks (for permutation loops)."""
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2)
                 / (positives * negatives))


def permutation_gap_test(y: Any, score: Any, groups: Any, clusters: Any | None = None,
                         min_rows: int = MIN_GROUP_ROWS, n_permutations: int = 200,
                         seed: int = 0) -> dict[str, float]:
    """Is an attribute's group ROC-AUC gap more than equal treatment would show by chance?

    The null hypothesis is that group membership is unrelated to how well the
    score ranks: group values are shuffled across ``clusters`` (learners — a
    learner seen at several cutoffs keeps one value; rows when None), the gap
    (max - min over the groups eligible on the real data) is recomputed each
    time, and ``p_value = (1 + #{null gap >= observed}) / (1 + n_permutations)``.
    Also returns the observed gap and the null median (the gap sampling noise
    alone produces at this size).
    """
    y_arr, s_arr = _arrays(y, score)
    labels = _group_labels(groups)
    kept, _ = eligible_groups(y_arr, labels, min_rows)
    if len(kept) < 2:
        return {"gap": float("nan"), "p_value": float("nan"), "null_median": float("nan")}

    def gap(values: np.ndarray) -> float:
        aucs = [_rank_auc(y_arr[values == g], s_arr[values == g]) for g in kept]
        aucs = [a for a in aucs if not np.isnan(a)]
        return max(aucs) - min(aucs) if len(aucs) >= 2 else float("nan")

    observed = gap(labels)
    units = np.arange(len(y_arr)) if clusters is None else np.asarray(clusters)
    unique, first, inverse = np.unique(units, return_index=True, return_inverse=True)
    unit_labels = labels[first]
    rng = np.random.default_rng(seed)
    null = np.array([gap(rng.permutation(unit_labels)[inverse])
                     for _ in range(n_permutations)])
    null = null[~np.isnan(null)]
    return {"gap": float(observed),
            "p_value": float((1 + (null >= observed - 1e-12).sum()) / (1 + len(null))),
            "null_median": float(np.median(null)) if len(null) else float("nan")}


def fairness_report(y: Any, score: Any, groups: pd.DataFrame, threshold: float,
                    attributes: tuple[str, ...] = FAIRNESS_ATTRIBUTES,
                    min_rows: int = MIN_GROUP_ROWS, *, clusters: Any | None = None,
                    n_permutations: int = 0, alpha: float = 0.05,
                    seed: int = 0) -> dict[str, Any]:
    """Per attribute: group ROC-AUCs and gap, ABROCA, TPR/FPR gaps, skipped groups.

    ``largest_auc_gap`` is the largest per-attribute AUC gap (NaN if no
    attribute has two eligible groups) — the number the fairness gate reads.

    With ``n_permutations > 0`` each attribute also gets ``auc_gap_p_value`` and
    ``auc_gap_null_median`` (:func:`permutation_gap_test` over ``clusters``),
    and the report ``largest_significant_auc_gap``: the largest gap among the
    attributes whose p-value is below ``alpha`` (0.0 when none is). Max - min of
    noisy AUCs is biased upwards: with a few hundred rows per group, a model
    that treats every group alike routinely shows a point gap of 0.05-0.10.
    """
    y_arr, s_arr = _arrays(y, score)
    report: dict[str, Any] = {"min_rows": min_rows, "attributes": {}}
    gaps = []
    significant = []
    for attribute in attributes:
        if attribute not in groups:
            report["attributes"][attribute] = {"missing": True}
            continue
        values = groups[attribute].to_numpy()
        aucs = group_roc_auc(y_arr, s_arr, values, min_rows)
        area = abroca(y_arr, s_arr, values, min_rows)
        rates = rate_gaps(y_arr, s_arr, values, threshold, min_rows)
        report["attributes"][attribute] = {
            "auc": aucs["auc"], "auc_gap": aucs["gap"],
            "abroca": area["abroca"], "abroca_reference_group": area["reference_group"],
            "abroca_by_group": area["by_group"],
            "tpr": rates["tpr"], "fpr": rates["fpr"],
            "tpr_gap": rates["tpr_gap"], "fpr_gap": rates["fpr_gap"],
            "skipped": aucs["skipped"],
        }
        if not np.isnan(aucs["gap"]):
            gaps.append(aucs["gap"])
        if n_permutations:
            test = permutation_gap_test(y_arr, s_arr, values, clusters, min_rows,
                                        n_permutations, seed)
            report["attributes"][attribute].update(auc_gap_p_value=test["p_value"],
                                                   auc_gap_null_median=test["null_median"])
            if test["p_value"] < alpha:
                significant.append(aucs["gap"])
    report["largest_auc_gap"] = float(max(gaps)) if gaps else float("nan")
    if n_permutations:
        report["largest_significant_auc_gap"] = float(max(significant)) if significant \
            else (0.0 if gaps else float("nan"))
        report["permutation_test"] = {"permutations": n_permutations, "alpha": alpha,
                                      "unit": "row" if clusters is None else "learner"}
    report["threshold"] = float(threshold)
    return report


def classification_metrics(y: Any, score: Any, *, probability: bool = True
                           ) -> dict[str, float]:
    """ROC-AUC and PR-AUC; for probabilities also Brier and ECE; plus rows and base rate."""
    y_arr, s_arr = _arrays(y, score)
    out = {"roc_auc": roc_auc(y_arr, s_arr), "pr_auc": pr_auc(y_arr, s_arr),
           "rows": float(len(y_arr)),
           "base_rate": float(y_arr.mean()) if len(y_arr) else float("nan")}
    if probability:
        out["brier"] = brier(y_arr, s_arr)
        out["ece"] = expected_calibration_error(y_arr, s_arr)
    return out
