"""Risk models: configuration, one calibrated pipeline per target, temporal evaluation.

Pure ML on DataFrames — nothing here touches the database or MLflow.

Two targets (see DESIGN.md):

- ``disengagement`` — a learner active in the 28 days before the cutoff shows
  no activity in the next 30 days; one row per learner (engagement + profile views);
- ``dropout`` — an enrolment active at the cutoff ends Withdrawn or Failed
  within the horizon; one row per enrolment (enrolment view + a few
  learner-level engagement features).

Risk bands (:class:`RiskBands`), on the calibrated probability of the event
within the horizon:

=========  ======================  =====================================================
band       score                   meaning
=========  ======================  =====================================================
``low``    ``score < 0.25``        below roughly the typical base rate; no action
``medium`` ``0.25 <= score < 0.5`` elevated; worth a light-touch nudge
``high``   ``score >= 0.5``        more likely than not; the operating threshold at which
                                   a tutor is alerted and fairness TPR/FPR are measured
=========  ======================  =====================================================

Fairness attributes (gender, age band, country) and anything that could
identify a learner are never model inputs: :class:`RiskModelConfig` refuses them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from features.enrollment_features import ENROLLMENT_FEATURES
from features.errors import LearnerAIError
from features.views import ENGAGEMENT_FEATURES
from models.metrics import FAIRNESS_ATTRIBUTES, classification_metrics, fairness_report, roc_auc

TARGETS = ("disengagement", "dropout")

#: Never model inputs: fairness attributes, their close proxies, and free text / PII.
FORBIDDEN_FEATURES = frozenset({
    *FAIRNESS_ATTRIBUTES, "timezone", "avg_latency_ms_28d", "nationality", "dob",
    "career_motivation", "learning_motivation", "target_skills", "goal_role",
    "current_role", "ai_personalization_optin", "privacy_consent", "phone",
    "address_line1", "address_line2", "city", "state", "email", "full_name",
    "ip_address", "user_agent",
})

#: Row keys of training frames (never features).
KEY_COLUMNS = ("learner_id", "enrollment_id", "course_id", "cutoff", "label")

#: Placeholder for a missing categorical value.
MISSING = "missing"


class InsufficientDataError(LearnerAIError):
    """Too few rows, cutoffs or outcomes to train or evaluate a risk model."""


@dataclass(frozen=True, kw_only=True)
class RiskBands:
    """Thresholds on the calibrated risk score (see the module docstring)."""

    medium_from: float = 0.25
    high_from: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.medium_from < self.high_from <= 1.0:
            raise ValueError("need 0 < medium_from < high_from <= 1")

    def band(self, score: float) -> str:
        return str(self.bands(np.array([score]))[0])

    def bands(self, scores: Any) -> np.ndarray:
        s = np.asarray(scores, dtype=float)
        return np.where(s >= self.high_from, "high",
                        np.where(s >= self.medium_from, "medium", "low")).astype(object)


@dataclass(frozen=True, kw_only=True)
class RiskModelConfig:
    """Everything that defines one risk model, logged to MLflow as parameters.

    ``estimator``: ``"hist_gradient_boosting"`` (default; numeric NaNs handled
    natively, no scaling) or ``"logistic_regression"`` (median imputation with
    missing-indicators, then standard scaling). ``calibration``: ``"isotonic"``,
    ``"sigmoid"`` or ``None``, via ``CalibratedClassifierCV`` with
    ``calibration_cv`` folds. ``baseline_feature``: the recency feature of the
    rule baseline (score = its value, missing = the largest value seen).
    """

    target: str
    numeric_features: tuple[str, ...]
    categorical_features: tuple[str, ...] = ()
    estimator: str = "hist_gradient_boosting"
    estimator_params: Mapping[str, Any] = field(default_factory=dict)
    calibration: str | None = "isotonic"
    calibration_cv: int = 3
    horizon_days: int = 30
    bands: RiskBands = field(default_factory=RiskBands)
    baseline_feature: str = "days_since_last_activity"
    random_state: int = 0

    def __post_init__(self) -> None:
        features = self.features
        forbidden = sorted(set(features) & FORBIDDEN_FEATURES)
        if forbidden:
            raise ValueError(f"features that may not be model inputs: {forbidden}")
        keys = sorted(set(features) & set(KEY_COLUMNS))
        if keys:
            raise ValueError(f"row keys are not features: {keys}")
        if len(set(features)) != len(features):
            raise ValueError("a feature is listed twice")
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"unknown estimator {self.estimator!r}; choose from "
                             f"{sorted(ESTIMATORS)}")
        if self.calibration not in (None, "isotonic", "sigmoid"):
            raise ValueError("calibration must be 'isotonic', 'sigmoid' or None")

    @property
    def features(self) -> list[str]:
        return [*self.numeric_features, *self.categorical_features]

    def params(self) -> dict[str, str]:
        """Flat string parameters for MLflow (no data, no PII)."""
        return {
            "target": self.target,
            "estimator": self.estimator,
            **{f"estimator.{k}": str(v) for k, v in sorted(self.estimator_params.items())},
            "calibration": str(self.calibration),
            "calibration_cv": str(self.calibration_cv),
            "horizon_days": str(self.horizon_days),
            "band_medium_from": str(self.bands.medium_from),
            "band_high_from": str(self.bands.high_from),
            "baseline_feature": self.baseline_feature,
            "n_features": str(len(self.features)),
            "numeric_features": ",".join(self.numeric_features),
            "categorical_features": ",".join(self.categorical_features),
            "random_state": str(self.random_state),
        }


#: Shallow trees: on the demo data deeper ones fit noise (ROC-AUC 0.838 at 31 leaves vs
#: 0.846 at depth 3) and cost several times more to fit and to explain.
HGB_DEFAULTS: dict[str, Any] = {
    "learning_rate": 0.1, "max_iter": 100, "max_depth": 3, "min_samples_leaf": 100,
    "l2_regularization": 1.0, "early_stopping": False,
}
LOGREG_DEFAULTS: dict[str, Any] = {"C": 1.0, "max_iter": 2000}
ESTIMATORS = {"hist_gradient_boosting": HistGradientBoostingClassifier,
              "logistic_regression": LogisticRegression}

#: Profile categoricals the models may read (stated preferences, not demographics).
PREFERENCE_FEATURES = ("learning_style", "gamification_persona", "preferred_content_format",
                       "preferred_learning_time")

DISENGAGEMENT_NUMERIC = (
    *[f for f in ENGAGEMENT_FEATURES if f not in FORBIDDEN_FEATURES],
    "goal_progress", "target_timeline_months",
)
#: The view's course length stays out of the default model: on OULAD a presentation's
#: length identifies it, and the 2014 test presentations lose 0.015-0.03 ROC-AUC at day
#: 30 (benchmarks/risk_oulad.py) for +0.005 on the demo data.
DROPOUT_EXCLUDED = ("course_duration_hours",)
DROPOUT_NUMERIC = (
    *[f for f in ENROLLMENT_FEATURES if f not in DROPOUT_EXCLUDED],
    "days_since_last_activity", "active_days_28d", "minutes_28d", "trend_7d_vs_28d",
    "quiz_accuracy_28d", "completed_courses", "tenure_days",
)

#: Default horizons (days) of the two targets.
DISENGAGEMENT_HORIZON_DAYS = 30
DROPOUT_HORIZON_DAYS = 60


def default_config(target: str, **overrides: Any) -> RiskModelConfig:
    """The default configuration of ``target``, with keyword overrides."""
    if target == "disengagement":
        base = RiskModelConfig(
            target=target, numeric_features=DISENGAGEMENT_NUMERIC,
            categorical_features=PREFERENCE_FEATURES, horizon_days=DISENGAGEMENT_HORIZON_DAYS,
            baseline_feature="days_since_last_activity")
    elif target == "dropout":
        base = RiskModelConfig(
            target=target, numeric_features=DROPOUT_NUMERIC, categorical_features=(),
            horizon_days=DROPOUT_HORIZON_DAYS,
            baseline_feature="course_days_since_last_activity")
    else:
        raise ValueError(f"unknown risk target {target!r}; choose from {TARGETS}")
    return replace(base, **overrides)


# ------------------------------------------------------------------------ pipeline


class FrameCaster(TransformerMixin, BaseEstimator):
    """First pipeline step: selects the model's columns and fixes their types.

    Numeric columns become ``float64`` (unparseable -> NaN); categorical ones
    become strings with ``"missing"`` for empty values. Scoring therefore
    accepts any frame that holds the columns (ints, Decimals, None), and the
    MLflow signature is double/string throughout. A numeric column with no value
    at all in the training rows (``empty_``; e.g. course levels on a platform whose
    catalog has none) is scored as 0: it carries no signal, and gradient boosting
    cannot bin a column that is entirely missing.
    """

    def __init__(self, numeric: Sequence[str] = (), categorical: Sequence[str] = ()):
        self.numeric = numeric
        self.categorical = categorical

    def fit(self, X: pd.DataFrame, y: Any = None) -> FrameCaster:
        columns = [*self.numeric, *self.categorical]
        _require_columns(X, columns)
        self.feature_names_in_ = np.asarray(columns, dtype=object)
        self.n_features_in_ = len(columns)
        numbers = cast_features(X, self.numeric, ())
        self.empty_ = tuple(c for c in self.numeric if numbers[c].isna().all())
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        out = cast_features(X, self.numeric, self.categorical)
        empty = list(getattr(self, "empty_", ()))  # pipelines logged before it: none
        if empty:
            out[empty] = 0.0
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([*self.numeric, *self.categorical], dtype=object)


def cast_features(frame: pd.DataFrame, numeric: Sequence[str],
                  categorical: Sequence[str]) -> pd.DataFrame:
    """``frame[numeric + categorical]`` as float64 / str (``"missing"`` when empty)."""
    _require_columns(frame, [*numeric, *categorical])
    data: dict[str, Any] = {}
    for column in numeric:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values.dtype):
            values = pd.to_numeric(values, errors="coerce")
        data[column] = values.to_numpy(dtype="float64", na_value=np.nan)
    for column in categorical:
        values = frame[column].astype(object)
        data[column] = values.where(values.notna(), MISSING).astype(str).to_numpy(dtype=object)
    return pd.DataFrame(data, index=frame.index, columns=[*numeric, *categorical])


def _require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks model columns: {missing}")


def make_estimator(config: RiskModelConfig) -> BaseEstimator:
    """The unfitted classifier of ``config`` (before calibration)."""
    if config.estimator == "hist_gradient_boosting":
        params = {**HGB_DEFAULTS, **config.estimator_params}
    else:
        params = {**LOGREG_DEFAULTS, **config.estimator_params}
    return ESTIMATORS[config.estimator](random_state=config.random_state, **params)


def build_risk_pipeline(config: RiskModelConfig) -> Pipeline:
    """``cast -> prepare (ColumnTransformer) -> calibrated classifier`` for ``config``."""
    if config.estimator == "hist_gradient_boosting":
        numeric: Any = "passthrough"  # trees need no scaling and route NaN natively
    else:
        numeric = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True,
                                                     keep_empty_features=True)),
                            ("scale", StandardScaler())])
    transformers: list[tuple[str, Any, list[str]]] = [
        ("numeric", numeric, list(config.numeric_features))]
    if config.categorical_features:
        transformers.append(("categorical", OneHotEncoder(
            handle_unknown="infrequent_if_exist", min_frequency=20, sparse_output=False),
            list(config.categorical_features)))
    prepare = ColumnTransformer(transformers, remainder="drop",
                                verbose_feature_names_out=False)
    model = make_estimator(config)
    if config.calibration:
        model = CalibratedClassifierCV(model, method=config.calibration,
                                       cv=config.calibration_cv)
    return Pipeline([
        ("cast", FrameCaster(config.numeric_features, config.categorical_features)),
        ("prepare", prepare),
        ("model", model),
    ])


def model_columns(pipeline: Any) -> list[str]:
    """The input columns a fitted risk pipeline reads."""
    return [str(c) for c in pipeline.feature_names_in_]


def feature_kinds(pipeline: Any) -> tuple[list[str], list[str]]:
    """The numeric and the categorical input columns of a fitted risk pipeline."""
    cast = pipeline.named_steps["cast"]
    return list(cast.numeric), list(cast.categorical)


def predict_risk(pipeline: Any, frame: pd.DataFrame) -> np.ndarray:
    """Probability of the event for each row of ``frame`` (extra columns are ignored)."""
    if len(frame) == 0:
        return np.zeros(0, dtype=float)
    return pipeline.predict_proba(frame[model_columns(pipeline)])[:, 1]


# -------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class SplitInfo:
    train_cutoffs: list[pd.Timestamp]
    holdout_cutoffs: list[pd.Timestamp]
    train_rows: int
    holdout_rows: int
    train_learners: int
    holdout_learners: int


def _learner_in_holdout(learner_ids: Any, share: float, seed: int) -> np.ndarray:
    """A stable pseudo-random draw per learner id (same id -> same side, every run)."""
    ids = np.asarray(learner_ids, dtype=np.uint64)
    mixed = (ids * np.uint64(2654435761) + np.uint64(seed * 97 + 13)) % np.uint64(2**32)
    mixed = (mixed ^ (mixed >> np.uint64(15))) * np.uint64(2246822519) % np.uint64(2**32)
    return (mixed.astype(float) / 2**32) < share


def temporal_split(
    frame: pd.DataFrame,
    *,
    holdout_cutoffs: Sequence[Any] | None = None,
    holdout_fraction: float = 0.3,
    learner_holdout_share: float | None = 0.5,
    embargo_days: float = 0.0,
    seed: int = 0,
    time_col: str = "cutoff",
    learner_col: str = "learner_id",
) -> tuple[pd.DataFrame, pd.DataFrame, SplitInfo]:
    """Train on earlier cutoffs, evaluate on later ones, no learner on both sides.

    Holdout cutoffs are ``holdout_cutoffs`` or the latest ``holdout_fraction`` of
    the distinct cutoffs. Train cutoffs end ``embargo_days`` before the first
    holdout cutoff (pass the label horizon so no training label looks into the
    holdout period).

    Holdout learners: with ``learner_holdout_share=None`` every learner seen at
    a holdout cutoff; they are then dropped from train. That biases train
    towards learners who left before the holdout period (the survivors are all
    holdout), so by default a stable pseudo-random ``learner_holdout_share`` of
    all learners is held out instead: holdout = their rows at holdout cutoffs,
    train = the other learners' rows at train cutoffs.
    """
    if frame.empty:
        raise InsufficientDataError("the training frame is empty")
    times = pd.to_datetime(frame[time_col])
    cutoffs = sorted(times.unique())
    if holdout_cutoffs is None:
        if len(cutoffs) < 2:
            raise InsufficientDataError(
                f"need at least 2 cutoffs for a temporal split, got {len(cutoffs)}")
        n_hold = min(len(cutoffs) - 1, max(1, round(len(cutoffs) * holdout_fraction)))
        hold = cutoffs[-n_hold:]
    else:
        hold = sorted(pd.to_datetime(list(holdout_cutoffs)))
    first_hold = hold[0]
    is_hold_time = times.isin(hold).to_numpy()
    is_train_time = (times < first_hold - pd.Timedelta(days=embargo_days)).to_numpy()
    learners = frame[learner_col].to_numpy()
    if learner_holdout_share is None:
        hold_learners = np.isin(learners, np.unique(learners[is_hold_time]))
    else:
        hold_learners = _learner_in_holdout(learners, learner_holdout_share, seed)
    train = frame[is_train_time & ~hold_learners]
    holdout = frame[is_hold_time & hold_learners]
    if train.empty or holdout.empty:
        raise InsufficientDataError(
            f"temporal split left {len(train)} training and {len(holdout)} holdout rows")
    info = SplitInfo(
        train_cutoffs=sorted(pd.to_datetime(train[time_col]).unique()),
        holdout_cutoffs=list(hold),
        train_rows=len(train), holdout_rows=len(holdout),
        train_learners=int(train[learner_col].nunique()),
        holdout_learners=int(holdout[learner_col].nunique()),
    )
    return train, holdout, info


# ----------------------------------------------------------------------- baselines


def recency_rule_scores(frame: pd.DataFrame, feature: str) -> np.ndarray:
    """Rule baseline: the score is the days since last activity; never active = the max."""
    values = pd.to_numeric(frame[feature], errors="coerce").astype(float).to_numpy()
    if np.isnan(values).all():
        return np.zeros(len(values))
    return np.where(np.isnan(values), np.nanmax(values), values)


def logistic_baseline_config(config: RiskModelConfig) -> RiskModelConfig:
    """The logistic-regression baseline: same features, uncalibrated."""
    return replace(config, estimator="logistic_regression", estimator_params={},
                   calibration=None)


# ------------------------------------------------------------------------ training


@dataclass
class RiskTrainingResult:
    """What one training run produced: the fitted pipeline and its holdout evidence."""

    config: RiskModelConfig
    pipeline: Pipeline
    split: SplitInfo
    #: Every column of the holdout rows (so a champion reading other features can be
    #: re-scored on them); held in memory only, never logged.
    holdout: pd.DataFrame
    holdout_scores: np.ndarray
    metrics: dict[str, float]
    baselines: dict[str, dict[str, float]]
    baseline_scores: dict[str, np.ndarray]
    fairness: dict[str, Any]
    importances: pd.DataFrame
    train_fingerprint: dict[str, Any]

    @property
    def holdout_labels(self) -> np.ndarray:
        return self.holdout["label"].to_numpy(dtype=int)


def fit_risk_model(frame: pd.DataFrame, config: RiskModelConfig) -> Pipeline:
    """Fit the pipeline of ``config`` on ``frame`` (features + ``label``)."""
    y = frame["label"].to_numpy(dtype=int)
    if len(np.unique(y)) < 2:
        raise InsufficientDataError(
            f"{config.target}: the training labels hold one class only ({len(y)} rows)")
    minority = int(min(y.sum(), len(y) - y.sum()))
    if config.calibration and minority < config.calibration_cv * 2:
        raise InsufficientDataError(
            f"{config.target}: {minority} rows of the rarer class are too few to calibrate")
    pipeline = build_risk_pipeline(config)
    pipeline.fit(frame[config.features], y)
    return pipeline


def train_risk_model(
    frame: pd.DataFrame,
    config: RiskModelConfig,
    *,
    holdout_cutoffs: Sequence[Any] | None = None,
    holdout_fraction: float = 0.3,
    learner_holdout_share: float | None = 0.5,
    embargo_days: float | None = None,
    importance_rows: int = 2000,
    fairness_permutations: int = 200,
    seed: int = 0,
) -> RiskTrainingResult:
    """Split in time, fit, and evaluate on the holdout against both baselines.

    ``embargo_days`` defaults to the config's horizon. ``importance_rows``
    holdout rows feed the permutation importance; ``fairness_permutations``
    learner-level shuffles of the group labels test each fairness gap against noise.
    """
    _require_columns(frame, [*config.features, "label", "cutoff", "learner_id"])
    train, holdout, split = temporal_split(
        frame, holdout_cutoffs=holdout_cutoffs, holdout_fraction=holdout_fraction,
        learner_holdout_share=learner_holdout_share,
        embargo_days=config.horizon_days if embargo_days is None else embargo_days, seed=seed)
    y_hold = holdout["label"].to_numpy(dtype=int)
    if len(np.unique(y_hold)) < 2:
        raise InsufficientDataError(
            f"{config.target}: the holdout labels hold one class only ({len(y_hold)} rows)")
    pipeline = fit_risk_model(train, config)
    scores = predict_risk(pipeline, holdout)

    rule = recency_rule_scores(holdout, config.baseline_feature)
    logistic = fit_risk_model(train, logistic_baseline_config(config))
    logistic_scores = predict_risk(logistic, holdout)
    baselines = {
        "recency_rule": classification_metrics(y_hold, rule, probability=False),
        "logistic_regression": classification_metrics(y_hold, logistic_scores),
    }
    group_columns = [c for c in FAIRNESS_ATTRIBUTES if c in holdout.columns]
    fairness = fairness_report(y_hold, scores, holdout[group_columns],
                               threshold=config.bands.high_from,
                               clusters=holdout["learner_id"].to_numpy(),
                               n_permutations=fairness_permutations, seed=seed)
    return RiskTrainingResult(
        config=config, pipeline=pipeline, split=split,
        holdout=holdout.reset_index(drop=True), holdout_scores=scores,
        metrics=classification_metrics(y_hold, scores),
        baselines=baselines,
        baseline_scores={"recency_rule": rule, "logistic_regression": logistic_scores},
        fairness=fairness,
        importances=feature_importances(pipeline, holdout, y_hold, rows=importance_rows,
                                        seed=seed),
        train_fingerprint=training_fingerprint(train, config),
    )


def feature_importances(pipeline: Pipeline, frame: pd.DataFrame, y: np.ndarray,
                        rows: int = 2000, repeats: int = 3, seed: int = 0) -> pd.DataFrame:
    """Permutation importance of each input column: the mean drop in ROC-AUC when the
    column's values are shuffled across rows (``repeats`` shuffles), largest first.

    Same numbers as ``sklearn.inspection.permutation_importance`` with ROC-AUC
    scoring, computed faster: every preprocessing output depends on one input
    column (casting, imputation, scaling and one-hot encoding are per column),
    so the first shuffle of a column is transformed once to find its output
    columns, and later shuffles permute those output columns directly.
    """
    columns = model_columns(pipeline)
    X = frame[columns].reset_index(drop=True)
    y = np.asarray(y, dtype=int)
    rng = np.random.default_rng(seed)
    if len(X) > rows:
        pick = rng.choice(len(X), rows, replace=False)
        X, y = X.iloc[pick].reset_index(drop=True), y[pick]
    head, model = pipeline[:-1], pipeline[-1]
    prepared = np.asarray(head.transform(X), dtype=float)
    base = roc_auc(y, model.predict_proba(prepared)[:, 1])
    means, stds = [], []
    for column in columns:
        drops = []
        for repeat in range(repeats):
            order = rng.permutation(len(X))
            if repeat == 0:
                shuffled = X.copy()
                shuffled[column] = X[column].to_numpy()[order]
                permuted = np.asarray(head.transform(shuffled), dtype=float)
                same = (permuted == prepared) | (np.isnan(permuted) & np.isnan(prepared))
                outputs = np.flatnonzero(~same.all(axis=0))
            else:
                permuted = prepared.copy()
                permuted[:, outputs] = prepared[order][:, outputs]
            drops.append(base - roc_auc(y, model.predict_proba(permuted)[:, 1]))
        means.append(float(np.mean(drops)))
        stds.append(float(np.std(drops)))
    table = pd.DataFrame({"feature": columns, "importance": means, "std": stds})
    return table.sort_values("importance", ascending=False, ignore_index=True)


def training_fingerprint(frame: pd.DataFrame, config: RiskModelConfig) -> dict[str, Any]:
    """What the model was trained on, without any row: sha256 of the sorted feature
    matrix (features + label, row order irrelevant), the row count and the cutoffs."""
    X = cast_features(frame, config.numeric_features, config.categorical_features)
    X["label"] = frame["label"].to_numpy(dtype=int)
    row_hashes = np.sort(pd.util.hash_pandas_object(X, index=False).to_numpy())
    digest = hashlib.sha256()
    digest.update(",".join(X.columns).encode())
    digest.update(row_hashes.tobytes())
    cutoffs = sorted(pd.to_datetime(frame["cutoff"]).unique()) if "cutoff" in frame else []
    return {"sha256": digest.hexdigest(), "rows": len(X),
            "cutoffs": [pd.Timestamp(c).isoformat() for c in cutoffs]}
