"""Publishing writes keyed rows: reruns overwrite, survey answers are never overwritten."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from features.publish import (
    json_ready,
    publish_ai_features,
    publish_ai_psychographics,
    publish_feature_rows,
    refresh_engagement,
    remove_ai_rows,
    remove_orphaned_ai_rows,
)
from features.schema import (
    Learner,
    LearnerAIFeatures,
    LearnerAuditLog,
    LearnerCareerPathway,
    LearnerEngagement,
    LearnerNotification,
    LearnerPsychographics,
    LearnerPublishedVectors,
    LearnerRecommendation,
    User,
)
from features.writing import json_checks_skipped

AS_OF = dt.datetime(2026, 3, 1)


def learners(conn, *ids: int) -> None:
    conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in ids])
    conn.execute(insert(Learner), [{"learner_id": i, "user_id": i} for i in ids])


def feature_rows(version: str) -> pd.DataFrame:
    return pd.DataFrame({
        "learner_id": [1, 2],
        "engagement_vector": [{"active_days_7d": 3, "quiz_accuracy_28d": None}, {"x": 1.5}],
        "skill_vector": [[0.6, 0.8], [1.0, 0.0]],
        "recommendation_vector": [[0.0, 1.0], None],
        "model_version": [version, version],
        "last_model_update": [AS_OF, AS_OF],
    })


def test_json_ready_makes_valid_json() -> None:
    value = json_ready({"a": np.float32(0.123456), "b": float("nan"), "c": [np.int64(3)],
                        "d": np.bool_(True), "e": float("inf")})
    assert value == {"a": 0.1235, "b": None, "c": [3], "d": True, "e": None}
    json.dumps(value, allow_nan=False)


def test_ai_features_upsert_overwrites_and_keeps_other_columns(engine) -> None:
    with engine.begin() as conn:
        learners(conn, 1, 2)
        conn.execute(insert(LearnerAIFeatures).values(
            learner_id=1, risk_prediction={"score": 0.7}, model_version="old"))
        publish_ai_features(conn, feature_rows("fs1"))
        publish_ai_features(conn, feature_rows("fs2"))
        rows = {r.learner_id: r for r in conn.execute(select(LearnerAIFeatures))}
    assert set(rows) == {1, 2}
    assert rows[1].model_version == "fs2"
    assert rows[1].risk_prediction == {"score": 0.7}       # not a feature column: kept
    assert rows[1].engagement_vector == {"active_days_7d": 3, "quiz_accuracy_28d": None}
    assert rows[1].skill_vector == [0.6, 0.8]
    assert rows[2].recommendation_vector is None


def test_vectors_are_rewritten_only_when_they_changed(engine, monkeypatch) -> None:
    """The engagement features and version are written every time; a vector only when its
    digest moved, or when the learner's row or digests are missing. The stored row ends
    as a full write would leave it."""
    import features.publish as publish

    written: list[tuple[list[int], tuple[str, ...]]] = []
    real = publish.publish_ai_features

    def spy(conn, rows, columns=publish.FEATURE_COLUMNS):
        if len(rows):
            written.append((rows["learner_id"].tolist(), tuple(columns)))
        return real(conn, rows, columns)

    monkeypatch.setattr(publish, "publish_ai_features", spy)
    vectors = set(publish.VECTOR_COLUMNS)
    with engine.begin() as conn:
        learners(conn, 1, 2, 3)
        first = pd.concat([feature_rows("fs1"), feature_rows("fs1").iloc[:1].assign(
            learner_id=3, recommendation_vector=[[0.28, 0.96]])], ignore_index=True)
        assert publish_feature_rows(conn, first) == {"written": 3, "vectors_unchanged": 0}
        assert written == [([1, 2, 3], publish.FEATURE_COLUMNS)]

        written.clear()
        second = first.assign(model_version="fs2", engagement_vector=[{"x": 9}] * 3)
        second.at[2, "skill_vector"] = [0.8, 0.6]                     # learner 3 moved
        conn.execute(LearnerAIFeatures.__table__.delete().where(    # learner 2's row gone
            LearnerAIFeatures.learner_id == 2))
        assert publish_feature_rows(conn, second) == {"written": 3, "vectors_unchanged": 1}
        full, light = written
        assert full == ([2, 3], publish.FEATURE_COLUMNS)
        assert light[0] == [1] and not vectors & set(light[1])

        rows = {r.learner_id: r for r in conn.execute(select(LearnerAIFeatures))}
        assert {i: (r.skill_vector, r.recommendation_vector, r.engagement_vector,
                    r.model_version) for i, r in rows.items()} == {
            1: ([0.6, 0.8], [0.0, 1.0], {"x": 9}, "fs2"),
            2: ([1.0, 0.0], None, {"x": 9}, "fs2"),
            3: ([0.8, 0.6], [0.28, 0.96], {"x": 9}, "fs2")}

        # Digests lost (or never written): every column is written again.
        written.clear()
        conn.execute(LearnerPublishedVectors.__table__.delete())
        assert publish_feature_rows(conn, second)["vectors_unchanged"] == 0
        assert written == [([1, 2, 3], publish.FEATURE_COLUMNS)]
        assert publish_feature_rows(conn, second)["vectors_unchanged"] == 3
        # Opting out removes the digests with the features.
        remove_ai_rows(conn, [1])
        assert conn.execute(select(func.count()).select_from(LearnerPublishedVectors)
                            .where(LearnerPublishedVectors.learner_id == 1)).scalar() == 0


def test_serialised_json_is_not_checked_again_and_checks_come_back(engine) -> None:
    def checks(conn) -> int | None:
        return conn.execute(text("SELECT @@SESSION.check_constraint_checks")).scalar() \
            if mariadb else None

    with engine.begin() as conn:
        # Known once connected; the test servers are MariaDB.
        mariadb = bool(getattr(conn.dialect, "is_mariadb", False))
        assert mariadb == (engine.dialect.name != "sqlite")
        learners(conn, 1, 2)
        with json_checks_skipped(conn):
            assert checks(conn) == (0 if mariadb else None)
        assert checks(conn) == (1 if mariadb else None)
        publish_ai_features(conn, feature_rows("fs1"))
        assert checks(conn) == (1 if mariadb else None)
        # A write outside the fast path is still checked: invalid JSON is refused.
        if mariadb:
            with pytest.raises(DBAPIError, match="CONSTRAINT"):
                conn.execute(text("UPDATE learner_ai_features SET skill_vector = '[1,'"
                                  " WHERE learner_id = 1"))
    with engine.connect() as conn:
        assert conn.execute(select(LearnerAIFeatures.skill_vector)
                            .where(LearnerAIFeatures.learner_id == 1)).scalar() == [0.6, 0.8]


def test_remove_ai_rows_only_touches_ai_outputs(engine) -> None:
    with engine.begin() as conn:
        learners(conn, 1, 2)
        publish_ai_features(conn, feature_rows("fs1"))
        conn.execute(insert(LearnerRecommendation), [
            {"learner_id": lid, "recommendation_type": "Course", "reference_id": "7"}
            for lid in (1, 2)])
        conn.execute(insert(LearnerPsychographics), [
            {"learner_id": 1, "derived_from": "AI", "learning_style": "Visual"},
            {"learner_id": 1, "derived_from": "Survey", "learning_style": "Auditory"}])
        conn.execute(insert(LearnerCareerPathway), [
            {"learner_id": 1, "current_role": "declared", "gap_analysis": "notes"},
            {"learner_id": 1, "current_role": "inferred",
             "gap_analysis": '{"source": "learnerai"}'}])
        conn.execute(insert(LearnerNotification), [
            {"learner_id": 1, "type": "AI_Nudge", "title": "nudge"},
            {"learner_id": 1, "type": "Course", "title": "platform"},
            {"learner_id": 2, "type": "AI_Nudge", "title": "other learner"}])
        conn.execute(insert(LearnerAuditLog), [
            {"learner_id": 1, "action": "risk scored", "module": "risk"},
            {"learner_id": 1, "action": "recommendations replaced", "module": "recommendations"},
            {"learner_id": 1, "action": "AI personalization opt-out", "module": "Privacy"}])
        removed = remove_ai_rows(conn, [1])
        left_paths = conn.execute(select(LearnerCareerPathway.current_role)).scalars().all()
        left_features = conn.execute(select(LearnerAIFeatures.learner_id)).scalars().all()
        left_recs = conn.execute(select(LearnerRecommendation.learner_id)).scalars().all()
        left_psych = conn.execute(select(LearnerPsychographics.derived_from)).scalars().all()
        left_notes = conn.execute(select(LearnerNotification.title)
                                  .order_by(LearnerNotification.title)).scalars().all()
        left_audit = conn.execute(select(LearnerAuditLog.action)).scalars().all()
    assert removed == {"learner_ai_features": 1, "learner_recommendations": 1,
                       "learner_psychographics": 1, "learner_career_pathways": 1,
                       "learner_notifications": 1, "learner_audit_log": 2,
                       "learner_published_vectors": 0}
    assert left_paths == ["declared"]
    assert left_features == [2] and left_recs == [2] and left_psych == ["Survey"]
    assert left_notes == ["other learner", "platform"]
    assert left_audit == ["AI personalization opt-out"]  # the platform's record stays


def test_ai_rows_of_learners_who_no_longer_exist_are_removed(engine) -> None:
    """What no foreign key cascade reaches: AI_Nudge rows (the seed declares no key on
    learner_notifications) and other learners' Pending Mentor rows naming them."""
    with engine.begin() as conn:
        learners(conn, 1, 2)
        conn.execute(insert(LearnerNotification), [
            {"learner_id": 1, "type": "AI_Nudge", "title": "kept"},
            {"learner_id": 9, "type": "AI_Nudge", "title": "orphan"},
            {"learner_id": 9, "type": "Course", "title": "the platform's own"}])
        conn.execute(insert(LearnerRecommendation), [
            {"learner_id": 1, "recommendation_type": "Mentor", "reference_id": ref,
             "action_status": status}
            for ref, status in [("2", "Pending"), ("9", "Pending"), ("9", "Clicked")]])
        removed = remove_orphaned_ai_rows(conn)
        notes = conn.execute(select(LearnerNotification.title)
                             .order_by(LearnerNotification.title)).scalars().all()
        recs = conn.execute(select(LearnerRecommendation.reference_id,
                                   LearnerRecommendation.action_status)
                            .order_by(LearnerRecommendation.rec_id)).all()
    assert removed == {"orphaned_nudges_deleted": 1,
                       "orphaned_mentor_recommendations_deleted": 1}
    assert notes == ["kept", "the platform's own"]
    assert recs == [("2", "Pending"), ("9", "Clicked")]  # history is the learner's own


