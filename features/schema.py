"""SQLAlchemy 2 models of the learner database.

The 23 tables of the seed document, column for column (names, types and
lengths, enum values and their order, defaults, nullability, foreign keys and
their ON DELETE/ON UPDATE rules, indexes), plus the additions that DESIGN.md
lists. Every addition is nullable or defaulted, so that a reader written
against the seed keeps working. ``tests/test_seed_conformance.py`` holds this
module to the seed on MariaDB.

Dialect differences live in :mod:`features.db_types`; the migrations in
``features/migrations`` create these tables — production code never calls
``create_all``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from features.db_types import (
    JSON,
    Blob,
    Choice,
    CurrentTimestampOnUpdate,
    Decimal,
    Flag,
    UnsignedBigInt,
    UnsignedBigInt20,
    UnsignedInt,
    UnsignedInt10,
    Year,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Seed enums, values in the seed's order (the order is part of the contract:
#: MySQL sorts and compares ENUMs by position).
GENDERS = ("Male", "Female", "Other")
LEARNER_STATUSES = ("Active", "Inactive", "Suspended")
SKILL_LEVELS = ("Beginner", "Intermediate", "Advanced", "Expert")
SKILL_SOURCES = ("Course", "Assessment", "PeerReview", "Manual")
CERT_STATUSES = ("Verified", "Pending", "Rejected")
LEARNING_STYLES = ("Visual", "Auditory", "Reading/Writing", "Kinesthetic")
PERSONAS = ("Achiever", "Explorer", "Socializer", "Killer")
DERIVED_FROM = ("Survey", "AI", "Hybrid")
THEME_MODES = ("Light", "Dark", "System")
ACTIVITY_TYPES = ("View", "Quiz", "Assignment", "Forum", "Video", "VR", "Login", "Logout")
RECOMMENDATION_TYPES = ("Course", "Skill", "Career", "Mentor", "Content")
ACTION_STATUSES = ("Pending", "Clicked", "Ignored", "Completed")
GROUP_ROLES = ("Learner", "Facilitator", "Mentor")
GROUP_STATUSES = ("Active", "Inactive")
EMOTIONS = ("Focused", "Bored", "Confused", "Engaged", "Frustrated", "Happy")
EMOTION_DETECTORS = ("CameraAI", "VoiceAI", "TextSentiment", "SelfReport")
INTERACTION_TYPES = ("Message", "Comment", "Like", "PeerReview", "MentorshipRequest")
SENTIMENTS = ("Positive", "Neutral", "Negative")
FEEDBACK_TYPES = ("Course", "Instructor", "Platform", "Feature")
NOTIFICATION_TYPES = ("System", "Course", "Reward", "Reminder", "Message", "AI_Nudge")
NOTIFICATION_FREQUENCIES = ("Anytime", "OnlineOnly", "DailyDigest", "WeeklySummary")
# Additions
COURSE_LEVELS = ("Beginner", "Intermediate", "Advanced")
ENROLLMENT_STATUSES = ("Active", "Completed", "Withdrawn", "Failed")
RUN_STATUSES = ("running", "succeeded", "failed")

MYSQL_TABLE_ARGS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}

#: Append-only event tables: incremental runs find new rows by primary key above a
#: watermark, so a key must never be handed out twice. InnoDB never reuses one; SQLite
#: reuses the highest after its row is deleted unless the table is AUTOINCREMENT.
EVENT_TABLE_ARGS: dict[str, Any] = {**MYSQL_TABLE_ARGS, "sqlite_autoincrement": True}

NOW = text("CURRENT_TIMESTAMP")


def _now_on_update() -> Any:
    return CurrentTimestampOnUpdate()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _learner_fk(ondelete: str = "CASCADE") -> ForeignKey:
    return ForeignKey("learners.learner_id", ondelete=ondelete)


# --------------------------------------------------------------------------- identity


class User(Base):
    """Addition: the account behind ``learners.user_id``. Holds PII only."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email"), MYSQL_TABLE_ARGS)

    id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    full_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class Learner(Base):
    __tablename__ = "learners"
    __table_args__ = (Index(None, "user_id"), MYSQL_TABLE_ARGS)

    learner_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        UnsignedInt,
        ForeignKey("users.id", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
    )
    nationality: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(Choice(*GENDERS))
    dob: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    address_line1: Mapped[str | None] = mapped_column(String(255))
    address_line2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(50), server_default="Asia/Kolkata")
    language_pref: Mapped[str | None] = mapped_column(String(50), server_default="English")
    profile_photo: Mapped[str | None] = mapped_column(String(255))
    registration_date: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)
    last_active: Mapped[dt.datetime | None] = mapped_column(
        DateTime, server_default=_now_on_update(), onupdate=func.current_timestamp()
    )
    status: Mapped[str | None] = mapped_column(
        Choice(*LEARNER_STATUSES), server_default="Active"
    )


