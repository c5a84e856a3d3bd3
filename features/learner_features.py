"""Learner features with embeddings: what ``learnerai features`` computes and publishes.

Composes the views (engagement, skills, profile) as of a date, resolves
free-text skills to the catalog, and builds the two learner vectors from
cached text embeddings:

- ``skill_vector`` — unit-length, proficiency-weighted mean of the embeddings
  of the learner's skills (catalog names for resolved skills);
- ``recommendation_vector`` — unit-length blend of goal role, target skills,
  motivation and recently completed or started courses.

Each distinct text is encoded once per model and cached in ``text_embeddings``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine, or_, select

from features.catalog import Catalog, load_catalog
from features.embedding_cache import (
    EmbeddingStats,
    Encoder,
    embed_texts_with_stats,
    pooled_text_vectors,
)
from features.engagement import data_quality_counts, derive_engagement, extract_engagement
from features.profile import PROFILE, compute_profile
from features.publish import (
    engagement_vectors,
    publish_ai_psychographics,
    publish_feature_rows,
    refresh_engagement,
    remove_ai_rows,
    remove_orphaned_ai_rows,
)
from features.reading import read_for_learners
from features.retrieval import fill_skill_defaults
from features.schema import Course, CourseEnrollment
from features.skills import compute_skills, extract_skill_rows, resolve_skill_rows
from features.sql import as_of_param
from features.writing import JsonText
from models.embeddings import rounded
from models.learner_profile import (
    engagement_score,
    infer_learning_style,
    infer_persona,
    intent_texts,
    skill_texts,
)
from models.skill_resolution import SkillResolver, catalog_texts

#: Bump when a feature's definition changes: it is part of every row's model_version.
FEATURE_SET_VERSION = "fs1"
#: Courses completed or started this many days before as-of shape what a learner wants next.
RECENT_COURSE_DAYS = 90
VECTOR_DECIMALS = 5
#: Learners whose learner_ai_features rows are rendered and written at once.
PUBLISH_CHUNK = 5_000


@dataclass
class LearnerFeatureSet:
    """Everything computed about learners as of one date."""

    as_of: dt.datetime
    features: pd.DataFrame                  # engagement + skills + profile, by learner_id
    skill_rows: pd.DataFrame                # learner skills, resolved to the catalog
    skill_vectors: pd.DataFrame             # learner_id -> vector (np.ndarray)
    recommendation_vectors: pd.DataFrame    # learner_id -> vector (np.ndarray)
    embedding_model: str
    embedding_stats: dict[str, EmbeddingStats] = field(default_factory=dict)
    data_quality: dict[str, int] = field(default_factory=dict)
    #: The profile view as read (every learner registered before as-of, when computed
    #: for everyone): the recommendations stage reuses it instead of reading it again.
    profile: pd.DataFrame | None = None

    @property
    def opted_in(self) -> pd.Index:
        return self.features.index[self.features["ai_personalization_optin"].astype(bool)]

    @property
    def opted_out(self) -> pd.Index:
        return self.features.index[~self.features["ai_personalization_optin"].astype(bool)]

    @property
    def model_version(self) -> str:
        return f"{FEATURE_SET_VERSION}+{self.embedding_model}"[:50]

    @property
    def risk_inputs(self) -> pd.DataFrame:
        """The engagement and profile columns: what the risk models read, computed by
        the same code as at training. Skill features are left out: here skill names are
        resolved to the catalog, in training frames they are not."""
        from features.views import ENGAGEMENT_FEATURES

        columns = [c for c in (*ENGAGEMENT_FEATURES, *PROFILE.names)
                   if c in self.features.columns]
        return self.features[columns]

    @property
    def raw_skill_rows(self) -> pd.DataFrame:
        """The skill rows as read and cleaned, before resolution (which depends on the
        catalog a reader resolves against)."""
        return self.skill_rows.drop(columns=["skill_key", "resolved"], errors="ignore")


def fit_skill_resolver(engine: Engine, encoder: Encoder, catalog: Catalog) -> SkillResolver:
    """A resolver fitted on the catalog, its texts embedded through the cache."""
    vectors, _ = embed_texts_with_stats(engine, encoder, catalog_texts(catalog.skills))
    return SkillResolver().fit(catalog.skills, vectors)


def resolver_function(engine: Engine, encoder: Encoder,
                      resolver: SkillResolver) -> Callable[[Sequence[str]], pd.DataFrame]:
    """The skills view's resolver callback: embed names via the cache, then resolve."""

    def resolve(names: Sequence[str]) -> pd.DataFrame:
        vectors, _ = embed_texts_with_stats(engine, encoder, list(names))
        return resolver.resolve(list(names), vectors)

    return resolve


