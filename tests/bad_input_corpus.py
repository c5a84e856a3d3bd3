"""A corpus of bad source rows, each kind on learners of its own, next to clean ones.

:func:`inject_corpus` adds learners with ids from :data:`FIRST_ID` and gives each kind
of bad row its own learner (or none: orphans), so the clean learners' inputs are
untouched. None of the corpus learners has a goal role, a current role or a skill the
catalog knows, so none competes with clean learners for a mentor's capacity or becomes
one. On MariaDB the rows go in with a non-strict ``sql_mode`` and foreign-key checks
off; on SQLite with foreign keys off — what a careless loader or a legacy import leaves.

``KINDS`` maps each kind to the ``data_quality`` key the run ledger must count it
under, and the number of rows (or learners) the corpus holds of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, insert, text

from features.schema import (
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerCareerPathway,
    LearnerGoal,
    LearnerPreferences,
    LearnerSkill,
    User,
)

FIRST_ID = 900_001
ORPHAN_ID = 990_000  # a learner_id with no learner row
MISSING_COURSE = 987_654  # a course id the catalog does not hold
HUGE = "very long motivation " * 3_000  # 63,000 characters: TEXT's limit is 65,535 bytes

#: kind -> (data_quality key in the run ledger, rows or learners of that kind)
KINDS: dict[str, tuple[str, int]] = {
    "NULL duration and score": ("null_duration", 2),
    "negative duration": ("negative_duration", 2),
    "absurd duration": ("absurd_duration", 2),
    "score outside 0-100": ("score_out_of_range", 3),
    "timestamp in the future": ("future_timestamp", 2),
    "timestamp before registration": ("before_registration", 1),  # learners
    "unknown activity type": ("unknown_activity_type", 2),
    "unknown skill level": ("unknown_skill_level", 1),
    "malformed target_skills": ("malformed_target_skills", 2),
    "malformed recommended_courses": ("malformed_recommended_courses", 2),  # latest rows
    "huge text": ("huge_text", 1),
    "control characters": ("control_characters", 2),
    "orphan rows": ("orphan_rows", 2),
    "duplicate skills": ("duplicate_skill", 1),
    "empty skill names": ("empty_skill_name", 2),
    "proficiency outside 0-100": ("proficiency_out_of_range", 1),
    "learner with no activity": ("no_activity", 9),  # ids[6:15] have none
    "unknown timezone": ("unknown_timezone", 1),
    "course not in the catalog": ("unknown_course", 1),  # enrolments
}


@contextmanager
def lax(engine: Engine) -> Iterator[Connection]:
    """A connection that lets bad rows in: no foreign keys, no strict mode."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction
        else:
            conn.execute(text("SET SESSION sql_mode=''"))
            conn.execute(text("SET SESSION FOREIGN_KEY_CHECKS=0"))
        conn.commit()
        try:
            with conn.begin():
                yield conn
        finally:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            else:
                conn.execute(text("SET SESSION FOREIGN_KEY_CHECKS=1"))
            conn.commit()


def raw_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT without SQLAlchemy's enum checks: the values go in as a loader sends them."""
    columns = list(rows[0])
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    statement = text(f"INSERT INTO {table.__tablename__} ({names}) "
                     f"VALUES ({', '.join(':' + c for c in columns)})")
    conn.execute(statement, rows)


