"""Tables and figures the notebooks show, as functions of frames and results.

Pure: nothing here reads the database or MLflow. Figures are built on
``matplotlib.figure.Figure`` (no pyplot state), like the MLflow artifacts of
:mod:`registry.tracking`, so they render the same in Jupyter, in tests and in files.
The ROC, calibration and per-group ROC figures of a training run come from
:mod:`registry.tracking` itself, so a notebook shows exactly what MLflow stores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from models.metrics import (
    MIN_GROUP_ROWS,
    calibration_table,
    eligible_groups,
    expected_calibration_error,
)
from models.risk import RiskTrainingResult

#: Columns of :func:`model_comparison`, in order.
COMPARISON_COLUMNS = ("roc_auc", "pr_auc", "brier", "ece", "largest_auc_gap")


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


# ------------------------------------------------------------------------- features


def distribution_figure(frame: pd.DataFrame, columns: Sequence[str], ncols: int = 4,
                        bins: int = 30) -> Figure:
    """A histogram per column (missing values left out; their count in the title)."""
    nrows = max(1, math.ceil(len(columns) / ncols))
    figure = _figure(3.2 * ncols, 2.4 * nrows)
    for i, column in enumerate(columns):
        ax = figure.add_subplot(nrows, ncols, i + 1)
        values = pd.to_numeric(frame[column], errors="coerce")
        ax.hist(values.dropna(), bins=bins, color="tab:blue")
        missing = int(values.isna().sum())
        ax.set_title(column + (f" ({missing} missing)" if missing else ""), fontsize=8)
        ax.tick_params(labelsize=7)
    figure.tight_layout()
    return figure


def correlation_pairs(frame: pd.DataFrame, columns: Sequence[str], top: int = 10) -> pd.DataFrame:
    """The ``top`` most correlated pairs of ``columns`` (Spearman), strongest first.

    Spearman, because counts and minutes are skewed and what matters for trees is
    order. Columns without variance have no correlation and are left out.
    """
    numeric = frame[list(columns)].apply(pd.to_numeric, errors="coerce")
    numeric = numeric.loc[:, numeric.nunique(dropna=True) > 1]
    matrix = numeric.corr(method="spearman")
    upper = np.triu(np.ones(matrix.shape, dtype=bool), k=1)
    pairs = matrix.where(upper).stack().rename("correlation").reset_index()
    pairs.columns = ["feature_a", "feature_b", "correlation"]
    order = pairs["correlation"].abs().sort_values(ascending=False, kind="stable").index
    return pairs.loc[order].head(top).reset_index(drop=True)


def correlation_figure(frame: pd.DataFrame, columns: Sequence[str]) -> Figure:
    """Spearman correlation matrix of ``columns`` as a heatmap (-1 blue .. +1 red)."""
    numeric = frame[list(columns)].apply(pd.to_numeric, errors="coerce")
    matrix = numeric.corr(method="spearman")
    size = 2.5 + 0.28 * len(columns)
    figure = _figure(size + 1.0, size)
    ax = figure.add_subplot(1, 1, 1)
    image = ax.imshow(matrix.to_numpy(), cmap="coolwarm", vmin=-1, vmax=1)
    ax.set_xticks(range(len(columns)), matrix.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(len(columns)), matrix.index, fontsize=7)
    ax.set_title("Spearman correlation")
    figure.colorbar(image, ax=ax, shrink=0.8)
    figure.tight_layout()
    return figure


# ---------------------------------------------------------------------- risk models


def model_comparison(results: Mapping[str, RiskTrainingResult]) -> pd.DataFrame:
    """Holdout metrics of several training results and of their shared baselines.

    Rows: each named result, then the baselines (``baseline: recency_rule``, ...);
    columns: :data:`COMPARISON_COLUMNS` (NaN where a row has no such number, e.g. the
    rule baseline has no calibration). Raises ``ValueError`` unless every result was
    evaluated on the same holdout rows: numbers from different holdouts do not compare.
    """
    if not results:
        raise ValueError("no results to compare")
    first = next(iter(results.values()))
    keys = ["learner_id", "cutoff"]
    reference = first.holdout[keys].reset_index(drop=True)
    for name, result in results.items():
        if not result.holdout[keys].reset_index(drop=True).equals(reference):
            raise ValueError(f"{name!r} was evaluated on other holdout rows; train every "
                             "model on the same frame with the same split to compare them")
    rows: dict[str, dict[str, float]] = {}
    for name, result in results.items():
        rows[name] = {**result.metrics,
                      "largest_auc_gap": result.fairness["largest_auc_gap"]}
    for name, metrics in first.baselines.items():
        rows[f"baseline: {name}"] = dict(metrics)
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=COMPARISON_COLUMNS)
    table.index.name = "model"
    return table


# ------------------------------------------------------------------------- fairness


def fairness_table(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per (attribute, group) of a :func:`models.metrics.fairness_report`.

    Columns: ``auc``, ``tpr`` and ``fpr`` (at the report's threshold), ``abroca_vs_reference`` (0 for the reference group itself),
    ``skipped`` (the reason a group was too small to measure, else empty).
    """
    records = []
    for attribute, entry in report["attributes"].items():
        if entry.get("missing"):
            continue
        reference = entry.get("abroca_reference_group")
        for group, auc in entry["auc"].items():
            records.append({
                "attribute": attribute, "group": group, "auc": auc,
                "tpr": entry["tpr"].get(group, float("nan")),
                "fpr": entry["fpr"].get(group, float("nan")),
                "abroca_vs_reference": 0.0 if group == reference
                else entry["abroca_by_group"].get(group, float("nan")),
                "skipped": ""})
        for group, reason in entry["skipped"].items():
            records.append({"attribute": attribute, "group": group, "auc": float("nan"),
                            "tpr": float("nan"), "fpr": float("nan"),
                            "abroca_vs_reference": float("nan"), "skipped": reason})
    columns = ["attribute", "group", "auc", "tpr", "fpr", "abroca_vs_reference", "skipped"]
    return pd.DataFrame(records, columns=columns)


