"""Offline temporal evaluation of Course recommendations against two baselines.

Split at ``as_of`` = T: every input is read as of T (the same functions as a nightly
run), and the positives are the courses each learner enrolled in during
``(T, T + horizon]`` — except courses they were taking or had completed at T, which no
method may recommend. The learner's own recommender, most-popular and co-occurrence
lists are scored by :mod:`models.evaluation` on the same learners and candidates.

:func:`evaluate_recommendations` returns the metrics table (one row per method);
:func:`log_recommendation_evaluation` records it in MLflow (experiment
``learnerai-recommendations``, artifacts under the configured artifact location).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from features.reading import read_frame
from features.recommendation_data import future_enrollments_query
from features.recommendation_inputs import RecommendationData, load_recommendation_data
from features.settings import Settings, artifact_uri
from models.evaluation import evaluate_lists, item_popularity, recommend_baseline
from models.recommend import recommend
from models.recommend_policy import RecommenderConfig

EXPERIMENT = "learnerai-recommendations"
METHODS = ("learnerai", "most_popular", "cooccurrence")


def course_lists(data: RecommendationData, k: int,
                 config: RecommenderConfig | None = None) -> pd.DataFrame:
    """Our top-k Course lists as (learner_id, item, rank)."""
    config = dataclasses.replace(config or RecommenderConfig(), types=("Course",), top_n=k)
    recs = recommend(data.inputs, data.space, config)
    return pd.DataFrame({"learner_id": recs["learner_id"].to_numpy(np.int64),
                         "item": recs["reference_id"].astype(np.int64).to_numpy(),
                         "rank": recs["rec_rank"].to_numpy(np.int64)})


def evaluation_split(engine: Engine, data: RecommendationData, as_of: dt.datetime,
                     horizon_days: int) -> dict[str, pd.DataFrame]:
    """history (before T), exclusions (taking/completed at T) and positives (after T)."""
    enr = data.inputs.enrollments.rename(columns={"course_id": "item"})
    exclude = enr[enr["state"].isin(["active", "completed"])][["learner_id", "item"]]
    future = read_frame(engine, future_enrollments_query(as_of, horizon_days)).rename(
        columns={"course_id": "item"}).astype("int64")
    future = future[future["learner_id"].isin(data.inputs.learner_ids)]
    positives = future.merge(exclude.assign(x=1), on=["learner_id", "item"], how="left")
    positives = positives[positives["x"].isna()][["learner_id", "item"]]
    return {"history": enr[["learner_id", "item"]], "exclude": exclude,
            "positives": positives}


def evaluate_recommendations(engine: Engine, encoder: Any, resolver: Any, as_of: dt.datetime,
                             k: Sequence[int] = (5, 10), horizon_days: int = 30,
                             config: RecommenderConfig | None = None) -> pd.DataFrame:
    """Metrics of our Course lists and both baselines as of ``as_of`` (rows: methods).

    The table's ``attrs`` hold the split's sizes (learners, learners with positives,
    positives, candidates) for the report.
    """
    data = load_recommendation_data(engine, encoder, resolver, as_of)
    return evaluate_with_data(engine, data, as_of, k, horizon_days, config)


def evaluate_with_data(engine: Engine, data: RecommendationData, as_of: dt.datetime,
                       k: Sequence[int] = (5, 10), horizon_days: int = 30,
                       config: RecommenderConfig | None = None) -> pd.DataFrame:
    """:func:`evaluate_recommendations` on inputs already loaded (reuse across configs)."""
    split = evaluation_split(engine, data, as_of, horizon_days)
    space, top = data.space, max(k)
    candidates = space.course_active
    learners = data.inputs.learner_ids
    lists = {
        "learnerai": course_lists(data, top, config),
        **{m: recommend_baseline(m, learners, split["history"], split["exclude"],
                                 space.course_ids, top, candidates)
           for m in METHODS[1:]},
    }
    n_history = split["history"]["learner_id"].nunique()
    popularity = item_popularity(split["history"], n_history)
    rows = {method: evaluate_lists(recs, split["positives"], k,
                                   catalog_size=int(candidates.sum()), popularity=popularity,
                                   n_learners=n_history, item_ids=space.course_ids,
                                   item_vectors=space.course_vectors)
            for method, recs in lists.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "method"
    table.attrs["split"] = {
        "as_of": as_of.isoformat(), "horizon_days": horizon_days,
        "learners": int(len(learners)),
        "learners_with_positives": int(split["positives"]["learner_id"].nunique()),
        "positives": int(len(split["positives"])),
        "candidate_courses": int(candidates.sum()),
    }
    return table


def fitted_skill_resolver(engine: Engine, encoder: Any) -> Any:
    """The skill resolver fitted on the database's catalog (vectors via the cache)."""
    from features.embedding_cache import embed_texts
    from features.recommendation_data import read_catalog
    from models.skill_resolution import SkillResolver, catalog_texts

    skills = read_catalog(engine).skills
    return SkillResolver().fit(skills, embed_texts(engine, encoder, catalog_texts(skills)))


