"""The engagement view, computed as of a timestamp.

Aggregation runs in SQL: one pass over ``learner_activity_log`` (the big table)
grouped by learner, over the rows of the last 63 days; each learner's first and last
event from its ``(learner_id, timestamp)`` index; and one small GROUP BY per side
table, two queries at a time on MySQL/MariaDB. Pandas then derives ratios, streaks
and trends from those aggregates, vectorised.
Only rows stamped strictly before ``as_of`` are read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    union_all,
)

from features.reading import read_for_learners, read_many_for_learners
from features.schema import (
    ACTIVITY_TYPES,
    Course,
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerDiscussionActivity,
    LearnerEmotionMetric,
    LearnerFeedbackResponse,
    LearnerMetaverseLog,
    LearnerSocialInteraction,
    LearnerSystemTelemetry,
    LearnerXP,
)
from features.sql import (
    as_of_param,
    bit_or,
    count_if,
    days_before,
    sum_if,
    without_group_by_index,
)
from features.views import (
    ENGAGEMENT,
    ENGAGEMENT_FEATURES,
    MAX_EVENT_SECONDS,
    NEGATIVE_EMOTIONS,
)

#: Days covered by the active-day bitmask (bit d set = active on day d before as-of).
BITMASK_DAYS = 63
#: Rows stamped later than this past the wall clock count as in the future (clock skew).
FUTURE_SLACK = dt.timedelta(days=1)


# ------------------------------------------------------------------------------ SQL


def activity_queries(as_of: dt.datetime) -> dict[str, Select]:
    """The activity log's aggregates: ``activity_history`` and ``activity_window``."""
    return {"activity_history": activity_history_query(as_of),
            "activity_window": activity_window_query(as_of)}


def activity_history_query(as_of: dt.datetime) -> Select:
    """Each learner's first and last activity before ``as_of``.

    Nothing but a MIN and a MAX of the timestamp: on MySQL/MariaDB the ``(learner_id,
    timestamp)`` index answers them with two dives per learner (a loose index scan)
    instead of a read of the whole log. Everything windowed lives in
    :func:`activity_window_query`, which reads a fraction of the table."""
    a = LearnerActivityLog.__table__.c
    return (
        select(a.learner_id,
               func.max(a.timestamp).label("last_activity_at"),
               func.min(a.timestamp).label("first_activity_at"))
        .where(a.timestamp < as_of_param(as_of))
        .group_by(a.learner_id)
    )


