"""Course recommendations for a chunk of learners.

Candidates: active courses the learner has not completed, is not taking, and has not
ignored (as a recommendation) in the recent window, nor completed as one. Terms, each
learners x courses in [0, 1]:

- ``gap``: the importance of the target role's missing skills the course teaches,
  relative to the learner's most important missing skill, capped at 1
  (``sum(w taught & missing) / max(w missing)``);
- ``similarity``: cosine of the course's embedding and the learner's recommendation
  vector (negative cosines count as 0);
- ``level``: ``1 - |course level - wanted level| / 2`` where the wanted level is one
  above the learner's mean level in the course's skills (Beginner..Advanced);
- ``format``: 1 for the learner's stated format, 0.5 for one that suits their style;
- ``collaborative``: mean Jaccard co-occurrence of the course with the learner's own
  courses, divided by ``collaborative_full`` and capped at 1 (what learners who took the
  same courses took);
- ``peers``: the share of learners aiming at the same role who enrolled in the course,
  divided by ``peers_full`` and capped at 1 (what similar learners took);
- ``peer_ignored`` (a penalty): how much more often than usual learners aiming at the
  same role ignored the course when it was recommended.

The top ``top_n * pool_factor`` by score are re-ranked by MMR on the courses' skill
overlap (Jaccard of their skill sets), so the list does not repeat one skill.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from features.catalog import FORMATS
from models.career import LEVEL_NAMES
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
    mask_positions,
    mmr_select,
    top_candidates,
)
from models.recommend_space import COURSE_LEVEL_NUMBER, CatalogSpace, PopulationStats

KIND = "Course"
COURSE_LEVEL_NAMES = {v: k for k, v in COURSE_LEVEL_NUMBER.items()}


def skill_jaccard(items: sparse.csr_matrix) -> np.ndarray:
    """Items x items Jaccard similarity of their skill sets (dense, float32)."""
    # In place: at 3,728 content items each dense matrix is 53 MB, and this runs while
    # the whole population is in memory (the nightly run's peak).
    both = (items @ items.T).toarray().astype(np.float32, copy=False)
    count = np.asarray(items.sum(axis=1), dtype=np.float32).ravel()
    union = count[:, None] + count[None, :]
    union -= both
    # Where the union is empty so is the intersection: those entries stay 0.
    np.divide(both, union, out=both, where=union > 0)
    return both


def history_matrix(ctx: ChunkContext, space: CatalogSpace) -> sparse.csr_matrix:
    """Chunk learners x courses, 1 for every course the learner ever enrolled in."""
    return enrollment_matrix(ctx, space, ctx.enrollments)


def course_terms(ctx: ChunkContext, space: CatalogSpace, stats: PopulationStats,
                 config: RecommenderConfig, history: sparse.csr_matrix
                 ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every term of every (learner, course) pair of the chunk (see the module docstring),
    and the learners' mean level in each course's skills (learners x courses)."""
    skills = space.course_skills
    n_skills = np.asarray(skills.sum(axis=1)).ravel()
    mean_level = np.divide((skills @ ctx.levels.T).T, n_skills[None, :],
                           out=np.zeros((ctx.n, space.n_courses), np.float32),
                           where=n_skills[None, :] > 0)
    wanted = np.clip(mean_level + 1.0, 1.0, 3.0)
    level = np.where(space.course_level[None, :] > 0,
                     1.0 - np.abs(space.course_level[None, :] - wanted) / 2.0, 0.0)
    taken = np.asarray(history.sum(axis=1)).ravel()
    collab = np.asarray(history @ stats.jaccard) / np.maximum(taken, 1.0)[:, None]
    target = ctx.target
    ignored = np.where(target[:, None] >= 0,
                       stats.course_ignore_excess[np.maximum(target, 0)],
                       stats.course_ignore_global[None, :])
    gap = (skills @ ctx.relative_missing().T).T
    peers = np.where(target[:, None] >= 0, stats.peer_share[np.maximum(target, 0)], 0.0)
    return {
        "gap": np.minimum(gap, 1.0).astype(np.float32),
        "similarity": np.clip(ctx.vectors @ space.course_vectors.T, 0.0, 1.0),
        "level": level.astype(np.float32),
        "format": item_format_fit(ctx, space.course_format),
        "collaborative": np.minimum(collab / config.collaborative_full, 1.0).astype(np.float32),
        "peers": np.minimum(peers / config.peers_full, 1.0).astype(np.float32),
        "peer_ignored": ignored.astype(np.float32),
    }, mean_level