def test_ai_psychographics_never_over_a_survey_and_rerun_updates_in_place(engine) -> None:
    inferred = pd.DataFrame({"learning_style": ["Visual", "Kinesthetic", None],
                             "gamification_persona": ["Achiever", None, None],
                             "confidence_score": [0.6, 0.4, 0.0]},
                            index=pd.Index([1, 2, 3], name="learner_id"))
    with engine.begin() as conn:
        learners(conn, 1, 2, 3)
        conn.execute(insert(LearnerPsychographics).values(
            learner_id=2, derived_from="Survey", learning_style="Auditory"))
        assert publish_ai_psychographics(conn, inferred, AS_OF) == 1   # 2 surveyed, 3 unclear
        publish_ai_psychographics(conn, inferred.assign(confidence_score=0.9), AS_OF)
        rows = conn.execute(select(LearnerPsychographics).order_by(
            LearnerPsychographics.learner_id)).all()
    assert [(r.learner_id, r.derived_from, r.learning_style) for r in rows] == [
        (1, "AI", "Visual"), (2, "Survey", "Auditory")]
    assert rows[0].confidence_score == 0.9 and rows[0].gamification_persona == "Achiever"


def test_refresh_engagement_updates_latest_row_or_inserts(engine) -> None:
    stats = pd.DataFrame({"avg_session_duration": [600, 300], "avg_quiz_accuracy": [80.5, math.nan],
                          "courses_completed": [2, 0], "discussion_posts": [1, 0],
                          "peer_likes": [4, 0], "engagement_score": [55.25, 3.0]},
                         index=pd.Index([1, 2], name="learner_id"))
    with engine.begin() as conn:
        learners(conn, 1, 2)
        conn.execute(insert(LearnerEngagement).values(learner_id=1, engagement_score=10))
        refresh_engagement(conn, stats, AS_OF)
        refresh_engagement(conn, stats, AS_OF)
        count = conn.execute(select(func.count()).select_from(LearnerEngagement)).scalar_one()
        rows = {r.learner_id: r for r in conn.execute(select(LearnerEngagement))}
    assert count == 2
    assert rows[1].engagement_score == 55.25 and rows[1].avg_quiz_accuracy == 80.5
    assert rows[2].avg_quiz_accuracy is None and rows[2].avg_session_duration == 300