# --------------------------------------------------------------------- education & skills


class LearnerEducation(Base):
    __tablename__ = "learner_education"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    edu_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    institution: Mapped[str | None] = mapped_column(String(255))
    qualification: Mapped[str | None] = mapped_column(String(255))
    specialization: Mapped[str | None] = mapped_column(String(255))
    start_year: Mapped[int | None] = mapped_column(Year)
    end_year: Mapped[int | None] = mapped_column(Year)
    is_current: Mapped[int | None] = mapped_column(Flag, server_default=text("0"))
    gpa: Mapped[float | None] = mapped_column(Decimal(4, 2))
    achievements: Mapped[str | None] = mapped_column(Text)


class LearnerSkill(Base):
    __tablename__ = "learner_skills"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    skill_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    skill_name: Mapped[str] = mapped_column(String(150), nullable=False)
    skill_level: Mapped[str | None] = mapped_column(
        Choice(*SKILL_LEVELS), server_default="Beginner"
    )
    proficiency_score: Mapped[float | None] = mapped_column(
        Decimal(5, 2), server_default=text("0.00")
    )
    endorsed_by: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(Choice(*SKILL_SOURCES), server_default="Manual")
    last_validated: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerCertification(Base):
    __tablename__ = "learner_certifications"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    cert_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    cert_name: Mapped[str | None] = mapped_column(String(255))
    issuing_org: Mapped[str | None] = mapped_column(String(255))
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    credential_id: Mapped[str | None] = mapped_column(String(100))
    credential_url: Mapped[str | None] = mapped_column(String(255))
    verification_status: Mapped[str | None] = mapped_column(
        Choice(*CERT_STATUSES), server_default="Pending"
    )


# ------------------------------------------------------------------------ psychographics


class LearnerPsychographics(Base):
    __tablename__ = "learner_psychographics"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    psychographic_id: Mapped[int] = mapped_column(
        UnsignedInt, primary_key=True, autoincrement=True
    )
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    learning_motivation: Mapped[str | None] = mapped_column(String(100))
    learning_style: Mapped[str | None] = mapped_column(Choice(*LEARNING_STYLES))
    cognitive_pattern: Mapped[str | None] = mapped_column(Text)
    engagement_type: Mapped[str | None] = mapped_column(String(100))
    gamification_persona: Mapped[str | None] = mapped_column(Choice(*PERSONAS))
    confidence_score: Mapped[float | None] = mapped_column(
        Decimal(4, 2), server_default=text("0.85")
    )
    derived_from: Mapped[str | None] = mapped_column(
        Choice(*DERIVED_FROM), server_default="Hybrid"
    )
    last_updated: Mapped[dt.datetime | None] = mapped_column(
        DateTime, server_default=_now_on_update(), onupdate=func.current_timestamp()
    )


class LearnerPreferences(Base):
    __tablename__ = "learner_preferences"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    pref_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    preferred_content_format: Mapped[str | None] = mapped_column(
        String(50), server_default="Video"
    )
    preferred_learning_time: Mapped[str | None] = mapped_column(
        String(50), server_default="Evening"
    )
    notification_preference: Mapped[str | None] = mapped_column(
        String(50), server_default="Email"
    )
    privacy_consent: Mapped[int | None] = mapped_column(Flag, server_default=text("0"))
    ai_personalization_optin: Mapped[int | None] = mapped_column(
        Flag, server_default=text("1")
    )
    accessibility_needs: Mapped[str | None] = mapped_column(Text)
    theme_mode: Mapped[str | None] = mapped_column(Choice(*THEME_MODES), server_default="System")


# ---------------------------------------------------------------------- behaviour