def course_exclusions(scores: np.ndarray, ctx: ChunkContext, space: CatalogSpace) -> None:
    """-inf for inactive, completed, current, and recently ignored/completed recommendations."""
    scores[:, ~space.course_active] = -np.inf
    enr = ctx.enrollments[ctx.enrollments["state"].isin(["active", "completed"])]
    mask_positions(scores, enr["row"].to_numpy(), space.course_position(enr["course_id"]))
    bad = ctx.excluded_for(KIND)
    mask_positions(scores, bad["row"].to_numpy(), space.course_position(bad["reference_id"]))


def recommend_courses(ctx: ChunkContext, space: CatalogSpace, stats: PopulationStats,
                      config: RecommenderConfig, similarity: np.ndarray) -> pd.DataFrame:
    """Top-N courses per learner of the chunk, with their terms and facts.

    ``similarity`` is :func:`skill_jaccard` of the courses (for the MMR re-ranking).
    Columns: learner_id, reference_id, rec_rank, score, t_<term> per term, facts.
    """
    history = history_matrix(ctx, space)
    terms, mean_level = course_terms(ctx, space, stats, config, history)
    weights = config.weights_for(KIND)
    scores = sum(w * terms[name] for name, w in weights.items()).astype(np.float64)
    course_exclusions(scores, ctx, space)
    cols, cand_scores = top_candidates(scores, config.top_n * config.pool_factor)
    picked = mmr_select(cols, cand_scores, similarity, config.top_n, config.diversity_penalty)
    rows, ranks = np.nonzero(picked >= 0)
    course = cols[rows, picked[rows, ranks]]
    frame = pd.DataFrame({"learner": rows, "course": course, "rec_rank": ranks + 1,
                          "score": scores[rows, course]})
    for name in weights:
        frame[f"t_{name}"] = terms[name][rows, course]
    frame["facts"] = course_facts(frame, ctx, space, history, stats, mean_level)
    frame["learner_id"] = ctx.learner_ids[rows]
    frame["reference_id"] = space.course_ids[course].astype(str)
    return frame


def course_facts(frame: pd.DataFrame, ctx: ChunkContext, space: CatalogSpace,
                 history: sparse.csr_matrix, stats: PopulationStats,
                 mean_level: np.ndarray) -> list[dict]:
    """The data behind each chosen row's terms, named for the reason and for checking it."""
    learner, course = frame["learner"].to_numpy(), frame["course"].to_numpy()
    roles = space.roles
    taught = skills_per_pair(space.course_skills, course, ctx.missing_weight[learner],
                             key_rank(roles.skill_keys))
    anchor, anchor_jaccard = _anchor_courses(learner, course, history, stats)
    level = np.round(mean_level[learner, course], 2)
    level_name = np.array(LEVEL_NAMES, dtype=object)[np.rint(level).astype(int)]
    fmt = np.array([*FORMATS, None], dtype=object)[space.course_format[course]]
    target = ctx.target[learner]
    target_title = np.where(target >= 0, roles.titles[np.maximum(target, 0)], None)
    peer_share = np.where(target >= 0, stats.peer_share[np.maximum(target, 0), course], 0.0)
    course_level = np.array([None, *COURSE_LEVEL_NUMBER], dtype=object)[space.course_level[course]]
    preferred, style = ctx.preferred_format[learner], ctx.learning_style[learner]
    return [
        {"course_id": int(cid), "title": title, "target_role": role,
         "missing_count": int(mc),
         "skills_taught_missing": [{"skill_key": roles.skill_keys[s], "name": roles.skill_names[s],
                                    "weight": round(float(ctx.missing_weight[lr, s]), 2)}
                                   for s in skills],
         "course_level": clevel, "learner_level": float(lv), "learner_level_name": lname,
         "format": f, "preferred_format": p, "learning_style": st,
         "format_match": format_match(p, st, f), "peer_share": round(float(ps), 4),
         "anchor_course": None if a < 0 else {"course_id": int(space.course_ids[a]),
                                              "title": str(space.course_titles[a]),
                                              "jaccard": round(float(aj), 4)}}
        for lr, cid, title, role, mc, skills, clevel, lv, lname, f, p, st, a, aj, ps in zip(
            learner, space.course_ids[course], space.course_titles[course], target_title,
            ctx.missing_count[learner], taught, course_level, level, level_name, fmt,
            preferred, style, anchor, anchor_jaccard, peer_share, strict=True)]


def _anchor_courses(learner: np.ndarray, course: np.ndarray, history: sparse.csr_matrix,
                    stats: PopulationStats) -> tuple[np.ndarray, np.ndarray]:
    """Per chosen row, the learner's own course most often taken with it (-1 if none)
    and their Jaccard co-occurrence."""
    if len(learner) == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    together = history[learner].multiply(stats.jaccard[:, course].T).tocsr()
    best = np.asarray(together.argmax(axis=1)).ravel()
    value = np.asarray(together.max(axis=1).todense()).ravel()
    return np.where(value > 0, best, -1), value