def fairness_summary(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per attribute: AUC gap (and its permutation p-value when the report has
    one), ABROCA with its reference group, TPR and FPR gaps."""
    records = []
    for attribute, entry in report["attributes"].items():
        if entry.get("missing"):
            continue
        records.append({"attribute": attribute, "auc_gap": entry["auc_gap"],
                        "auc_gap_p_value": entry.get("auc_gap_p_value", float("nan")),
                        "abroca": entry["abroca"],
                        "reference_group": entry["abroca_reference_group"],
                        "tpr_gap": entry["tpr_gap"], "fpr_gap": entry["fpr_gap"],
                        "groups_skipped": len(entry["skipped"])})
    return pd.DataFrame(records).set_index("attribute") if records else pd.DataFrame()


def group_calibration(y: Any, probability: Any, groups: Any, n_bins: int = 10,
                      min_rows: int = MIN_GROUP_ROWS) -> tuple[pd.DataFrame, pd.Series]:
    """Calibration per group: the binned table and each group's ECE.

    Groups follow :mod:`models.metrics`' rules (missing is ``"unknown"``; fewer than
    ``min_rows`` rows or one class only: skipped). Returns ``(table, ece)``: ``table`` has
    ``group`` plus the columns of :func:`models.metrics.calibration_table`; ``ece`` is
    indexed by group.
    """
    y_arr = np.asarray(y, dtype=float)
    p_arr = np.asarray(probability, dtype=float)
    labels = pd.Series(groups, dtype=object).fillna("unknown").astype(str).to_numpy()
    kept, _ = eligible_groups(y_arr, labels, min_rows)
    tables, eces = [], {}
    for group in kept:
        rows = labels == group
        tables.append(calibration_table(y_arr[rows], p_arr[rows], n_bins).assign(group=group))
        eces[group] = expected_calibration_error(y_arr[rows], p_arr[rows], n_bins)
    columns = ["group", "bin", "rows", "predicted", "observed"]
    table = (pd.concat(tables, ignore_index=True)[columns] if tables
             else pd.DataFrame(columns=columns))
    return table, pd.Series(eces, name="ece", dtype=float)


def group_calibration_figure(table: pd.DataFrame, ece: pd.Series, attribute: str) -> Figure:
    """Reliability curves of :func:`group_calibration`, one line per group."""
    figure = _figure(5.5, 4.5)
    ax = figure.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    for group, rows in table.groupby("group", sort=True):
        ax.plot(rows["predicted"], rows["observed"], marker="o",
                label=f"{group} (ECE {ece[group]:.3f})")
    ax.set(xlabel="mean predicted risk", ylabel="observed rate", xlim=(0, 1), ylim=(0, 1),
           title=f"Calibration by {attribute}")
    if len(table):
        ax.legend(loc="upper left", fontsize=7)
    figure.tight_layout()
    return figure


# -------------------------------------------------------------------- recommendations


def pick_learners(recs: pd.DataFrame, n: int = 3) -> list[int]:
    """``n`` learners worth reviewing: those whose lists span the most recommendation
    types, then the most rows; ties by learner id (deterministic)."""
    if recs.empty:
        return []
    per = recs.groupby("learner_id").agg(types=("recommendation_type", "nunique"),
                                         rows=("recommendation_type", "size"))
    per = per.reset_index().sort_values(["types", "rows", "learner_id"],
                                        ascending=[False, False, True], kind="stable")
    return per["learner_id"].head(n).astype(int).tolist()


def _item_name(kind: str, evidence: Mapping[str, Any], reference: str) -> str:
    if kind == "Mentor":
        return f"learner #{reference}"
    name = evidence.get("title") or evidence.get("name")
    return f"{name} ({reference})" if name else f"#{reference}"


def learner_recommendations(recs: pd.DataFrame, learner_id: int) -> pd.DataFrame:
    """A learner's rows of :func:`models.recommend.recommend`, readable: type, rank, the
    item's name (from the evidence), confidence, score and the reason."""
    mine = recs[recs["learner_id"] == learner_id]
    return pd.DataFrame({
        "type": mine["recommendation_type"].to_numpy(),
        "rank": mine["rec_rank"].to_numpy(),
        "item": [_item_name(k, ev, ref) for k, ev, ref in
                 zip(mine["recommendation_type"], mine["evidence"], mine["reference_id"],
                     strict=True)],
        "confidence": mine["confidence_score"].to_numpy(),
        "score": mine["score"].to_numpy(),
        "reason": mine["recommendation_reason"].to_numpy(),
    })


