"""The enrolment view and the dropout label on hand-built rows, exact values, both DBs."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import insert

from features.enrollment_features import (
    ENROLLMENT_FEATURES,
    build_enrollment_training_frame,
    compute_enrollment,
    get_enrollment_features,
)
from features.enrollment_labels import dropout_label
from features.schema import Course, CourseEnrollment, Learner, LearnerActivityLog, User

AS_OF = dt.datetime(2026, 3, 1)
NAN = float("nan")


def at(days: float) -> dt.datetime:
    return AS_OF + dt.timedelta(days=days)


def ago(days: float) -> dt.datetime:
    return at(-days)


def enrol(eid: int, learner: int, course: int, enrolled: dt.datetime, status: str = "Active",
          unenrolled: dt.datetime | None = None, completed: dt.datetime | None = None) -> dict:
    return {"enrollment_id": eid, "learner_id": learner, "course_id": course,
            "enrolled_on": enrolled, "unenrolled_on": unenrolled, "completed_on": completed,
            "status": status}


def act(learner: int, course: int, when: dt.datetime, kind: str, seconds: int,
        score: float | None = None, module: str | None = None) -> dict:
    return {"learner_id": learner, "course_id": course, "timestamp": when,
            "activity_type": kind, "duration_seconds": seconds, "score": score,
            "module_name": module}


@pytest.fixture
def populated(engine):
    with engine.begin() as conn:
        conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in (1, 2, 3, 4)])
        conn.execute(insert(Learner), [
            {"learner_id": i, "user_id": i, "registration_date": ago(300)} for i in (1, 2, 3, 4)])
        conn.execute(insert(Course), [
            {"course_id": 1, "title": "Python 101", "level": "Beginner", "duration_hours": 30},
            {"course_id": 2, "title": "Python 101", "level": "Intermediate",
             "duration_hours": 40},
            {"course_id": 3, "title": "Statistics", "level": None, "duration_hours": None}])
        conn.execute(insert(CourseEnrollment), [
            enrol(1, 1, 2, ago(20), "Failed", completed=at(20)),
            enrol(2, 1, 1, ago(100), "Withdrawn", unenrolled=ago(70)),   # earlier attempt
            enrol(3, 1, 3, ago(10), "Withdrawn", unenrolled=at(40)),
            enrol(4, 2, 2, ago(5), "Completed", completed=at(10)),
            enrol(5, 3, 3, ago(50), "Completed", completed=ago(2)),      # ended before
            enrol(6, 3, 2, at(1)),                                       # enrolled after
            enrol(7, 4, 3, ago(40), "Withdrawn", unenrolled=ago(3)),     # ended before
            enrol(8, 2, 3, ago(3)),                                      # still running
            enrol(9, 4, 2, ago(6), "Withdrawn"),                         # no end date
        ])
        conn.execute(insert(LearnerActivityLog), [
            # learner 1, course 2 (enrolment 1, since 20 days ago)
            act(1, 2, ago(25), "Quiz", 300, 50, "M3"),     # before enrolling: course-level only
            act(1, 2, ago(15), "Video", 1200, None, "M1"),
            act(1, 2, ago(9), "Quiz", 600, 70, "M1"),
            act(1, 2, ago(8.5), "Quiz", 300, 90, "M1"),
            act(1, 2, ago(4), "Video", 99999),              # absurd duration: event, 0 minutes
            act(1, 2, ago(1.5), "View", 300),
            act(1, 2, at(1), "Quiz", 300, 10, "M4"),        # after as-of: invisible
            # learner 2, course 2 (enrolment 4, since 5 days ago)
            act(2, 2, ago(3), "Quiz", 300, 80, "M1"),
            act(2, 2, ago(2), "Assignment", 600, 60, "M2"),
            # learner 3, course 3 (enrolment 5, ended)
            act(3, 3, ago(30), "Quiz", 300, 40, "S1"),
        ])
    return engine


EXPECTED = {
    1: dict(learner_id=1, course_id=2, days_since_enrolled=20,
            days_enrolled_before_course_start=-5, days_to_first_course_activity=5,
            course_events_7d=2, course_events_28d=5, course_minutes_7d=5.0,
            course_minutes_28d=40.0, course_days_since_last_activity=1.5, course_quizzes=2,
            course_assignments=0, course_mean_score=80.0, course_assessed_modules=3,
            assessed_module_share=1 / 3, concurrent_enrollments=1, previous_attempts=1,
            previous_withdrawals=1, previous_completions=0, course_min_score=70.0, course_cohort_modules=1, cohort_modules_missed=0,
            cohort_module_score=80.0, submission_delay_days=-3.0, previous_failures=0,
            course_withdrawal_rate=0.0, course_level=2.0, course_duration_hours=40.0,
            course_prior_dropout_rate=NAN),
    3: dict(learner_id=1, course_id=3, days_since_enrolled=10,
            days_enrolled_before_course_start=-20, days_to_first_course_activity=NAN,
            course_events_7d=0, course_events_28d=0, course_minutes_7d=0.0,
            course_minutes_28d=0.0, course_days_since_last_activity=NAN, course_quizzes=0,
            course_assignments=0, course_mean_score=NAN, course_assessed_modules=1,
            assessed_module_share=0.0, concurrent_enrollments=1, previous_attempts=0,
            previous_withdrawals=1, previous_completions=0, course_min_score=NAN, course_cohort_modules=0, cohort_modules_missed=0,
            cohort_module_score=NAN, submission_delay_days=NAN, previous_failures=0,
            course_withdrawal_rate=0.25, course_level=NAN, course_duration_hours=NAN,
            course_prior_dropout_rate=0.5),
    4: dict(learner_id=2, course_id=2, days_since_enrolled=5,
            days_enrolled_before_course_start=-20, days_to_first_course_activity=2,
            course_events_7d=2, course_events_28d=2, course_minutes_7d=15.0,
            course_minutes_28d=15.0, course_days_since_last_activity=2, course_quizzes=1,
            course_assignments=1, course_mean_score=70.0, course_assessed_modules=3,
            assessed_module_share=2 / 3, concurrent_enrollments=1, previous_attempts=0,
            previous_withdrawals=0, previous_completions=0, course_min_score=60.0, course_cohort_modules=1, cohort_modules_missed=0,
            cohort_module_score=80.0, submission_delay_days=1.5, previous_failures=0,
            course_withdrawal_rate=0.0, course_level=2.0, course_duration_hours=40.0,
            course_prior_dropout_rate=NAN),
    8: dict(learner_id=2, course_id=3, days_since_enrolled=3,
            days_enrolled_before_course_start=-27, days_to_first_course_activity=NAN,
            course_events_7d=0, course_events_28d=0, course_minutes_7d=0.0,
            course_minutes_28d=0.0, course_days_since_last_activity=NAN, course_quizzes=0,
            course_assignments=0, course_mean_score=NAN, course_assessed_modules=1,
            assessed_module_share=0.0, concurrent_enrollments=1, previous_attempts=0,
            previous_withdrawals=0, previous_completions=0, course_min_score=NAN, course_cohort_modules=0, cohort_modules_missed=0,
            cohort_module_score=NAN, submission_delay_days=NAN, previous_failures=0,
            course_withdrawal_rate=0.25, course_level=NAN, course_duration_hours=NAN,
            course_prior_dropout_rate=0.5),
    9: dict(learner_id=4, course_id=2, days_since_enrolled=6,
            days_enrolled_before_course_start=-19, days_to_first_course_activity=NAN,
            course_events_7d=0, course_events_28d=0, course_minutes_7d=0.0,
            course_minutes_28d=0.0, course_days_since_last_activity=NAN, course_quizzes=0,
            course_assignments=0, course_mean_score=NAN, course_assessed_modules=3,
            assessed_module_share=0.0, concurrent_enrollments=0, previous_attempts=0,
            previous_withdrawals=1, previous_completions=0, course_min_score=NAN, course_cohort_modules=1, cohort_modules_missed=1,
            cohort_module_score=0.0, submission_delay_days=NAN, previous_failures=0,
            course_withdrawal_rate=0.0, course_level=2.0, course_duration_hours=40.0,
            course_prior_dropout_rate=NAN),
}


def _same(a: float, b: float) -> bool:
    if isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and math.isnan(a)
    return math.isclose(a, b, abs_tol=1e-6)


def test_enrollment_view_exact_values(populated) -> None:
    view = compute_enrollment(populated, AS_OF)
    assert list(view.columns) == ["learner_id", "course_id", *ENROLLMENT_FEATURES]
    assert list(view.index) == sorted(EXPECTED)
    mismatches = {
        (eid, name): (view.loc[eid, name], want)
        for eid, row in EXPECTED.items() for name, want in row.items()
        if not _same(float(view.loc[eid, name]), float(want))
    }
    assert mismatches == {}
    # Every feature of the view is pinned by a value above.
    assert {name for row in EXPECTED.values() for name in row} >= set(ENROLLMENT_FEATURES)
    assert str(view["course_events_28d"].dtype) == "int64"


def test_enrollment_view_for_some_learners(populated) -> None:
    view = compute_enrollment(populated, AS_OF, learner_ids=[2])
    assert list(view.index) == [4, 8]
    # Course-level columns still see every learner's activity.
    assert view.loc[4, "course_assessed_modules"] == 3


def test_dropout_label_without_horizon(populated) -> None:
    labels = dropout_label()(populated, AS_OF, None)
    # 1 failed later, 3 withdrew later, 4 completed; 8 still running and 9 undated: absent
    assert labels.to_dict() == {1: 1, 3: 1, 4: 0}


def test_dropout_label_with_horizon(populated) -> None:
    labels = dropout_label(horizon_days=30)(populated, AS_OF, None)
    # 3 withdraws after the horizon and 8 is still running: 0 within 30 days
    assert labels.to_dict() == {1: 1, 3: 0, 4: 0, 8: 0}


def test_enrollment_training_frame_joins_learner_features(populated) -> None:
    frame = build_enrollment_training_frame(populated, [AS_OF], dropout_label())
    assert sorted(zip(frame.enrollment_id, frame.label, strict=True)) == [(1, 1), (3, 1), (4, 0)]
    assert {"cutoff", "learner_id", "course_id", "days_since_last_activity", "gender",
            *ENROLLMENT_FEATURES} <= set(frame.columns)
    row = frame.set_index("enrollment_id").loc[1]
    assert row["days_since_last_activity"] == pytest.approx(1.5)   # learner-level, any course
    joined = get_enrollment_features(populated, AS_OF, learner_views=("engagement",))
    assert joined.loc[3, "course_prior_dropout_rate"] == 0.5


def test_mariadb_joins_activity_through_the_learner_index(populated, engine) -> None:
    """The plan the view's joins are told to use: the active enrolments drive, and each
    learner's activity (or other enrolments) is reached through the learner_id index —
    never the activity log scanned with a per-row lookup of its course's enrolments."""
    from sqlalchemy import text
    from sqlalchemy.dialects import mysql

    from features.enrollment_features import enrollment_queries

    if engine.dialect.name == "sqlite":
        pytest.skip("a MySQL/MariaDB plan")
    queries = enrollment_queries(AS_OF)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE TABLE course_enrollments, learner_activity_log"))
        for name, joined, index in (
                ("activity", "learner_activity_log", "ix_learner_activity_log_learner_id_timestamp"),
                ("own_modules", "learner_activity_log", "ix_learner_activity_log_learner_id_timestamp"),
                ("history", "other", "ix_course_enrollments_learner_id")):
            sql = str(queries[name].compile(dialect=mysql.dialect(),
                                            compile_kwargs={"literal_binds": True}))
            plan = conn.execute(text("EXPLAIN " + sql)).mappings().all()
            tables = [row["table"] for row in plan]
            assert tables[0] == "course_enrollments", (name, tables)
            step = next(row for row in plan if row["table"] == joined)
            assert (step["type"], step["key"]) == ("ref", index), (name, plan)