class LearnerActivityLog(Base):
    __tablename__ = "learner_activity_log"
    # (learner_id, timestamp), not learner_id alone: a learner's first and last event
    # are two index dives (MySQL/MariaDB's loose index scan), not a read of every row.
    __table_args__ = (Index(None, "learner_id", "timestamp"), EVENT_TABLE_ARGS)

    log_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(UnsignedInt, _learner_fk(), nullable=False)
    course_id: Mapped[int | None] = mapped_column(UnsignedInt)
    module_name: Mapped[str | None] = mapped_column(String(255))
    activity_type: Mapped[str] = mapped_column(Choice(*ACTIVITY_TYPES), nullable=False)
    duration_seconds: Mapped[int | None] = mapped_column(UnsignedInt, server_default=text("0"))
    score: Mapped[float | None] = mapped_column(Decimal(5, 2))
    device_type: Mapped[str | None] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    timestamp: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerEngagement(Base):
    __tablename__ = "learner_engagement"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    engagement_id: Mapped[int] = mapped_column(
        UnsignedInt, primary_key=True, autoincrement=True
    )
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    avg_session_duration: Mapped[int | None] = mapped_column(
        Integer, server_default=text("0")
    )
    avg_quiz_accuracy: Mapped[float | None] = mapped_column(
        Decimal(5, 2), server_default=text("0")
    )
    courses_completed: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    discussion_posts: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    peer_likes: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    engagement_score: Mapped[float | None] = mapped_column(
        Decimal(5, 2), server_default=text("0")
    )
    updated_on: Mapped[dt.datetime | None] = mapped_column(
        DateTime, server_default=_now_on_update(), onupdate=func.current_timestamp()
    )


# ---------------------------------------------------------------------------- career


class LearnerGoal(Base):
    __tablename__ = "learner_goals"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    goal_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    desired_role: Mapped[str | None] = mapped_column(String(150))
    target_skills: Mapped[str | None] = mapped_column(Text)
    career_motivation: Mapped[str | None] = mapped_column(Text)
    target_timeline: Mapped[str | None] = mapped_column(String(50))
    progress_percent: Mapped[float | None] = mapped_column(
        Decimal(5, 2), server_default=text("0")
    )
    last_reviewed: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


#: learnerai marks the pathway rows it writes by starting ``gap_analysis`` with this
#: JSON prefix, so readers can tell a declared pathway from an inferred one.
AI_PATHWAY_MARK = '{"source": "learnerai"'


class LearnerCareerPathway(Base):
    __tablename__ = "learner_career_pathways"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    path_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    # `current_role` is reserved in MariaDB: always quoted.
    current_role: Mapped[str | None] = mapped_column("current_role", String(150), quote=True)
    next_role: Mapped[str | None] = mapped_column(String(150))
    recommended_courses: Mapped[str | None] = mapped_column(Text)
    gap_analysis: Mapped[str | None] = mapped_column(Text)
    ai_confidence_score: Mapped[float | None] = mapped_column(
        Decimal(4, 2), server_default=text("0.80")
    )
    last_updated: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


# ---------------------------------------------------------------------- gamification


class LearnerReward(Base):
    __tablename__ = "learner_rewards"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    reward_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    xp_points: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    level: Mapped[int | None] = mapped_column(Integer, server_default=text("1"))
    badge_name: Mapped[str | None] = mapped_column(String(255))
    badge_earned_on: Mapped[dt.datetime | None] = mapped_column(DateTime)
    streak_days: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))


class LearnerXP(Base):
    """Addition: the XP ledger behind ``learner_rewards`` totals."""

    __tablename__ = "learner_xp"
    __table_args__ = (EVENT_TABLE_ARGS,)

    xp_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    points: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    reason: Mapped[str | None] = mapped_column(String(255))
    source_log_id: Mapped[int | None] = mapped_column(UnsignedBigInt)
    earned_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerMetaverseLog(Base):
    __tablename__ = "learner_metaverse_logs"
    __table_args__ = (EVENT_TABLE_ARGS,)

    meta_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    session_id: Mapped[str | None] = mapped_column(String(100))
    environment: Mapped[str | None] = mapped_column(String(255))
    activity_summary: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    recorded_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


# --------------------------------------------------------------------------- AI layer


