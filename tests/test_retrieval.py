"""Point-in-time retrieval and training frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import insert

from features.labels import disengagement_label
from features.retrieval import build_training_frame, get_features
from features.schema import (
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerEmotionMetric,
    LearnerGoal,
    LearnerPsychographics,
    LearnerSkill,
    LearnerSocialInteraction,
    LearnerXP,
    User,
)
from features.views import ENGAGEMENT_FEATURES

AS_OF = dt.datetime(2026, 3, 1)


def at(days: float) -> dt.datetime:
    return AS_OF + dt.timedelta(days=days)


def base_rows(conn) -> None:
    conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in (1, 2, 3)])
    conn.execute(insert(Learner), [
        {"learner_id": i, "user_id": i, "registration_date": at(-200)} for i in (1, 2, 3)])
    conn.execute(insert(LearnerActivityLog), [
        {"learner_id": lid, "activity_type": kind, "duration_seconds": 300, "score": score,
         "timestamp": at(day)}
        for lid, kind, score, day in [
            (1, "Quiz", 70, -1), (1, "Video", None, -3), (1, "Login", None, -20),
            (2, "Video", None, -10), (2, "Quiz", 40, -25), (3, "View", None, -60),
        ]
    ])


def future_rows(conn) -> None:
    """Rows stamped at or after as_of, in every kind of source table."""
    conn.execute(insert(LearnerActivityLog), [
        {"learner_id": lid, "activity_type": "Quiz", "duration_seconds": 900, "score": 10,
         "timestamp": at(day)} for lid, day in [(1, 0), (2, 0.5), (3, 5)]])
    conn.execute(insert(LearnerEmotionMetric), [
        {"learner_id": 1, "emotion_label": "Frustrated", "recorded_on": at(0.1)}])
    conn.execute(insert(LearnerSocialInteraction), [
        {"sender_id": 1, "receiver_id": 2, "interaction_type": "Message",
         "created_on": at(1)}])
    conn.execute(insert(LearnerXP), [{"learner_id": 2, "points": 50, "earned_on": at(1)}])
    conn.execute(insert(CourseEnrollment), [
        {"learner_id": 3, "course_id": 9, "enrolled_on": at(2), "status": "Active"}])
    conn.execute(insert(LearnerSkill), [
        {"learner_id": 1, "skill_name": "SQL", "last_validated": at(3)}])
    conn.execute(insert(LearnerPsychographics), [
        {"learner_id": 2, "learning_style": "Visual", "derived_from": "Survey",
         "last_updated": at(1)}])
    conn.execute(insert(LearnerGoal), [
        {"learner_id": 3, "desired_role": "Nurse", "last_reviewed": at(1)}])
    conn.execute(insert(User), [{"id": 4, "email": "late@example.org"}])
    conn.execute(insert(Learner), [{"learner_id": 4, "user_id": 4, "registration_date": at(1)}])


def test_rows_after_as_of_change_no_feature(engine) -> None:
    with engine.begin() as conn:
        base_rows(conn)
    before = get_features(engine, AS_OF)
    with engine.begin() as conn:
        future_rows(conn)
    after = get_features(engine, AS_OF)
    pd.testing.assert_frame_equal(before, after)
    assert list(after.index) == [1, 2, 3]            # learner 4 registered later
    assert after.loc[1, "quiz_accuracy_28d"] == 70   # the future score of 10 is invisible


def test_training_frame_labels_from_after_each_cutoff(engine) -> None:
    with engine.begin() as conn:
        base_rows(conn)
        future_rows(conn)
    cutoffs = [at(-30), AS_OF]
    frame = build_training_frame(engine, cutoffs, disengagement_label(28, 30))
    assert set(frame.columns) >= {"learner_id", "cutoff", "label", *ENGAGEMENT_FEATURES}
    labels = {(row.learner_id, row.cutoff.to_pydatetime()): row.label
              for row in frame.itertuples()}
    # At AS_OF: 1 and 2 were active in the 28 days before; both come back -> 0.
    # 3 was last active 60 days ago -> not eligible.
    assert labels == {(1, AS_OF): 0, (2, AS_OF): 0}
    # Each row's features are those as of its own cutoff.
    row = frame[(frame.learner_id == 1) & (frame.cutoff == pd.Timestamp(AS_OF))].iloc[0]
    assert row["quiz_accuracy_28d"] == 70


def test_disengaged_learner_is_labelled_one(engine) -> None:
    with engine.begin() as conn:
        base_rows(conn)
    frame = build_training_frame(engine, [AS_OF], disengagement_label())
    assert dict(zip(frame.learner_id, frame.label, strict=True)) == {1: 1, 2: 1}
