"""Feature views: what learnerai knows about a learner as of a moment.

Each view is declared once — its entity, its columns with type and meaning,
and the tables it reads — next to the function that computes it as of a
timestamp (in :mod:`features.engagement`, :mod:`features.skills`,
:mod:`features.profile`). Code, documentation and tests all read the feature
names from here; ``ENGAGEMENT_FEATURES`` is the published contract of
``learner_ai_features.engagement_vector``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Feature:
    name: str
    dtype: str  # "int" | "float" | "str" | "bool" | "list"
    description: str
    unit: str = ""


@dataclass(frozen=True, kw_only=True)
class FeatureView:
    name: str
    entity: str
    sources: tuple[str, ...]
    features: tuple[Feature, ...]
    description: str

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def feature(self, name: str) -> Feature:
        return next(f for f in self.features if f.name == name)


def _f(name: str, dtype: str, description: str, unit: str = "") -> Feature:
    return Feature(name=name, dtype=dtype, description=description, unit=unit)


#: Engagement windows end at ``as_of`` (exclusive) and count whole 24-hour days back.
ENGAGEMENT = FeatureView(
    name="engagement",
    entity="learner_id",
    description="How much, how well and how socially a learner has been learning lately.",
    sources=(
        "learner_activity_log", "learner_discussion_activity", "learner_social_interactions",
        "learner_emotion_metrics", "learner_feedback_responses", "learner_metaverse_logs",
        "learner_system_telemetry", "learner_xp", "course_enrollments", "learners",
    ),
    features=(
        _f("active_days_7d", "int", "days with any activity in the last 7 days", "days"),
        _f("active_days_28d", "int", "days with any activity in the last 28 days", "days"),
        _f("active_days_63d", "int", "days with any activity in the last 63 days", "days"),
        _f("minutes_7d", "float", "minutes of activity in the last 7 days", "minutes"),
        _f("minutes_28d", "float", "minutes of activity in the last 28 days", "minutes"),
        _f("events_28d", "int", "activity events in the last 28 days", "events"),
        _f("sessions_28d", "int", "logins in the last 28 days", "sessions"),
        _f("days_since_last_activity", "float",
           "days from the last activity to as-of; empty if the learner was never active", "days"),
        _f("current_streak_days", "int",
           "consecutive days with activity ending yesterday or today", "days"),
        _f("longest_streak_63d", "int",
           "longest run of consecutive active days in the last 63 days", "days"),
        _f("trend_7d_vs_28d", "float",
           "daily minutes of the last 7 days vs the 21 before, as (a-b)/(a+b): "
           "-1 stopped, 0 steady, +1 new activity"),
        _f("quiz_attempts_28d", "int", "quizzes taken in the last 28 days", "quizzes"),
        _f("quiz_accuracy_28d", "float", "mean quiz score (0-100) in the last 28 days", "%"),
        _f("assignment_score_28d", "float",
           "mean assignment score (0-100) in the last 28 days", "%"),
        _f("video_share_28d", "float", "share of the last 28 days' events that were videos"),
        _f("vr_share_28d", "float", "share of the last 28 days' events that were VR"),
        _f("reading_share_28d", "float", "share of the last 28 days' events that were views"),
        _f("quiz_share_28d", "float", "share of the last 28 days' events that were quizzes"),
        _f("assignment_share_28d", "float",
           "share of the last 28 days' events that were assignments"),
        _f("forum_posts_28d", "int", "discussion posts in the last 28 days", "posts"),
        _f("likes_received_28d", "int", "likes on the learner's posts of the last 28 days",
           "likes"),
        _f("social_ties_90d", "int",
           "distinct peers the learner interacted with in the last 90 days", "peers"),
        _f("negative_emotion_share_28d", "float",
           "share of emotion readings in the last 28 days that were bored, confused or "
           "frustrated"),
        _f("feedback_rating_90d", "float", "mean feedback rating (1-5) in the last 90 days"),
        _f("negative_feedback_share_90d", "float",
           "share of feedback in the last 90 days with negative sentiment"),
        _f("vr_minutes_28d", "float", "minutes in metaverse sessions in the last 28 days",
           "minutes"),
        _f("avg_latency_ms_28d", "float", "mean network latency in the last 28 days", "ms"),
        _f("xp_28d", "int", "experience points earned in the last 28 days", "XP"),
        _f("active_enrollments", "int", "courses enrolled in and not ended at as-of", "courses"),
        _f("completed_courses", "int", "courses completed before as-of", "courses"),
        _f("withdrawn_courses", "int", "courses withdrawn from before as-of", "courses"),
        _f("tenure_days", "float", "days since registration", "days"),
    ),
)

ENGAGEMENT_FEATURES: tuple[str, ...] = tuple(ENGAGEMENT.names)

#: Per-event durations above this are data errors (a tab left open overnight),
#: excluded from minutes and counted in the data-quality report.
MAX_EVENT_SECONDS = 4 * 3600
#: Emotions read as negative for engagement.
NEGATIVE_EMOTIONS = ("Bored", "Confused", "Frustrated")
