"""Shared set-up for nightly-run tests: demo learners, a trained champion, table snapshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from features.demo_data import seed_database
from features.engine import make_engine
from features.schema import (
    LearnerAIFeatures,
    LearnerAuditLog,
    LearnerCareerPathway,
    LearnerEngagement,
    LearnerNotification,
    LearnerPsychographics,
    LearnerRecommendation,
)
from features.settings import Settings

AS_OF = dt.datetime(2026, 3, 1)
LEARNERS = 240
TRAIN_LEARNERS = 1000
SEED = 3
DAYS = 150
RUN_ID = re.compile(r"nightly-\d{8}T\d{4}-[0-9a-f]{8}")


def seed_demo(engine: Engine) -> None:
    seed_database(engine, learners=LEARNERS, days=DAYS, seed=SEED, as_of=AS_OF)


def train_champion(tmp: Path, sqlite_template: Path) -> Settings:
    """Settings whose MLflow holds a disengagement champion trained on the demo learners."""
    from flows.train import run_training
    from models.risk import default_config
    from registry.models import PromotionGates

    db = tmp / "train.db"
    shutil.copyfile(sqlite_template, db)
    settings = Settings(database_url=f"sqlite:///{db}",
                        mlflow_tracking_uri=f"sqlite:///{tmp / 'mlflow.db'}",
                        mlflow_artifact_location=str(tmp / "artifacts"))
    engine = make_engine(settings.database_url)
    # More learners than the scored demo: a few hundred leave too few outcomes to learn.
    seed_database(engine, learners=TRAIN_LEARNERS, days=DAYS, seed=SEED + 1, as_of=AS_OF)
    config = default_config("disengagement", estimator="logistic_regression",
                            calibration="sigmoid")
    summary = run_training(engine, settings, AS_OF, ("disengagement",),
                           gates=PromotionGates(min_roc_auc=0.5, max_group_auc_gap=1.0),
                           configs={"disengagement": config})
    engine.dispose()
    assert summary["disengagement"]["promoted"], summary
    return settings


def with_database(settings: Settings, url: str) -> Settings:
    return dataclasses.replace(settings, database_url=url)


def _rows(engine: Engine, table: Any, drop: tuple[str, ...], order: list[str]) -> list[dict]:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(table)).mappings().all())
    if frame.empty:
        return []
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    records = frame.sort_values(order, kind="stable").to_dict(orient="records")
    return [{k: _normal(v) for k, v in r.items()} for r in records]


def _normal(value: Any) -> Any:
    """Values as comparable plain data: run ids masked, JSON text parsed, decimals floats."""
    if isinstance(value, str):
        text = RUN_ID.sub("<run>", value)
        if text.startswith("{") or text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    if isinstance(value, (dict, list)):
        return json.loads(RUN_ID.sub("<run>", json.dumps(value, default=str)))
    return value


def snapshot(engine: Engine) -> dict[str, list[dict]]:
    """Every table a nightly run writes, without surrogate keys and run ids."""
    return {
        "recommendations": _rows(engine, LearnerRecommendation.__table__,
                                 ("rec_id", "run_id"),
                                 ["learner_id", "recommendation_type", "rec_rank",
                                  "reference_id", "action_status"]),
        "ai_features": _rows(engine, LearnerAIFeatures.__table__, (), ["learner_id"]),
        "notifications": _rows(engine, LearnerNotification.__table__,
                               ("notification_id", "updated_on"),
                               ["learner_id", "created_on", "type", "title"]),
        "pathways": _rows(engine, LearnerCareerPathway.__table__, ("path_id",),
                          ["learner_id", "last_updated", "next_role"]),
        "psychographics": _rows(engine, LearnerPsychographics.__table__,
                                ("psychographic_id",), ["learner_id", "derived_from"]),
        "engagement": _rows(engine, LearnerEngagement.__table__, ("engagement_id",),
                            ["learner_id", "updated_on"]),
        "audit": _rows(engine, LearnerAuditLog.__table__, ("audit_id", "action_by"),
                       ["learner_id", "module", "action_on"]),
    }