def markdown_table(table: pd.DataFrame) -> str:
    """Metrics as rows, methods as columns, 4 decimals."""
    frame = table.T
    lines = ["| metric | " + " | ".join(frame.columns) + " |",
             "| --- |" + " ---: |" * len(frame.columns)]
    lines += [f"| {metric} | " + " | ".join(f"{v:.4f}" for v in row) + " |"
              for metric, row in frame.iterrows()]
    return "\n".join(lines)


def log_recommendation_evaluation(table: pd.DataFrame, settings: Settings,
                                  params: dict[str, Any] | None = None) -> str:
    """Log the table to MLflow: one metric per (method, metric), the table and the split
    as artifacts. Returns the MLflow run id."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        location = f"{artifact_uri(settings.mlflow_artifact_location).rstrip('/')}/{EXPERIMENT}"
        experiment_id = client.create_experiment(EXPERIMENT, artifact_location=location)
    else:
        experiment_id = experiment.experiment_id
    split = table.attrs.get("split", {})
    run = client.create_run(experiment_id, tags={"learnerai.kind": "recommendation-evaluation"})
    run_id = run.info.run_id
    for key, value in {**split, **(params or {})}.items():
        client.log_param(run_id, key, str(value))
    for method, row in table.iterrows():
        for metric, value in row.items():
            if pd.notna(value):
                client.log_metric(run_id, f"{method}.{metric.replace('@', '_at_')}", float(value))
    with tempfile.TemporaryDirectory() as tmp:
        table.to_csv(Path(tmp) / "metrics.csv")
        (Path(tmp) / "split.json").write_text(json.dumps(split, indent=2))
        client.log_artifacts(run_id, tmp)
    client.set_terminated(run_id)
    return run_id


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m features.recommend_eval --as-of 2025-06-01`` prints the table."""
    import argparse

    from features.engine import make_engine
    from features.settings import load_settings
    from models.embeddings import TextEncoder

    parser = argparse.ArgumentParser(description="Offline evaluation of Course recommendations.")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--as-of", required=True, help="the split date T (YYYY-MM-DD)")
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--horizon-days", type=int, default=30)
    parser.add_argument("--log", action="store_true", help="also log the table to MLflow")
    args = parser.parse_args(argv)
    settings = load_settings(database_url=args.database_url)
    engine = make_engine(settings.database_url)
    encoder = TextEncoder(settings.embedding_model)
    as_of = dt.datetime.fromisoformat(args.as_of)
    table = evaluate_recommendations(engine, encoder, fitted_skill_resolver(engine, encoder),
                                     as_of, k=tuple(args.k), horizon_days=args.horizon_days)
    print(json.dumps(table.attrs["split"]))
    print(markdown_table(table))
    if args.log:
        print("MLflow run", log_recommendation_evaluation(table, settings))


if __name__ == "__main__":
    main()