def compute_learner_features(
    engine: Engine, as_of: dt.datetime, encoder: Encoder,
    learner_ids: Sequence[int] | None = None, catalog: Catalog | None = None,
    progress: Callable[[str], None] | None = None,
) -> LearnerFeatureSet:
    """All views and both learner vectors as of ``as_of``."""
    say = progress or (lambda _stage: None)
    catalog = catalog or load_catalog()
    say("resolving skills")
    resolver = fit_skill_resolver(engine, encoder, catalog)
    resolve = resolver_function(engine, encoder, resolver)
    say("engagement")
    raw = extract_engagement(engine, as_of, learner_ids)
    engagement = derive_engagement(raw, as_of)
    say("skills and profile")
    skill_rows = resolve_skill_rows(extract_skill_rows(engine, as_of, learner_ids), resolve)
    skills = compute_skills(engine, as_of, learner_ids, skill_rows=skill_rows)
    profile = compute_profile(engine, as_of, learner_ids)
    features = fill_skill_defaults(engagement.join(skills, how="left").join(profile, how="left"))
    features["ai_personalization_optin"] = features["ai_personalization_optin"].fillna(True)

    say("embeddings")
    stats: dict[str, EmbeddingStats] = {}
    names = catalog.skills.set_index("skill_key")["name"]
    skill_vectors, stats["skills"] = _owner_vectors(
        engine, encoder, skill_texts(skill_rows, names), features.index)
    intents = intent_texts(profile.loc[profile.index.isin(features.index)],
                           recent_courses(engine, as_of, learner_ids))
    recommendation_vectors, stats["intent"] = _owner_vectors(
        engine, encoder, intents, features.index)
    quality = (data_quality_counts(raw) | skill_rows.attrs.get("data_quality", {})
               | profile.attrs.get("data_quality", {}))
    return LearnerFeatureSet(
        as_of=as_of, features=features, skill_rows=skill_rows, skill_vectors=skill_vectors,
        recommendation_vectors=recommendation_vectors, embedding_model=encoder.model_id,
        embedding_stats=stats, data_quality=quality, profile=profile,
    )