def evidence_terms(evidence: Mapping[str, Any]) -> pd.DataFrame:
    """The score's terms of one recommendation: value, weight and contribution
    (``value * weight``), largest contribution first. Their sum is the score."""
    table = pd.DataFrame.from_dict(evidence["terms"], orient="index",
                                   columns=["value", "weight", "contribution"])
    table.index.name = "term"
    return table.sort_values("contribution", ascending=False, kind="stable")


def evidence_facts(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The data behind one recommendation's terms (everything but the terms)."""
    return {key: value for key, value in evidence.items() if key != "terms"}


def metric_bars_figure(table: pd.DataFrame, metrics: Sequence[str]) -> Figure:
    """Grouped bars: one group per metric, one bar per method (rows of ``table``)."""
    figure = _figure(max(5.0, 1.1 * len(metrics) + 2.0), 4.0)
    ax = figure.add_subplot(1, 1, 1)
    width = 0.8 / max(len(table), 1)
    x = np.arange(len(metrics))
    for i, (method, row) in enumerate(table.iterrows()):
        ax.bar(x + (i - (len(table) - 1) / 2) * width, row[list(metrics)].to_numpy(float),
               width, label=str(method))
    ax.set_xticks(x, list(metrics), rotation=30, fontsize=8)
    ax.set(title="Offline evaluation (higher is better)")
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure
