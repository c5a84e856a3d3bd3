"""Killed mid-publish (SIGKILL), the database shows every learner's complete old or
complete new recommendations; the ledger marks the run failed; the next run finishes."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
from recommend_fixtures import HashEncoder
from sqlalchemy import select

from features.schema import BatchRun, LearnerRecommendation
from flows.nightly import run_nightly
from models.recommend_policy import RecommenderConfig
from tests.nightly_fixtures import AS_OF

SCRIPT = Path(__file__).parent / "scripts" / "nightly_killed.py"
LATER = AS_OF + dt.timedelta(days=7)
CHUNK = 40  # learners per transaction: 240 demo learners make 6


def pending(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(
            select(LearnerRecommendation.learner_id, LearnerRecommendation.run_id,
                   LearnerRecommendation.recommendation_type, LearnerRecommendation.reference_id,
                   LearnerRecommendation.rec_rank)
            .where(LearnerRecommendation.action_status == "Pending")).all())


def sets(frame: pd.DataFrame) -> dict[int, frozenset]:
    return {int(lid): frozenset(zip(g["recommendation_type"], g["reference_id"], g["rec_rank"],
                                    strict=True))
            for lid, g in frame.groupby("learner_id")}


def test_sigkill_mid_publish_leaves_old_or_new_and_the_next_run_completes(demo) -> None:
    engine, settings = demo
    old_run = run_nightly(engine, settings, AS_OF, full=True, encoder=HashEncoder(),
                          recommender=RecommenderConfig(chunk_size=CHUNK)).run_id
    old = sets(pending(engine))

    killed = subprocess.run(
        [sys.executable, str(SCRIPT), settings.database_url, settings.mlflow_tracking_uri,
         settings.mlflow_artifact_location, LATER.isoformat(), "3", str(CHUNK)],
        capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr

    after_kill = pending(engine)
    runs_per_learner = after_kill.groupby("learner_id")["run_id"].nunique()
    assert (runs_per_learner == 1).all()  # never half old, half new
    by_run = after_kill.groupby("run_id")["learner_id"].nunique()
    new_run = next(r for r in by_run.index if r != old_run)
    assert by_run[new_run] == 2 * CHUNK  # two chunks committed, the third rolled back
    assert set(by_run.index) == {old_run, new_run}
    kept = sets(after_kill[after_kill["run_id"] == old_run])
    assert all(kept[lid] == old[lid] for lid in kept)  # complete old sets
    with engine.connect() as conn:
        status = conn.execute(select(BatchRun.status).where(BatchRun.run_id == new_run)).scalar()
    assert status == "running"  # nobody could say otherwise yet

    rerun = run_nightly(engine, settings, LATER, full=True, encoder=HashEncoder(),
                        recommender=RecommenderConfig(chunk_size=CHUNK))
    assert any(new_run in note for note in rerun.notes)
    with engine.connect() as conn:
        status, error = conn.execute(select(BatchRun.status, BatchRun.error)
                                     .where(BatchRun.run_id == new_run)).one()
    assert status == "failed" and error.startswith("interrupted")
    final = pending(engine)
    assert set(final["run_id"]) == {rerun.run_id}
    assert not final.duplicated(["learner_id", "recommendation_type", "rec_rank"]).any()
    # What the killed run had committed is exactly what the rerun wrote.
    done = sets(after_kill[after_kill["run_id"] == new_run])
    complete = sets(final)
    assert all(done[lid] == complete[lid] for lid in done)
