"""Risk metrics on hand-made arrays, exact values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.metrics import (
    abroca,
    abroca_pair,
    brier,
    classification_metrics,
    expected_calibration_error,
    fairness_report,
    group_roc_auc,
    pr_auc,
    rate_gaps,
    roc_auc,
)

# Group A: ROC (0,0)-(0,.5)-(.5,.5)-(.5,1)-(1,1), AUC 0.75.  Group B: perfect, AUC 1.
Y_A, S_A = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
Y_B, S_B = [0, 1], [0.2, 0.9]


def test_roc_and_pr_auc() -> None:
    assert roc_auc(Y_A, S_A) == 0.75
    # ranked: 0.8 (pos, P=1, R=.5), 0.4 (neg), 0.35 (pos, P=2/3, R=1)
    assert pr_auc(Y_A, S_A) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3, abs=1e-12)
    assert math.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_brier_and_ece() -> None:
    assert brier([0, 1], [0.2, 0.6]) == pytest.approx((0.04 + 0.16) / 2)
    # bins: [0,.1): p=.05,y=0 -> .05 ; [.2,.3): p=.25,.25 y=0,1 -> .25 ; [.9,1]: p=1, y=1 -> 0
    y, p = [0, 0, 1, 1], [0.05, 0.25, 0.25, 1.0]
    assert expected_calibration_error(y, p) == pytest.approx(0.25 * 0.05 + 0.5 * 0.25 + 0.0)
    assert expected_calibration_error([1, 0], [0.5, 0.5]) == 0.0


def test_group_auc_and_gap_skip_small_and_one_class_groups() -> None:
    y = Y_A + Y_B + [1, 1, 1]
    s = S_A + S_B + [0.5, 0.6, 0.7]
    g = ["A"] * 4 + ["B"] * 2 + ["C"] * 3
    out = group_roc_auc(y, s, g, min_rows=2)
    assert out["auc"] == {"A": 0.75, "B": 1.0}
    assert out["gap"] == 0.25
    assert out["skipped"] == {"C": "only one class in 3 rows"}
    small = group_roc_auc(y, s, g, min_rows=3)
    assert small["auc"] == {"A": 0.75}
    assert small["skipped"] == {"B": "2 rows < 3", "C": "only one class in 3 rows"}
    assert math.isnan(small["gap"])


def test_abroca_when_one_curve_dominates() -> None:
    # B lies above A on [0, .5] by .5 and equals it after: area .25 (= AUC difference).
    assert abroca_pair(Y_A, S_A, Y_B, S_B) == pytest.approx(0.25, abs=1e-12)
    assert abroca_pair(Y_A, S_A, Y_A, S_A) == 0.0


def test_abroca_when_curves_cross_inside_a_segment() -> None:
    # A: all tied -> the diagonal tpr = fpr.  B: tpr = .5 for fpr in (0, 1).
    # They cross at fpr = .5, inside B's segment (1/3, 2/3): area = int |x - .5| = .25.
    y_a, s_a = [0, 1], [0.5, 0.5]
    y_b, s_b = [1, 0, 0, 0, 1], [0.9, 0.8, 0.7, 0.6, 0.1]
    assert abroca_pair(y_a, s_a, y_b, s_b) == pytest.approx(0.25, abs=1e-12)


def test_abroca_many_groups_against_the_majority() -> None:
    y = Y_A * 2 + Y_B + [0, 1]
    s = S_A * 2 + S_B + [0.9, 0.1]   # group C: perfectly wrong, AUC 0
    g = ["A"] * 8 + ["B"] * 2 + ["C"] * 2
    out = abroca(y, s, g, min_rows=2)
    assert out["reference_group"] == "A"
    assert out["by_group"] == pytest.approx({"B": 0.25, "C": 0.75})
    assert out["abroca"] == pytest.approx(0.75)


def test_tpr_fpr_gaps_at_threshold() -> None:
    y = Y_A + Y_B
    s = S_A + S_B
    g = ["A"] * 4 + ["B"] * 2
    out = rate_gaps(y, s, g, threshold=0.5, min_rows=2)
    assert out["tpr"] == {"A": 0.5, "B": 1.0}
    assert out["fpr"] == {"A": 0.0, "B": 0.0}
    assert (out["tpr_gap"], out["fpr_gap"]) == (0.5, 0.0)


def test_fairness_report_names_skipped_groups_and_missing_values() -> None:
    rng = np.random.default_rng(0)
    n = 200
    y = rng.integers(0, 2, n)
    s = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    groups = pd.DataFrame({
        "gender": np.where(np.arange(n) < 100, "Female", "Male"),
        "country": np.where(np.arange(n) < 190, "India", None),
    })
    report = fairness_report(y, s, groups, threshold=0.5)
    assert set(report["attributes"]["gender"]["auc"]) == {"Female", "Male"}
    assert report["attributes"]["country"]["skipped"] == {"unknown": "10 rows < 30"}
    assert report["attributes"]["age_band"] == {"missing": True}
    assert report["largest_auc_gap"] == report["attributes"]["gender"]["auc_gap"]


def test_classification_metrics_of_a_rule_have_no_calibration() -> None:
    out = classification_metrics(Y_A, [3, 10, 1, 30], probability=False)
    assert set(out) == {"roc_auc", "pr_auc", "rows", "base_rate"}
    assert out["roc_auc"] == 0.5 and out["base_rate"] == 0.5


def test_rank_auc_is_sklearns_auc_with_ties() -> None:
    from models.metrics import _rank_auc

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.random(300), 1)  # many ties
    assert _rank_auc(y, s) == pytest.approx(roc_auc(y, s), abs=1e-12)


def test_permutation_test_separates_a_real_gap_from_noise() -> None:
    rng = np.random.default_rng(2)
    n = 600
    y = rng.integers(0, 2, n)
    learners = np.arange(n) // 2                           # two rows per learner
    groups = np.where(learners % 2 == 0, "A", "B")         # a learner keeps one group
    fair = rng.random(n) + 0.8 * y                         # same signal in both groups
    unfair = np.where(groups == "A", fair, rng.random(n) + 0.2 * y)
    frame = pd.DataFrame({"gender": groups})
    fair_report = fairness_report(y, fair, frame, 0.5, ("gender",), clusters=learners,
                                  n_permutations=100)
    unfair_report = fairness_report(y, unfair, frame, 0.5, ("gender",), clusters=learners,
                                    n_permutations=100)
    assert fair_report["attributes"]["gender"]["auc_gap_p_value"] > 0.05
    assert fair_report["largest_significant_auc_gap"] == 0.0
    assert unfair_report["attributes"]["gender"]["auc_gap_p_value"] == pytest.approx(1 / 101)
    assert unfair_report["largest_significant_auc_gap"] == unfair_report["largest_auc_gap"]
    assert unfair_report["permutation_test"] == {"permutations": 100, "alpha": 0.05,
                                                 "unit": "learner"}
