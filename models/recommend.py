"""Explainable recommendations of all five types: Course, Skill, Career, Mentor, Content.

Pure: frames and arrays in (:class:`models.recommend_space.LearnerInputs`,
:class:`models.recommend_space.CatalogSpace`), a frame out. Learners are scored a chunk
at a time with matrix products (``config.chunk_size`` learners x the whole catalog);
mentors are assigned over the whole run first, because each mentor may be suggested to
at most ``config.mentor_cap`` learners.

Each output row carries:

- ``learner_id``, ``recommendation_type``, ``reference_id`` (course_id, skill_key,
  role_id, the mentor's learner_id, content_id — as text), ``rec_rank`` 1..N per learner
  and type;
- ``score`` (the weighted sum of terms) and ``confidence_score``
  (:func:`models.recommend_policy.confidence`);
- ``recommendation_reason``, rendered from the evidence
  (:mod:`models.recommend_reasons`);
- ``evidence``: ``{"terms": {term: {value, weight, contribution}}, **facts}`` — what the
  score was made of and the data behind each term (not a database column).

The per-type scoring lives in :mod:`models.recommend_course`,
:mod:`models.recommend_content`, :mod:`models.recommend_paths` and
:mod:`models.recommend_mentor`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.schema import RECOMMENDATION_TYPES
from models.recommend_content import recommend_content
from models.recommend_context import RunFrames, chunk_context
from models.recommend_course import recommend_courses, skill_jaccard
from models.recommend_mentor import (
    assign_mentors,
    build_mentor_index,
    mentor_candidates,
    mentor_rows,
)
from models.recommend_paths import recommend_careers, recommend_skills
from models.recommend_policy import RecommenderConfig, confidence, material_matrix
from models.recommend_reasons import render_reason
from models.recommend_space import CatalogSpace, LearnerInputs, PopulationStats, fit_population

#: Bump when scoring, policy or reasons change: part of every row's model_version.
RECOMMENDER_VERSION = "rec1"
OUTPUT_COLUMNS = ["learner_id", "recommendation_type", "reference_id", "rec_rank", "score",
                  "confidence_score", "recommendation_reason", "evidence"]


@dataclass(frozen=True)
class RunPlan:
    """What a run fixes before scoring chunks: population statistics and mentor picks."""

    stats: PopulationStats
    frames: RunFrames
    course_similarity: np.ndarray
    content_similarity: np.ndarray
    mentors: pd.DataFrame  # assigned mentors, numbers only (may be empty)


def plan_run(inputs: LearnerInputs, space: CatalogSpace, config: RecommenderConfig,
             stats: PopulationStats | None = None,
             mentors: pd.DataFrame | None = None) -> RunPlan:
    """Fit the population statistics (unless given), index the per-learner frames and
    assign mentors: everything that needs the whole run before chunks are scored.

    ``mentors``: assignments made over a larger population
    (:func:`population_mentors`), so a run over some learners gives each of them what a
    run over everyone would; by default mentors are assigned over the run's learners."""
    stats = stats if stats is not None else fit_population(inputs, space)
    frames = RunFrames.of(inputs)
    if "Mentor" not in config.types:
        mentors = pd.DataFrame()
    elif mentors is None:
        mentors = plan_mentors(inputs, space, config, frames)
    elif len(mentors):
        mentors = mentors[mentors["learner_id"].isin(inputs.learner_ids)].reset_index(drop=True)
    content = (skill_jaccard(space.content_skills) if "Content" in config.types
               else np.zeros((0, 0), np.float32))
    return RunPlan(stats=stats, frames=frames,
                   course_similarity=skill_jaccard(space.course_skills),
                   content_similarity=content, mentors=mentors)