def activity_window_query(as_of: dt.datetime) -> Select:
    """Every windowed activity aggregate, over the rows of the last ``BITMASK_DAYS``
    days before ``as_of`` (the longest window any feature reads).

    The server pays per row and per aggregate, so the ``WHERE`` drops the older rows
    before any aggregate sees them (on the 100,000-learner benchmark, 65% of the table),
    and each aggregate is as cheap as it can be:

    - windows are plain comparisons with precomputed bounds (``timestamp > as_of -
      7 days``), not a date function per row;
    - counts are ``COUNT(CASE ...)``, and conditional sums have no ``ELSE 0``: MySQL
      sums integers as DECIMAL, and a row that adds nothing should not cost an addition
      (a group with no matching row sums to NULL, read as 0);
    - the active-day mask is a ``BIT_OR`` (:class:`features.sql.bit_or`);
    - what other aggregates imply is left to pandas (the 21 days before the last 7 are
      the 28-day sum less the 7-day one).

    The data-quality counts (``dq_*``) cover the same rows: the ones the features read.
    On MySQL/MariaDB the ``learner_id`` index is not used for the GROUP BY: reading the
    rows in index order means a primary-key lookup per row, 3-4x slower than a table
    scan, and the optimizer picks it anyway (:func:`without_group_by_index`)."""
    a = LearnerActivityLog.__table__.c
    t = as_of_param(as_of)
    day = days_before(a.timestamp, t)
    valid_seconds = case(
        (a.duration_seconds.between(0, MAX_EVENT_SECONDS), a.duration_seconds), else_=0
    )
    valid_score = and_(a.score >= 0, a.score <= 100)

    def since(days: int):
        return as_of_param(as_of - dt.timedelta(days=days), f"since_{days}d")

    in7, in28 = a.timestamp > since(7), a.timestamp > since(28)

    quiz = and_(in28, a.activity_type == "Quiz", valid_score)
    assignment = and_(in28, a.activity_type == "Assignment", valid_score)
    query = (
        select(
            a.learner_id,
            count_if(in28).label("events_28d"),
            sum_if(in7, valid_seconds).label("seconds_7d"),
            sum_if(in28, valid_seconds).label("seconds_28d"),
            count_if(and_(in28, a.activity_type == "Login")).label("sessions_28d"),
            count_if(and_(in28, a.activity_type == "Quiz")).label("quiz_attempts_28d"),
            # Means are divided in pandas: MySQL's AVG rounds to 4 decimals, SQLite's
            # does not, and the two backends must give identical features.
            sum_if(quiz, a.score).label("quiz_score_sum_28d"),
            count_if(quiz).label("quiz_score_n_28d"),
            sum_if(assignment, a.score).label("assignment_score_sum_28d"),
            count_if(assignment).label("assignment_score_n_28d"),
            count_if(and_(in28, a.activity_type == "Video")).label("video_events_28d"),
            count_if(and_(in28, a.activity_type == "VR")).label("vr_events_28d"),
            count_if(and_(in28, a.activity_type == "View")).label("reading_events_28d"),
            count_if(and_(in28, a.activity_type == "Assignment")).label("assignment_events_28d"),
            # The OR of 2^day is a bitmask of active days: streaks and active-day
            # counts without a second pass over the table.
            # COALESCE: a NULL would make the column float64 and lose the low bits.
            func.coalesce(bit_or(literal(1).op("<<")(day)), 0).label("active_day_mask"),
            count_if(a.duration_seconds > MAX_EVENT_SECONDS).label("dq_absurd_duration"),
            count_if(and_(a.score.is_not(None), ~valid_score)).label("dq_score_out_of_range"),
            # Counted, then treated as no time spent (valid_seconds) or no event kind.
            count_if(a.duration_seconds.is_(None)).label("dq_null_duration"),
            count_if(a.duration_seconds < 0).label("dq_negative_duration"),
            count_if(or_(a.activity_type.is_(None), a.activity_type.not_in(ACTIVITY_TYPES)))
            .label("dq_unknown_activity_type"),
        )
        .where(a.timestamp > since(BITMASK_DAYS), a.timestamp < t)
        .group_by(a.learner_id)
    )
    return without_group_by_index(query)