class LearnerAIFeatures(Base):
    __tablename__ = "learner_ai_features"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), primary_key=True, autoincrement=False
    )
    engagement_vector: Mapped[Any | None] = mapped_column(JSON)
    skill_vector: Mapped[Any | None] = mapped_column(JSON)
    recommendation_vector: Mapped[Any | None] = mapped_column(JSON)
    career_prediction: Mapped[Any | None] = mapped_column(JSON)
    risk_prediction: Mapped[Any | None] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(50))
    last_model_update: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerAuditLog(Base):
    __tablename__ = "learner_audit_log"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    audit_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int | None] = mapped_column(
        UnsignedInt, _learner_fk("SET NULL"), index=True
    )
    action: Mapped[str | None] = mapped_column(String(255))
    module: Mapped[str | None] = mapped_column(String(100))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    action_by: Mapped[str | None] = mapped_column(String(100))
    action_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerRecommendation(Base):
    __tablename__ = "learner_recommendations"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    rec_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    recommendation_type: Mapped[str] = mapped_column(
        Choice(*RECOMMENDATION_TYPES), nullable=False
    )
    reference_id: Mapped[str | None] = mapped_column(String(100))
    recommendation_reason: Mapped[str | None] = mapped_column(Text)
    confidence_score: Mapped[float | None] = mapped_column(
        Decimal(4, 2), server_default=text("0.85")
    )
    action_status: Mapped[str | None] = mapped_column(
        Choice(*ACTION_STATUSES), server_default="Pending"
    )
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)
    # Additions: which run and which model wrote the row, and its place in the list.
    run_id: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(100))
    rec_rank: Mapped[int | None] = mapped_column(Integer)


# ---------------------------------------------------------------------------- groups


class LearnerGroupMapping(Base):
    __tablename__ = "learner_group_mapping"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    map_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    group_id: Mapped[int] = mapped_column(UnsignedInt, nullable=False)
    role: Mapped[str | None] = mapped_column(Choice(*GROUP_ROLES), server_default="Learner")
    join_date: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)
    status: Mapped[str | None] = mapped_column(Choice(*GROUP_STATUSES), server_default="Active")


class LearningGroup(Base):
    __tablename__ = "learning_groups"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    group_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    group_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    course_id: Mapped[int | None] = mapped_column(UnsignedInt)
    facilitator_id: Mapped[int | None] = mapped_column(UnsignedInt)
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


# ------------------------------------------------------------- feedback, emotion, social


class LearnerEmotionMetric(Base):
    __tablename__ = "learner_emotion_metrics"
    __table_args__ = (EVENT_TABLE_ARGS,)

    emotion_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    session_id: Mapped[str | None] = mapped_column(String(100))
    emotion_label: Mapped[str | None] = mapped_column(Choice(*EMOTIONS), server_default="Focused")
    confidence: Mapped[float | None] = mapped_column(Decimal(4, 2), server_default=text("0.90"))
    detected_by: Mapped[str | None] = mapped_column(
        Choice(*EMOTION_DETECTORS), server_default="SelfReport"
    )
    recorded_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerSocialInteraction(Base):
    __tablename__ = "learner_social_interactions"
    __table_args__ = (EVENT_TABLE_ARGS,)

    interaction_id: Mapped[int] = mapped_column(
        UnsignedBigInt, primary_key=True, autoincrement=True
    )
    sender_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    receiver_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    interaction_type: Mapped[str] = mapped_column(Choice(*INTERACTION_TYPES), nullable=False)
    context: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerDiscussionActivity(Base):
    __tablename__ = "learner_discussion_activity"
    __table_args__ = (EVENT_TABLE_ARGS,)

    post_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    topic_id: Mapped[int] = mapped_column(UnsignedInt, nullable=False)
    parent_post_id: Mapped[int | None] = mapped_column(UnsignedBigInt)
    content: Mapped[str | None] = mapped_column(Text)
    likes_count: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    sentiment: Mapped[str | None] = mapped_column(Choice(*SENTIMENTS), server_default="Neutral")
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerFeedbackResponse(Base):
    __tablename__ = "learner_feedback_responses"
    __table_args__ = (EVENT_TABLE_ARGS,)

    feedback_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    course_id: Mapped[int | None] = mapped_column(UnsignedInt)
    feedback_type: Mapped[str | None] = mapped_column(
        Choice(*FEEDBACK_TYPES), server_default="Course"
    )
    rating: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[str | None] = mapped_column(Text)
    sentiment: Mapped[str | None] = mapped_column(Choice(*SENTIMENTS), server_default="Neutral")
    submitted_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerNotification(Base):
    __tablename__ = "learner_notifications"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    notification_id: Mapped[int] = mapped_column(
        UnsignedBigInt20, primary_key=True, autoincrement=True
    )
    # The seed indexes learner_id here but declares no foreign key.
    learner_id: Mapped[int] = mapped_column(UnsignedInt10, nullable=False, index=True)
    title: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(Choice(*NOTIFICATION_TYPES), server_default="System")
    channel_email: Mapped[int | None] = mapped_column(Flag, server_default=text("0"))
    channel_browser: Mapped[int | None] = mapped_column(Flag, server_default=text("0"))
    channel_app: Mapped[int | None] = mapped_column(Flag, server_default=text("0"))
    frequency: Mapped[str | None] = mapped_column(
        Choice(*NOTIFICATION_FREQUENCIES), server_default="Anytime"
    )
    is_read: Mapped[int | None] = mapped_column(Flag, server_default=text("0"))
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)
    updated_on: Mapped[dt.datetime | None] = mapped_column(
        DateTime, server_default=_now_on_update(), onupdate=func.current_timestamp()
    )


