"""What the recommender reads from the database, as of a moment ``T``.

Every query reads rows stamped before ``T`` and aggregates in SQL (GROUP BY), so what
comes back is one row per learner and item, not one per event (past recommendations
excepted: they are one per learner and item already, and grouped in pandas):

- :func:`enrollment_states_query` — per (learner, course): ever enrolled, active at T,
  completed before T;
- :func:`feedback_query` — past recommendations created before T with an outcome;
  :func:`recommendation_feedback` counts them per (learner, type, reference): how
  often shown, ignored, completed, ignored in the last 30 days;
- :func:`mentor_pool_query` / :func:`mentor_skills_query` — opted-in, Active learners
  registered before T, their active Mentor/Facilitator group roles and their
  Advanced/Expert skills;
- :func:`quiz_accuracy_query` — per (learner, course): mean valid quiz score and attempts;
- :func:`recent_courses_query` — titles of courses enrolled in during the last 90 days
  (they feed the recommendation vector);
- :func:`future_enrollments_query` — what learners enrolled in during ``(T, T + days]``
  (the positives of the offline evaluation, never a model input);
- :func:`read_catalog` — the catalog tables as a :class:`features.catalog.Catalog`.

Documented exceptions to point-in-time reading, as in :mod:`features.profile`: a
recommendation's ``action_status``, a learner's ``status`` and a group membership's
``status`` are stored as they are today (the schema keeps no history of them), and the
preferences row is the current one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Select, and_, case, func, literal, or_, select

from features.catalog import Catalog
from features.enrollment_features import active_at
from features.reading import read_for_learners, read_frame
from features.schema import (
    CareerRole,
    ContentItem,
    Course,
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerGroupMapping,
    LearnerPreferences,
    LearnerRecommendation,
    LearnerSkill,
    SkillCatalog,
)
from features.sql import as_of_param, days_before

Bind = Engine | Connection

#: A recommendation ignored this many days before T is not made again.
IGNORE_DAYS = 30
#: Courses enrolled in during this many days before T describe what a learner wants next.
RECENT_COURSE_DAYS = 90
#: Outcomes that are feedback (Pending is not, yet).
FEEDBACK_STATUSES = ("Clicked", "Ignored", "Completed")
#: Skill levels that make a mentor.
MENTOR_LEVELS = ("Advanced", "Expert")
#: Group roles that count as mentoring experience.
MENTORING_ROLES = ("Mentor", "Facilitator")


def _flag_max(condition: Any) -> Any:
    return func.max(case((condition, 1), else_=0))


# ----------------------------------------------------------------------------- enrolments


def enrollment_states_query(as_of: dt.datetime) -> Select:
    """(learner_id, course_id, active, completed): one row per course ever enrolled in."""
    t = as_of_param(as_of)
    table = CourseEnrollment.__table__
    e = table.c
    done = and_(e.completed_on < t, e.status == "Completed",
                or_(e.unenrolled_on.is_(None), e.unenrolled_on >= e.completed_on))
    return (select(e.learner_id, e.course_id, _flag_max(active_at(table, t)).label("active"),
                   _flag_max(done).label("completed"))
            .where(e.enrolled_on < t)
            .group_by(e.learner_id, e.course_id))


def enrollment_states(bind: Bind, as_of: dt.datetime,
                      learner_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """learner_id, course_id, state: 'active' (taking it at T) > 'completed' > 'ended'."""
    raw = read_for_learners(bind, enrollment_states_query(as_of), learner_ids)
    state = pd.Series("ended", index=raw.index, dtype=object)
    state[raw["completed"].astype(int) == 1] = "completed"
    state[raw["active"].astype(int) == 1] = "active"
    return pd.DataFrame({"learner_id": raw["learner_id"].astype("int64"),
                         "course_id": raw["course_id"].astype("int64"), "state": state})


def recent_courses_query(as_of: dt.datetime, days: int = RECENT_COURSE_DAYS) -> Select:
    """(learner_id, title) of courses enrolled in during the ``days`` before T."""
    t = as_of_param(as_of)
    e, c = CourseEnrollment.__table__.c, Course.__table__.c
    return (select(e.learner_id, c.title)
            .select_from(CourseEnrollment.__table__.join(Course.__table__,
                                                         c.course_id == e.course_id))
            .where(e.enrolled_on < t, days_before(e.enrolled_on, t) < days)
            .distinct())


def future_enrollments_query(as_of: dt.datetime, days: int = 30) -> Select:
    """(learner_id, course_id) first enrolled in during ``(T, T + days]``."""
    e = CourseEnrollment.__table__.c
    start = as_of_param(as_of, "start")
    end = as_of_param(as_of + dt.timedelta(days=days), "end")
    return (select(e.learner_id, e.course_id)
            .where(e.enrolled_on > start, e.enrolled_on <= end)
            .group_by(e.learner_id, e.course_id))


# ----------------------------------------------------------------------------- feedback


def feedback_query(as_of: dt.datetime, ignore_days: int = IGNORE_DAYS,
                   types: Sequence[str] | None = None) -> Select:
    """Past recommendations created before T with an outcome (Clicked, Ignored,
    Completed), one row each, with ``recent`` = created in the last ``ignore_days``.
    Pending rows are not feedback yet — and a run replaces them, so counting them would
    make a rerun see different inputs.

    Not grouped in SQL: a learner is rarely shown the same item twice, so the groups are
    nearly as many as the rows (100,000 learners: 577,606 of 583,040), and MariaDB's
    GROUP BY on the VARCHAR reference spills its temporary table to disk past
    ``tmp_table_size``: 8.4 s, against a 0.6 s scan (:func:`recommendation_feedback`
    groups in pandas). ``types``: only these recommendation types (default: all)."""
    t = as_of_param(as_of)
    r = LearnerRecommendation.__table__.c
    query = (select(r.learner_id, r.recommendation_type, r.reference_id, r.action_status,
                    case((days_before(r.created_on, t) < ignore_days, 1), else_=0)
                    .label("recent"))
             .where(r.created_on < t, r.reference_id.is_not(None),
                    r.action_status.in_(FEEDBACK_STATUSES)))
    return query if types is None else query.where(r.recommendation_type.in_(list(types)))


def recommendation_feedback(bind: Bind, as_of: dt.datetime,
                            learner_ids: Sequence[int] | None = None,
                            ignore_days: int = IGNORE_DAYS,
                            types: Sequence[str] | None = None) -> pd.DataFrame:
    """Per (learner, type, reference): ``shown`` (with an outcome), ``ignored``,
    ``completed`` and ``ignored_recent`` (ignored in the last ``ignore_days``), of the
    recommendation ``types`` (default: all)."""
    raw = read_for_learners(bind, feedback_query(as_of, ignore_days, types), learner_ids)
    status = raw["action_status"].astype(str)
    ignored = (status == "Ignored").to_numpy()
    rows = pd.DataFrame({
        "learner_id": raw["learner_id"].astype("int64"),
        "recommendation_type": raw["recommendation_type"].astype(str),
        "reference_id": raw["reference_id"].astype(str),
        "shown": np.ones(len(raw), dtype="int64"),
        "ignored": ignored.astype("int64"),
        "completed": (status == "Completed").to_numpy().astype("int64"),
        "ignored_recent": (ignored & (pd.to_numeric(raw["recent"]).to_numpy() == 1))
        .astype("int64"),
    })
    return rows.groupby(["learner_id", "recommendation_type", "reference_id"], sort=True,
                        as_index=False).sum()


# ----------------------------------------------------------------------------- mentors


def opted_in_query(as_of: dt.datetime) -> Select:
    """Learners registered before T, status Active, whose current preferences row does
    not opt out of AI personalisation (no row, or NULL, means the default: opted in)."""
    t = as_of_param(as_of)
    lr, p = Learner.__table__.c, LearnerPreferences.__table__.c
    latest = (select(p.learner_id, p.ai_personalization_optin,
                     func.row_number().over(partition_by=p.learner_id,
                                            order_by=p.pref_id.desc()).label("rank_"))
              .subquery())
    return (select(lr.learner_id, lr.timezone)
            .select_from(Learner.__table__.outerjoin(
                latest, and_(latest.c.learner_id == lr.learner_id, latest.c.rank_ == 1)))
            .where(lr.status == "Active",
                   or_(lr.registration_date < t, lr.registration_date.is_(None)),
                   or_(latest.c.ai_personalization_optin.is_(None),
                       latest.c.ai_personalization_optin != 0)))


def mentor_pool_query(as_of: dt.datetime) -> Select:
    """(learner_id, timezone, mentor_groups): opted-in Active learners with at least one
    Advanced/Expert skill, and their active Mentor/Facilitator group roles."""
    t = as_of_param(as_of)
    eligible = opted_in_query(as_of).subquery()
    s, g = LearnerSkill.__table__.c, LearnerGroupMapping.__table__.c
    strong = (select(s.learner_id).where(s.skill_level.in_(MENTOR_LEVELS),
                                         or_(s.last_validated < t, s.last_validated.is_(None)))
              .distinct().subquery())
    groups = (select(g.learner_id, func.count(func.distinct(g.group_id)).label("mentor_groups"))
              .where(g.role.in_(MENTORING_ROLES), g.status == "Active",
                     or_(g.join_date < t, g.join_date.is_(None)))
              .group_by(g.learner_id).subquery())
    return (select(eligible.c.learner_id, eligible.c.timezone,
                   func.coalesce(groups.c.mentor_groups, literal(0)).label("mentor_groups"))
            .select_from(eligible.join(strong, strong.c.learner_id == eligible.c.learner_id)
                         .outerjoin(groups, groups.c.learner_id == eligible.c.learner_id)))


def mentor_skills_query(as_of: dt.datetime) -> Select:
    """(learner_id, skill_name, skill_level) of the pool's Advanced/Expert skills."""
    t = as_of_param(as_of)
    eligible = opted_in_query(as_of).subquery()
    s = LearnerSkill.__table__.c
    return (select(s.learner_id, s.skill_name, s.skill_level)
            .select_from(LearnerSkill.__table__.join(eligible,
                                                     eligible.c.learner_id == s.learner_id))
            .where(s.skill_level.in_(MENTOR_LEVELS),
                   or_(s.last_validated < t, s.last_validated.is_(None))))


