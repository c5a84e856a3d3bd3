"""The engagement view on small hand-built data, with exact expected values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert

from features.engagement import (
    compute_engagement,
    current_streak,
    data_quality_counts,
    extract_engagement,
    longest_streak,
    trend,
)
from features.schema import (
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerDiscussionActivity,
    LearnerEmotionMetric,
    LearnerSocialInteraction,
    LearnerXP,
    User,
)
from features.views import ENGAGEMENT_FEATURES

AS_OF = dt.datetime(2026, 3, 1)


def days_ago(days: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days)


def add_learners(conn, *ids: int) -> None:
    conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in ids])
    conn.execute(insert(Learner), [
        {"learner_id": i, "user_id": i, "registration_date": days_ago(100)} for i in ids
    ])


def activity(learner_id: int, when: dt.datetime, kind: str = "Video", seconds: int = 600,
             score: float | None = None) -> dict:
    return {"learner_id": learner_id, "activity_type": kind, "duration_seconds": seconds,
            "score": score, "timestamp": when}


def enrollment(learner_id: int, course_id: int, status: str, **ends: dt.datetime) -> dict:
    # executemany takes its columns from the first row: give every row every column.
    return {"learner_id": learner_id, "course_id": course_id, "enrolled_on": days_ago(60),
            "status": status, "completed_on": ends.get("completed_on"),
            "unenrolled_on": ends.get("unenrolled_on")}


@pytest.fixture
def populated(engine):
    with engine.begin() as conn:
        add_learners(conn, 1, 2, 3)
        conn.execute(insert(LearnerActivityLog), [
            # learner 1: active today, yesterday and 2 days ago; a gap; older activity
            activity(1, days_ago(0.5), "Login", 0),
            activity(1, days_ago(0.4), "Video", 1200),
            activity(1, days_ago(1.5), "Quiz", 300, 80),
            activity(1, days_ago(2.5), "Quiz", 300, 60),
            activity(1, days_ago(10.5), "View", 600),
            activity(1, days_ago(11.5), "Assignment", 900, 90),
            activity(1, days_ago(12.5), "VR", 1800),
            activity(1, days_ago(40), "Video", 600),
            # bad values: counted, excluded
            activity(1, days_ago(3.5), "Quiz", 99999, 150),
            # after as_of: invisible
            activity(1, AS_OF + dt.timedelta(hours=1), "Video", 600),
            # learner 2: only old activity
            activity(2, days_ago(30.2), "Video", 600),
        ])
        conn.execute(insert(LearnerDiscussionActivity), [
            {"learner_id": 1, "topic_id": 1, "likes_count": 3, "created_on": days_ago(5)},
            {"learner_id": 1, "topic_id": 1, "likes_count": 2, "created_on": days_ago(50)},
        ])
        conn.execute(insert(LearnerSocialInteraction), [
            {"sender_id": 1, "receiver_id": 2, "interaction_type": "Message",
             "created_on": days_ago(3)},
            {"sender_id": 3, "receiver_id": 1, "interaction_type": "Like",
             "created_on": days_ago(4)},
            {"sender_id": 2, "receiver_id": 1, "interaction_type": "Like",
             "created_on": days_ago(5)},
        ])
        conn.execute(insert(LearnerEmotionMetric), [
            {"learner_id": 1, "emotion_label": e, "recorded_on": days_ago(2)}
            for e in ("Bored", "Focused", "Happy", "Frustrated")
        ])
        conn.execute(insert(LearnerXP), [
            {"learner_id": 1, "points": 10, "earned_on": days_ago(1)},
            {"learner_id": 1, "points": 5, "earned_on": days_ago(60)},
        ])
        conn.execute(insert(CourseEnrollment), [
            enrollment(1, 1, "Active"),
            enrollment(1, 2, "Completed", completed_on=days_ago(10)),
            enrollment(1, 3, "Withdrawn", unenrolled_on=days_ago(5)),
            # ends after as_of: still active as of as_of
            enrollment(2, 3, "Withdrawn", unenrolled_on=days_ago(-5)),
        ])
    return engine


def test_engagement_features_exact_values(populated) -> None:
    features = compute_engagement(populated, AS_OF)
    assert list(features.columns) == list(ENGAGEMENT_FEATURES)
    assert list(features.index) == [1, 2, 3]
    one = features.loc[1]
    assert one["active_days_7d"] == 4          # days 0, 1, 2, 3
    assert one["active_days_28d"] == 7         # + days 10, 11, 12
    assert one["active_days_63d"] == 8         # + day 40
    assert one["minutes_7d"] == pytest.approx((0 + 1200 + 300 + 300) / 60)  # 99999 s excluded
    assert one["minutes_28d"] == pytest.approx((1800 + 600 + 900 + 1800) / 60)
    assert one["events_28d"] == 8
    assert one["sessions_28d"] == 1
    assert one["days_since_last_activity"] == pytest.approx(0.4)
    assert one["current_streak_days"] == 4
    assert one["longest_streak_63d"] == 4
    assert one["quiz_attempts_28d"] == 3
    assert one["quiz_accuracy_28d"] == pytest.approx(70.0)   # 150 excluded
    assert one["assignment_score_28d"] == pytest.approx(90.0)
    assert one["video_share_28d"] == pytest.approx(1 / 8)
    assert one["vr_share_28d"] == pytest.approx(1 / 8)
    assert one["forum_posts_28d"] == 1 and one["likes_received_28d"] == 3
    assert one["social_ties_90d"] == 2
    assert one["negative_emotion_share_28d"] == pytest.approx(0.5)
    assert one["xp_28d"] == 10
    assert (one["active_enrollments"], one["completed_courses"], one["withdrawn_courses"]) == (
        1, 1, 1)
    assert one["tenure_days"] == pytest.approx(100)
    # trend: last 7 days 1800 s/7 vs the 21 before 3300 s/21
    a, b = 1800 / 7, 3300 / 21
    assert one["trend_7d_vs_28d"] == pytest.approx((a - b) / (a + b))

    two = features.loc[2]
    assert two["active_days_28d"] == 0 and two["events_28d"] == 0
    assert two["active_days_63d"] == 1
    assert two["days_since_last_activity"] == pytest.approx(30.2)
    assert two["active_enrollments"] == 1
    three = features.loc[3]
    assert np.isnan(three["days_since_last_activity"])
    assert np.isnan(three["quiz_accuracy_28d"])
    assert three["current_streak_days"] == 0


def test_bad_values_are_counted(populated) -> None:
    counts = data_quality_counts(extract_engagement(populated, AS_OF))
    assert {k: v for k, v in counts.items() if v} == {
        "absurd_duration": 1, "score_out_of_range": 1,
        "no_activity": 1,  # learner 3 has no activity at all
        "unknown_course": 4}  # this fixture enrols in courses without a catalog row


def test_learner_subset_matches_full_run(populated) -> None:
    full = compute_engagement(populated, AS_OF)
    subset = compute_engagement(populated, AS_OF, learner_ids=[2, 1])
    pd.testing.assert_frame_equal(subset, full.loc[[1, 2]])


def test_streak_helpers_on_bitmasks() -> None:
    masks = np.array([0b0, 0b1, 0b10, 0b1110111, 0b110, (1 << 63) - 1], dtype=np.uint64)
    assert current_streak(masks).tolist() == [0, 1, 1, 3, 2, 63]
    assert longest_streak(masks).tolist() == [0, 1, 1, 3, 2, 63]
    assert trend(np.array([0.0, 2.0, 1.0]), np.array([0.0, 0.0, 1.0])).tolist() == [0, 1, 0]


def test_mariadb_plans_read_first_and_last_activity_from_the_index(populated, engine) -> None:
    """Each learner's first and last activity (and whether any is stamped in the future)
    come from the (learner_id, timestamp) index by a loose index scan, not from the log's
    rows; the GROUP BYs that must read rows scan their table instead of walking the
    learner_id index with a primary-key lookup per row."""
    from sqlalchemy import text
    from sqlalchemy.dialects import mysql

    from features.engagement import (
        activity_history_query,
        activity_window_query,
        future_learners_query,
        side_aggregates_queries,
    )

    if engine.dialect.name == "sqlite":
        pytest.skip("a MySQL/MariaDB plan")

    def plan(query) -> list[dict]:
        sql = str(query.compile(dialect=mysql.dialect(), compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text("EXPLAIN " + sql)).mappings()]

    for query in (activity_history_query(AS_OF), future_learners_query(AS_OF)):
        (step,) = plan(query)
        assert step["key"] == "ix_learner_activity_log_learner_id_timestamp", step
        assert "Using index for group-by" in step["Extra"], step
    scanned = {"activity_window": activity_window_query(AS_OF),
               **{name: query for name, query in side_aggregates_queries(AS_OF).items()
                  if name in ("discussion", "emotion", "metaverse", "telemetry", "xp")}}
    for name, query in scanned.items():
        (step,) = plan(query)
        assert (step["type"], step["key"]) == ("ALL", None), (name, step)
