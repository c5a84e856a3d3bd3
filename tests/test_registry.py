"""MLflow tracking and the registry: aliases, promotion on the same holdout, gates, privacy."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from features.settings import Settings
from models.risk import predict_risk, train_risk_model
from registry.models import (
    CHALLENGER,
    CHAMPION,
    NoChampionError,
    PromotionGates,
    RegistryUnavailableError,
    decide_promotion,
    load_champion,
    promote_if_better,
)
from registry.tracking import configure_mlflow, experiment_name, log_training_run, model_name
from tests.test_risk_model import small_config, synthetic_frame


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Gradient boosting's OpenMP threads crawl on a busy CI box: one is faster there."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


NAME = model_name("disengagement")
#: The synthetic groups are random, so their AUC gaps are noise on a few hundred rows.
LENIENT = PromotionGates(max_group_auc_gap=0.3)
PRIVATE = ("gender", "age_band", "country", "learner_id", "enrollment_id", "Female", "Male",
           "India", "Kenya", "email", "phone")


@pytest.fixture(scope="module")
def mlflow_env(tmp_path_factory):
    import mlflow

    root = tmp_path_factory.mktemp("mlflow")
    settings = Settings(mlflow_tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
                        mlflow_artifact_location=str(root / "artifacts"))
    client = configure_mlflow(settings)
    yield settings, client, root
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return synthetic_frame(learners=600, cutoffs=6, seed=4)


@pytest.fixture(scope="module")
def results(frame) -> dict:
    """Three training results: weak (two features), strong (all), shuffled labels."""
    weak = small_config(numeric_features=("minutes_28d", "quiz_accuracy_28d"),
                        categorical_features=())
    shuffled = synthetic_frame(learners=600, cutoffs=6, seed=4, shuffle_labels=True)
    return {
        "weak": train_risk_model(frame, weak, importance_rows=300,
                                 fairness_permutations=0),
        "strong": train_risk_model(frame, small_config(), importance_rows=300,
                                   fairness_permutations=20),
        "shuffled": train_risk_model(shuffled, small_config(), importance_rows=300,
                                     fairness_permutations=0),
    }


def log_and_promote(mlflow_env, result, gates=LENIENT):
    settings, client, _ = mlflow_env
    logged = log_training_run(client, settings, result, as_of="2026-03-01")
    return logged, promote_if_better(client, result, logged.version, gates)


def aliases(client) -> dict[str, str]:
    return {k: str(v) for k, v in client.get_registered_model(NAME).aliases.items()}


def test_promotion_on_the_same_holdout(mlflow_env, results) -> None:
    settings, client, root = mlflow_env
    logged1, first = log_and_promote(mlflow_env, results["weak"])
    assert first.promoted, first.reasons
    assert "no champion yet" in first.reasons
    assert aliases(client) == {CHAMPION: logged1.version, CHALLENGER: logged1.version}

    strong = results["strong"]
    logged2, second = log_and_promote(mlflow_env, strong)
    assert second.promoted, second.reasons
    assert second.previous_champion == f"{NAME}/{logged1.version}"
    # The champion was re-scored on the new holdout: same rows, same labels.
    old = load_champion_version(client, logged1.version)
    assert second.champion_holdout_auc == pytest.approx(
        _auc(strong, predict_risk(old, strong.holdout)))
    assert second.champion_holdout_auc < second.holdout_auc
    assert aliases(client) == {CHAMPION: logged2.version, CHALLENGER: logged2.version}

    logged3, third = log_and_promote(mlflow_env, results["weak"])
    assert not third.promoted
    assert any("does not beat champion" in r for r in third.reasons)
    assert aliases(client) == {CHAMPION: logged2.version, CHALLENGER: logged3.version}

    logged4, fourth = log_and_promote(mlflow_env, results["shuffled"])
    assert not fourth.promoted
    assert any("below the gate" in r for r in fourth.reasons)
    assert aliases(client) == {CHAMPION: logged2.version, CHALLENGER: logged4.version}

    # Aliases, never stages; the decision is on each version's tags.
    for version in client.search_model_versions(f"name='{NAME}'"):
        assert version.current_stage in (None, "None")
    tags = client.get_model_version(NAME, logged4.version).tags
    assert tags["learnerai.promotion"] == "refused"
    assert "below the gate" in tags["learnerai.promotion_reasons"]

    pipeline, version = load_champion("disengagement", client)
    assert version == f"{NAME}/{logged2.version}"
    assert predict_risk(pipeline, strong.holdout) == pytest.approx(strong.holdout_scores)

    # The experiment's artifacts live where the settings say.
    experiment = client.get_experiment_by_name(experiment_name("disengagement"))
    assert experiment.artifact_location == (root / "artifacts" / experiment.name).as_uri()


def test_logged_run_holds_no_private_data(mlflow_env, results) -> None:
    import mlflow

    settings, client, _ = mlflow_env
    result = results["strong"]
    logged = log_training_run(client, settings, result, as_of="2026-03-01", register=False)
    run = client.get_run(logged.run_id)
    params = json.dumps(run.data.params)
    assert not [word for word in PRIVATE if word in params]
    local = Path(mlflow.artifacts.download_artifacts(run_id=logged.run_id))
    artifacts = {p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file()}
    assert {"plots/roc.png", "plots/calibration.png", "plots/feature_importance.png",
            "plots/roc_by_gender.png", "evaluation/fairness.json", "data/fingerprint.json",
            "evaluation/feature_importance.csv"} <= artifacts
    fingerprint = json.loads((local / "data/fingerprint.json").read_text())
    assert set(fingerprint) == {"sha256", "rows", "cutoffs"}

    model = mlflow.models.get_model_info(logged.model_uri)
    assert model.signature.inputs.input_names() == small_config().features
    model_dir = Path(mlflow.artifacts.download_artifacts(artifact_uri=logged.model_uri))
    example = json.loads((model_dir / "input_example.json").read_text())
    assert example["columns"] == small_config().features
    assert not [word for word in PRIVATE if word in json.dumps(example)]
    # Fairness results are aggregates per group, never rows.
    assert "fairness.gender.auc.Female" in run.data.metrics
    assert "baseline.recency_rule.roc_auc" in run.data.metrics


def test_no_champion_and_unreachable_mlflow_are_clear_errors(mlflow_env, monkeypatch) -> None:
    _, client, _ = mlflow_env
    with pytest.raises(NoChampionError, match="run `learnerai train` first"):
        load_champion("dropout", client)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    import mlflow

    try:
        with pytest.raises(RegistryUnavailableError, match="cannot be reached"):
            configure_mlflow(Settings(mlflow_tracking_uri="http://127.0.0.1:9"))
    finally:
        mlflow.set_tracking_uri(mlflow_env[0].mlflow_tracking_uri)
        mlflow.set_registry_uri(mlflow_env[0].mlflow_tracking_uri)


def test_promotion_rule() -> None:
    gates = PromotionGates()
    assert decide_promotion(0.8, 0.02, None, gates).promoted
    assert not decide_promotion(0.69, 0.02, None, gates).promoted
    unfair = decide_promotion(0.9, 0.06, None, gates)
    assert not unfair.promoted and any("exceeds the gate 0.05" in r for r in unfair.reasons)
    assert not decide_promotion(0.80, 0.01, 0.81, gates, "m/1").promoted
    assert decide_promotion(0.82, 0.01, 0.81, gates, "m/1").promoted
    unmeasured = decide_promotion(0.8, float("nan"), None, gates)
    assert unmeasured.promoted and any("not applied" in r for r in unmeasured.reasons)
    strict = PromotionGates(require_measurable_fairness=True)
    assert not decide_promotion(0.8, float("nan"), None, strict).promoted
    # The noise-aware gate reads only gaps a permutation test finds real.
    report = {"largest_auc_gap": 0.08, "largest_significant_auc_gap": 0.0}
    noise_aware = PromotionGates(gap_statistic="significant")
    assert gates.group_gap(report) == 0.08 and noise_aware.group_gap(report) == 0.0
    decision = decide_promotion(0.8, noise_aware.group_gap(report), None, noise_aware)
    assert decision.promoted
    assert "largest significant group ROC-AUC gap (permutation test) 0.0000 is within" \
        in decision.reasons[1]
    with pytest.raises(ValueError):
        PromotionGates(gap_statistic="median")


def test_training_flow_scores_and_explains_end_to_end(tmp_path, sqlite_template) -> None:
    """Demo data -> run_training -> champion -> score_learners -> explain_learner."""
    import mlflow

    from features.demo_data import seed_database
    from features.engine import make_engine
    from flows.risk_scoring import explain_learner, format_explanation, score_learners
    from flows.train import run_training

    db = tmp_path / "demo.db"
    shutil.copyfile(sqlite_template, db)
    settings = Settings(database_url=f"sqlite:///{db}",
                        mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                        mlflow_artifact_location=str(tmp_path / "artifacts"))
    engine = make_engine(settings.database_url)
    as_of = dt.datetime(2026, 3, 1)
    seed_database(engine, learners=300, days=150, seed=3, as_of=as_of)
    lenient = PromotionGates(min_roc_auc=0.5, max_group_auc_gap=1.0)
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        summary = run_training(engine, settings, as_of, ("disengagement", "dropout"),
                               gates=lenient)
        first = summary["disengagement"]
        assert first["promoted"] and first["version"].endswith("/1"), first
        assert first["rows"]["train"] > 0 and "recency_rule" in first["baselines"]
        assert "skipped" in summary["dropout"] or summary["dropout"]["version"]

        scores = score_learners(engine, settings, as_of)
        assert len(scores) > 0 and scores["score"].between(0, 1).all()
        prediction = scores.iloc[0]["risk_prediction"]
        assert {"score", "band", "horizon_days", "model_version", "factors",
                "enrollments"} <= set(prediction)
        assert prediction["model_version"] == "learnerai-risk-disengagement/1"
        json.dumps(prediction)  # JSON-ready

        learner = int(scores.sort_values("score").iloc[-1]["learner_id"])
        explanation = explain_learner(engine, settings, learner, as_of)
        text = format_explanation(explanation)
        assert text.startswith(f"Learner {learner} as of 2026-03-01")
        assert explanation["factors"] and explanation["factors"][0]["sentence"] in text
    finally:
        engine.dispose()
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])


def load_champion_version(client, version):
    import mlflow.sklearn

    return mlflow.sklearn.load_model(f"models:/{NAME}/{version}")


def _auc(result, scores):
    from models.metrics import roc_auc

    return roc_auc(result.holdout_labels, scores)
