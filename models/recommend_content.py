"""Content (lesson) recommendations for a chunk of learners: practice where they are weak.

Candidates: every content item except those of courses the learner completed and those
completed or recently ignored as a recommendation. Terms, learners x items in [0, 1]:

- ``weak_spot``: the item belongs to a course the learner is taking whose quiz accuracy
  is below ``weak_accuracy``: ``(weak_accuracy - accuracy) / weak_accuracy``;
- ``gap``: the item teaches the target role's missing skills (as for courses);
- ``current_course``: the item belongs to a course the learner is taking;
- ``format``: 1 for the stated format, 0.5 for one suiting the learning style;
- ``similarity``: cosine of the item's embedding and the recommendation vector.

The best ``top_n * pool_factor`` are re-ranked by MMR on the items' skill overlap, then
at most ``content_per_course`` items of one course are kept per learner, so a list spans
skills and courses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from features.catalog import FORMATS
from models.recommend_context import (
    ChunkContext,
    enrollment_matrix,
    format_match,
    item_format_fit,
    key_rank,
    skills_per_pair,
)
from models.recommend_policy import (
    RecommenderConfig,
    cap_per_group,
    mask_positions,
    mmr_select,
    top_candidates,
)
from models.recommend_space import CatalogSpace

KIND = "Content"


def course_state(ctx: ChunkContext, space: CatalogSpace, state: str) -> sparse.csr_matrix:
    """Chunk learners x courses, 1 where the learner's enrolment is in ``state``."""
    return enrollment_matrix(ctx, space, ctx.enrollments[ctx.enrollments["state"] == state])


def weakness_matrix(ctx: ChunkContext, space: CatalogSpace, config: RecommenderConfig,
                    taking: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """``(weakness, accuracy)``, chunk learners x courses: weakness in [0, 1] for courses
    being taken with quiz accuracy below the threshold; accuracy NaN where unknown."""
    quiz = ctx.quiz
    rows, cols = quiz["row"].to_numpy(), space.course_position(quiz["course_id"])
    keep = (rows >= 0) & (cols >= 0) & quiz["quiz_accuracy"].notna().to_numpy()
    accuracy = np.full((ctx.n, space.n_courses), np.nan, dtype=np.float32)
    accuracy[rows[keep], cols[keep]] = quiz["quiz_accuracy"].to_numpy()[keep]
    weak = np.clip((config.weak_accuracy - accuracy) / config.weak_accuracy, 0.0, 1.0)
    weak = np.where(np.isnan(weak) | (taking.toarray() == 0), 0.0, weak)
    return weak.astype(np.float32), accuracy


def recommend_content(ctx: ChunkContext, space: CatalogSpace, config: RecommenderConfig,
                      similarity: np.ndarray) -> pd.DataFrame:
    """Top-N content items per learner of the chunk, with their terms and facts.

    ``similarity``: items x items skill Jaccard, for the MMR re-ranking (with
    ``content_diversity_penalty``) that precedes the per-course cap.
    """
    taking = course_state(ctx, space, "active")
    weak_course, accuracy = weakness_matrix(ctx, space, config, taking)
    item_course = space.content_course
    has_course = item_course >= 0
    course_col = np.maximum(item_course, 0)
    current = np.where(has_course[None, :], taking.toarray()[:, course_col], 0.0)
    gap = (space.content_skills @ ctx.relative_missing().T).T
    terms = {
        "weak_spot": np.where(has_course[None, :], weak_course[:, course_col], 0.0),
        "gap": np.minimum(gap, 1.0),
        "current_course": current,
        "format": item_format_fit(ctx, space.content_format),
        "similarity": np.clip(ctx.vectors @ space.content_vectors.T, 0.0, 1.0),
    }
    weights = config.weights_for(KIND)
    scores = sum(w * terms[name] for name, w in weights.items()).astype(np.float64)
    done = course_state(ctx, space, "completed").toarray()
    scores[np.where(has_course[None, :], done[:, course_col], 0.0) > 0] = -np.inf
    bad = ctx.excluded_for(KIND)
    content_pos = pd.Index(space.content_ids).get_indexer(
        pd.to_numeric(bad["reference_id"], errors="coerce"))
    mask_positions(scores, bad["row"].to_numpy(), content_pos)

    cols, cand = top_candidates(scores, config.top_n * config.pool_factor)
    order = mmr_select(cols, cand, similarity, cols.shape[1], config.content_diversity_penalty)
    rows, step = np.nonzero(order >= 0)
    item = cols[rows, order[rows, step]]
    frame = pd.DataFrame({"learner": rows, "item": item, "score": scores[rows, item]})
    frame["course"] = item_course[frame["item"].to_numpy()]
    frame = cap_per_group(frame, ["learner", "course"], config.content_per_course)
    frame = frame[frame.groupby("learner", sort=False).cumcount() < config.top_n].copy()
    frame["rec_rank"] = frame.groupby("learner", sort=False).cumcount() + 1
    learner, item = frame["learner"].to_numpy(), frame["item"].to_numpy()
    for name in weights:
        frame[f"t_{name}"] = terms[name][learner, item]
    frame["facts"] = content_facts(learner, item, ctx, space, accuracy)
    frame["learner_id"] = ctx.learner_ids[learner]
    frame["reference_id"] = space.content_ids[item].astype(str)
    return frame.reset_index(drop=True)


def content_facts(learner: np.ndarray, item: np.ndarray, ctx: ChunkContext,
                  space: CatalogSpace, accuracy: np.ndarray) -> list[dict]:
    roles = space.roles
    taught = skills_per_pair(space.content_skills, item, ctx.missing_weight[learner],
                             key_rank(roles.skill_keys))
    course = space.content_course[item]
    has = course >= 0
    acc = np.where(has, accuracy[learner, np.maximum(course, 0)], np.nan)
    fmt = np.array([*FORMATS, None], dtype=object)[space.content_format[item]]
    target = ctx.target[learner]
    preferred, style = ctx.preferred_format[learner], ctx.learning_style[learner]
    return [
        {"content_id": int(cid), "title": title,
         "course_id": int(space.course_ids[c]) if c >= 0 else None,
         "course_title": str(space.course_titles[c]) if c >= 0 else None,
         "quiz_accuracy": None if np.isnan(a) else round(float(a), 1),
         "target_role": str(roles.titles[t]) if t >= 0 else None,
         "missing_count": int(mc),
         "skills_taught_missing": [{"skill_key": roles.skill_keys[s], "name": roles.skill_names[s]}
                                   for s in skills],
         "format": f, "preferred_format": p, "learning_style": st,
         "format_match": format_match(p, st, f)}
        for cid, title, c, a, t, mc, skills, f, p, st in zip(
            space.content_ids[item], space.content_titles[item], course, acc, target,
            ctx.missing_count[learner], taught, fmt, preferred, style, strict=True)]
