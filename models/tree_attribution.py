"""Attributions of a gradient-boosted risk pipeline, re-scoring only the trees that
read the swapped feature.

:func:`models.explain.attributions` defines an effect as ``score(row) -
score(row with one feature at its reference)``. Scoring the swapped row through the
whole pipeline evaluates every tree of every calibration member, but a tree that
never splits on the feature gives the swapped row the same leaf: only the trees that
read it can change the raw score. So, per member,

    raw(swapped) = raw(row) - sum over trees reading the feature of leaf(row)
                            + sum over the same trees of leaf(swapped)

and the member's calibrator turns it into a probability, as ``predict_proba`` does.
With depth-3 trees a feature is read by about a tenth of the trees, so the swapped
rows cost a tenth of the tree evaluations, and they are swapped in the prepared
numeric matrix rather than as object-typed frames through the pipeline.

Supported: ``cast -> prepare (ColumnTransformer of passthrough and one-hot parts) ->
CalibratedClassifierCV(HistGradientBoostingClassifier)`` with sigmoid or isotonic
calibration, or the boosted classifier uncalibrated; binary targets, no native
categorical splits. That is every tree pipeline :func:`models.risk.build_risk_pipeline`
makes. :func:`tree_explainer` returns ``None`` for anything else, and the caller
scores swapped rows through the pipeline instead. It reads fitted attributes that
scikit-learn does not document (``_predictors``, ``_predict_iterations``,
``_n_features_outs``); ``tests/test_risk_model.py`` pins the fast path to the plain
definition, so a scikit-learn release that changes them fails a test rather than
an explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder


@dataclass(frozen=True)
class _Member:
    """One boosted model and the calibrator of its raw score (None: the logistic link)."""

    model: HistGradientBoostingClassifier
    calibrator: Any
    #: Per input column: the indices of the trees that split on any of its prepared columns.
    trees_of_column: list[np.ndarray]

    def probability(self, raw: np.ndarray) -> np.ndarray:
        return expit(raw) if self.calibrator is None else \
            np.asarray(self.calibrator.predict(raw), dtype=float)

    def raw(self, X: np.ndarray, trees: Sequence[int] | None = None) -> np.ndarray:
        """The summed leaves of ``trees`` (default: all, plus the baseline) for ``X``."""
        model = self.model
        out = np.zeros((len(X), 1), dtype=model._baseline_prediction.dtype, order="F")
        if trees is None:
            out += model._baseline_prediction
            predictors = model._predictors
        else:
            predictors = [model._predictors[t] for t in trees]
        model._predict_iterations(X, predictors, out, False, _threads())
        return out[:, 0]


@dataclass(frozen=True)
class TreeExplainer:
    """A supported pipeline taken apart: its input steps and its boosted members."""

    cast: Any
    prepare: Any
    members: list[_Member]
    #: Per input column: its columns in the prepared matrix.
    output_columns: list[np.ndarray]

    def prepared(self, frame: pd.DataFrame) -> np.ndarray:
        return np.ascontiguousarray(
            self.prepare.transform(self.cast.transform(frame)), dtype=np.float64)

    def effects(self, rows: pd.DataFrame, reference: pd.DataFrame,
                differs: list[np.ndarray], batch_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores of ``rows`` and the effect matrix (rows x input columns), with
        ``reference`` aligned with ``rows``.

        ``differs[j]``: positions whose column ``j`` is not its reference (the rest keep
        an effect of 0); at most ``batch_rows`` swapped rows are held at a time."""
        X, X_ref = self.prepared(rows), self.prepared(reference)
        full = [member.raw(X) for member in self.members]
        scores = np.mean([m.probability(r) for m, r in zip(self.members, full, strict=True)],
                         axis=0)
        effects = np.zeros((len(rows), len(differs)), dtype=float)
        for j, positions in enumerate(differs):
            for part in np.array_split(positions, max(1, -(-len(positions) // batch_rows))):
                if len(part):
                    effects[part, j] = scores[part] - self._swapped_scores(
                        X, X_ref, full, part, j)
        return scores, effects

    def _swapped_scores(self, X: np.ndarray, X_ref: np.ndarray, full: list[np.ndarray],
                        part: np.ndarray, j: int) -> np.ndarray:
        columns = self.output_columns[j]
        original = X[part]
        swapped = original.copy()
        swapped[:, columns] = X_ref[part][:, columns]
        total = np.zeros(len(part), dtype=float)
        for member, raw in zip(self.members, full, strict=True):
            trees = member.trees_of_column[j]
            moved = raw[part]
            if len(trees):
                moved = moved - member.raw(original, trees) + member.raw(swapped, trees)
            total += member.probability(moved)
        return total / len(self.members)


def tree_explainer(pipeline: Any, columns: Sequence[str]) -> TreeExplainer | None:
    """The fast path for ``pipeline`` (input ``columns`` in order), or ``None`` when the
    pipeline is not one it supports."""
    steps = getattr(pipeline, "named_steps", {})
    if set(steps) != {"cast", "prepare", "model"}:
        return None
    output_columns = _output_columns(steps["prepare"], columns)
    members = _boosted_members(steps["model"])
    if output_columns is None or members is None:
        return None
    explainer_members = []
    for model, calibrator in members:
        used = [_split_features(predictor[0]) for predictor in model._predictors]
        trees_of_column = [
            np.array([t for t, features in enumerate(used) if features & set(outputs)],
                     dtype=np.int64)
            for outputs in output_columns]
        explainer_members.append(_Member(model, calibrator, trees_of_column))
    return TreeExplainer(steps["cast"], steps["prepare"], explainer_members, output_columns)


def _boosted_members(model: Any) -> list[tuple[HistGradientBoostingClassifier, Any]] | None:
    if isinstance(model, HistGradientBoostingClassifier):
        boosted = [(model, None)]
    elif isinstance(model, CalibratedClassifierCV) and model.method in ("sigmoid", "isotonic"):
        boosted = [(member.estimator, member.calibrators[0])
                   for member in model.calibrated_classifiers_]
    else:
        return None
    for estimator, calibrator in boosted:
        if not isinstance(estimator, HistGradientBoostingClassifier) \
                or len(estimator.classes_) != 2 or estimator.n_trees_per_iteration_ != 1 \
                or (estimator.is_categorical_ is not None and estimator.is_categorical_.any()) \
                or getattr(estimator, "_preprocessor", None) is not None \
                or (calibrator is None and len(boosted) > 1):
            return None
    return boosted


def _output_columns(prepare: Any, columns: Sequence[str]) -> list[np.ndarray] | None:
    """Per input column, its columns in the prepared matrix; ``None`` unless every part
    of the ColumnTransformer maps its inputs to outputs one input at a time."""
    position = {name: i for i, name in enumerate(columns)}
    outputs: list[list[int]] = [[] for _ in columns]
    for name, transformer, inputs in getattr(prepare, "transformers_", []):
        if transformer == "drop" or not len(inputs):
            continue
        part = prepare.output_indices_[name]
        if transformer == "passthrough" or _is_identity(transformer):
            widths = [1] * len(inputs)
        elif isinstance(transformer, OneHotEncoder) and hasattr(transformer, "_n_features_outs"):
            widths = list(transformer._n_features_outs)
        else:
            return None
        if sum(widths) != part.stop - part.start or any(c not in position for c in inputs):
            return None
        start = part.start
        for column, width in zip(inputs, widths, strict=True):
            outputs[position[column]].extend(range(start, start + width))
            start += width
    return [np.array(o, dtype=np.int64) for o in outputs]


def _is_identity(transformer: Any) -> bool:
    # A fitted ColumnTransformer holds "passthrough" as an identity FunctionTransformer.
    return isinstance(transformer, FunctionTransformer) and transformer.func is None \
        and transformer.inverse_func is None


def _split_features(predictor: Any) -> set[int]:
    nodes = predictor.nodes
    return {int(f) for f in nodes["feature_idx"][nodes["is_leaf"] == 0]}


def _threads() -> int:
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    return _openmp_effective_n_threads()
