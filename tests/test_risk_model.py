"""Risk pipeline, temporal split and explanations on a synthetic frame with known signal."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.explain import (
    attributions,
    explain_risk,
    group_references,
    reference_values,
    risk_prediction_json,
    sentence,
)
from models.risk import (
    RiskBands,
    RiskModelConfig,
    build_risk_pipeline,
    default_config,
    fit_risk_model,
    model_columns,
    predict_risk,
    recency_rule_scores,
    temporal_split,
    train_risk_model,
    training_fingerprint,
)
from models.tree_attribution import tree_explainer


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Gradient boosting's OpenMP threads crawl on a busy CI box: one is faster there."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


NUMERIC = ("days_since_last_activity", "active_days_28d", "minutes_28d", "quiz_accuracy_28d")
CATEGORICAL = ("learning_style",)


def small_config(**overrides) -> RiskModelConfig:
    params = {"target": "disengagement", "numeric_features": NUMERIC,
              "categorical_features": CATEGORICAL, "horizon_days": 14,
              "estimator_params": {"max_iter": 80, "learning_rate": 0.1}}
    return RiskModelConfig(**{**params, **overrides})


def synthetic_frame(learners: int = 700, cutoffs: int = 8, seed: int = 0,
                    shuffle_labels: bool = False, signal: float = 1.0) -> pd.DataFrame:
    """Weekly cutoffs; the risk rises with days since last activity and falls with
    active days; quiz accuracy is noise; one learning style is slightly riskier."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-05")
    rows = []
    for c in range(cutoffs):
        present = rng.random(learners) < 0.8
        ids = np.arange(1, learners + 1)[present]
        n = len(ids)
        days = rng.exponential(6.0, n)
        days[rng.random(n) < 0.03] = np.nan
        active = np.clip(np.round(20 - np.nan_to_num(days, nan=40.0) + rng.normal(0, 3, n)),
                         0, 28)
        style = rng.choice(["Visual", "Auditory", "Kinesthetic", None], n)
        logit = -1.0 + signal * (0.35 * np.nan_to_num(days, nan=30.0) - 0.12 * active
                                 + 0.4 * (style == "Kinesthetic"))
        label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        rows.append(pd.DataFrame({
            "learner_id": ids, "cutoff": start + pd.Timedelta(days=7 * c),
            "days_since_last_activity": days, "active_days_28d": active.astype(int),
            "minutes_28d": active * 20 + rng.normal(0, 30, n).clip(-20, None),
            "quiz_accuracy_28d": rng.uniform(40, 100, n), "learning_style": style,
            "label": label,
            "gender": rng.choice(["Female", "Male"], n),
            "age_band": rng.choice(["<25", "25-34", "35-44"], n),
            "country": rng.choice(["India", "Kenya", "Brazil", "Peru"], n, p=[.6, .2, .15, .05]),
        }))
    frame = pd.concat(rows, ignore_index=True)
    if shuffle_labels:
        frame["label"] = np.random.default_rng(seed + 1).permutation(frame["label"].to_numpy())
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return synthetic_frame()


@pytest.fixture(scope="module")
def trained(frame):
    return train_risk_model(frame, small_config(), importance_rows=800)


def test_pipeline_learns_the_signal_and_beats_nothing_less(trained) -> None:
    assert trained.metrics["roc_auc"] > 0.85
    assert trained.metrics["ece"] < 0.08
    assert set(trained.baselines) == {"recency_rule", "logistic_regression"}
    assert trained.baselines["recency_rule"]["roc_auc"] > 0.7  # the rule sees the signal too
    top = trained.importances["feature"].iloc[0]
    assert top in ("days_since_last_activity", "active_days_28d")
    assert trained.importances.set_index("feature").loc["quiz_accuracy_28d", "importance"] < 0.02
    assert trained.fairness["attributes"]["gender"]["auc"].keys() == {"Female", "Male"}
    assert trained.train_fingerprint["rows"] == trained.split.train_rows


def test_pipeline_accepts_raw_types_and_extra_columns(trained, frame) -> None:
    raw = frame.head(20).copy()
    raw["active_days_28d"] = raw["active_days_28d"].astype(object)  # e.g. Decimals from MySQL
    raw["unused"] = "x"
    scores = predict_risk(trained.pipeline, raw)
    assert scores.shape == (20,) and np.all((scores >= 0) & (scores <= 1))


