"""Skill and Career recommendations for a chunk of learners.

**Skill** — candidates are the target role's skills the learner lacks or holds below the
required level (target: the goal role, else the predicted next role). Terms in [0, 1]:
``importance`` (the skill's weight in the role) and ``closeness`` (the highest cosine of
the skill's embedding with a skill the learner already holds: a short step is easier).

**Career** — candidates are the roles one step from the current role (its
``next_roles``), two steps, and the goal role; never the current role. Terms in [0, 1]:
``fit`` (partial-credit skill fit, :func:`models.career.role_match`), ``goal`` (1 for the
learner's goal role) and ``proximity`` (1 one step away, 0.5 two steps, 0 otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from models.career import LEVEL_NAMES, role_match
from models.recommend_context import ChunkContext, key_rank, skills_per_pair
from models.recommend_policy import RecommenderConfig, mask_positions
from models.recommend_space import CatalogSpace

#: Missing skills named in a Career reason.
CAREER_SKILLS_NAMED = 3


# ----------------------------------------------------------------------------- skills


def closest_held(levels: np.ndarray, learner: np.ndarray, skill: np.ndarray,
                 similarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each (learner, skill) pair: the most similar skill the learner holds and the
    cosine; -1 / 0 when the learner holds no other skill with a positive cosine."""
    held = levels[learner] > 0  # pairs x S
    sim = np.where(held, similarity[skill], -np.inf)
    sim[np.arange(len(skill)), skill] = -np.inf  # never "close to itself"
    best = np.argmax(sim, axis=1) if len(skill) else np.zeros(0, np.int64)
    value = sim[np.arange(len(skill)), best] if len(skill) else np.zeros(0)
    found = np.isfinite(value) & (value > 0)
    return np.where(found, best, -1), np.where(found, np.minimum(value, 1.0), 0.0)


def recommend_skills(ctx: ChunkContext, space: CatalogSpace,
                     config: RecommenderConfig) -> pd.DataFrame:
    """Top-N missing skills per learner of the chunk (ties: skill_key), never one the
    learner completed or recently ignored as a recommendation."""
    cand = ctx.missing.copy()
    learner, skill = cand["learner"].to_numpy(), cand["skill"].to_numpy()
    anchor, closeness = closest_held(ctx.levels, learner, skill, space.skill_similarity)
    cand["t_importance"] = cand["weight"].to_numpy()
    cand["t_closeness"] = closeness
    cand["anchor"] = anchor
    weights = config.weights_for("Skill")
    cand["score"] = sum(w * cand[f"t_{name}"] for name, w in weights.items())
    bad = ctx.excluded_for("Skill")
    bad_keys = set(zip(bad["row"].tolist(), bad["reference_id"], strict=True))
    if bad_keys:
        drop = [(lr, k) in bad_keys for lr, k in zip(learner, cand["skill_key"], strict=True)]
        cand = cand[~np.asarray(drop, dtype=bool)]
    cand = cand.sort_values(["learner", "score", "skill_key"], ascending=[True, False, True],
                            kind="stable")
    cand = cand[cand.groupby("learner", sort=False).cumcount() < config.top_n].copy()
    cand["rec_rank"] = cand.groupby("learner", sort=False).cumcount() + 1
    cand["facts"] = [
        {"skill_key": str(k), "name": str(space.roles.skill_names[s]),
         "target_role": str(space.roles.titles[ctx.target[lr]]),
         "weight": round(float(w), 2), "required_level": LEVEL_NAMES[int(req)],
         "current_level": LEVEL_NAMES[int(cur)],
         "closest_skill": None if a < 0 else {"skill_key": str(space.roles.skill_keys[a]),
                                              "name": str(space.roles.skill_names[a])}}
        for lr, s, k, w, req, cur, a in zip(
            cand["learner"], cand["skill"], cand["skill_key"], cand["weight"],
            cand["required_level"], cand["current_level"], cand["anchor"], strict=True)]
    cand["learner_id"] = ctx.learner_ids[cand["learner"].to_numpy()]
    cand["reference_id"] = cand["skill_key"].astype(str)
    return cand.reset_index(drop=True)


# ----------------------------------------------------------------------------- careers