def side_aggregates_queries(as_of: dt.datetime) -> dict[str, Select]:
    """One small GROUP BY per side table, keyed by what it measures."""
    t = as_of_param(as_of)
    d, s, e = (LearnerDiscussionActivity.__table__.c, LearnerSocialInteraction.__table__.c,
               LearnerEmotionMetric.__table__.c)
    f, m, tel = (LearnerFeedbackResponse.__table__.c, LearnerMetaverseLog.__table__.c,
                 LearnerSystemTelemetry.__table__.c)
    xp, en, lr = LearnerXP.__table__.c, CourseEnrollment.__table__.c, Learner.__table__.c
    courses = Course.__table__

    def recent(column, days: int):
        # Same as days_before(column, as_of) < days, but a plain range: no function
        # per row, and an index on the column can serve it.
        since = as_of_param(as_of - dt.timedelta(days=days), f"since_{days}d")
        return and_(column < t, column > since)

    ties = union_all(
        select(s.sender_id.label("learner_id"), s.receiver_id.label("peer_id"))
        .where(recent(s.created_on, 90)),
        select(s.receiver_id.label("learner_id"), s.sender_id.label("peer_id"))
        .where(recent(s.created_on, 90)),
    ).subquery()
    still_active = and_(or_(en.unenrolled_on.is_(None), en.unenrolled_on >= t),
                        or_(en.completed_on.is_(None), en.completed_on >= t))
    queries = {
        "discussion": select(
            d.learner_id,
            func.count().label("forum_posts_28d"),
            func.coalesce(func.sum(d.likes_count), 0).label("likes_received_28d"),
        ).where(recent(d.created_on, 28)).group_by(d.learner_id),
        "social": select(
            ties.c.learner_id, func.count(distinct(ties.c.peer_id)).label("social_ties_90d")
        ).where(ties.c.learner_id != ties.c.peer_id).group_by(ties.c.learner_id),
        "emotion": select(
            e.learner_id,
            count_if(e.emotion_label.in_(NEGATIVE_EMOTIONS)).label("negative_emotions_28d"),
            func.count().label("emotions_28d"),
        ).where(recent(e.recorded_on, 28)).group_by(e.learner_id),
        "feedback": select(
            f.learner_id,
            sum_if(f.rating.between(1, 5), f.rating).label("rating_sum_90d"),
            count_if(f.rating.between(1, 5)).label("rating_n_90d"),
            count_if(f.sentiment == "Negative").label("negative_feedback_90d"),
            func.count().label("feedback_90d"),
        ).where(recent(f.submitted_on, 90)).group_by(f.learner_id),
        "metaverse": select(
            m.learner_id,
            sum_if(m.duration_seconds.between(0, MAX_EVENT_SECONDS), m.duration_seconds)
            .label("vr_seconds_28d"),
        ).where(recent(m.recorded_on, 28)).group_by(m.learner_id),
        "telemetry": select(
            tel.learner_id,
            sum_if(tel.latency_ms >= 0, tel.latency_ms).label("latency_sum_28d"),
            count_if(tel.latency_ms >= 0).label("latency_n_28d"),
        ).where(recent(tel.timestamp, 28)).group_by(tel.learner_id),
        "xp": select(
            xp.learner_id, func.sum(xp.points).label("xp_28d")
        ).where(recent(xp.earned_on, 28)).group_by(xp.learner_id),
        "enrollments": select(
            en.learner_id,
            count_if(still_active).label("active_enrollments"),
            count_if(and_(en.completed_on < t, en.status == "Completed"))
            .label("completed_courses"),
            count_if(en.unenrolled_on < t).label("withdrawn_courses"),
            count_if(courses.c.course_id.is_(None)).label("dq_unknown_course"),
        ).select_from(CourseEnrollment.__table__.outerjoin(courses, courses.c.course_id == en.course_id))
        .where(en.enrolled_on < t).group_by(en.learner_id),
        "learners": select(
            lr.learner_id, lr.registration_date
        ).where(or_(lr.registration_date < t, lr.registration_date.is_(None))),
    }
    return {name: without_group_by_index(query) for name, query in queries.items()}


# ------------------------------------------------------------------------- extraction


def future_learners_query(now: dt.datetime) -> Select:
    """Learners with an activity row stamped after the wall clock (impossible, whatever
    the as-of date): one index dive per learner, like the history."""
    a = LearnerActivityLog.__table__.c
    return (select(a.learner_id).group_by(a.learner_id)
            .having(func.max(a.timestamp) > as_of_param(now, "now")))


def activity_rows_query(*, before: dt.datetime | None = None,
                        after: dt.datetime | None = None) -> Select:
    """Activity rows per learner stamped before ``before`` or after ``after``; for the
    few learners the data-quality counts concern (read with their ids)."""
    a = LearnerActivityLog.__table__.c
    query = select(a.learner_id, func.count().label("rows")).group_by(a.learner_id)
    if before is not None:
        query = query.where(a.timestamp < as_of_param(before))
    if after is not None:
        query = query.where(a.timestamp > as_of_param(after, "now"))
    return query


