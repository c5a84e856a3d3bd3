"""Mentor recommendations: peers strong in what a learner still needs, nearby in time.

The pool (given by the caller) holds only opted-in, active learners with skills at
Advanced or Expert level. For a learner, terms in [0, 1]:

- ``coverage``: the share of the target role's missing-skill weight (the learner's
  ``mentor_skills`` heaviest missing skills) the mentor holds at Advanced/Expert level;
- ``group_role``: active study groups where the mentor is Mentor or Facilitator, 2 or
  more counting fully (``min(groups, 2) / 2``);
- ``timezone``: ``1 - min(|UTC offset difference|, 12 h) / 12 h`` (0 when either
  timezone is unknown).

Three steps keep it vectorised at any scale:

1. :func:`build_mentor_index` — once per run: per (skill, learner UTC offset) the
   ``mentor_pool_per_skill`` best mentors by group role and timezone (ties broken by a
   fixed hash, so load spreads over equally good mentors instead of the lowest ids);
2. :func:`mentor_candidates` — per chunk: gather the shortlists of each learner's
   missing skills (array indexing), score exactly, keep ``3 * top_n`` per learner
   (never the learner, never a mentor they ignored lately);
3. :func:`assign_mentors` — once per run: each learner's first choices are served before
   anyone's second choices, each mentor at most ``mentor_cap`` times, then top N.

A learner whose shortlisted mentors all reached the cap before their turn would get
none, although mentors with room hold their missing skills (7% of 5,000 demo learners
did). So the run repeats steps 1-3 for the learners left without a mentor, over only the
mentors with room left (``mentor_rounds`` times at most): a learner goes without a
mentor only when nobody with room is strong in their heaviest missing skills.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.career import LEVEL_NAMES
from models.recommend_context import ChunkContext
from models.recommend_policy import RecommenderConfig
from models.recommend_space import CatalogSpace, LearnerInputs

KIND = "Mentor"
#: Groups mentored that count as a full group-role signal.
FULL_GROUPS = 2
#: Offset difference (hours) at and beyond which the timezone term is 0.
MAX_OFFSET_HOURS = 12.0
#: Bucket of learners whose timezone is unknown.
UNKNOWN_OFFSET = -99.0


def timezone_fit(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    diff = np.abs(np.asarray(a, float) - np.asarray(b, float))
    fit = 1.0 - np.minimum(diff, MAX_OFFSET_HOURS) / MAX_OFFSET_HOURS
    return np.where(np.isnan(fit), 0.0, fit)


def group_fit(groups: np.ndarray) -> np.ndarray:
    return np.minimum(np.nan_to_num(np.asarray(groups, float)), FULL_GROUPS) / FULL_GROUPS


def _offset_bucket(offsets: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(offsets), UNKNOWN_OFFSET, np.round(offsets * 2) / 2)


def _spread_key(*columns: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random tie-break from integer columns (same inputs, same order)."""
    key = np.zeros(len(columns[0]), dtype=np.uint64)
    for col in columns:
        key = (key * np.uint64(1_000_003) + np.asarray(col).astype(np.uint64)) \
            * np.uint64(2_654_435_761)
    return key % np.uint64(2**32)


@dataclass(frozen=True)
class MentorIndex:
    """The mentor pool as arrays, with per (skill, offset bucket) shortlists."""

    mentor_ids: np.ndarray  # (M,)
    levels: np.ndarray  # (M, S) int8: 3 Advanced, 4 Expert, 0 otherwise
    offsets: np.ndarray  # (M,) UTC offset hours, NaN unknown
    groups: np.ndarray  # (M,) active Mentor/Facilitator groups
    buckets: np.ndarray  # (B,) sorted learner offset buckets
    shortlist: np.ndarray  # (S, B, K) mentor positions, -1 padding

    def bucket_of(self, offsets: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.buckets, _offset_bucket(np.asarray(offsets, float)))


def mentor_pool(inputs: LearnerInputs, space: CatalogSpace) -> pd.DataFrame:
    """(mentor_id, skill, level, utc_offset_hours, mentor_groups): one row per strong skill."""
    skills = inputs.mentor_skills
    pos = pd.Index(space.roles.skill_keys).get_indexer(skills["skill_key"])
    pool = pd.DataFrame({"mentor_id": skills["learner_id"].to_numpy(np.int64), "skill": pos,
                         "level": skills["level"].to_numpy()})
    pool = pool[(pool["skill"] >= 0) & (pool["level"] >= 3)]
    pool = pool.groupby(["mentor_id", "skill"], as_index=False)["level"].max()
    meta = inputs.mentors.set_index("learner_id")[["utc_offset_hours", "mentor_groups"]]
    pool = pool.join(meta, on="mentor_id", how="inner")  # only the eligible pool
    return pool.reset_index(drop=True)


