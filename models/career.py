"""Career predictions: current role, likely next role, its probability, gap and missing skills.

Pure functions on frames and arrays; nothing here touches the database.

Representation
--------------
- learners x skills **level matrix** ``L`` (``scipy.sparse.csr_matrix``, float32): the
  learner's best level in each catalog skill, 1 Beginner .. 4 Expert, 0 = not listed;
- roles x skills **requirement matrices** (dense: 115 x 411 is small): required level
  ``req_level`` (0 = not required) and importance ``req_weight`` (the role's ``weight``).

Scores, for every learner and role at once (a handful of sparse @ dense products):

- ``gap``: weighted share of the role's required skills the learner lacks or holds below
  the required level, ``sum(w * [L < req]) / sum(w)``, in [0, 1] (0 = meets every
  requirement). ``[L >= req]`` is ``sum_k [L >= k] * [req == k]``, so
  ``met = sum_k (L >= k) @ W_k.T`` with ``W_k = w * [req == k]``.
- ``fit``: like ``1 - gap`` but with partial credit for a skill held below the required
  level, ``sum(w * min(L, req) / req) / sum(w)``; ``min(L, req) / req`` is
  ``sum_{k <= req} [L >= k] / req``, again one product per level.

Next role
---------
Candidates are the ``next_roles`` of the current role plus the learner's goal role (when
it names a catalog role), never the current role itself; a learner without a current
role gets the entry (Junior) roles plus the goal. Each candidate gets the logit
``FIT_LOGIT * fit + GOAL_LOGIT * is_goal``; the probability is the softmax of the logits
over the learner's candidates. With ``FIT_LOGIT = 4`` a 25-point better fit multiplies the
odds by e, and the stated goal (``GOAL_LOGIT = 1``) counts as much as 25 points of fit.
The prediction is the candidate with the highest probability (ties: lower role_id).

Current role
------------
``profile.current_role`` when it names a catalog role (case-insensitive title match),
else the Junior or Mid role the learner's skills fit best (``fit``, ties: lower role_id),
else none (a learner without any resolved skill).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from features.catalog import LEVELS, SENIORITIES

#: Level names by number (index 0 = not held).
LEVEL_NAMES: tuple[str | None, ...] = (None, *LEVELS)
#: Learners whose missing skills are found at once (bounds two dense learners x skills
#: matrices).
MISSING_BLOCK = 10_000
LEVEL_NUMBER = {name: i + 1 for i, name in enumerate(LEVELS)}
#: Seniorities a current role is inferred at when the profile names none.
INFERRED_SENIORITIES = ("Junior", "Mid")
#: Logit weights of the next-role softmax (see the module docstring).
FIT_LOGIT = 4.0
GOAL_LOGIT = 1.0
#: Courses listed per career pathway row.
PATHWAY_COURSES = 5


# ----------------------------------------------------------------------------- spaces


@dataclass(frozen=True)
class RoleSpace:
    """Roles and skills as positions, with the roles x skills requirement matrices."""

    skill_keys: np.ndarray  # (S,) str
    skill_names: np.ndarray  # (S,) str
    role_ids: np.ndarray  # (R,) int64
    titles: np.ndarray  # (R,) str
    seniority: np.ndarray  # (R,) int: 0 Junior .. 3 Lead, -1 unknown
    req_level: np.ndarray  # (R, S) int8, 0 = not required
    req_weight: np.ndarray  # (R, S) float64
    next_roles: sparse.csr_matrix  # (R, R) 1 where column is a next role of row

    @property
    def n_skills(self) -> int:
        return len(self.skill_keys)

    @property
    def n_roles(self) -> int:
        return len(self.role_ids)

    def skill_index(self) -> pd.Index:
        return pd.Index(self.skill_keys)

    def role_position(self, titles: Sequence[object]) -> np.ndarray:
        """Position of each title among the roles (case-insensitive), -1 where none."""
        lookup = pd.Index(pd.Series(self.titles, dtype=object).str.strip().str.casefold())
        keys = pd.Series(list(titles), dtype=object).astype(str).str.strip().str.casefold()
        pos = lookup.get_indexer(keys)
        known = pd.Series(list(titles), dtype=object).notna().to_numpy()
        return np.where(known, pos, -1).astype(np.int64)

    @classmethod
    def from_catalog(cls, roles: pd.DataFrame, skills: pd.DataFrame) -> RoleSpace:
        """From the catalog's ``roles`` and ``skills`` frames (unknown skills are skipped)."""
        skill_keys = skills["skill_key"].astype(str).to_numpy()
        skill_pos = {k: i for i, k in enumerate(skill_keys)}
        roles = roles.reset_index(drop=True)
        role_ids = roles["role_id"].astype(np.int64).to_numpy()
        role_pos = {int(r): i for i, r in enumerate(role_ids)}
        n_roles, n_skills = len(roles), len(skill_keys)
        req_level = np.zeros((n_roles, n_skills), dtype=np.int8)
        req_weight = np.zeros((n_roles, n_skills), dtype=np.float64)
        nxt_rows, nxt_cols = [], []
        # A loop over the catalog's roles (about a hundred), not over learners.
        for r, (required, targets) in enumerate(zip(roles["required_skills"], roles["next_roles"],
                                                    strict=True)):
            for req in required if isinstance(required, list) else []:
                s = skill_pos.get(str(req.get("skill")))
                level = LEVEL_NUMBER.get(str(req.get("level")))
                weight = pd.to_numeric(req.get("weight"), errors="coerce")
                if s is None or level is None or not np.isfinite(weight) or weight <= 0:
                    continue
                req_level[r, s], req_weight[r, s] = level, float(weight)
            for target in targets if isinstance(targets, list) else []:
                if int(target) in role_pos and role_pos[int(target)] != r:
                    nxt_rows.append(r)
                    nxt_cols.append(role_pos[int(target)])
        next_roles = sparse.csr_matrix(
            (np.ones(len(nxt_rows), np.float32), (nxt_rows, nxt_cols)), shape=(n_roles, n_roles))
        next_roles.data[:] = 1.0  # duplicates summed: back to 0/1
        seniority = pd.Series(roles["seniority"]).map(
            {s: i for i, s in enumerate(SENIORITIES)}).fillna(-1).astype(int).to_numpy()
        return cls(skill_keys=skill_keys, skill_names=skills["name"].astype(str).to_numpy(),
                   role_ids=role_ids, titles=roles["title"].astype(str).to_numpy(),
                   seniority=seniority, req_level=req_level, req_weight=req_weight,
                   next_roles=next_roles)