def test_a_column_empty_in_training_is_no_signal_not_a_crash(frame) -> None:
    """Gradient boosting cannot bin an all-missing column (a catalog without course
    levels): the pipeline scores it as 0, before and after any value appears."""
    config = small_config(numeric_features=(*small_config().numeric_features, "no_values"))
    pipeline = fit_risk_model(frame.assign(no_values=np.nan), config)
    assert pipeline.named_steps["cast"].empty_ == ("no_values",)
    rows = frame.head(50)
    unseen = predict_risk(pipeline, rows.assign(no_values=np.nan))
    assert np.array_equal(unseen, predict_risk(pipeline, rows.assign(no_values=7.0)))


def test_temporal_split_has_no_learner_on_both_sides(frame) -> None:
    for share in (0.5, None):
        train, holdout, info = temporal_split(frame, holdout_fraction=0.25,
                                              learner_holdout_share=share, embargo_days=7)
        assert set(train.learner_id).isdisjoint(set(holdout.learner_id))
        assert train.cutoff.max() < holdout.cutoff.min() - pd.Timedelta(days=6)
        assert info.holdout_cutoffs == sorted(frame.cutoff.unique())[-2:]
        assert len(train) == info.train_rows > 0 and len(holdout) == info.holdout_rows > 0
    # The default, a stable half of the learners held out, is the same every time.
    a = temporal_split(frame)[1].learner_id.unique()
    b = temporal_split(frame.sample(frac=1.0, random_state=3))[1].learner_id.unique()
    assert sorted(a) == sorted(b)


def test_recency_rule_scores_missing_as_the_maximum() -> None:
    frame = pd.DataFrame({"d": [1.0, np.nan, 5.0]})
    assert recency_rule_scores(frame, "d").tolist() == [1.0, 5.0, 5.0]


def test_explanations_are_consistent(trained, frame) -> None:
    config = trained.config
    X = frame[frame.cutoff == frame.cutoff.max()].head(300).set_index("learner_id")
    reference = reference_values(frame, config.numeric_features, config.categorical_features)
    scores, effects, factors = explain_risk(trained.pipeline, X, reference, k=3)
    assert len(factors) == len(X) and effects.shape == (len(X), len(config.features))
    # Replace each row's factors, one at a time, by the reference: the score moves by the
    # claimed effect, in the claimed direction (all rows in one predict per factor rank).
    checked = 0
    for rank in range(3):
        rows = [(i, f[rank]) for i, f in enumerate(factors) if len(f) > rank]
        moved = X.iloc[[i for i, _ in rows]].copy()
        for position, (_, f) in enumerate(rows):
            moved.iloc[position, moved.columns.get_loc(f["feature"])] = reference[f["feature"]]
        new_scores = predict_risk(trained.pipeline, moved)
        for (i, f), new_score in zip(rows, new_scores, strict=True):
            assert scores[i] - new_score == pytest.approx(f["effect"], abs=1e-4)
            assert (scores[i] > new_score) == (f["direction"] == "raises")
            checked += 1
    for row_factors in factors:
        raising = [f for f in row_factors if f["direction"] == "raises"]
        assert len(row_factors) <= 3
        assert raising == row_factors or len(raising) == 0
        assert [f["effect"] for f in row_factors] == sorted(
            (f["effect"] for f in row_factors), key=abs, reverse=True)
    assert checked > 500
    # A learner away for long: the top factor is recency, and it raises the risk.
    away = X.iloc[[0]].copy()
    away["days_since_last_activity"], away["active_days_28d"] = 25.0, 1
    _, _, (top,) = explain_risk(trained.pipeline, away, reference, k=3)
    assert top[0]["feature"] in ("days_since_last_activity", "active_days_28d")
    assert top[0]["direction"] == "raises"


def plain_effects(pipeline, X: pd.DataFrame, reference, columns) -> pd.DataFrame:
    """The definition, one whole-pipeline predict per feature."""
    scores = predict_risk(pipeline, X[columns])
    plain = {}
    for column in columns:
        swapped = X[columns].copy()
        typical = reference[column] if isinstance(reference, pd.DataFrame) else \
            [reference[column]] * len(X)
        swapped[column] = pd.Series(list(typical), index=X.index, dtype=object)
        plain[column] = scores - predict_risk(pipeline, swapped)
    return pd.DataFrame(plain, index=X.index)[columns]