# ----------------------------------------------------------------------------- quizzes


def quiz_accuracy_query(as_of: dt.datetime) -> Select:
    """(learner_id, course_id, quiz_accuracy, quiz_attempts) over valid quiz scores before T."""
    t = as_of_param(as_of)
    a = LearnerActivityLog.__table__.c
    return (select(a.learner_id, a.course_id, func.avg(a.score).label("quiz_accuracy"),
                   func.count().label("quiz_attempts"))
            .where(a.timestamp < t, a.activity_type == "Quiz", a.course_id.is_not(None),
                   a.score >= 0, a.score <= 100)
            .group_by(a.learner_id, a.course_id))


def quiz_accuracy(bind: Bind, as_of: dt.datetime,
                  learner_ids: Sequence[int] | None = None) -> pd.DataFrame:
    raw = read_for_learners(bind, quiz_accuracy_query(as_of), learner_ids)
    return raw.astype({"learner_id": "int64", "course_id": "int64", "quiz_accuracy": "float64",
                       "quiz_attempts": "int64"})


# ----------------------------------------------------------------------------- catalog


def _json_list(value: Any) -> list:
    """A JSON list column, tolerating text and malformed values (-> [])."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return list(value) if isinstance(value, (list, tuple)) else []


def read_catalog(bind: Bind) -> Catalog:
    """The catalog tables of the database (which may differ from the shipped files,
    e.g. after an OULAD import) as a :class:`features.catalog.Catalog`."""
    skills = read_frame(bind, select(SkillCatalog.__table__)).sort_values("skill_key")
    roles = read_frame(bind, select(CareerRole.__table__)).sort_values("role_id")
    roles["required_skills"] = [[r for r in _json_list(v) if isinstance(r, dict)]
                                for v in roles["required_skills"]]
    roles["next_roles"] = [[int(x) for x in _json_list(v) if str(x).lstrip("-").isdigit()]
                           for v in roles["next_roles"]]
    courses = read_frame(bind, select(Course.__table__)).sort_values("course_id")
    courses["skills"] = [[str(s) for s in _json_list(v)] for v in courses["skills"]]
    courses["is_active"] = courses["is_active"].fillna(0).astype(int).astype(bool)
    content = read_frame(bind, select(ContentItem.__table__)).sort_values("content_id")
    content["skills"] = [[str(s) for s in _json_list(v)] for v in content["skills"]]
    return Catalog(skills=skills.reset_index(drop=True),
                   skill_aliases=pd.DataFrame(columns=["skill_key", "alias"]),
                   roles=roles.reset_index(drop=True), courses=courses.reset_index(drop=True),
                   content_items=content.reset_index(drop=True))