def skill_level_matrix(skill_rows: pd.DataFrame, learner_ids: Sequence[int],
                       skill_keys: Sequence[str]) -> sparse.csr_matrix:
    """Learners x skills matrix of the best level (1-4) each learner holds; 0 = none.

    ``skill_rows`` has learner_id, skill_key, level (1-4) and optionally ``resolved``;
    unresolved rows, unknown skill keys and learners not in ``learner_ids`` are ignored.
    """
    rows = skill_rows
    if "resolved" in rows:
        rows = rows[rows["resolved"].fillna(False).astype(bool)]
    learner_pos = pd.Index(np.asarray(learner_ids)).get_indexer(rows["learner_id"])
    skill_pos = pd.Index(np.asarray(skill_keys)).get_indexer(rows["skill_key"])
    level = pd.to_numeric(rows["level"], errors="coerce").fillna(0).clip(0, 4).to_numpy()
    keep = (learner_pos >= 0) & (skill_pos >= 0) & (level > 0)
    frame = pd.DataFrame({"l": learner_pos[keep], "s": skill_pos[keep], "v": level[keep]})
    best = frame.groupby(["l", "s"], sort=True)["v"].max()
    return sparse.csr_matrix(
        (best.to_numpy(np.float32), (best.index.get_level_values(0), best.index.get_level_values(1))),
        shape=(len(learner_ids), len(skill_keys)))


# ----------------------------------------------------------------------------- scores


def role_match(levels: sparse.csr_matrix, space: RoleSpace) -> tuple[np.ndarray, np.ndarray]:
    """``(gap, fit)``, each learners x roles in [0, 1] (see the module docstring)."""
    total = space.req_weight.sum(axis=1)
    total = np.where(total > 0, total, 1.0)
    met = np.zeros((levels.shape[0], space.n_roles))
    partial = np.zeros_like(met)
    req = space.req_level.astype(np.float64)
    for k in range(1, len(LEVELS) + 1):  # four levels, not learners
        at_least = (levels >= k).astype(np.float64)
        met += at_least @ (space.req_weight * (req == k)).T
        partial += at_least @ np.divide(space.req_weight * (req >= k), req,
                                        out=np.zeros_like(req), where=req > 0).T
    # Clipped: float rounding can leave 1 - met/total a hair below 0.
    return np.clip(1.0 - met / total, 0.0, 1.0), np.clip(partial / total, 0.0, 1.0)