def career_candidates(current: np.ndarray, goal: np.ndarray, next_roles: sparse.csr_matrix
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``(proximity, is_goal)``, learners x roles: 1 for a next role, 0.5 for two steps."""
    n, n_roles = len(current), next_roles.shape[0]
    known = current >= 0
    one = np.zeros((n, n_roles), dtype=bool)
    one[known] = next_roles[current[known]].toarray() > 0
    two = (sparse.csr_matrix(one.astype(np.float32)) @ next_roles).toarray() > 0
    proximity = np.where(one, 1.0, np.where(two, 0.5, 0.0))
    is_goal = np.zeros((n, n_roles))
    has_goal = goal >= 0
    is_goal[np.flatnonzero(has_goal), goal[has_goal]] = 1.0
    proximity[np.flatnonzero(known), current[known]] = 0.0
    return proximity, is_goal


def recommend_careers(ctx: ChunkContext, careers: pd.DataFrame, space: CatalogSpace,
                      config: RecommenderConfig) -> pd.DataFrame:
    """Top-N reachable roles per learner of the chunk (ties: role position); ``careers``
    is :func:`models.career.predict_careers` of the run (current and goal roles)."""
    roles = space.roles
    current = careers["current_pos"].to_numpy()[ctx.rows]
    goal = careers["goal_pos"].to_numpy()[ctx.rows]
    proximity, is_goal = career_candidates(current, goal, roles.next_roles)
    gap, fit = role_match(sparse.csr_matrix(ctx.levels), roles)
    terms = {"fit": fit, "goal": is_goal, "proximity": proximity}
    weights = config.weights_for("Career")
    scores = sum(w * terms[name] for name, w in weights.items())
    scores = np.where((proximity > 0) | (is_goal > 0), scores, -np.inf)
    known = current >= 0
    scores[np.flatnonzero(known), current[known]] = -np.inf
    bad = ctx.excluded_for("Career")
    role_pos = pd.Index(roles.role_ids).get_indexer(pd.to_numeric(bad["reference_id"],
                                                                  errors="coerce"))
    mask_positions(scores, bad["row"].to_numpy(), role_pos)
    order = np.lexsort((np.tile(np.arange(roles.n_roles), (ctx.n, 1)), -scores), axis=1)
    top = order[:, :config.top_n]
    rows, rank = np.nonzero(np.isfinite(np.take_along_axis(scores, top, axis=1)))
    role = top[rows, rank]
    frame = pd.DataFrame({"learner": rows, "role": role, "rec_rank": rank + 1,
                          "score": scores[rows, role]})
    for name in weights:
        frame[f"t_{name}"] = terms[name][rows, role]
    frame["facts"] = career_facts(rows, role, current, ctx, gap, proximity, space)
    frame["learner_id"] = ctx.learner_ids[rows]
    frame["reference_id"] = roles.role_ids[role].astype(str)
    return frame


def career_facts(learner: np.ndarray, role: np.ndarray, current: np.ndarray, ctx: ChunkContext,
                 gap: np.ndarray, proximity: np.ndarray, space: CatalogSpace) -> list[dict]:
    roles = space.roles
    req = roles.req_level[role]  # rows x S
    lacking = np.where((req > 0) & (ctx.levels[learner] < req), roles.req_weight[role], 0.0)
    everything = sparse.csr_matrix(np.ones((1, roles.n_skills), np.float32))
    skills = skills_per_pair(everything, np.zeros(len(role), np.int64), lacking,
                             key_rank(roles.skill_keys))
    steps = np.where(proximity[learner, role] == 1.0, 1,
                     np.where(proximity[learner, role] == 0.5, 2, 0))
    via = _bridges(current[learner], role, steps, roles.next_roles, roles.titles)
    gaps = np.round(gap[learner, role], 4)
    return [
        {"role_id": int(rid), "title": title,
         "current_role": str(roles.titles[cur]) if cur >= 0 else None,
         "steps": int(st) if st else None, "via": v,
         "gap_score": float(g), "met_share": round(1.0 - float(g), 4),
         "missing_count": len(missing),
         "missing_skills": [{"skill_key": roles.skill_keys[s], "name": roles.skill_names[s]}
                            for s in missing[:CAREER_SKILLS_NAMED]]}
        for rid, title, cur, st, v, g, missing in zip(
            roles.role_ids[role], roles.titles[role], current[learner], steps, via, gaps, skills,
            strict=True)]


def _bridges(current: np.ndarray, role: np.ndarray, steps: np.ndarray,
             next_roles: sparse.csr_matrix, titles: np.ndarray) -> list[str | None]:
    """For two-step rows, the title of the first (lowest-position) role between the current
    role and the recommended one; None elsewhere."""
    out: list[str | None] = [None] * len(role)
    two = np.flatnonzero(steps == 2)
    if len(two):
        first = next_roles[current[two]].toarray() > 0  # rows x R: one step from current
        leads = next_roles[:, role[two]].T.toarray() > 0  # rows x R: one step to target
        both = first & leads
        pick = np.argmax(both, axis=1)
        for i, p, ok in zip(two, pick, both.any(axis=1), strict=True):
            out[i] = str(titles[p]) if ok else None
    return out