class LearnerSystemTelemetry(Base):
    __tablename__ = "learner_system_telemetry"
    __table_args__ = (EVENT_TABLE_ARGS,)

    telemetry_id: Mapped[int] = mapped_column(
        UnsignedBigInt, primary_key=True, autoincrement=True
    )
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    device_info: Mapped[str | None] = mapped_column(String(255))
    browser_info: Mapped[str | None] = mapped_column(String(255))
    os_info: Mapped[str | None] = mapped_column(String(100))
    network_speed: Mapped[float | None] = mapped_column(Decimal(6, 2))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    timestamp: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


# -------------------------------------------------------------------- catalog additions


class SkillCatalog(Base):
    """Addition: canonical skills; free-text skill names resolve to these."""

    __tablename__ = "skill_catalog"
    __table_args__ = (UniqueConstraint("name"), MYSQL_TABLE_ARGS)

    skill_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    category: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)


class CareerRole(Base):
    """Addition: what each role needs (skills with levels) and where it leads."""

    __tablename__ = "career_roles"
    __table_args__ = (UniqueConstraint("title"), MYSQL_TABLE_ARGS)

    role_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(150), nullable=False)
    field: Mapped[str | None] = mapped_column(String(100))
    seniority: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    required_skills: Mapped[Any | None] = mapped_column(JSON)
    next_roles: Mapped[Any | None] = mapped_column(JSON)


class Course(Base):
    """Addition: the course catalog (``course_id`` of activity, groups, feedback)."""

    __tablename__ = "courses"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    course_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[Any | None] = mapped_column(JSON)
    level: Mapped[str | None] = mapped_column(Choice(*COURSE_LEVELS))
    format: Mapped[str | None] = mapped_column(String(50))
    duration_hours: Mapped[float | None] = mapped_column(Decimal(6, 2))
    is_active: Mapped[int] = mapped_column(Flag, nullable=False, server_default=text("1"))


class ContentItem(Base):
    """Addition: modules and lessons of courses, for Content recommendations."""

    __tablename__ = "content_items"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    content_id: Mapped[int] = mapped_column(UnsignedInt, primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(
        UnsignedInt, ForeignKey("courses.course_id", ondelete="CASCADE"),
        nullable=False, index=True,
    )
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    format: Mapped[str | None] = mapped_column(String(50))
    skills: Mapped[Any | None] = mapped_column(JSON)


class CourseEnrollment(Base):
    """Addition: who enrolled in what, when, and how it ended.

    ``status`` is the state today; point-in-time readers derive the state as of
    a date from ``enrolled_on``, ``unenrolled_on`` (withdrawal) and
    ``completed_on`` (the course ended, Completed or Failed).
    """

    __tablename__ = "course_enrollments"
    __table_args__ = (Index(None, "course_id"), MYSQL_TABLE_ARGS)

    enrollment_id: Mapped[int] = mapped_column(
        UnsignedBigInt, primary_key=True, autoincrement=True
    )
    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), nullable=False, index=True
    )
    course_id: Mapped[int] = mapped_column(UnsignedInt, nullable=False)
    enrolled_on: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    unenrolled_on: Mapped[dt.datetime | None] = mapped_column(DateTime)
    completed_on: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(
        Choice(*ENROLLMENT_STATUSES), nullable=False, server_default="Active"
    )
    final_score: Mapped[float | None] = mapped_column(Decimal(5, 2))


# ------------------------------------------------------------------ service additions