def recent_courses(engine: Engine, as_of: dt.datetime,
                   learner_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """(learner_id, title) of courses started or completed in the recent window."""
    e, c = CourseEnrollment.__table__.c, Course.__table__.c
    t = as_of_param(as_of)
    since = as_of_param(as_of - dt.timedelta(days=RECENT_COURSE_DAYS), "since")
    query = (
        select(e.learner_id, c.title)
        .join_from(CourseEnrollment.__table__, Course.__table__, e.course_id == c.course_id)
        .where(e.enrolled_on < t,
               or_(e.enrolled_on >= since, e.completed_on.between(since, t)))
    )
    return read_for_learners(engine, query, learner_ids)


def _owner_vectors(engine: Engine, encoder: Encoder, texts: pd.DataFrame,
                   index: pd.Index) -> tuple[pd.DataFrame, EmbeddingStats]:
    matrix, stats = pooled_text_vectors(engine, encoder, texts, index.to_numpy())
    frame = pd.DataFrame({"vector": list(matrix)}, index=pd.Index(index, name="learner_id"))
    return frame, stats


# -------------------------------------------------------------------------- publish


def ai_feature_rows(feature_set: LearnerFeatureSet,
                    learner_ids: pd.Index | None = None) -> pd.DataFrame:
    """``learner_ai_features`` rows (feature columns) for opted-in learners (or those
    of ``learner_ids``, which must be opted in)."""
    from features.views import ENGAGEMENT_FEATURES

    ids = feature_set.opted_in if learner_ids is None else learner_ids
    engagement = feature_set.features.loc[ids, list(ENGAGEMENT_FEATURES)]
    return pd.DataFrame({
        "learner_id": ids.to_numpy(),
        "engagement_vector": engagement_vectors(engagement),
        # object dtype: pandas would turn JsonText values into plain str.
        "skill_vector": pd.Series(_vector_jsons(feature_set.skill_vectors.loc[ids, "vector"]),
                                  dtype=object),
        "recommendation_vector": pd.Series(_vector_jsons(
            feature_set.recommendation_vectors.loc[ids, "vector"]), dtype=object),
        "model_version": feature_set.model_version,
        "last_model_update": feature_set.as_of,
    })


def engagement_stats(features: pd.DataFrame) -> pd.DataFrame:
    """Columns of ``learner_engagement``, derived from the engagement view."""
    sessions = features["sessions_28d"].where(features["sessions_28d"] > 0)
    return pd.DataFrame({
        "avg_session_duration": (features["minutes_28d"] * 60 / sessions).fillna(0).round()
        .astype("int64"),
        "avg_quiz_accuracy": features["quiz_accuracy_28d"].round(2),
        "courses_completed": features["completed_courses"].astype("int64"),
        "discussion_posts": features["forum_posts_28d"].astype("int64"),
        "peer_likes": features["likes_received_28d"].astype("int64"),
        "engagement_score": engagement_score(features),
    }, index=features.index)


def inferred_psychographics(features: pd.DataFrame) -> pd.DataFrame:
    style, persona = infer_learning_style(features), infer_persona(features)
    return pd.DataFrame({
        "learning_style": style["label"],
        "gamification_persona": persona["label"],
        "confidence_score": np.round((style["confidence"] + persona["confidence"]) / 2, 2),
        "engagement_type": "AI-inferred from the last 28 days of activity",
    }, index=features.index)


def publish_learner_features(engine: Engine, feature_set: LearnerFeatureSet) -> dict[str, int]:
    """Write features, engagement stats and AI psychographics; remove opted-out learners'
    AI rows and those of learners who no longer exist."""
    opted_in = feature_set.opted_in
    with engine.begin() as conn:
        # A chunk of learners at a time: as JSON-ready lists, two 384-float vectors a
        # learner are ~18 KB of Python floats (1.8 GB at 100,000 learners at once).
        published = [publish_feature_rows(conn, ai_feature_rows(feature_set, part))
                     for part in (opted_in[i:i + PUBLISH_CHUNK]
                                  for i in range(0, len(opted_in), PUBLISH_CHUNK))]
        removed = remove_ai_rows(conn, feature_set.opted_out.tolist())
        orphans = remove_orphaned_ai_rows(conn)
        engagement = refresh_engagement(conn, engagement_stats(feature_set.features),
                                        feature_set.as_of)
        psych = publish_ai_psychographics(
            conn, inferred_psychographics(feature_set.features.loc[opted_in]), feature_set.as_of)
    return {"learner_ai_features": sum(p["written"] for p in published),
            "learner_ai_vectors_unchanged": sum(p["vectors_unchanged"] for p in published),
            "learner_engagement": engagement,
            "learner_psychographics_ai": psych,
            **{f"removed_{k}": v for k, v in removed.items()}, **orphans}


def _vector_jsons(vectors: pd.Series) -> list[list[float] | JsonText | None]:
    """:func:`_vector_json` of each vector, rounded in one numpy pass and, with orjson,
    serialised straight from the array: the same text as from a list of Python floats,
    without making 384 of them a vector."""
    values = list(vectors)
    if not values or any(v is None for v in values) or len({np.shape(v) for v in values}) > 1:
        return [_vector_json(v) for v in values]
    matrix = np.round(np.asarray(values, dtype=np.float64), VECTOR_DECIMALS)
    keep = matrix.any(axis=1).tolist()
    try:
        import orjson
    except ImportError:  # pragma: no cover - Prefect depends on it
        return [row if k else None for row, k in zip(matrix.tolist(), keep, strict=True)]
    option = orjson.OPT_SERIALIZE_NUMPY
    return [JsonText(orjson.dumps(row, option=option).decode()) if k else None
            for row, k in zip(matrix, keep, strict=True)]


def _vector_json(vector: np.ndarray) -> list[float] | None:
    if vector is None or not np.any(vector):
        return None  # no skills / no stated intent: no direction to publish
    return rounded(vector, VECTOR_DECIMALS)