def inject_corpus(engine: Engine, as_of: dt.datetime) -> list[int]:
    """Add the corpus; returns the corpus learners' ids."""
    ids = list(range(FIRST_ID, FIRST_ID + 15))
    registered = as_of - dt.timedelta(days=60)
    a_day_ago = as_of - dt.timedelta(days=1)

    def skill(learner: int, name: str, level: str, score: float) -> dict[str, Any]:
        return {"learner_id": learner, "skill_name": name, "skill_level": level,
                "proficiency_score": score, "last_validated": a_day_ago}

    def activity(learner: int, **values: Any) -> dict[str, Any]:
        return {"learner_id": learner, "course_id": None, "activity_type": "Video",
                "duration_seconds": 600, "score": None, "timestamp": a_day_ago} | values

    with lax(engine) as conn:
        conn.execute(insert(User), [{"id": i, "full_name": None, "email": f"corpus{i}@example.org"}
                                    for i in ids])
        conn.execute(insert(Learner), [
            {"learner_id": i, "user_id": i, "registration_date": registered,
             "timezone": "Mars/Olympus_Mons" if i == ids[12] else "Europe/London",
             "status": "Active"} for i in ids])
        conn.execute(insert(LearnerPreferences), [
            {"learner_id": i, "preferred_content_format": "Video",
             "ai_personalization_optin": 1, "privacy_consent": 1} for i in ids])
        raw_insert(conn, LearnerActivityLog, [
            # NULLs where a value is expected
            activity(ids[0], duration_seconds=None), activity(ids[0], activity_type="Quiz",
                                                              duration_seconds=None),
            # negative and absurd durations (MariaDB's UNSIGNED column stores 0 for
            # negatives in non-strict mode; the raw values are what a loader sends)
            activity(ids[1], duration_seconds=-300), activity(ids[1], duration_seconds=-1),
            activity(ids[1], duration_seconds=90 * 86_400),
            activity(ids[1], duration_seconds=40 * 86_400),
            # scores outside 0-100
            activity(ids[2], activity_type="Quiz", score=150),
            activity(ids[2], activity_type="Quiz", score=-20),
            activity(ids[2], activity_type="Assignment", score=101),
            # in the future (after the wall clock) and before registration
            activity(ids[3], timestamp=dt.datetime(2099, 1, 1)),
            activity(ids[3], timestamp=dt.datetime(2098, 6, 1)),
            activity(ids[3], timestamp=registered - dt.timedelta(days=30)),
            activity(ids[3], timestamp=registered - dt.timedelta(days=3)),
            # an enum-like column with strings nobody knows
            activity(ids[4], activity_type="Hologram"),
            activity(ids[4], activity_type="quiz "),
            # orphans: a learner that does not exist
            activity(ORPHAN_ID), activity(ORPHAN_ID, activity_type="Quiz", score=50),
            # a course that no longer exists
            activity(ids[5], course_id=MISSING_COURSE),
        ])
        conn.execute(insert(CourseEnrollment), [
            {"learner_id": ids[5], "course_id": MISSING_COURSE,
             "enrolled_on": registered + dt.timedelta(days=1)},
            {"learner_id": ORPHAN_ID, "course_id": 1, "enrolled_on": registered},
        ])
        raw_insert(conn, LearnerSkill, [
            # Hobbies the catalog does not teach: no role is predicted from them, so no
            # corpus learner is anybody's mentor or takes a mentor's capacity.
            skill(ids[6], "Kazoo", "Guru", 50), skill(ids[6], "Yodel", "Intermediate", 400),
            skill(ids[7], "Zither", "Beginner", 20), skill(ids[7], "zither ", "Beginner", 30),
            skill(ids[8], "", "Beginner", 10), skill(ids[8], "   ", "Beginner", 10),
            skill(ids[9], "Kaz\x00oo\x1b[31m", "Beginner", 10),
            skill(ids[9], "Yodel\u202e\u200b\ufffd", "Beginner", 10),
        ])
        conn.execute(insert(LearnerGoal), [
            {"learner_id": ids[10], "desired_role": None, "target_skills": "[Python, SQL",
             "career_motivation": "grow", "target_timeline": "6 months",
             "last_reviewed": a_day_ago},
            {"learner_id": ids[14], "desired_role": None, "target_skills": "{not json",
             "career_motivation": "grow", "target_timeline": "a while",
             "last_reviewed": a_day_ago},
            {"learner_id": ids[11], "desired_role": None, "target_skills": "[]",
             "career_motivation": HUGE, "target_timeline": "1 year", "last_reviewed": a_day_ago},
        ])
        conn.execute(insert(LearnerCareerPathway), [
            {"learner_id": ids[11], "current_role": None, "next_role": None,
             "recommended_courses": "[1, 2", "gap_analysis": None, "last_updated": a_day_ago},
            {"learner_id": ids[14], "current_role": None, "next_role": None,
             "recommended_courses": "not a list", "gap_analysis": None,
             "last_updated": a_day_ago},
        ])
        # ids[13]: registered, opted in, no activity and nothing else at all.
        # ids[14]: malformed list texts only.
    return ids