def build_mentor_index(inputs: LearnerInputs, space: CatalogSpace,
                       config: RecommenderConfig,
                       full: np.ndarray | None = None) -> MentorIndex:
    """Step 1 of the module docstring: the pool and its shortlists, once per round;
    ``full``: mentors left out (they reached the cap in an earlier round)."""
    pool = mentor_pool(inputs, space)
    if full is not None and len(full):
        pool = pool[~pool["mentor_id"].isin(full)].reset_index(drop=True)
    mentor_ids, position = np.unique(pool["mentor_id"].to_numpy(), return_inverse=True)
    levels = np.zeros((len(mentor_ids), space.roles.n_skills), dtype=np.int8)
    levels[position, pool["skill"].to_numpy()] = pool["level"].to_numpy()
    first = pool.drop_duplicates("mentor_id")
    offsets = inputs.profile.reindex(inputs.learner_ids).get(
        "utc_offset_hours", pd.Series(np.nan, index=inputs.learner_ids)).to_numpy(float)
    buckets = np.unique(np.r_[_offset_bucket(offsets), UNKNOWN_OFFSET])
    grid = pool.assign(m=position).merge(pd.DataFrame({"b": np.arange(len(buckets))}),
                                         how="cross")
    bucket = buckets[grid["b"].to_numpy()]
    weights = config.weights_for(KIND)
    grid["pre"] = (weights["group_role"] * group_fit(grid["mentor_groups"].to_numpy())
                   + weights["timezone"] * timezone_fit(
                       grid["utc_offset_hours"].to_numpy(),
                       np.where(bucket == UNKNOWN_OFFSET, np.nan, bucket))
                   + 0.01 * grid["level"].to_numpy())
    # The bucket's offset, not its position: positions shift when a learner in a new
    # timezone appears, and the tie-breaks of everyone else must not move with them.
    half_hours = (bucket * 2).astype(np.int64) - int(UNKNOWN_OFFSET * 2)  # >= 0
    grid["key"] = _spread_key(grid["mentor_id"].to_numpy(), grid["skill"].to_numpy(),
                              half_hours)
    grid = grid.sort_values(["skill", "b", "pre", "key"], ascending=[True, True, False, True],
                            kind="stable")
    rank = grid.groupby(["skill", "b"], sort=False).cumcount().to_numpy()
    keep = rank < config.mentor_pool_per_skill
    shortlist = np.full((space.roles.n_skills, len(buckets), config.mentor_pool_per_skill), -1,
                        dtype=np.int64)
    shortlist[grid["skill"].to_numpy()[keep], grid["b"].to_numpy()[keep], rank[keep]] = \
        grid["m"].to_numpy()[keep]
    return MentorIndex(
        mentor_ids=mentor_ids, levels=levels,
        offsets=first.set_index("mentor_id")["utc_offset_hours"].reindex(mentor_ids)
        .to_numpy(float),
        groups=first.set_index("mentor_id")["mentor_groups"].reindex(mentor_ids)
        .fillna(0).to_numpy(float),
        buckets=buckets, shortlist=shortlist)


