"""The weekly evaluation: champions scored where their labels are known, recommendations
against baselines, both in MLflow, the run in the ledger — and nothing personal logged."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from recommend_fixtures import HashEncoder
from sqlalchemy import insert, select

from features.runs import RunLockedError, run_lock
from features.schema import BatchRun
from features.settings import Settings
from flows.evaluate import (
    EXPERIMENT,
    PLAIN_STEPS,
    Champion,
    evaluation_markdown,
    fairness_summary,
    measure_risk,
    recommendation_table,
    risk_lines,
    run_evaluation,
)
from models.metrics import fairness_report
from models.risk import default_config
from tests.nightly_fixtures import AS_OF, seed_demo, train_champion, with_database


@pytest.fixture(scope="module")
def champion_settings(tmp_path_factory, sqlite_template):
    import mlflow

    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    yield train_champion(tmp_path_factory.mktemp("evaluate-mlflow"), sqlite_template)
    mlflow.set_tracking_uri(previous[0])
    mlflow.set_registry_uri(previous[1])


def ledger(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(BatchRun).order_by(BatchRun.started_on)).mappings().all()
    return [dict(row) for row in rows]


# --------------------------------------------------------------------- whole run


def test_evaluation_logs_risk_and_recommendations_and_the_ledger(engine, db_url,
                                                                 champion_settings) -> None:
    from mlflow import MlflowClient

    seed_demo(engine)
    settings = with_database(champion_settings, db_url)
    summary = run_evaluation(engine, settings, AS_OF, encoder=HashEncoder())

    assert summary["status"] == "succeeded"
    risk = summary["risk"]["disengagement"]
    assert risk["model_version"] == "learnerai-risk-disengagement/1"
    assert risk["cutoff"] == "2026-01-30 00:00"  # as-of minus the 30-day horizon
    assert risk["rows"] >= 50 and 0 < risk["positives"] < risk["rows"]
    assert 0.0 <= risk["metrics"]["roc_auc"] <= 1.0
    assert summary["risk"]["dropout"]["skipped"].startswith("no champion")

    client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment.artifact_location.endswith(f"/artifacts/{EXPERIMENT}")
    run = client.get_run(risk["mlflow_run_id"])
    assert run.info.experiment_id == experiment.experiment_id
    assert run.data.metrics["roc_auc"] == pytest.approx(risk["metrics"]["roc_auc"])
    assert run.data.metrics["rows"] == risk["rows"]
    assert "fairness.largest_auc_gap" in run.data.metrics
    assert run.data.tags["learnerai.model_version"] == "learnerai-risk-disengagement/1"
    assert run.data.tags["learnerai.batch_run_id"] == summary["run_id"]
    assert set(run.data.params) == {"as_of", "cutoff", "horizon_days", "model_version",
                                    "min_group_rows"}
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
    assert artifacts == {"evaluation/fairness.json", "evaluation/metrics.json"}

    recs = summary["recommendations"]
    assert recs["as_of"] == "2026-01-30 00:00" and recs["split"]["positives"] > 0
    assert set(recs["metrics"]) == {"learnerai", "most_popular", "cooccurrence"}
    rec_run = client.get_run(recs["mlflow_run_id"])
    assert rec_run.data.params["batch_run_id"] == summary["run_id"]
    assert rec_run.data.metrics["learnerai.recall_at_10"] == pytest.approx(
        recs["metrics"]["learnerai"]["recall@10"])

    [row] = ledger(engine)
    assert (row["run_id"], row["flow"], row["status"]) == (summary["run_id"], "evaluate",
                                                           "succeeded")
    assert row["as_of"] == AS_OF and row["error"] is None
    assert row["counts"]["risk"]["disengagement"]["metrics"] == risk["metrics"]
    assert row["counts"]["risk"]["dropout"] == summary["risk"]["dropout"]
    assert row["model_versions"]["disengagement"] == "learnerai-risk-disengagement/1"
    assert "dropout" not in row["model_versions"]

    first, second = risk_lines(summary)
    assert first.startswith("disengagement: learnerai-risk-disengagement/1 on ")
    assert f"ROC-AUC {risk['metrics']['roc_auc']:.3f}" in first
    assert second.startswith("dropout: skipped — no champion")
    text = evaluation_markdown(summary)
    assert "| disengagement | learnerai-risk-disengagement/1 | 2026-01-30 |" in text
    assert "- dropout: skipped — no champion" in text
    assert "| recall@10 |" in text
    assert list(recommendation_table(summary).index) == ["learnerai", "most_popular",
                                                         "cooccurrence"]


def _no_champions(_settings, targets):
    return {}, {target: "no champion: none registered" for target in targets}


def test_a_failed_run_is_recorded_and_an_interrupted_one_closed(engine, db_url) -> None:
    with engine.begin() as conn:
        conn.execute(insert(BatchRun).values(run_id="nightly-dead", flow="nightly",
                                             as_of=AS_OF, started_on=AS_OF,
                                             status="running", counts={},
                                             model_versions={}))

    def broken(*_args):
        raise RuntimeError("recommendations exploded")

    steps = replace(PLAIN_STEPS, load_champions=_no_champions, recommendations=broken)
    with pytest.raises(RuntimeError, match="exploded"):
        run_evaluation(engine, Settings(database_url=db_url), AS_OF, encoder=HashEncoder(),
                       steps=steps)
    dead, failed = ledger(engine)
    assert (dead["status"], dead["error"]) == (
        "failed", "interrupted: the process stopped before the run finished")
    assert failed["flow"] == "evaluate" and failed["status"] == "failed"
    assert failed["error"] == "RuntimeError: recommendations exploded"
    assert failed["counts"]["risk"]["dropout"] == {"skipped": "no champion: none registered"}
    assert failed["counts"]["notes"] == [
        "marked 1 interrupted run(s) as failed: nightly-dead"]


def test_a_held_lock_stops_the_run_before_the_ledger(engine, db_url) -> None:
    steps = replace(PLAIN_STEPS, load_champions=_no_champions)
    with run_lock(engine), pytest.raises(RunLockedError):
        run_evaluation(engine, Settings(database_url=db_url), AS_OF, encoder=HashEncoder(),
                       steps=steps)
    assert ledger(engine) == []


# ----------------------------------------------------------------- pure stages


class ColumnModel:
    """A 'pipeline' whose risk is the column ``x`` (what predict_risk needs of one)."""

    feature_names_in_ = np.array(["x"])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        p = frame["x"].to_numpy(dtype=float)
        return np.column_stack([1 - p, p])


def frame(n: int, positives: int, *, small_group: int = 0) -> pd.DataFrame:
    """``n`` learners, the first ``positives`` of them labelled 1 and scored highest."""
    label = np.r_[np.ones(positives), np.zeros(n - positives)]
    gender = np.where(np.arange(n) % 2 == 0, "Female", "Male").astype(object)
    gender[:small_group] = "Rare"
    return pd.DataFrame({"learner_id": np.arange(1, n + 1), "label": label,
                         "x": np.linspace(0.9, 0.1, n), "gender": gender})


CHAMPION = Champion("disengagement", ColumnModel(), "learnerai-risk-disengagement/7")
CONFIG = default_config("disengagement")


def test_measure_risk_scores_the_champion_and_audits_groups() -> None:
    measured = measure_risk(frame(120, 30), CHAMPION, CONFIG, n_permutations=20)
    assert measured["rows"] == 120 and measured["positives"] == 30
    assert measured["metrics"]["roc_auc"] == 1.0  # the positives score highest
    assert measured["metrics"]["base_rate"] == 0.25
    gender = measured["fairness"]["attributes"]["gender"]
    assert set(gender["auc"]) == {"Female", "Male"}
    assert measured["fairness"]["attributes"]["country"] == {"missing": True}


@pytest.mark.parametrize(("rows", "positives", "reason"), [
    (40, 10, "40 labelled rows at the evaluation cutoff, fewer than the 50 needed"),
    (80, 0, "the 80 labelled rows at the evaluation cutoff hold one class only"),
    (80, 80, "the 80 labelled rows at the evaluation cutoff hold one class only"),
])
def test_measure_risk_skips_what_cannot_be_measured(rows, positives, reason) -> None:
    assert measure_risk(frame(rows, positives), CHAMPION, CONFIG) == {"skipped": reason}


def test_unlabelled_rows_do_not_count_and_missing_columns_skip() -> None:
    rows = frame(60, 20)
    rows.loc[:19, "label"] = np.nan
    assert "40 labelled rows" in measure_risk(rows, CHAMPION, CONFIG)["skipped"]
    skipped = measure_risk(frame(60, 20).drop(columns="x"), CHAMPION, CONFIG)["skipped"]
    assert skipped.startswith("disengagement champion learnerai-risk-disengagement/7 "
                              "reads columns the evaluation rows lack")


def test_groups_below_the_minimum_size_stay_out_of_what_is_logged() -> None:
    rows = frame(100, 40, small_group=12)
    y, score = rows["label"].to_numpy(), rows["x"].to_numpy()
    report = fairness_report(y, score, rows[["gender"]], threshold=0.5)
    assert "Rare" in report["attributes"]["gender"]["skipped"]  # the full report has it
    summary = fairness_summary(report)
    assert "Rare" not in json.dumps(summary)
    assert summary["attributes"]["gender"]["skipped_groups"] == 1
    assert set(summary["attributes"]["gender"]["auc"]) == {"Female", "Male"}
    assert "country" not in summary["attributes"]
    json.dumps(summary, allow_nan=False)  # valid JSON: NaN became null
    assert math.isfinite(summary["largest_abroca"])


def test_the_artifact_reports_skipped_stages() -> None:
    summary = {"run_id": "evaluate-x", "as_of": "2026-03-01 00:00", "status": "succeeded",
               "seconds": 1.0, "notes": [],
               "risk": {"disengagement": {"skipped": "no champion: none"}},
               "recommendations": {"as_of": "2026-01-30 00:00", "horizon_days": 30,
                                   "split": {}, "skipped": "no positives"}}
    text = evaluation_markdown(summary)
    assert "- disengagement: skipped — no champion: none" in text
    assert "Skipped — no positives" in text
    assert recommendation_table(summary).empty


def test_the_flow_retries_only_its_io_tasks() -> None:
    from prefect import Flow

    from flows.evaluate import TASK_STEPS, evaluate

    assert isinstance(evaluate, Flow) and evaluate.name == "learnerai-evaluate"
    assert TASK_STEPS.measure_risk.retries == 0
    for name in ("load_champions", "risk_frame", "log_risk", "recommendations",
                 "log_recommendations"):
        assert getattr(TASK_STEPS, name).retries == 2, name


def test_evaluation_cutoffs_follow_each_targets_horizon() -> None:
    from flows.evaluate import evaluation_cutoff

    assert evaluation_cutoff(AS_OF, default_config("disengagement")) == dt.datetime(2026, 1, 30)
    assert evaluation_cutoff(AS_OF, default_config("dropout")) == dt.datetime(2025, 12, 31)