def test_attributions_skip_typical_values_and_batch_without_changing_an_effect(
        trained, frame) -> None:
    X = frame[frame.cutoff == frame.cutoff.max()].head(120).set_index("learner_id")
    config = trained.config
    reference = reference_values(frame, config.numeric_features, config.categorical_features)
    # Some cells exactly typical (skipped), some missing on both sides.
    X = X.copy()
    X.iloc[:40, X.columns.get_loc("active_days_28d")] = reference["active_days_28d"]
    X.iloc[:30, X.columns.get_loc("learning_style")] = reference["learning_style"]
    reference = reference.copy()
    reference["quiz_accuracy_28d"] = np.nan
    X.iloc[:25, X.columns.get_loc("quiz_accuracy_28d")] = np.nan
    columns = list(config.features)
    assert tree_explainer(trained.pipeline, columns) is not None  # the fast path
    scores, effects = attributions(trained.pipeline, X, reference, batch_rows=7)
    expected = plain_effects(trained.pipeline, X, reference, columns)
    assert effects.columns.tolist() == columns
    np.testing.assert_allclose(scores, predict_risk(trained.pipeline, X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(effects.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)
    assert (effects.iloc[:40]["active_days_28d"] == 0).all()
    assert (effects.iloc[:30]["learning_style"] == 0).all()
    assert (effects.iloc[:25]["quiz_accuracy_28d"] == 0).all()
    assert (effects.iloc[40:]["active_days_28d"] != 0).any()


@pytest.mark.parametrize("calibration", ["isotonic", "sigmoid", None])
def test_boosted_pipelines_rescore_only_the_trees_that_read_a_feature(
        frame, calibration) -> None:
    # Deeper trees over more inputs than the module's model: some trees skip a feature.
    config = small_config(calibration=calibration, numeric_features=(
        *NUMERIC, "sessions_28d"), estimator_params={"max_iter": 40, "max_depth": 2})
    frame = frame.assign(sessions_28d=np.random.default_rng(3).poisson(4, len(frame)))
    pipeline = train_risk_model(frame, config, importance_rows=200).pipeline
    columns = list(config.features)
    explainer = tree_explainer(pipeline, columns)
    assert explainer is not None
    skipped = [len(m.trees_of_column[j]) < 40 for m in explainer.members
               for j in range(len(columns))]
    assert any(skipped)  # the shortcut has trees to skip
    X = frame[frame.cutoff == frame.cutoff.max()].head(90).reset_index(drop=True)
    per_row = group_references(X, config.numeric_features, CATEGORICAL, by="country",
                               min_rows=10)
    scores, effects = attributions(pipeline, X, per_row, batch_rows=11)
    np.testing.assert_allclose(scores, predict_risk(pipeline, X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(effects.to_numpy(),
                               plain_effects(pipeline, X, per_row, columns).to_numpy(),
                               rtol=0, atol=1e-12)
    assert np.abs(effects.to_numpy()).max() > 0.01


def test_other_pipelines_are_scored_whole() -> None:
    pipeline = train_risk_model(synthetic_frame(learners=200, cutoffs=4),
                                small_config(estimator="logistic_regression",
                                             estimator_params={}),
                                importance_rows=100).pipeline
    assert tree_explainer(pipeline, model_columns(pipeline)) is None


def test_per_row_references_by_group(trained, frame) -> None:
    X = frame[frame.cutoff == frame.cutoff.max()].head(50).reset_index(drop=True)
    refs = group_references(X, NUMERIC, CATEGORICAL, by="country", min_rows=10)
    india = X.country == "India"
    assert refs.loc[india, "minutes_28d"].nunique() == 1
    assert refs.loc[india, "minutes_28d"].iloc[0] == pytest.approx(
        X.loc[india, "minutes_28d"].median())
    scores, effects = attributions(trained.pipeline, X, refs)
    assert effects.shape == (50, len(NUMERIC) + len(CATEGORICAL))


def test_sentences_read_like_a_tutor_note() -> None:
    peers = "typical learners in your courses"
    assert sentence("days_since_last_activity", 12.2, 3.0, peers) == (
        "No activity for 12 days — typical learners in your courses were active 3 days ago")
    assert sentence("days_since_last_activity", float("nan"), 3.0, peers).startswith(
        "No activity recorded yet")
    assert sentence("quiz_accuracy_28d", 52.4, 78.0, "typical learners") == (
        "Quiz scores average 52% over the last 28 days — typical learners: 78%")
    assert sentence("assessed_module_share", 0.25, 0.75, "typical learners") == (
        "Has submitted work for 25% of the course's assessed modules — typical learners: 75%")
    assert "1 course" in sentence("previous_withdrawals", 1, 0, "typical learners")
    assert sentence("social_ties_90d", 3, 7, "typical learners") == (
        "Interacted with 3 peers in the last 90 days — typical learners: 7 peers")
    assert sentence("submission_delay_days", 3.4, -1.0, "typical learners") == (
        "Hands in work 3 days late compared with the rest of the class — typical learners: "
        "1 day early")
    assert "on time" in sentence("submission_delay_days", 0.2, 0.0, "typical learners")
    assert sentence("course_level", 3.0, 2.0, "typical learners") == (
        "Course level Advanced — typical learners: Intermediate")
    assert sentence("course_duration_hours", 40, 25.5, "typical learners") == (
        "Course length 40 hours — typical learners: 26 hours")
    assert sentence("cohort_modules_missed", 1, 0, "typical learners") == (
        "Has not handed in 1 module that most of the class has — typical learners: 0 modules")


def test_risk_prediction_json_shape() -> None:
    factor = {"feature": "days_since_last_activity", "value": 12, "reference": 3,
              "direction": "raises", "effect": 0.2, "sentence": "..."}
    out = risk_prediction_json(0.61234, "high", 30, [factor],
                               [{"course_id": 7, "score": 0.3, "band": "medium"}],
                               model_version="learnerai-risk-disengagement/3",
                               enrollments_model_version="learnerai-risk-dropout/1",
                               enrollments_horizon_days=60)
    assert out == {
        "score": 0.6123, "band": "high", "horizon_days": 30,
        "model_version": "learnerai-risk-disengagement/3", "factors": [factor],
        "enrollments": [{"course_id": 7, "score": 0.3, "band": "medium"}],
        "enrollments_horizon_days": 60, "enrollments_model_version": "learnerai-risk-dropout/1",
    }


def test_bands_and_config_guards() -> None:
    bands = RiskBands()
    assert list(bands.bands([0.1, 0.25, 0.49, 0.5, 0.9])) == [
        "low", "medium", "medium", "high", "high"]
    with pytest.raises(ValueError, match="may not be model inputs"):
        small_config(categorical_features=("gender",))
    with pytest.raises(ValueError, match="may not be model inputs"):
        default_config("dropout", numeric_features=("country",))
    for target in ("disengagement", "dropout"):
        config = default_config(target)
        assert not {"gender", "age_band", "country"} & set(config.features)
        assert isinstance(build_risk_pipeline(config).steps[-1][1].method, str)


def test_fingerprint_ignores_row_order_and_sees_values(frame) -> None:
    config = small_config()
    a = training_fingerprint(frame, config)
    b = training_fingerprint(frame.sample(frac=1.0, random_state=1), config)
    assert a == b and a["rows"] == len(frame) and len(a["cutoffs"]) == 8
    changed = frame.copy()
    changed.loc[0, "minutes_28d"] += 1
    assert training_fingerprint(changed, config)["sha256"] != a["sha256"]
    assert not math.isnan(float(len(a["sha256"])))


def test_fast_permutation_importance_equals_the_plain_definition(trained, frame) -> None:
    from models.metrics import roc_auc
    from models.risk import feature_importances, model_columns

    X = frame[frame.cutoff == frame.cutoff.max()].head(400).reset_index(drop=True)
    y = X["label"].to_numpy()
    fast = feature_importances(trained.pipeline, X, y, rows=1000, repeats=2, seed=5)
    # The plain definition: shuffle the raw column, run the whole pipeline.
    rng = np.random.default_rng(5)
    columns = model_columns(trained.pipeline)
    base = roc_auc(y, predict_risk(trained.pipeline, X))
    plain = {}
    for column in columns:
        drops = []
        for _ in range(2):
            shuffled = X.copy()
            shuffled[column] = X[column].to_numpy()[rng.permutation(len(X))]
            drops.append(base - roc_auc(y, predict_risk(trained.pipeline, shuffled)))
        plain[column] = np.mean(drops)
    assert fast.set_index("feature")["importance"].to_dict() == pytest.approx(plain, abs=1e-12)