def _top_missing(ctx: ChunkContext, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(skills, weights), chunk learners x k: the heaviest missing skills (-1 / 0 pad)."""
    missing = ctx.missing  # sorted by learner, weight descending, skill_key
    rank = missing.groupby("learner", sort=False).cumcount().to_numpy()
    keep = rank < k
    learner = missing["learner"].to_numpy()[keep]
    skills = np.full((ctx.n, k), -1, dtype=np.int64)
    weights = np.zeros((ctx.n, k))
    skills[learner, rank[keep]] = missing["skill"].to_numpy()[keep]
    weights[learner, rank[keep]] = missing["weight"].to_numpy()[keep]
    return skills, weights


def _pair_keys(learner_ids: np.ndarray, mentor_ids: np.ndarray) -> np.ndarray:
    return learner_ids.astype(np.int64) * (1 << 32) + mentor_ids.astype(np.int64)


def mentor_candidates(ctx: ChunkContext, inputs: LearnerInputs, index: MentorIndex,
                      config: RecommenderConfig) -> pd.DataFrame:
    """Step 2: each chunk learner's ``3 * top_n`` best mentors, scored exactly.

    Columns: learner_id, mentor_id, t_<term>, score, choice (0 = best), target,
    missing_count, offset_diff, mentor_groups, and cov0..covK / lvl0..lvlK: the missing
    skills (positions) the mentor covers, heaviest first, with the mentor's level.
    """
    skills, weights = _top_missing(ctx, config.mentor_skills)
    offsets = inputs.profile.reindex(ctx.learner_ids).get(
        "utc_offset_hours", pd.Series(np.nan, index=ctx.learner_ids)).to_numpy(float)
    cand = index.shortlist[np.maximum(skills, 0), index.bucket_of(offsets)[:, None], :]
    cand = np.where((skills >= 0)[:, :, None], cand, -1).reshape(ctx.n, -1)
    cand = np.sort(cand, axis=1)
    cand[:, 1:][cand[:, 1:] == cand[:, :-1]] = -1  # each mentor once per learner
    ids = np.where(cand >= 0, index.mentor_ids[np.maximum(cand, 0)], -1)
    cand[ids == ctx.learner_ids[:, None]] = -1  # never the learner themself
    bad = ctx.excluded_for(KIND)
    if len(bad):
        blocked = _pair_keys(ctx.learner_ids[bad["row"].to_numpy()],
                             pd.to_numeric(bad["reference_id"], errors="coerce")
                             .fillna(-1).to_numpy(np.int64))
        keys = _pair_keys(np.broadcast_to(ctx.learner_ids[:, None], ids.shape), ids)
        cand[np.isin(keys, blocked)] = -1
    valid = cand >= 0
    safe = np.maximum(cand, 0)
    strong = (index.levels[safe[:, :, None], np.maximum(skills, 0)[:, None, :]] >= 3) \
        & (skills >= 0)[:, None, :]
    total = np.maximum(weights.sum(axis=1), 1e-12)
    terms = {
        "coverage": (strong * weights[:, None, :]).sum(axis=2) / total[:, None],
        "group_role": group_fit(index.groups[safe]),
        "timezone": timezone_fit(offsets[:, None], index.offsets[safe]),
    }
    w = config.weights_for(KIND)
    scores = np.where(valid, sum(w[name] * terms[name] for name in w), -np.inf)
    # Equal scores are common (few distinct group counts and offsets): a fixed hash of
    # (learner, mentor) breaks ties, so the load spreads instead of going to low ids.
    spread = _spread_key(np.broadcast_to(ctx.learner_ids[:, None], ids.shape).ravel(),
                         np.maximum(ids, 0).ravel()).reshape(ids.shape)
    order = np.lexsort((spread, -scores), axis=1)[:, :3 * config.top_n]
    cols, best = order, np.take_along_axis(scores, order, axis=1)
    rows, choice = np.nonzero(np.isfinite(best))
    picked = cols[rows, choice]
    m = safe[rows, picked]
    frame = pd.DataFrame({
        "learner_id": ctx.learner_ids[rows], "mentor_id": index.mentor_ids[m],
        **{f"t_{name}": terms[name][rows, picked] for name in w},
        "score": best[rows, choice], "choice": choice,
        "target": ctx.target[rows], "missing_count": ctx.missing_count[rows],
        "offset_diff": np.abs(offsets[rows] - index.offsets[m]),
        "mentor_groups": index.groups[m],
    })
    covered = strong[rows, picked]  # pairs x k, in heaviest-first order
    for j in range(skills.shape[1]):  # k columns, not learners
        frame[f"cov{j}"] = np.where(covered[:, j], skills[rows, j], -1)
        frame[f"lvl{j}"] = index.levels[m, np.maximum(skills[rows, j], 0)]
    return frame


def assign_mentors(candidates: pd.DataFrame, config: RecommenderConfig,
                   load: pd.Series | None = None) -> pd.DataFrame:
    """Step 3: capacity-bounded assignment over the whole run; ``load``: learners each
    mentor was already given in earlier rounds (counts against the cap)."""
    # The order is decided on four key columns; only the kept rows are copied whole
    # (at 100,000 learners the candidates are 900,000 rows of 20 columns, 180 MB a copy).
    keys = pd.DataFrame({c: candidates[c].to_numpy()
                         for c in ("choice", "score", "learner_id", "mentor_id")})
    order = keys.sort_values(["choice", "score", "learner_id", "mentor_id"],
                             ascending=[True, False, True, True], kind="stable")
    taken = (np.zeros(len(order), dtype=np.int64) if load is None else
             order["mentor_id"].map(load).fillna(0).to_numpy(np.int64))
    kept = order[order.groupby("mentor_id", sort=False).cumcount().to_numpy() + taken
                 < config.mentor_cap]
    kept = kept.sort_values(["learner_id", "score", "mentor_id"], ascending=[True, False, True],
                            kind="stable")
    kept = kept[kept.groupby("learner_id", sort=False).cumcount() < config.top_n]
    out = candidates.iloc[kept.index.to_numpy()].reset_index(drop=True)
    out["rec_rank"] = out.groupby("learner_id", sort=False).cumcount().to_numpy() + 1
    return out


def mentor_rows(assigned: pd.DataFrame, space: CatalogSpace, k: int) -> pd.DataFrame:
    """Facts and reference ids of the assigned mentors (no names: only skills and numbers)."""
    roles = space.roles
    out = assigned.reset_index(drop=True)
    cov = out[[f"cov{j}" for j in range(k)]].to_numpy()
    lvl = out[[f"lvl{j}" for j in range(k)]].to_numpy()
    out["facts"] = [
        {"mentor_id": int(m),
         "target_role": str(roles.titles[t]) if t >= 0 else None,
         "missing_count": int(mc),
         "skills": [{"skill_key": str(roles.skill_keys[s]), "name": str(roles.skill_names[s]),
                     "level": LEVEL_NAMES[int(lv)]} for s, lv in zip(cs, ls, strict=True)
                    if s >= 0],
         "mentor_groups": int(g),
         "offset_hours": None if not np.isfinite(d) else round(float(d), 1)}
        for m, t, mc, cs, ls, g, d in zip(out["mentor_id"], out["target"], out["missing_count"],
                                          cov.tolist(), lvl.tolist(), out["mentor_groups"],
                                          out["offset_diff"].astype(float), strict=True)]
    out["reference_id"] = out["mentor_id"].astype(np.int64).astype(str)
    return out