def next_role_candidates(current: np.ndarray, goal: np.ndarray, space: RoleSpace) -> np.ndarray:
    """Learners x roles bool: next roles of the current role (entry roles if none), plus goal."""
    n = len(current)
    known = current >= 0
    cand = np.zeros((n, space.n_roles), dtype=bool)
    cand[known] = space.next_roles[current[known]].toarray() > 0
    cand[~known] = (space.seniority == 0)[None, :]
    has_goal = goal >= 0
    cand[np.flatnonzero(has_goal), goal[has_goal]] = True
    cand[np.flatnonzero(known), current[known]] = False
    return cand


def next_role_probabilities(fit: np.ndarray, candidates: np.ndarray,
                            goal: np.ndarray) -> np.ndarray:
    """Softmax of ``FIT_LOGIT * fit + GOAL_LOGIT * is_goal`` over each learner's candidates."""
    logits = FIT_LOGIT * fit
    has_goal = goal >= 0
    logits[np.flatnonzero(has_goal), goal[has_goal]] += GOAL_LOGIT
    logits = np.where(candidates, logits, -np.inf)
    top = np.max(logits, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    weights = np.where(candidates, np.exp(logits - top), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def infer_current_role(fit: np.ndarray, declared: np.ndarray,
                       space: RoleSpace) -> tuple[np.ndarray, np.ndarray]:
    """``(role position or -1, source)``: the declared role, else the best Junior/Mid fit."""
    allowed = np.isin(space.seniority, [SENIORITIES.index(s) for s in INFERRED_SENIORITIES])
    scored = np.where(allowed[None, :], fit, -1.0)
    best = np.argmax(scored, axis=1)  # first maximum: the lower role position wins ties
    has_fit = scored[np.arange(len(best)), best] > 0
    inferred = np.where(has_fit, best, -1)
    role = np.where(declared >= 0, declared, inferred)
    source = np.where(declared >= 0, "profile", np.where(has_fit, "skills", None))
    return role.astype(np.int64), source.astype(object)


# ----------------------------------------------------------------------------- missing


def missing_skills(levels: sparse.csr_matrix, roles: np.ndarray,
                   space: RoleSpace) -> pd.DataFrame:
    """One row per (learner position, skill) the learner lacks for ``roles[learner]``.

    Columns: learner (position), skill (position), skill_key, required_level (1-4),
    current_level (0-4), weight. Sorted by learner, weight descending, skill_key.
    Learners whose role is -1 have none.
    """
    has = np.flatnonzero(roles >= 0)
    if len(has) == 0:
        return _empty_missing()
    parts = []
    # A block of learners at a time: the dense learners x skills matrices of everyone
    # would be 0.6 GB at 100,000 learners. Row order is the same as in one block.
    for start in range(0, len(has), MISSING_BLOCK):
        block = has[start:start + MISSING_BLOCK]
        req = space.req_level[roles[block]]
        current = levels[block].toarray()
        rows, skills = np.nonzero((req > 0) & (current < req))
        parts.append((block[rows], skills, req[rows, skills].astype(np.int64),
                      current[rows, skills].astype(np.int64),
                      space.req_weight[roles[block][rows], skills]))
    learner, skills, required, current_level, weight = (
        np.concatenate([part[i] for part in parts]) for i in range(5))
    frame = pd.DataFrame({
        "learner": learner,
        "skill": skills,
        "skill_key": space.skill_keys[skills],
        "required_level": required,
        "current_level": current_level,
        "weight": weight,
    })
    return frame.sort_values(["learner", "weight", "skill_key"], ascending=[True, False, True],
                             kind="stable").reset_index(drop=True)


def _empty_missing() -> pd.DataFrame:
    return pd.DataFrame({"learner": pd.Series(dtype=np.int64), "skill": pd.Series(dtype=np.int64),
                         "skill_key": pd.Series(dtype=object),
                         "required_level": pd.Series(dtype=np.int64),
                         "current_level": pd.Series(dtype=np.int64),
                         "weight": pd.Series(dtype=np.float64)})


def missing_lists(missing: pd.DataFrame, n: int) -> list[list[dict]]:
    """Per learner position, the JSON-ready list of missing skills (heaviest first).

    Equal entries are one shared dict (read-only: never mutate them): learners aiming at
    the same role lack the same skills at the same levels, so at 100,000 learners 1.5M
    entries are a few thousand distinct dicts, not 1.5M of them (350 MB)."""
    learner = missing["learner"].to_numpy(np.int64)
    order = np.argsort(learner, kind="stable")  # each learner's rows keep their order
    codes, distinct = pd.MultiIndex.from_arrays([
        missing["skill_key"].to_numpy(object)[order],
        missing["required_level"].to_numpy(np.int64)[order],
        missing["current_level"].to_numpy(np.int64)[order],
        missing["weight"].to_numpy(float)[order]]).factorize()
    # Plain Python values (tolist) make the dicts 3x faster than numpy scalars do.
    records = [{"skill_key": str(key), "required_level": LEVEL_NAMES[required],
                "current_level": LEVEL_NAMES[current], "weight": round(weight, 2)}
               for key, required, current, weight in zip(
                   *(distinct.get_level_values(i).tolist() for i in range(4)), strict=True)]
    entries = [records[code] for code in codes.tolist()]
    bounds = np.searchsorted(learner[order], np.arange(n + 1)).tolist()
    return [entries[bounds[i]:bounds[i + 1]] for i in range(n)]


# ----------------------------------------------------------------------------- predict


def predict_careers(levels: sparse.csr_matrix, learner_ids: Sequence[int],
                    profile: pd.DataFrame, space: RoleSpace) -> pd.DataFrame:
    """The career prediction of each learner (rows in ``learner_ids`` order).

    ``levels`` is :func:`skill_level_matrix` for ``learner_ids``; ``profile`` is indexed
    by learner_id with ``current_role`` and ``goal_role`` (free text, may be missing).

    Columns (index learner_id): current_role, current_role_id, current_role_source
    ("profile" | "skills" | None), predicted_next_role, predicted_role_id, probability,
    gap_score, missing_skills (list of {skill_key, required_level, current_level, weight}),
    goal_role, goal_role_id, goal_gap_score, goal_missing_skills, target_role_id (the
    goal when it is a catalog role, else the prediction: what recommendations aim at),
    and target_pos / current_pos / predicted_pos / goal_pos (role positions, -1 = none).
    """
    ids = np.asarray(learner_ids, dtype=np.int64)
    prof = profile.reindex(ids)
    gap, fit = role_match(levels, space)
    declared = space.role_position(prof.get("current_role", pd.Series(index=ids, dtype=object)))
    goal = space.role_position(prof.get("goal_role", pd.Series(index=ids, dtype=object)))
    current, source = infer_current_role(fit, declared, space)
    candidates = next_role_candidates(current, goal, space)
    prob = next_role_probabilities(fit, candidates, goal)
    predicted = np.where(candidates.any(axis=1), np.argmax(prob, axis=1), -1)
    target = np.where(goal >= 0, goal, predicted)
    rows = np.arange(len(ids))
    index = pd.Index(ids, name="learner_id")

    def titles(pos: np.ndarray) -> pd.Series:
        # object dtype keeps None as None (pandas would infer a string column with NaN)
        return pd.Series(_titles(pos, space), index=index, dtype=object)

    pred_missing = missing_lists(missing_skills(levels, predicted, space), len(ids))
    goal_missing = missing_lists(missing_skills(levels, goal, space), len(ids))
    return pd.DataFrame({
        "current_role": titles(current),
        "current_role_id": _role_ids(current, space),
        "current_role_source": pd.Series(source, index=index, dtype=object),
        "predicted_next_role": titles(predicted),
        "predicted_role_id": _role_ids(predicted, space),
        "probability": np.where(predicted >= 0, prob[rows, np.maximum(predicted, 0)], np.nan),
        "gap_score": np.where(predicted >= 0, gap[rows, np.maximum(predicted, 0)], np.nan),
        "missing_skills": pd.Series(pred_missing, index=index, dtype=object),
        "goal_role": titles(goal),
        "goal_role_id": _role_ids(goal, space),
        "goal_gap_score": np.where(goal >= 0, gap[rows, np.maximum(goal, 0)], np.nan),
        "goal_missing_skills": pd.Series(goal_missing, index=index, dtype=object),
        "target_role_id": _role_ids(target, space),
        "current_pos": current, "predicted_pos": predicted, "goal_pos": goal, "target_pos": target,
    }, index=index)


def _titles(pos: np.ndarray, space: RoleSpace) -> np.ndarray:
    return np.where(pos >= 0, space.titles[np.maximum(pos, 0)], None).astype(object)


def _role_ids(pos: np.ndarray, space: RoleSpace) -> pd.arrays.IntegerArray:
    """Role ids as nullable integers (<NA> where the position is -1)."""
    ids = space.role_ids[np.maximum(pos, 0)] if len(space.role_ids) else np.zeros(len(pos))
    return pd.arrays.IntegerArray(ids.astype(np.int64), mask=pos < 0)


# ----------------------------------------------------------------------------- outputs


def career_prediction_json(careers: pd.DataFrame) -> list[dict]:
    """``learner_ai_features.career_prediction`` per row of :func:`predict_careers`."""
    out = []
    for row in careers[["current_role", "predicted_next_role", "probability", "gap_score",
                        "missing_skills", "goal_role", "goal_gap_score"]].itertuples(index=False):
        out.append({
            "current_role": _text(row.current_role),
            "predicted_next_role": _text(row.predicted_next_role),
            "probability": _round(row.probability),
            "gap_score": _round(row.gap_score),
            "missing_skills": row.missing_skills if isinstance(row.missing_skills, list) else [],
            "goal_role": _text(row.goal_role),
            "goal_gap_score": _round(row.goal_gap_score),
        })
    return out


def _text(value: object) -> str | None:
    """A title or None (never NaN, which is not valid JSON)."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) \
        else str(value)


def _round(value: float | None, decimals: int = 4) -> float | None:
    if value is None or pd.isna(value) or not np.isfinite(value):
        return None
    return round(float(value), decimals)


def pathway_courses(careers: pd.DataFrame, course_choice: pd.DataFrame,
                    limit: int = PATHWAY_COURSES) -> list[list[int]]:
    """Per learner, course ids covering the predicted role's missing skills, heaviest first.

    ``course_choice`` (from :func:`course_for_skill_level`) names, per (skill_key,
    current_level), the course that takes a learner one level up in that skill.
    """
    pairs = [(i, m["skill_key"], _level_number(m["current_level"]))
             for i, skills in enumerate(careers["missing_skills"]) for m in skills]
    out: list[list[int]] = [[] for _ in range(len(careers))]
    if not pairs:
        return out
    frame = pd.DataFrame(pairs, columns=["learner", "skill_key", "current_level"])
    frame = frame.merge(course_choice, on=["skill_key", "current_level"], how="inner", sort=False)
    frame = frame.drop_duplicates(["learner", "course_id"])
    frame = frame[frame.groupby("learner").cumcount() < limit]
    for learner, course in zip(frame["learner"], frame["course_id"], strict=True):
        out[learner].append(int(course))
    return out


def _level_number(name: object) -> int:
    return LEVEL_NUMBER.get(str(name), 0) if name is not None else 0


def course_for_skill_level(courses: pd.DataFrame) -> pd.DataFrame:
    """(skill_key, current_level 0-3, course_id): the active course one level up in the skill.

    The wanted course level is ``current + 1`` (capped at Advanced, the highest course
    level); among courses teaching the skill the nearest level wins, then the more focused
    course (fewer skills), then the lower course_id.
    """
    active = courses[courses["is_active"].astype(bool)]
    level = active["level"].map({"Beginner": 1, "Intermediate": 2, "Advanced": 3})
    taught = pd.DataFrame({"course_id": active["course_id"].to_numpy(),
                           "skills": active["skills"].to_numpy(), "level": level.to_numpy(),
                           "n_skills": [len(s) if isinstance(s, list) else 0
                                        for s in active["skills"]]})
    taught = taught.explode("skills").dropna(subset=["skills", "level"]).rename(
        columns={"skills": "skill_key"})
    grid = taught.merge(pd.DataFrame({"current_level": [0, 1, 2, 3]}), how="cross")
    grid["distance"] = (grid["level"] - np.minimum(grid["current_level"] + 1, 3)).abs()
    grid = grid.sort_values(["skill_key", "current_level", "distance", "n_skills", "course_id"])
    best = grid.drop_duplicates(["skill_key", "current_level"])
    return best[["skill_key", "current_level", "course_id"]].reset_index(drop=True)


def career_pathway_rows(careers: pd.DataFrame, courses: list[list[int]]) -> pd.DataFrame:
    """``learner_career_pathways`` rows: one per learner with a predicted next role.

    ``recommended_courses`` is a JSON list of course ids (text), ``gap_analysis`` a dict
    (gap score, missing skills, goal and its gap; the publisher writes it as JSON text with
    its lineage) and ``ai_confidence_score`` the prediction's probability, 2 decimals.
    """
    has = careers["predicted_next_role"].notna().to_numpy()
    frame = careers[has]
    analysis = [{"gap_score": _round(g), "missing_skills": m, "goal_role": goal,
                 "goal_gap_score": _round(gg)}
                for g, m, goal, gg in zip(frame["gap_score"], frame["missing_skills"],
                                          frame["goal_role"], frame["goal_gap_score"], strict=True)]
    return pd.DataFrame({
        "learner_id": frame.index.to_numpy(np.int64),
        "current_role": frame["current_role"].to_numpy(object),
        "next_role": frame["predicted_next_role"].to_numpy(object),
        "recommended_courses": [json.dumps(c) for c, keep in zip(courses, has, strict=True)
                                if keep],
        "gap_analysis": analysis,
        "ai_confidence_score": np.round(frame["probability"].to_numpy(float), 2),
    })
