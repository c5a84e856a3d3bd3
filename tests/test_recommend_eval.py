"""Offline evaluation: exact metric values on hand-made lists, the two baselines, and the
temporal runner on a tiny database."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from recommend_fixtures import AS_OF, HashEncoder, seed_small_database
from sqlalchemy import insert

from features.recommend_eval import METHODS, evaluate_recommendations
from features.schema import CourseEnrollment
from models.evaluation import (
    baseline_scores,
    catalog_coverage,
    evaluate_lists,
    intra_list_diversity,
    item_popularity,
    jaccard_matrix,
    novelty,
    ranking_metrics,
    recommend_baseline,
)

LOG2_3, LOG2_6 = math.log2(3), math.log2(6)


def lists(pairs: dict[int, list[str]]) -> pd.DataFrame:
    return pd.DataFrame([(lid, item, rank + 1) for lid, items in pairs.items()
                         for rank, item in enumerate(items)],
                        columns=["learner_id", "item", "rank"])


def pairs(mapping: dict[int, list[str]]) -> pd.DataFrame:
    return pd.DataFrame([(lid, item) for lid, items in mapping.items() for item in items],
                        columns=["learner_id", "item"])


RECS = lists({1: ["a", "b", "c", "d", "e"], 2: ["x", "y"], 4: ["a", "z"]})
POSITIVES = pairs({1: ["b", "e", "z"], 2: ["x"], 3: ["q"]})


def test_ranking_metrics_at_5() -> None:
    m = ranking_metrics(RECS, POSITIVES, 5)
    # Learner 1: hits at ranks 2 and 5 of 3 positives; learner 2: a hit at rank 1 of 1;
    # learner 3: positives but no list (zeros); learner 4: a list but no positives (unscored).
    ndcg1 = (1 / LOG2_3 + 1 / LOG2_6) / (1 + 1 / LOG2_3 + 0.5)
    assert m["precision@5"] == pytest.approx((2 / 5 + 1 / 5 + 0) / 3)
    assert m["recall@5"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert m["ndcg@5"] == pytest.approx((ndcg1 + 1 + 0) / 3)
    assert round(m["ndcg@5"], 6) == 0.492541
    assert m["map@5"] == pytest.approx(((1 / 2 + 2 / 5) / 3 + 1 + 0) / 3)


def test_ranking_metrics_at_1_and_without_positives() -> None:
    m = ranking_metrics(RECS, POSITIVES, 1)
    assert m == pytest.approx({"precision@1": 1 / 3, "recall@1": 1 / 3, "ndcg@1": 1 / 3,
                               "map@1": 1 / 3})
    assert math.isnan(ranking_metrics(RECS, POSITIVES.iloc[:0], 5)["ndcg@5"])


def test_coverage_novelty_and_diversity() -> None:
    assert catalog_coverage(RECS, 10, 5) == pytest.approx(8 / 10)  # a-e, x, y, z
    assert catalog_coverage(RECS, 10, 1) == pytest.approx(2 / 10)  # a, x
    history = pairs({1: ["a", "b"], 2: ["a"], 3: ["a", "c"]})
    popularity = item_popularity(history, n_learners=3)
    assert popularity.to_dict() == {"a": 1.0, "b": 0.5, "c": 0.5}
    top1 = lists({1: ["a"], 2: ["b"], 3: ["zz"]})
    # -log2(1) = 0, -log2(0.5) = 1, unseen: -log2(1/4) = 2.
    assert novelty(top1, popularity, 3, 1) == pytest.approx((0 + 1 + 2) / 3)

    ids = ["a", "b", "c"]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    div = intra_list_diversity(lists({1: ["a", "b"], 2: ["a", "c", "b"], 3: ["c"]}), ids,
                               vectors, 5)
    # List 1: orthogonal (1 - 0); list 2: cosines 0.6, 0, 0.8 (1 - 1.4/3); list 3 too short.
    assert div == pytest.approx((1.0 + (1 - 1.4 / 3)) / 2)


def test_evaluate_lists_gathers_every_metric_at_every_k() -> None:
    out = evaluate_lists(RECS, POSITIVES, (1, 5), catalog_size=10,
                         popularity=pd.Series({"a": 0.5}), n_learners=3,
                         item_ids=["a", "b"], item_vectors=np.eye(2))
    assert sorted(out) == sorted(f"{m}@{k}" for k in (1, 5) for m in (
        "precision", "recall", "ndcg", "map", "coverage", "novelty", "diversity"))


def test_most_popular_and_cooccurrence_baselines() -> None:
    items = ["a", "b", "c", "d"]
    history = pairs({1: ["a", "b"], 2: ["a", "c"], 3: ["a", "b"], 4: ["d"]})
    jaccard = jaccard_matrix(history, items)
    # a: {1,2,3}, b: {1,3}, c: {2}, d: {4}
    assert jaccard[0, 1] == pytest.approx(2 / 3) and jaccard[0, 2] == pytest.approx(1 / 3)
    assert jaccard[1, 2] == 0.0 and jaccard[0, 0] == 0.0

    exclude = pairs({5: ["a"]})
    popular = recommend_baseline("most_popular", [5], history, exclude, items, 2)
    assert popular["item"].tolist() == ["b", "c"]  # a excluded; b (2) before c (1) and d (1)

    learner_ids = [2, 6]  # 2 took a and c; 6 has no history: popularity order
    scores = baseline_scores("cooccurrence", learner_ids, history, pairs({2: ["a", "c"]}), items)
    assert np.isinf(scores[0, 0]) and np.isinf(scores[0, 2])
    # b: J(a,b) + J(c,b) = 2/3; d: 0; plus the popularity tie-break (1e-6 * count/max).
    assert scores[0, 1] == pytest.approx(2 / 3 + 1e-6 * 2 / 3)
    co = recommend_baseline("cooccurrence", learner_ids, history, pairs({2: ["a", "c"]}),
                            items, 3, candidates=np.array([True, True, True, False]))
    assert co[co["learner_id"] == 2]["item"].tolist() == ["b"]
    assert co[co["learner_id"] == 6]["item"].tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="unknown baseline"):
        baseline_scores("random", [1], history, exclude, items)


def test_temporal_runner_on_a_database(engine) -> None:
    seed_small_database(engine)
    after = AS_OF + dt.timedelta(days=3)
    with engine.begin() as conn:
        conn.execute(insert(CourseEnrollment), [
            {"learner_id": 3, "course_id": 104, "enrolled_on": after, "status": "Active"},
            {"learner_id": 2, "course_id": 104, "enrolled_on": after, "status": "Active"},
            # Learner 2 was already taking 108: not a positive for anybody.
            {"learner_id": 2, "course_id": 108, "enrolled_on": after, "status": "Active"},
            {"learner_id": 1, "course_id": 105, "enrolled_on": AS_OF + dt.timedelta(days=40),
             "status": "Active"},  # after the 30-day horizon
        ])
    table = evaluate_recommendations(engine, HashEncoder(), None, AS_OF, k=(3,))
    assert table.index.tolist() == list(METHODS)
    assert table.attrs["split"] == {
        "as_of": "2026-03-01T00:00:00", "horizon_days": 30, "learners": 4,
        "learners_with_positives": 2, "positives": 2, "candidate_courses": 10}
    assert (table["recall@3"] >= 0).all() and (table["coverage@3"] <= 1).all()
    # Tableau Dashboards is the heaviest course nobody of 2 and 3 has: we list it first.
    assert table.loc["learnerai", "recall@3"] == 1.0


def test_the_table_is_logged_to_mlflow(tmp_path) -> None:
    import mlflow
    from mlflow import MlflowClient

    from features.recommend_eval import EXPERIMENT, log_recommendation_evaluation
    from features.settings import Settings

    settings = Settings(mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                        mlflow_artifact_location=str(tmp_path / "artifacts"))
    table = pd.DataFrame({"ndcg@10": [0.1, 0.03]}, index=["learnerai", "most_popular"])
    table.attrs["split"] = {"as_of": "2026-03-01T00:00:00", "learners": 4}
    previous = mlflow.get_tracking_uri()
    try:
        run_id = log_recommendation_evaluation(table, settings, {"k": "10"})
        client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
        run = client.get_run(run_id)
        experiment = client.get_experiment(run.info.experiment_id)
    finally:
        mlflow.set_tracking_uri(previous)
    assert experiment.name == EXPERIMENT
    assert experiment.artifact_location.startswith((tmp_path / "artifacts").as_uri())
    assert run.data.metrics == {"learnerai.ndcg_at_10": 0.1, "most_popular.ndcg_at_10": 0.03}
    assert run.data.params == {"as_of": "2026-03-01T00:00:00", "learners": "4", "k": "10"}
    assert sorted(a.path for a in client.list_artifacts(run_id)) == ["metrics.csv", "split.json"]
