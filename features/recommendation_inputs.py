"""Assembling the recommender's inputs as of ``T``: the database and the embedding cache
in, :class:`models.recommend_space.LearnerInputs` and
:class:`models.recommend_space.CatalogSpace` out.

This is the extract step of the recommendation run; everything it calls is point in time
(:mod:`features.recommendation_data`, :mod:`features.profile`, :mod:`features.skills`).
Embeddings come through :func:`features.embedding_cache.embed_texts`, so a run encodes
only texts it has never seen.

Skill names are resolved by ``resolver``: an object with
``resolve(names, name_vectors) -> DataFrame[skill_key, resolved]`` (a fitted
:class:`models.skill_resolution.SkillResolver`), a plain function
``names -> DataFrame[skill_key, resolved]``, or None — then a name resolves only when it
equals a catalog skill's name or key, ignoring case and spaces (a fallback that misses
aliases and typos; use a real resolver in production).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from features.embedding_cache import embed_texts, pooled_text_vectors
from features.population_snapshot import (
    REFIT_DAYS,
    Snapshot,
    arrays_bytes,
    find_snapshot,
    from_arrays_bytes,
    snapshot_for,
)
from features.profile import compute_profile
from features.reading import read_for_learners
from features.recommendation_data import (
    enrollment_states,
    mentor_pool_query,
    mentor_skills_query,
    quiz_accuracy,
    read_catalog,
    recent_courses_query,
    recommendation_feedback,
)
from features.skills import LEVEL_NUMBER, SkillResolverFn, extract_skill_rows, resolve_skill_rows
from models.career import predict_careers, skill_level_matrix
from models.learner_profile import intent_texts
from models.recommend_mentor import KIND as MENTOR_KIND
from models.recommend_space import (
    CatalogSpace,
    LearnerInputs,
    PopulationStats,
    build_space,
    content_texts,
    course_texts,
    fit_population,
    skill_catalog_texts,
)


@dataclass(frozen=True)
class RecommendationData:
    """A run's inputs, plus what publishing needs besides the recommendations."""

    inputs: LearnerInputs
    space: CatalogSpace
    catalog: Any  # features.catalog.Catalog read from the database
    opted_out: np.ndarray  # learners registered before T who opted out of AI
    population: PopulationStats | None = None  # fitted on every learner, not just inputs'
    #: Every opted-in learner (no vectors): mentors are assigned over all of them.
    everyone: LearnerInputs | None = None
    #: Mentor assignments already made over ``everyone`` (else made when publishing).
    mentors: pd.DataFrame | None = None


@dataclass(frozen=True)
class PopulationData:
    """What every learner contributes to a run, whoever the run recommends for."""

    catalog: Any
    space: CatalogSpace
    profile: pd.DataFrame  # everyone registered before T, with utc_offset_hours
    everyone: LearnerInputs  # the opted-in learners, without recommendation vectors
    #: False: ``everyone.enrollments`` is empty and ``everyone.feedback`` holds Mentor
    #: feedback only, what mentor assignment reads (:func:`load_population`).
    full_histories: bool = True

    @property
    def targets(self) -> pd.Series:
        """learner_id -> target role position of every opted-in learner."""
        return pd.Series(self.everyone.careers["target_pos"].to_numpy(),
                         index=self.everyone.learner_ids)


# ----------------------------------------------------------------------------- helpers


def utc_offset_hours(zones: pd.Series, at: dt.datetime) -> np.ndarray:
    """UTC offset in hours of each IANA timezone at ``at`` (NaN for unknown names)."""
    offsets: dict[Any, float] = {}
    for zone in pd.unique(zones.dropna()):  # a few dozen distinct zones, not learners
        try:
            offset = ZoneInfo(str(zone)).utcoffset(at)
            offsets[zone] = offset.total_seconds() / 3600 if offset is not None else np.nan
        except (ZoneInfoNotFoundError, ValueError):
            offsets[zone] = np.nan
    return zones.map(offsets).astype(float).to_numpy()