def test_json_ready_column_gives_json_ready_of_every_value() -> None:
    from features.publish import json_ready, json_ready_column

    columns = {
        "float": pd.Series([0.123456, float("nan"), float("inf"), -float("inf"), 2.5, -0.00004]),
        "int": pd.Series([1, 2, 3, 4, 5, 6], dtype="int64"),
        "bool": pd.Series([True, False, True, True, False, True]),
        "object": pd.Series(["a", None, 1, 2.345678, np.int64(3), np.nan], dtype=object),
    }
    for name, values in columns.items():
        expected = [json_ready(v) for v in values.tolist()]
        got = json_ready_column(values)
        assert got == expected, name
        assert [type(v) for v in got] == [type(v) for v in expected], name
    assert json_ready_column(columns["float"]) == [0.1235, None, None, None, 2.5, -0.0]


TRICKY_TEXTS = ["It's 100% \\ \"quoted\"; -- naïve 🚀", "\\' \\\\ \n\r\t \x1a end", "_%\\_"]


def test_any_text_survives_the_upsert_and_like_still_matches(engine) -> None:
    # On MariaDB the sessions run in NO_BACKSLASH_ESCAPES mode (features.engine), where
    # PyMySQL quotes by doubling quotes: every byte must still come back as written.
    mysql = engine.dialect.name != "sqlite"
    with engine.begin() as conn:
        if mysql:
            assert "NO_BACKSLASH_ESCAPES" in conn.execute(
                text("SELECT @@SESSION.sql_mode")).scalar()
            assert conn.dialect._backslash_escapes is False  # SQLAlchemy saw the mode
        learners(conn, 1, 2)
        rows = feature_rows("fs'\\1").assign(
            engagement_vector=[{text_: i for i, text_ in enumerate(TRICKY_TEXTS)}, {"x": 1}])
        publish_ai_features(conn, rows)
        stored = conn.execute(select(LearnerAIFeatures.engagement_vector,
                                     LearnerAIFeatures.model_version)
                              .where(LearnerAIFeatures.learner_id == 1)).one()
        matched = conn.execute(select(func.count()).select_from(LearnerAIFeatures)
                               .where(LearnerAIFeatures.model_version.like("fs'\\%"))).scalar()
        escaped = conn.execute(select(func.count()).select_from(LearnerAIFeatures)
                               .where(LearnerAIFeatures.model_version.startswith(
                                   "fs'\\", autoescape=True))).scalar()
    assert stored.engagement_vector == {text_: i for i, text_ in enumerate(TRICKY_TEXTS)}
    assert stored.model_version == "fs'\\1"
    # The mode leaves LIKE as it was: on MariaDB a pattern's backslash still escapes the
    # next character ("fs'\%" means a literal "fs'%"); SQLite has no escape by default.
    assert matched == (0 if mysql else 2)
    assert escaped == 2
