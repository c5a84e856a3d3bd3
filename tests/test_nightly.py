"""The nightly batch end to end, on SQLite and MariaDB: ledger, idempotent reruns,
incremental == full, nudges and audit, the lock."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from recommend_fixtures import HashEncoder
from sqlalchemy import func, insert, select, update

from features.runs import RunLockedError, run_lock
from features.schema import (
    BatchRun,
    LearnerActivityLog,
    LearnerAIFeatures,
    LearnerAuditLog,
    LearnerNotification,
    LearnerPreferences,
    LearnerRecommendation,
    LearnerSkill,
)
from flows.nightly import run_nightly
from flows.risk_scoring import explain_learner
from tests.nightly_fixtures import AS_OF, snapshot


def nightly(demo, as_of=AS_OF, **options):
    engine, settings = demo
    return run_nightly(engine, settings, as_of, encoder=HashEncoder(), **options)


def ledger(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(BatchRun.run_id, BatchRun.status,
                                                BatchRun.counts, BatchRun.error)
                                         .order_by(BatchRun.started_on)).all())


def test_full_run_writes_every_output_and_the_ledger(demo) -> None:
    engine = demo[0]
    result = nightly(demo, full=True)
    assert result.status == "succeeded" and result.mode == "full"
    assert result.model_versions["disengagement"] == "learnerai-risk-disengagement/1"
    counts = result.counts
    scored = counts["risk_predictions"]
    assert 0 < scored <= 240 and counts["inserted"] > 5 * scored
    assert sum(result.risk_bands.values()) == scored
    assert counts["nudges"] > 0 and 0.9 * scored < counts["audit_risk"] <= scored
    row = ledger(engine).iloc[-1]
    assert row["status"] == "succeeded" and row["run_id"] == result.run_id
    assert row["counts"]["watermarks"]["learner_activity_log"] > 0
    assert set(result.timings) == {"models", "plan", "features", "risk", "recommendations",
                                   "record"}
    text = result.markdown()
    for heading in ("## Stages", "## Rows written", "## Model versions", "## Risk bands",
                    "## Data-quality exclusions"):
        assert heading in text
    with engine.connect() as conn:
        pending = conn.execute(select(LearnerRecommendation.run_id,
                                      LearnerRecommendation.model_version).distinct()
                               .where(LearnerRecommendation.action_status == "Pending")).all()
    assert pending == [(result.run_id, "rec1+fs1+test-hash-encoder")]


def test_rerun_for_the_same_day_leaves_the_same_tables(demo) -> None:
    engine = demo[0]
    nightly(demo, full=True)
    once = snapshot(engine)
    again = nightly(demo)  # incremental: nothing changed
    assert again.scope["learners"] == 0 or again.counts.get("inserted", 0) >= 0
    assert snapshot(engine) == once
    forced = nightly(demo, full=True)  # recompute everyone: same values again
    assert forced.counts["nudges"] == 0 and forced.counts["audit_risk"] == 0
    assert forced.counts["audit_recommendations"] == 0
    assert snapshot(engine) == once


def test_incremental_run_equals_a_full_run(demo, tmp_path, champion_settings) -> None:
    """Change a few learners' inputs; the incremental run recomputes exactly them and
    leaves the tables a full run leaves."""
    engine, settings = demo
    nightly(demo, full=True)
    changes = apply_changes(engine)
    incremental = nightly(demo)
    assert incremental.mode == "incremental"
    assert set(changes) <= set(recomputed(engine, incremental.run_id))
    assert incremental.scope["learners"] < 60, incremental.scope
    after_incremental = snapshot(engine)

    nightly(demo, full=True)
    after_full = snapshot(engine)
    for table in after_full:
        if table == "audit":
            continue  # the second (full) run audits nothing new: compare the rest
        assert after_incremental[table] == after_full[table], table


def apply_changes(engine) -> list[int]:
    """New activity for one learner, a new skill for another, an opt-out for a third."""
    with engine.begin() as conn:
        ids = conn.execute(select(LearnerActivityLog.learner_id).distinct()
                           .order_by(LearnerActivityLog.learner_id).limit(3)).scalars().all()
        conn.execute(insert(LearnerActivityLog), [
            {"learner_id": ids[0], "activity_type": "Quiz", "duration_seconds": 900,
             "score": 35, "timestamp": AS_OF - dt.timedelta(hours=3)}])
        conn.execute(insert(LearnerSkill), [
            {"learner_id": ids[1], "skill_name": "Python", "skill_level": "Advanced",
             "proficiency_score": 80}])
        conn.execute(update(LearnerPreferences).where(LearnerPreferences.learner_id == ids[2])
                     .values(ai_personalization_optin=0))
    return list(ids)


def recomputed(engine, run_id) -> list[int]:
    from features.schema import LearnerInputState

    with engine.connect() as conn:
        return conn.execute(select(LearnerInputState.learner_id)
                            .where(LearnerInputState.run_id == run_id)).scalars().all()


def test_new_activity_alone_republishes_only_that_learner(demo) -> None:
    """A learner's new quiz moves nobody's mentors: the incremental run after a full run
    replaces that one learner's list and no one else's."""
    engine = demo[0]
    nightly(demo, full=True)
    with engine.begin() as conn:
        learner = conn.execute(select(LearnerAIFeatures.learner_id)
                               .order_by(LearnerAIFeatures.learner_id)).scalars().first()
        conn.execute(insert(LearnerActivityLog), [
            {"learner_id": learner, "activity_type": "Quiz", "duration_seconds": 600,
             "score": 55, "timestamp": AS_OF - dt.timedelta(hours=2)}])
    run = nightly(demo)
    assert run.scope["learners"] == 1
    assert run.counts["mentors_moved"] == 0
    assert run.counts["mentor_assignment_reused"] == 1
    with engine.connect() as conn:
        published = conn.execute(select(func.count()).select_from(LearnerRecommendation)
                                 .where(LearnerRecommendation.run_id == run.run_id)).scalar()
        learners = conn.execute(select(func.count(LearnerRecommendation.learner_id.distinct()))
                                .where(LearnerRecommendation.run_id == run.run_id)).scalar()
    # The learner's list is published: rows that changed inserted, the rest kept.
    assert learners == 1 and run.counts["inserted"] + run.counts["kept"] == published > 0


def test_nudges_follow_the_rules(demo) -> None:
    engine = demo[0]
    first = nightly(demo, full=True)
    with engine.connect() as conn:
        nudged = pd.DataFrame(conn.execute(select(LearnerNotification)
                                           .where(LearnerNotification.type == "AI_Nudge"))
                              .mappings().all())
    assert len(nudged) == first.counts["nudges"] == first.risk_bands["high"]
    assert nudged["learner_id"].is_unique
    assert (nudged["channel_email"] + nudged["channel_browser"] + nudged["channel_app"] > 0).all()
    assert (pd.to_datetime(nudged["created_on"]) == AS_OF).all()
    # Three days later, everyone still high got their nudge less than 7 days ago.
    later = nightly(demo, AS_OF + dt.timedelta(days=3), full=True)
    with engine.connect() as conn:
        recent = conn.execute(select(func.count()).select_from(LearnerNotification)
                              .where(LearnerNotification.type == "AI_Nudge",
                                     LearnerNotification.created_on > AS_OF)).scalar()
    assert recent == later.counts["nudges"]
    with engine.connect() as conn:
        repeat = conn.execute(select(func.count()).select_from(LearnerNotification)
                              .where(LearnerNotification.type == "AI_Nudge",
                                     LearnerNotification.created_on > AS_OF,
                                     LearnerNotification.learner_id.in_(
                                         nudged["learner_id"].tolist()))).scalar()
    assert repeat == 0


def test_audit_records_changes_once(demo) -> None:
    engine = demo[0]
    nightly(demo, full=True)
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(select(LearnerAuditLog)
                                         .where(LearnerAuditLog.action_by.like("nightly-%")))
                            .mappings().all())
    assert set(rows["module"]) == {"risk", "recommendations"}
    assert rows.groupby(["learner_id", "module"]).size().max() == 1
    risk = rows[rows["module"] == "risk"].iloc[0]
    assert pd.isna(risk["old_value"]) and '"band"' in risk["new_value"]


def test_a_second_run_waits_or_exits_clearly(demo) -> None:
    engine = demo[0]
    with run_lock(engine), pytest.raises(RunLockedError, match="another learnerai run"):
        nightly(demo)
    assert ledger(engine).empty  # refused before writing anything

    errors: list[BaseException] = []

    def run() -> None:
        try:
            nightly(demo, full=True)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs = ledger(engine)
    assert len(runs) + len(errors) == 2 and (runs["status"] == "succeeded").all()
    assert all(isinstance(e, RunLockedError) for e in errors)
    with engine.connect() as conn:
        duplicates = conn.execute(
            select(LearnerRecommendation.learner_id, LearnerRecommendation.recommendation_type,
                   LearnerRecommendation.rec_rank, func.count())
            .where(LearnerRecommendation.action_status == "Pending")
            .group_by(LearnerRecommendation.learner_id,
                      LearnerRecommendation.recommendation_type,
                      LearnerRecommendation.rec_rank).having(func.count() > 1)).all()
    assert duplicates == []


def test_mlflow_down_fails_the_run_before_anything_is_written(demo, monkeypatch) -> None:
    import dataclasses

    import mlflow

    from registry.tracking import RegistryUnavailableError

    engine, settings = demo
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    broken = dataclasses.replace(settings, mlflow_tracking_uri="http://127.0.0.1:9/")
    before = snapshot(engine)
    try:
        with pytest.raises(RegistryUnavailableError, match="cannot be reached"):
            run_nightly(engine, broken, AS_OF, encoder=HashEncoder())
    finally:
        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    runs = ledger(engine)
    assert list(runs["status"]) == ["failed"] and "RegistryUnavailableError" in runs["error"][0]
    assert snapshot(engine) == before


def test_training_holds_the_lock_and_writes_the_ledger(demo, tmp_path) -> None:
    import dataclasses

    import mlflow

    from flows.train import run_training_ledgered
    from registry.models import PromotionGates

    engine, settings = demo
    own = dataclasses.replace(settings, mlflow_tracking_uri=f"sqlite:///{tmp_path / 'm.db'}",
                              mlflow_artifact_location=str(tmp_path / "artifacts"))
    try:
        with run_lock(engine), pytest.raises(RunLockedError):
            run_training_ledgered(engine, own, AS_OF, ("disengagement",))
        with pytest.raises(ValueError, match="unknown risk targets"):
            run_training_ledgered(engine, own, AS_OF, ("nope",))
        summary = run_training_ledgered(engine, own, AS_OF, ("disengagement",),
                                        gates=PromotionGates(min_roc_auc=0.5,
                                                             max_group_auc_gap=1.0))
    finally:
        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    # Both runs may start within one second (DATETIME resolution): index by status.
    runs = ledger(engine).set_index("status")
    assert sorted(runs.index) == ["failed", "succeeded"]
    assert "unknown risk targets" in runs.loc["failed", "error"]
    counts = runs.loc["succeeded", "counts"]["disengagement"]
    assert counts["roc_auc"] == round(summary["disengagement"]["metrics"]["roc_auc"], 4)
    assert counts["promoted"] == summary["disengagement"]["promoted"]


def test_risk_scores_from_the_features_stage_equal_scores_from_the_views(demo) -> None:
    """The run scores the features its features stage computed; recomputing the views
    from the database (as training does) gives every learner the same risk JSON."""
    from features.population_snapshot import json_bytes
    from flows.risk_scoring import (
        fit_risk_references,
        load_risk_champions,
        risk_references,
        score_learners,
    )

    engine, settings = demo
    run = nightly(demo, full=True)
    with engine.connect() as conn:
        published = dict(conn.execute(select(LearnerAIFeatures.learner_id,
                                             LearnerAIFeatures.risk_prediction)
                                      .where(LearnerAIFeatures.risk_prediction.is_not(None)))
                         .all())
    champions = load_risk_champions(settings)
    references, snapshot = risk_references(engine, AS_OF, champions, run_id=run.run_id)
    # The run fitted the references on its own views; from the database they are the same.
    assert json_bytes(fit_risk_references(engine, AS_OF, champions).to_json()) \
        == snapshot.payload
    again = score_learners(engine, settings, AS_OF, champions=champions,
                           references=references)
    assert len(published) == len(again) > 100
    assert {int(k): v for k, v in zip(again["learner_id"], again["risk_prediction"],
                                      strict=True)} == published


def test_population_statistics_are_fitted_once_per_refit_period(demo) -> None:
    engine, settings = demo
    first = nightly(demo, full=True)
    assert first.counts["population_snapshots"] == 2  # risk references + recommender
    # `learnerai explain` explains against the same typical learners as the run.
    with engine.connect() as conn:
        learner_id, stored = conn.execute(select(LearnerAIFeatures.learner_id,
                                                 LearnerAIFeatures.risk_prediction)
                                          .where(LearnerAIFeatures.risk_prediction.is_not(None))
                                          .limit(1)).one()
    explained = explain_learner(engine, settings, learner_id, AS_OF)
    assert explained["factors"] == stored["factors"] and explained["score"] == stored["score"]
    later = nightly(demo, AS_OF + dt.timedelta(days=2), full=True)
    assert later.counts["population_snapshots"] == 0
    forced = nightly(demo, AS_OF + dt.timedelta(days=2), full=True, refit=True)
    assert forced.counts["population_snapshots"] == 2
    next_week = nightly(demo, AS_OF + dt.timedelta(days=9), full=True)
    assert next_week.counts["population_snapshots"] == 2


def test_a_mentor_who_opts_out_is_replaced_in_the_next_incremental_run(demo) -> None:
    """Mentors are assigned population-wide: one learner's opt-out moves other
    learners' mentors, and those learners are recomputed although their inputs did not
    change."""
    engine = demo[0]
    nightly(demo, full=True)
    with engine.connect() as conn:
        mentor_rows = pd.DataFrame(conn.execute(
            select(LearnerRecommendation.learner_id, LearnerRecommendation.reference_id)
            .where(LearnerRecommendation.recommendation_type == "Mentor",
                   LearnerRecommendation.action_status == "Pending")).all())
    busiest = mentor_rows["reference_id"].value_counts().index[0]
    mentees = set(mentor_rows.loc[mentor_rows["reference_id"] == busiest, "learner_id"])
    with engine.begin() as conn:
        conn.execute(update(LearnerPreferences)
                     .where(LearnerPreferences.learner_id == int(busiest))
                     .values(ai_personalization_optin=0))
    run = nightly(demo)
    assert run.scope["learners"] == 1  # only the opted-out learner's inputs changed
    assert run.counts["mentors_moved"] >= len(mentees) - 1 > 0
    assert run.counts["mentor_assignment_reused"] == 0
    assert run.notes == ["mentors assigned over everyone: mentor inputs of 1 learner(s) "
                         "changed"]
    with engine.connect() as conn:
        still = conn.execute(select(func.count()).select_from(LearnerRecommendation)
                             .where(LearnerRecommendation.reference_id == str(busiest),
                                    LearnerRecommendation.recommendation_type == "Mentor",
                                    LearnerRecommendation.action_status == "Pending")).scalar()
    assert still == 0


def stored_mentors(engine) -> pd.DataFrame:
    from features.schema import LearnerInputState as t

    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(
            select(t.learner_id, t.mentor_inputs, t.mentor_assignment, t.mentor_fingerprint)
            .order_by(t.learner_id)).all())


def test_an_incremental_run_reuses_the_stored_mentor_assignment(demo) -> None:
    """New activity moves nobody's mentor inputs: the incremental run reads only its
    learners, reuses their stored mentors, and leaves what a full run leaves."""
    engine = demo[0]
    nightly(demo, full=True)
    with engine.begin() as conn:
        learners = conn.execute(select(LearnerAIFeatures.learner_id)
                                .order_by(LearnerAIFeatures.learner_id.desc()).limit(4)
                                ).scalars().all()
        conn.execute(insert(LearnerActivityLog), [
            {"learner_id": lid, "activity_type": "Video", "duration_seconds": 1200,
             "timestamp": AS_OF - dt.timedelta(hours=5)} for lid in learners])
    incremental = nightly(demo)
    assert incremental.scope["learners"] == 4 and incremental.notes == []
    assert incremental.counts["mentor_assignment_reused"] == 1
    assert incremental.counts["mentors_moved"] == 0
    with engine.connect() as conn:
        mentor_rows = conn.execute(select(func.count()).select_from(LearnerRecommendation)
                                   .where(LearnerRecommendation.run_id == incremental.run_id,
                                          LearnerRecommendation.recommendation_type
                                          == "Mentor")).scalar()
    assert mentor_rows > 0  # the reused assignment was published, not dropped
    after_incremental, stored = snapshot(engine), stored_mentors(engine)
    again = nightly(demo)  # the state the reusing run stored is reusable in turn
    assert again.counts.get("mentor_assignment_reused", 1) == 1

    full = nightly(demo, full=True)
    assert full.counts["mentor_assignment_reused"] == 0
    after_full = snapshot(engine)
    for table in after_full:
        if table != "audit":
            assert after_incremental[table] == after_full[table], table
    pd.testing.assert_frame_equal(stored, stored_mentors(engine))


def test_changed_skill_levels_make_the_run_assign_mentors_again(demo) -> None:
    """A mentor's skills drop to Beginner: they leave the pool, and the run assigns
    over everyone again."""
    engine = demo[0]
    nightly(demo, full=True)
    with engine.begin() as conn:
        mentor = conn.execute(
            select(LearnerRecommendation.reference_id)
            .where(LearnerRecommendation.recommendation_type == "Mentor")
            .group_by(LearnerRecommendation.reference_id)
            .order_by(func.count().desc(), LearnerRecommendation.reference_id)).scalars().first()
        conn.execute(update(LearnerSkill).where(LearnerSkill.learner_id == int(mentor))
                     .values(skill_level="Beginner"))
    run = nightly(demo)
    assert run.scope["learners"] == 1
    assert run.counts["mentor_assignment_reused"] == 0
    assert run.notes == ["mentors assigned over everyone: mentor inputs of 1 learner(s) "
                         "changed"]


def test_a_deleted_learner_makes_the_run_assign_mentors_again(demo) -> None:
    """A deleted learner changes nobody's fingerprint but leaves the population: their
    mentees need new mentors, so the stored assignment is not reused."""
    from features.schema import Learner

    engine = demo[0]
    nightly(demo, full=True)
    with engine.begin() as conn:
        first, gone = conn.execute(select(LearnerAIFeatures.learner_id)
                                   .order_by(LearnerAIFeatures.learner_id).limit(2)
                                   ).scalars().all()
        conn.execute(Learner.__table__.delete().where(Learner.learner_id == gone))
        conn.execute(insert(LearnerActivityLog), [
            {"learner_id": first, "activity_type": "Video", "duration_seconds": 600,
             "timestamp": AS_OF - dt.timedelta(hours=1)}])
    run = nightly(demo)
    assert run.counts["mentor_assignment_reused"] == 0
    assert run.notes == ["mentors assigned over everyone: a learner with stored mentor "
                         "inputs was deleted"]


def test_new_events_after_the_newest_rows_were_deleted_are_still_found(demo) -> None:
    """Deleting the learner who owns the newest activity rows must not let the next
    rows take their keys (under the last run's watermark): SQLite tables are
    AUTOINCREMENT for that, MariaDB never reuses a key."""
    from features.schema import Learner

    engine = demo[0]
    nightly(demo, full=True)
    with engine.begin() as conn:
        newest = conn.execute(select(LearnerActivityLog.learner_id)
                              .order_by(LearnerActivityLog.log_id.desc())).scalars().first()
        other = conn.execute(select(LearnerAIFeatures.learner_id)
                             .where(LearnerAIFeatures.learner_id != newest)).scalars().first()
        highest = conn.execute(select(func.max(LearnerActivityLog.log_id))).scalar()
        conn.execute(Learner.__table__.delete().where(Learner.learner_id == newest))
        conn.execute(insert(LearnerActivityLog), [
            {"learner_id": other, "activity_type": "Quiz", "duration_seconds": 300,
             "score": 70, "timestamp": AS_OF - dt.timedelta(hours=1)}])
        added = conn.execute(select(func.max(LearnerActivityLog.log_id))).scalar()
    assert added > highest
    run = nightly(demo)
    assert run.scope["reasons"]["new events"] == 1
    assert other in recomputed(engine, run.run_id)