def exact_name_resolver(skills: pd.DataFrame) -> SkillResolverFn:
    """Resolve a name only when it equals a catalog name or key (case, spaces ignored)."""
    def norm(values: Sequence[str]) -> pd.Series:
        return pd.Series(list(values), dtype=object).astype(str).str.casefold().str.replace(
            r"[\s_\-]+", "", regex=True)

    lookup = pd.concat([
        pd.Series(skills["skill_key"].to_numpy(), index=norm(skills["skill_key"])),
        pd.Series(skills["skill_key"].to_numpy(), index=norm(skills["name"])),
    ])
    lookup = lookup[~lookup.index.duplicated()]

    def resolve(names: Sequence[str]) -> pd.DataFrame:
        keys = lookup.reindex(norm(names)).to_numpy(dtype=object)
        return pd.DataFrame({"skill_key": keys, "resolved": pd.notna(keys)})

    return resolve


def resolver_function(engine: Engine, encoder: Any, resolver: Any,
                      skills: pd.DataFrame) -> SkillResolverFn:
    """A ``names -> frame`` function for :func:`features.skills.resolve_skill_rows`."""
    if resolver is None:
        return exact_name_resolver(skills)
    if hasattr(resolver, "resolve"):
        def resolve(names: Sequence[str]) -> pd.DataFrame:
            vectors = embed_texts(engine, encoder, list(names))
            out = resolver.resolve(list(names), vectors)
            return pd.DataFrame({"skill_key": out["skill_key"].to_numpy(object),
                                 "resolved": out["resolved"].astype(bool).to_numpy()})
        return resolve
    if callable(resolver):
        return resolver
    raise TypeError("resolver must have .resolve(names, vectors), be a function, or be None")


# ----------------------------------------------------------------------------- assembly


def catalog_space(engine: Engine, encoder: Any, catalog: Any) -> CatalogSpace:
    """The catalog with its embeddings (from the cache; new texts are encoded once)."""
    vectors = {
        "skills": embed_texts(engine, encoder, skill_catalog_texts(catalog.skills)),
        "courses": embed_texts(engine, encoder, course_texts(catalog.courses)),
        "content_items": embed_texts(engine, encoder,
                                     content_texts(catalog.content_items, catalog.courses)),
    }
    return build_space(catalog, vectors)


def warm_catalog_embeddings(engine: Engine, encoder: Any) -> None:
    """Encode every catalog text not cached yet (the database's skills, courses and
    content, and the skill resolver's texts), e.g. in the background while something
    else runs."""
    from features.catalog import load_catalog
    from features.learner_features import fit_skill_resolver

    catalog_space(engine, encoder, read_catalog(engine))
    fit_skill_resolver(engine, encoder, load_catalog())


def recommendation_vectors(engine: Engine, encoder: Any, profile: pd.DataFrame,
                           as_of: dt.datetime, learner_ids: np.ndarray) -> np.ndarray:
    """Unit recommendation vectors (goal, target skills, motivation, recent courses)."""
    recent = read_for_learners(engine, recent_courses_query(as_of), learner_ids)
    texts = intent_texts(profile.loc[learner_ids], recent)
    return pooled_text_vectors(engine, encoder, texts, learner_ids)[0]