def extract_engagement(
    bind: Engine | Connection, as_of: dt.datetime, learner_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Raw engagement aggregates per learner as of ``as_of`` (one row per learner).

    ``attrs["data_quality"]`` holds what cannot be a column of a learner's row: activity
    rows of learners who do not exist (orphans) and rows stamped in the future."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) + FUTURE_SLACK
    # Longest first: the reads run two at a time on MySQL/MariaDB.
    queries = {**activity_queries(as_of), "future": future_learners_query(now),
               **side_aggregates_queries(as_of)}
    frames = read_many_for_learners(bind, queries, learner_ids)
    # Keep the 63-bit day mask exact: a join that adds missing learners would
    # otherwise turn it into float64 and lose its low bits.
    window = frames["activity_window"]
    window["active_day_mask"] = pd.Series(
        [int(v) for v in window["active_day_mask"]], index=window.index, dtype=object)
    history, future = frames["activity_history"], frames.pop("future")
    base = frames.pop("learners").set_index("learner_id")
    orphans = history.loc[~history["learner_id"].isin(base.index), "learner_id"]
    for frame in frames.values():
        base = base.join(frame.set_index("learner_id"), how="left")
    base = base.sort_index()
    base.attrs["data_quality"] = {
        "orphan_rows": _rows_of(bind, activity_rows_query(before=as_of), orphans),
        "future_timestamp": _rows_of(bind, activity_rows_query(after=now),
                                     future["learner_id"]),
    }
    return base


def _rows_of(bind: Engine | Connection, query: Select, learner_ids: pd.Series) -> int:
    """Sum of ``query``'s ``rows`` over ``learner_ids`` (usually none: no query then)."""
    if learner_ids.empty:
        return 0
    counts = read_for_learners(bind, query, learner_ids.tolist())
    return int(pd.to_numeric(counts["rows"]).sum())


# ------------------------------------------------------------------------ derivation


def derive_engagement(raw: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    """Engagement features (``ENGAGEMENT_FEATURES``, in order) from raw aggregates."""
    out = pd.DataFrame(index=raw.index)
    mask = _mask_to_uint64(raw.get("active_day_mask"), len(raw))
    out["active_days_7d"] = _popcount(mask & np.uint64((1 << 7) - 1))
    out["active_days_28d"] = _popcount(mask & np.uint64((1 << 28) - 1))
    out["active_days_63d"] = _popcount(mask)
    seconds_7d = _num(raw, "seconds_7d")
    seconds_28d = _num(raw, "seconds_28d")
    out["minutes_7d"] = seconds_7d / 60.0
    out["minutes_28d"] = seconds_28d / 60.0
    events = _num(raw, "events_28d")
    out["events_28d"] = events
    out["sessions_28d"] = _num(raw, "sessions_28d")
    last = pd.to_datetime(raw.get("last_activity_at"), errors="coerce")
    out["days_since_last_activity"] = _days_between(last, as_of)
    out["current_streak_days"] = current_streak(mask)
    out["longest_streak_63d"] = longest_streak(mask)
    # The 21 days before the last 7: the 28-day sum less the 7-day one (one aggregate
    # fewer over millions of rows).
    out["trend_7d_vs_28d"] = trend(seconds_7d / 7.0, (seconds_28d - seconds_7d) / 21.0)
    out["quiz_attempts_28d"] = _num(raw, "quiz_attempts_28d")
    out["quiz_accuracy_28d"] = _mean(raw, "quiz_score_sum_28d", "quiz_score_n_28d")
    out["assignment_score_28d"] = _mean(raw, "assignment_score_sum_28d",
                                        "assignment_score_n_28d")
    for share, column in [
        ("video_share_28d", "video_events_28d"), ("vr_share_28d", "vr_events_28d"),
        ("reading_share_28d", "reading_events_28d"), ("quiz_share_28d", "quiz_attempts_28d"),
        ("assignment_share_28d", "assignment_events_28d"),
    ]:
        out[share] = np.where(events > 0, _num(raw, column) / np.maximum(events, 1), 0.0)
    for column in ("forum_posts_28d", "likes_received_28d", "social_ties_90d", "xp_28d",
                   "active_enrollments", "completed_courses", "withdrawn_courses"):
        out[column] = _num(raw, column)
    out["negative_emotion_share_28d"] = np.nan_to_num(
        _mean(raw, "negative_emotions_28d", "emotions_28d"))
    out["feedback_rating_90d"] = _mean(raw, "rating_sum_90d", "rating_n_90d")
    out["negative_feedback_share_90d"] = np.nan_to_num(
        _mean(raw, "negative_feedback_90d", "feedback_90d"))
    out["vr_minutes_28d"] = _num(raw, "vr_seconds_28d") / 60.0
    out["avg_latency_ms_28d"] = _mean(raw, "latency_sum_28d", "latency_n_28d")
    registered = pd.to_datetime(raw.get("registration_date"), errors="coerce")
    out["tenure_days"] = _days_between(registered, as_of)
    return _typed(out[list(ENGAGEMENT_FEATURES)])


def compute_engagement(
    bind: Engine | Connection, as_of: dt.datetime, learner_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """The engagement view as of ``as_of``: one row per registered learner."""
    return derive_engagement(extract_engagement(bind, as_of, learner_ids), as_of)


def data_quality_counts(raw: pd.DataFrame) -> dict[str, int]:
    """Values the engagement view excluded or could not trust, by kind (for the run
    ledger): rows per ``dq_`` column (rows of the window the features read), learners with no activity before as-of, learners
    with activity before they registered, and the extraction's orphan and future rows."""
    counts = {
        column.removeprefix("dq_"): int(pd.to_numeric(raw[column], errors="coerce").fillna(0)
                                        .sum())
        for column in raw.columns if column.startswith("dq_")
    }
    if "last_activity_at" in raw:
        counts["no_activity"] = int(pd.to_datetime(raw["last_activity_at"], errors="coerce")
                                    .isna().sum())
    if "first_activity_at" in raw and "registration_date" in raw:
        first = pd.to_datetime(raw["first_activity_at"], errors="coerce")
        registered = pd.to_datetime(raw["registration_date"], errors="coerce")
        counts["before_registration"] = int((first < registered).sum())
    return counts | raw.attrs.get("data_quality", {})


# --------------------------------------------------------------- vectorised helpers


def _num(raw: pd.DataFrame, column: str, fill: float = 0.0) -> np.ndarray:
    if column not in raw:
        return np.full(len(raw), fill, dtype=float)
    return pd.to_numeric(raw[column], errors="coerce").astype(float).fillna(fill).to_numpy()


def _mean(raw: pd.DataFrame, total: str, count: str) -> np.ndarray:
    """total/count per learner; NaN where nothing was counted."""
    n = _num(raw, count)
    return np.where(n > 0, _num(raw, total) / np.where(n > 0, n, 1.0), np.nan)


def _days_between(stamps: pd.Series | None, as_of: dt.datetime) -> np.ndarray:
    if stamps is None:
        return np.array([], dtype=float)
    delta = (pd.Timestamp(as_of) - stamps).dt.total_seconds() / 86400.0
    return delta.to_numpy(dtype=float, na_value=np.nan)


def _mask_to_uint64(values: pd.Series | None, n: int) -> np.ndarray:
    if values is None:
        return np.zeros(n, dtype=np.uint64)
    # MySQL returns SUM() as DECIMAL, SQLite as int; both are exact below 2**63.
    return np.array([int(v) if v is not None and v == v else 0 for v in values],
                    dtype=np.uint64)


def _popcount(mask: np.ndarray) -> np.ndarray:
    return np.bitwise_count(mask).astype(np.int64)


def current_streak(mask: np.ndarray) -> np.ndarray:
    """Consecutive active days ending on day 0 or day 1 (yesterday still counts).

    A learner who has not been active yet today keeps yesterday's streak.
    """
    ones_from_0 = _trailing_ones(mask)
    ones_from_1 = _trailing_ones(mask >> np.uint64(1))
    return np.where(mask & np.uint64(1), ones_from_0, ones_from_1)


def longest_streak(mask: np.ndarray) -> np.ndarray:
    """Longest run of set bits, by repeated ``x & (x >> 1)`` (at most 63 rounds)."""
    run = mask.copy()
    length = np.zeros(len(mask), dtype=np.int64)
    while run.any():
        length += run != 0
        run &= run >> np.uint64(1)
    return length


def _trailing_ones(mask: np.ndarray) -> np.ndarray:
    # Trailing ones of x = trailing zeros of ~x = popcount((~x & (x + 1)) - 1).
    inverted = ~mask
    lowest_zero = inverted & (mask + np.uint64(1))
    return np.bitwise_count(lowest_zero - np.uint64(1)).astype(np.int64) * (lowest_zero != 0) + (
        (lowest_zero == 0) * 64
    )


def trend(recent: np.ndarray, before: np.ndarray) -> np.ndarray:
    """(a-b)/(a+b) of two daily rates; 0 when both are 0."""
    total = recent + before
    return np.where(total > 0, (recent - before) / np.where(total > 0, total, 1.0), 0.0)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for feature in ENGAGEMENT.features:
        if feature.dtype == "int":
            frame[feature.name] = frame[feature.name].round().astype("int64")
        else:
            frame[feature.name] = frame[feature.name].astype("float64")
    frame.index.name = "learner_id"
    return frame