class BatchRun(Base):
    """Addition: the run ledger — what ran, with which models, whether it finished."""

    __tablename__ = "batch_runs"
    __table_args__ = (Index(None, "flow", "status", "finished_on"), MYSQL_TABLE_ARGS)

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(50), nullable=False)
    as_of: Mapped[dt.datetime | None] = mapped_column(DateTime)
    started_on: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, server_default=NOW)
    finished_on: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(
        Choice(*RUN_STATUSES), nullable=False, server_default="running"
    )
    counts: Mapped[Any | None] = mapped_column(JSON)
    model_versions: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class TextEmbedding(Base):
    """Addition: the embedding cache — a text is encoded once per model."""

    __tablename__ = "text_embeddings"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    model_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    vector: Mapped[bytes] = mapped_column(Blob, nullable=False)
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, server_default=NOW)


class LearnerPublishedVectors(Base):
    """Addition: a digest of each learner's ``skill_vector`` and ``recommendation_vector``
    as last published in ``learner_ai_features``, so a run rewrites a vector only when
    it changed (:func:`features.publish.publish_feature_rows`): most nights most learners'
    skills and goals stay as they were, while their engagement moves."""

    __tablename__ = "learner_published_vectors"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), primary_key=True, autoincrement=False
    )
    #: :func:`features.sql.md5_52_of` the MD5 of the published JSON text; NULL: none.
    skill_vector: Mapped[int | None] = mapped_column(BigInteger)
    recommendation_vector: Mapped[int | None] = mapped_column(BigInteger)


class LearnerInputState(Base):
    """Addition: what each learner's inputs looked like when a run last computed them,
    so an incremental run recomputes only learners whose inputs changed
    (:mod:`features.change_detection`)."""

    __tablename__ = "learner_input_state"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    learner_id: Mapped[int] = mapped_column(
        UnsignedInt, _learner_fk(), primary_key=True, autoincrement=False
    )
    fingerprint: Mapped[int] = mapped_column(BigInteger, nullable=False)
    days_since_last_activity: Mapped[float | None] = mapped_column(Float)
    as_of: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64))
    #: Hash of the mentors a run last published for the learner: mentors are
    #: assigned over the whole population, so others' changes can move them.
    mentor_fingerprint: Mapped[int | None] = mapped_column(BigInteger)
    #: Hash of everything mentor assignment reads of the learner (as mentee and as
    #: mentor), and the learner's assigned mentor rows as JSON: an incremental run whose
    #: learners' hashes did not move reuses the stored assignment instead of assigning
    #: over everyone again (:mod:`features.mentor_state`).
    mentor_inputs: Mapped[int | None] = mapped_column(BigInteger)
    mentor_assignment: Mapped[str | None] = mapped_column(Text)


class PopulationSnapshot(Base):
    """Addition: population statistics a nightly run scores against (explanation
    references, course co-occurrence, peer shares), fitted at most once per refit
    period so that full and incremental runs of that period agree
    (:mod:`features.population_snapshot`)."""

    __tablename__ = "population_snapshots"
    __table_args__ = (
        Index(None, "kind", "fitted_as_of"),
        MYSQL_TABLE_ARGS,
    )

    snapshot_id: Mapped[int] = mapped_column(UnsignedBigInt, primary_key=True,
                                             autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    #: What the payload is only valid for (feature-set version, catalog shape...).
    compatibility: Mapped[str] = mapped_column(String(100), nullable=False)
    fitted_as_of: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    fitted_on: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(Blob, nullable=False)


#: Tables of the seed document, in the seed's order.
SEED_TABLES: tuple[str, ...] = (
    "learners", "learner_education", "learner_skills", "learner_certifications",
    "learner_psychographics", "learner_preferences", "learner_activity_log",
    "learner_engagement", "learner_goals", "learner_career_pathways", "learner_rewards",
    "learner_metaverse_logs", "learner_ai_features", "learner_audit_log",
    "learner_recommendations", "learner_group_mapping", "learning_groups",
    "learner_emotion_metrics", "learner_social_interactions",
    "learner_discussion_activity", "learner_feedback_responses", "learner_notifications",
    "learner_system_telemetry",
)

#: Tables DESIGN.md adds to the seed.
ADDED_TABLES: tuple[str, ...] = (
    "users", "learner_xp", "courses", "content_items", "career_roles", "skill_catalog",
    "course_enrollments", "batch_runs", "text_embeddings", "learner_input_state",
    "learner_published_vectors",
)

#: Seed indexes learnerai widens, by their columns: the wider index answers every
#: lookup the seed's did and backs the same foreign key (migration 0007).
WIDENED_INDEXES: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    "learner_activity_log": {("learner_id",): ("learner_id", "timestamp")},
}

#: Columns DESIGN.md adds to seed tables.
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "learner_recommendations": ("run_id", "model_version", "rec_rank"),
}