def mentor_frames(engine: Engine, as_of: dt.datetime, resolve: SkillResolverFn,
                  learner_ids: Sequence[int] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The mentor pool (learner_id, utc_offset_hours, mentor_groups) and its strong skills
    (learner_id, skill_key, level 3-4), resolved; of ``learner_ids`` only, when given."""
    pool = read_for_learners(engine, mentor_pool_query(as_of), learner_ids)
    pool = pd.DataFrame({"learner_id": pool["learner_id"].astype("int64"),
                         "utc_offset_hours": utc_offset_hours(pool["timezone"], as_of),
                         "mentor_groups": pool["mentor_groups"].astype("int64")})
    raw = read_for_learners(engine, mentor_skills_query(as_of), learner_ids)
    rows = pd.DataFrame({"learner_id": raw["learner_id"].astype("int64"),
                         "skill_name": raw["skill_name"].fillna("").astype(str).str.strip(),
                         "level": raw["skill_level"].map(LEVEL_NUMBER).astype("int64")})
    rows = resolve_skill_rows(rows[rows["skill_name"] != ""], resolve)
    rows = rows[rows["resolved"].astype(bool)]
    return pool, rows[["learner_id", "skill_key", "level"]].reset_index(drop=True)


def load_population(engine: Engine, encoder: Any, resolver: Any, as_of: dt.datetime, *,
                    profile: pd.DataFrame | None = None,
                    skill_rows: pd.DataFrame | None = None,
                    full_histories: bool = True,
                    learner_ids: Sequence[int] | None = None) -> PopulationData:
    """Every learner's profile, skills, career, enrolments and feedback, and the mentor
    pool, as of ``as_of`` (what population statistics and mentor assignment need).

    ``profile`` (:func:`features.profile.compute_profile` for everyone) and
    ``skill_rows`` (:func:`features.skills.extract_skill_rows` for everyone, unresolved)
    as of the same ``as_of``, when the caller has read them already.

    ``full_histories=False`` leaves out everyone's enrolments and all but their Mentor
    feedback: a run for a few learners that reuses stored statistics needs only its own
    learners' (:func:`recommendation_data` reads them), and at 100,000 learners the
    whole of both takes about 5 s to read.

    ``learner_ids``: only these learners, as if they were everyone (a run that reuses
    the stored mentor assignment, :mod:`features.mentor_state`, needs no one else's)."""
    catalog = read_catalog(engine)
    space = catalog_space(engine, encoder, catalog)
    resolve = resolver_function(engine, encoder, resolver, catalog.skills)
    profile = compute_profile(engine, as_of, learner_ids) if profile is None else profile
    profile = profile.assign(utc_offset_hours=utc_offset_hours(profile["timezone"], as_of))
    ids = profile.index[profile["ai_personalization_optin"].astype(bool)].to_numpy(np.int64)
    # Cleaning is per learner, so everyone's rows filtered equal the chosen ones read.
    raw = extract_skill_rows(engine, as_of, ids) if skill_rows is None else \
        skill_rows[skill_rows["learner_id"].isin(ids)].reset_index(drop=True)
    rows = resolve_skill_rows(raw, resolve)
    levels = skill_level_matrix(rows, ids, space.roles.skill_keys)
    pool, strong = mentor_frames(engine, as_of, resolve, learner_ids)
    everyone = LearnerInputs(
        learner_ids=ids, profile=profile.loc[ids], levels=levels,
        vectors=np.zeros((len(ids), 0), np.float32),
        careers=predict_careers(levels, ids, profile, space.roles),
        enrollments=enrollment_states(engine, as_of, learner_ids) if full_histories else
        enrollment_states(engine, as_of, []),
        feedback=recommendation_feedback(engine, as_of, learner_ids,
                                         types=None if full_histories else [MENTOR_KIND]),
        mentors=pool, mentor_skills=strong)
    return PopulationData(catalog=catalog, space=space, profile=profile, everyone=everyone,
                          full_histories=full_histories)


def with_full_histories(engine: Engine, population: PopulationData,
                        as_of: dt.datetime) -> PopulationData:
    """``population`` with every learner's enrolments and feedback (read when left out)."""
    if population.full_histories:
        return population
    everyone = dataclasses.replace(population.everyone,
                                   enrollments=enrollment_states(engine, as_of),
                                   feedback=recommendation_feedback(engine, as_of))
    return dataclasses.replace(population, everyone=everyone, full_histories=True)


def recommendation_data(engine: Engine, encoder: Any, population: PopulationData,
                        as_of: dt.datetime, learner_ids: Sequence[int] | None = None,
                        stats: PopulationStats | None = None,
                        mentors: pd.DataFrame | None = None) -> RecommendationData:
    """The run's inputs for ``learner_ids`` (default: every opted-in learner), with
    population statistics ``stats`` (default: fitted on ``population`` now) and mentor
    assignments ``mentors`` (default: made over everyone when publishing)."""
    if stats is None:  # fitted below, on everyone's enrolments and feedback
        population = with_full_histories(engine, population, as_of)
    everyone, profile = population.everyone, population.profile
    chosen = np.ones(everyone.n, bool) if learner_ids is None else \
        np.isin(everyone.learner_ids, np.asarray(list(learner_ids), np.int64))
    ids = everyone.learner_ids[chosen]
    enrollments, feedback = (everyone.enrollments, everyone.feedback) \
        if population.full_histories else \
        (enrollment_states(engine, as_of, ids), recommendation_feedback(engine, as_of, ids))
    inputs = LearnerInputs(
        learner_ids=ids, profile=profile.loc[ids], levels=everyone.levels[np.flatnonzero(chosen)],
        vectors=recommendation_vectors(engine, encoder, profile, as_of, ids),
        careers=everyone.careers.loc[ids], enrollments=enrollments,
        feedback=feedback, quiz=_quiz_of(engine, as_of, ids, everyone=learner_ids is None),
        mentors=everyone.mentors, mentor_skills=everyone.mentor_skills)
    scope = profile.index if learner_ids is None else \
        profile.index[profile.index.isin(list(learner_ids))]
    if stats is None:
        stats = fit_population(inputs, population.space, targets=population.targets)
    return RecommendationData(
        inputs=inputs, space=population.space, catalog=population.catalog,
        opted_out=scope[~profile.loc[scope, "ai_personalization_optin"].astype(bool)]
        .to_numpy(np.int64),
        population=stats, everyone=everyone, mentors=mentors)


def _quiz_of(engine: Engine, as_of: dt.datetime, ids: np.ndarray,
             everyone: bool) -> pd.DataFrame:
    """Quiz accuracy of ``ids``; for everyone in one scan of the activity log, filtered
    here: 95,000 learners as IN lists of 5,000 took 12-13 s on MariaDB, one scan 4 s."""
    if not everyone:
        return quiz_accuracy(engine, as_of, ids)
    quiz = quiz_accuracy(engine, as_of)
    return quiz[quiz["learner_id"].isin(ids)].reset_index(drop=True)


def load_recommendation_data(engine: Engine, encoder: Any, resolver: Any, as_of: dt.datetime,
                             learner_ids: Sequence[int] | None = None) -> RecommendationData:
    """Everything a recommendation run as of ``as_of`` needs, read point in time.

    Learners are those registered before ``as_of`` (or ``learner_ids``) who did not opt out
    of AI personalisation; opted-out learners are returned apart so the publisher can
    clear their rows. Population statistics (co-occurrence, peer feedback), the mentor
    pool and mentor assignment always cover every learner, whatever ``learner_ids`` says.
    """
    population = load_population(engine, encoder, resolver, as_of)
    return recommendation_data(engine, encoder, population, as_of, learner_ids)


# ------------------------------------------------------------------ population snapshot

#: ``population_snapshots.kind`` of the recommender's population statistics.
STATISTICS_KIND = "recommender-statistics"


def statistics_compatibility(space: CatalogSpace) -> str:
    """Statistics are arrays over course and role positions: valid only for the same
    catalog courses and roles in the same order."""
    import hashlib

    digest = hashlib.sha256()
    digest.update(np.asarray(space.course_ids, np.int64).tobytes())
    digest.update("\x1f".join(map(str, space.roles.titles)).encode())
    return f"{STATISTICS_KIND}|{space.n_courses}|{space.roles.n_roles}|{digest.hexdigest()[:16]}"


def statistics_stored(engine: Engine, space: CatalogSpace, as_of: dt.datetime,
                      refit_days: int = REFIT_DAYS) -> bool:
    """Whether the refit period has population statistics for ``space`` already (a run
    that has them needs no one else's enrolments and feedback)."""
    return find_snapshot(engine, STATISTICS_KIND, statistics_compatibility(space), as_of,
                         refit_days) is not None


def population_statistics(engine: Engine, population: PopulationData, as_of: dt.datetime, *,
                          refit: bool = False, refit_days: int = REFIT_DAYS,
                          run_id: str | None = None) -> tuple[PopulationStats, Snapshot]:
    """The refit period's population statistics (fitted on ``population`` and stored
    when the period has none yet)."""
    snapshot = snapshot_for(
        engine, STATISTICS_KIND, statistics_compatibility(population.space), as_of,
        lambda: arrays_bytes(fit_population(
            with_full_histories(engine, population, as_of).everyone,
            population.space).to_arrays()),
        refit=refit, refit_days=refit_days, run_id=run_id)
    return PopulationStats.from_arrays(from_arrays_bytes(snapshot.payload)), snapshot