def plan_mentors(inputs: LearnerInputs, space: CatalogSpace, config: RecommenderConfig,
                 frames: RunFrames) -> pd.DataFrame:
    """Assigned mentors for every learner of the run, the cap enforced across the run;
    learners left without one try again among the mentors with room (module docstring of
    :mod:`models.recommend_mentor`)."""
    rounds: list[pd.DataFrame] = []
    waiting = np.arange(inputs.n)
    load = pd.Series(dtype="int64")
    for _ in range(config.mentor_rounds):
        full = load.index[load >= config.mentor_cap].to_numpy()
        index = build_mentor_index(inputs, space, config, full)
        if len(index.mentor_ids) == 0 or len(waiting) == 0:
            break
        candidates = [mentor_candidates(chunk_context(inputs, space, waiting[rows], frames),
                                        inputs, index, config)
                      for rows in _chunks(len(waiting), config.chunk_size)]
        candidates = [c for c in candidates if len(c)]
        if not candidates:
            break
        # Numbers only: facts (dicts) are built per chunk, so few Python objects live long.
        # The chunks' frames go as soon as they are one (not alive beside it).
        pool = pd.concat(candidates, ignore_index=True)
        del candidates
        assigned = assign_mentors(pool, config, load)
        del pool
        if assigned.empty:
            break
        rounds.append(assigned)
        load = load.add(assigned.groupby("mentor_id").size(), fill_value=0).astype("int64")
        waiting = waiting[~np.isin(inputs.learner_ids[waiting], assigned["learner_id"])]
    if not rounds:
        return pd.DataFrame()
    return pd.concat(rounds, ignore_index=True).sort_values(
        ["learner_id", "rec_rank"], kind="stable").reset_index(drop=True)


def population_mentors(population: LearnerInputs, space: CatalogSpace,
                       config: RecommenderConfig) -> pd.DataFrame:
    """Mentors assigned over the whole ``population`` (the cap shared by all of them)."""
    if "Mentor" not in config.types:
        return pd.DataFrame()
    return plan_mentors(population, space, config, RunFrames.of(population))


def mentor_fingerprints(assigned: pd.DataFrame, learner_ids: np.ndarray) -> pd.Series:
    """Per learner of ``learner_ids`` a hash of everything their Mentor rows are made of
    (mentor, rank, terms, covered skills and levels, groups, offset); 0 for none."""
    out = pd.Series(0, index=pd.Index(np.asarray(learner_ids, np.int64), name="learner_id"),
                    dtype="int64")
    if assigned.empty:
        return out
    columns = [c for c in assigned.columns if c != "learner_id"]
    values = assigned[columns].astype(float).round(6)
    row_hash = pd.util.hash_pandas_object(values, index=False).to_numpy(np.uint64)
    # Order-sensitive per learner: weight each row's hash by its rank.
    weighted = row_hash * (assigned["rec_rank"].to_numpy(np.uint64) + np.uint64(1))
    total = pd.Series(weighted, index=assigned["learner_id"].to_numpy(np.int64)) \
        .groupby(level=0).sum()
    out.loc[total.index.intersection(out.index)] = total.reindex(
        total.index.intersection(out.index)).to_numpy(np.uint64).astype(np.int64)
    return out


def iter_recommendations(inputs: LearnerInputs, space: CatalogSpace,
                         config: RecommenderConfig | None = None,
                         stats: PopulationStats | None = None) -> Iterator[pd.DataFrame]:
    """One frame of :data:`OUTPUT_COLUMNS` per chunk of learners (publish as they come)."""
    config = config or RecommenderConfig()
    plan = plan_run(inputs, space, config, stats)
    with frozen_heap():
        for rows in _chunks(inputs.n, config.chunk_size):
            yield recommend_chunk(inputs, space, config, plan, rows)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Exempt the objects alive now (the run's inputs: millions of small dicts and
    strings at 100k learners) from cyclic garbage collection until the block ends.

    Every chunk allocates many short-lived dicts (evidence), which triggers full
    collections; without this, each one re-scans the inputs (15-20% of the run's time).
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def recommend(inputs: LearnerInputs, space: CatalogSpace, config: RecommenderConfig | None = None,
              stats: PopulationStats | None = None) -> pd.DataFrame:
    """Every recommendation of the run in one frame (small runs, tests, evaluation)."""
    parts = list(iter_recommendations(inputs, space, config, stats))
    if not parts:
        return _empty_output()
    return pd.concat(parts, ignore_index=True)


def recommend_chunk(inputs: LearnerInputs, space: CatalogSpace, config: RecommenderConfig,
                    plan: RunPlan, rows: np.ndarray, evidence: bool = True) -> pd.DataFrame:
    """The recommendations of the learners at positions ``rows`` (a contiguous range);
    without the ``evidence`` column when ``evidence`` is False."""
    ctx = chunk_context(inputs, space, rows, plan.frames)
    by_type: dict[str, pd.DataFrame] = {}
    if "Course" in config.types:
        by_type["Course"] = recommend_courses(ctx, space, plan.stats, config,
                                              plan.course_similarity)
    if "Skill" in config.types:
        by_type["Skill"] = recommend_skills(ctx, space, config)
    if "Career" in config.types:
        by_type["Career"] = recommend_careers(ctx, inputs.careers, space, config)
    if "Mentor" in config.types and len(plan.mentors):
        mine = plan.mentors[plan.mentors["learner_id"].isin(ctx.learner_ids)]
        by_type["Mentor"] = mentor_rows(mine, space, config.mentor_skills)
    if "Content" in config.types:
        by_type["Content"] = recommend_content(ctx, space, config, plan.content_similarity)
    parts = [finish(kind, frame, config, evidence) for kind, frame in by_type.items()
             if len(frame)]
    columns = OUTPUT_COLUMNS if evidence else OUTPUT_COLUMNS[:-1]
    if not parts:
        return _empty_output()[columns]
    out = pd.concat(parts, ignore_index=True)
    out["type_order"] = out["recommendation_type"].map(
        {k: i for i, k in enumerate(RECOMMENDATION_TYPES)})
    out = out.sort_values(["learner_id", "type_order", "rec_rank"], kind="stable")
    return out[columns].reset_index(drop=True)


def finish(kind: str, frame: pd.DataFrame, config: RecommenderConfig,
           evidence: bool = True) -> pd.DataFrame:
    """Reason and confidence for a type's chosen rows, and their evidence unless
    ``evidence`` is False (publishing stores the reason, not the evidence: building one
    dict per term per row cost a sixth of the ranking)."""
    weights = config.weights_for(kind)
    names = list(weights)
    values = np.round(frame[[f"t_{name}" for name in names]].to_numpy(float), 4)
    contributions = np.round(values * np.array([weights[n] for n in names]), 4)
    mentioned = material_matrix(contributions, config)
    order = np.argsort(-contributions, axis=1, kind="stable")
    facts = frame["facts"].tolist()
    reasons = [render_reason(kind, row_facts, [(names[j], row_values[j])
                                               for j in row_order if row_mentioned[j]])
               for row_facts, row_values, row_order, row_mentioned in zip(
                   facts, values.tolist(), order.tolist(), mentioned.tolist(), strict=True)]
    out = pd.DataFrame({
        "learner_id": frame["learner_id"].to_numpy(np.int64),
        "recommendation_type": kind,
        "reference_id": frame["reference_id"].astype(str).to_numpy(object),
        "rec_rank": frame["rec_rank"].to_numpy(np.int64),
        "score": np.round(frame["score"].to_numpy(float), 4),
        "confidence_score": confidence(frame["score"].to_numpy(float), config.max_score(kind)),
        "recommendation_reason": reasons,
    })
    if evidence:
        out["evidence"] = evidence_dicts(names, [weights[n] for n in names], values,
                                         contributions, facts)
    return out


def evidence_dicts(names: list[str], weights: list[float], values: np.ndarray,
                   contributions: np.ndarray, facts: list[dict]) -> list[dict]:
    """``{"terms": {term: {value, weight, contribution}}, **facts}`` per row."""
    return [{"terms": {n: {"value": v, "weight": w, "contribution": c}
                       for n, w, v, c in zip(names, weights, vs, cs, strict=True)}, **row_facts}
            for vs, cs, row_facts in zip(values.tolist(), contributions.tolist(), facts,
                                         strict=True)]


def _chunks(n: int, size: int) -> Iterator[np.ndarray]:
    for start in range(0, n, max(size, 1)):
        yield np.arange(start, min(start + size, n))


def _empty_output() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})
