"""Ranking policy shared by every recommendation type: weights, feedback filters,
top-N selection with diversity, confidence and which terms are material.

Scores are weighted sums of terms, each term a value in [0, 1] (penalties subtract).
A row's **confidence** is ``score / (sum of the type's positive weights)``, clipped to
[0, 1] and rounded to 2 decimals: a fixed monotone map, independent of the run's other
learners, so 0.60 means the same for every learner, every chunk and every night (the
share of the best score a candidate of that type could reach).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from features.schema import RECOMMENDATION_TYPES


def _weights(**values: float) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


#: Term weights per type. Penalties have negative weights.
DEFAULT_WEIGHTS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "Course": _weights(gap=1.0, similarity=0.5, level=0.5, format=0.15, collaborative=0.4,
                       peers=0.3, peer_ignored=-0.3),
    "Skill": _weights(importance=0.7, closeness=0.3),
    "Career": _weights(fit=0.5, goal=0.3, proximity=0.2),
    "Mentor": _weights(coverage=0.6, group_role=0.25, timezone=0.15),
    "Content": _weights(weak_spot=1.0, gap=0.5, current_course=0.2, format=0.2,
                        similarity=0.3),
})


@dataclass(frozen=True)
class RecommenderConfig:
    """Hyperparameters of a recommendation run (stored as given; nothing is fitted)."""

    top_n: int = 5
    types: tuple[str, ...] = RECOMMENDATION_TYPES
    weights: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    #: Learners scored at once (bounds memory: learners x catalog dense matrices).
    chunk_size: int = 1000
    #: Candidates per learner kept for the diversity re-ranking (``top_n * pool_factor``).
    pool_factor: int = 4
    #: MMR: a candidate loses ``diversity_penalty * max similarity`` to those already chosen
    #: (1.0: a course teaching only skills a better-ranked course teaches loses about what
    #: its gap coverage earned it).
    diversity_penalty: float = 1.0
    #: The same for Content items (milder: practising one weak skill twice is useful).
    content_diversity_penalty: float = 0.5
    #: At most this many Content items of one course per learner.
    content_per_course: int = 2
    #: Each mentor is suggested to at most this many learners per run.
    mentor_cap: int = 20
    #: Mentors considered per (skill, learner timezone) before exact scoring.
    mentor_pool_per_skill: int = 50
    #: Missing skills (heaviest first) a mentor search looks at.
    mentor_skills: int = 5
    #: Assignment rounds: later rounds serve learners left without a mentor from the
    #: mentors with room left.
    mentor_rounds: int = 3
    #: Mean Jaccard co-occurrence with the learner's courses that counts as a full signal.
    collaborative_full: float = 0.05
    #: Share of the learners aiming at the same role who took a course that counts as a
    #: full peer signal.
    peers_full: float = 0.2
    #: Quiz accuracy (0-100) below which a course is a weak spot.
    weak_accuracy: float = 70.0
    #: A term is mentioned in a reason when its contribution is at least this share of the
    #: score's positive contributions and at least ``material_min`` in absolute terms.
    material_share: float = 0.15
    material_min: float = 0.03

    def weights_for(self, kind: str) -> Mapping[str, float]:
        return self.weights[kind]

    def max_score(self, kind: str) -> float:
        return float(sum(w for w in self.weights[kind].values() if w > 0))


# ----------------------------------------------------------------------------- feedback


def excluded_pairs(feedback: pd.DataFrame, kind: str) -> pd.DataFrame:
    """(learner_id, reference_id) never to recommend again as ``kind``: completed before,
    or ignored within the recent window (``ignored_recent``)."""
    fb = feedback[feedback["recommendation_type"] == kind]
    bad = (fb["completed"] > 0) | (fb["ignored_recent"] > 0)
    return fb.loc[bad, ["learner_id", "reference_id"]].astype({"reference_id": str})


def mask_positions(scores: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
    """Set ``scores[rows, cols]`` to -inf in place (rows/cols -1 are skipped)."""
    keep = (rows >= 0) & (cols >= 0)
    scores[rows[keep], cols[keep]] = -np.inf


# ----------------------------------------------------------------------------- selection


def top_candidates(scores: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``m`` best columns (score descending, then column ascending) and scores.

    Excluded cells (-inf) come last and are marked by a -inf score.
    """
    m = min(m, scores.shape[1])
    if m == 0:
        return np.zeros((len(scores), 0), np.int64), np.zeros((len(scores), 0))
    part = np.argpartition(-scores, m - 1, axis=1)[:, :m] if m < scores.shape[1] else \
        np.tile(np.arange(scores.shape[1]), (len(scores), 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    cols = np.take_along_axis(part, order, axis=1)
    return cols, np.take_along_axis(scores, cols, axis=1)


def mmr_select(cols: np.ndarray, scores: np.ndarray, similarity: np.ndarray, n: int,
               penalty: float) -> np.ndarray:
    """Maximal marginal relevance over each row's candidates, all rows at once.

    ``cols``/``scores``: candidates per row (from :func:`top_candidates`);
    ``similarity``: items x items in [0, 1]. Step by step (n steps, not learners), each row
    takes the candidate maximising ``score - penalty * max similarity to those taken``.
    Returns positions into ``cols`` (rows x n; -1 where a row ran out of candidates).
    """
    rows, m = cols.shape
    chosen = np.full((rows, min(n, m)), -1, dtype=np.int64)
    if m == 0:
        return chosen
    pair_sim = similarity[cols[:, :, None], cols[:, None, :]]  # rows x m x m
    max_sim = np.zeros((rows, m))
    available = np.isfinite(scores)
    r = np.arange(rows)
    for step in range(chosen.shape[1]):
        value = np.where(available, scores - penalty * max_sim, -np.inf)
        best = np.argmax(value, axis=1)
        ok = np.isfinite(value[r, best])
        chosen[ok, step] = best[ok]
        available[r[ok], best[ok]] = False
        max_sim[ok] = np.maximum(max_sim[ok], pair_sim[r[ok], best[ok]])
    return chosen


def cap_per_group(frame: pd.DataFrame, by: list[str], cap: int) -> pd.DataFrame:
    """Rows of ``frame`` (already in preference order) beyond ``cap`` per ``by`` dropped."""
    return frame[frame.groupby(by, sort=False).cumcount() < cap]


# ----------------------------------------------------------------------------- scoring


def confidence(score: np.ndarray, max_score: float) -> np.ndarray:
    """``score / max_score`` clipped to [0, 1], 2 decimals (see the module docstring)."""
    return np.round(np.clip(np.asarray(score, float) / max_score, 0.0, 1.0), 2)


def material_matrix(contributions: np.ndarray, config: RecommenderConfig) -> np.ndarray:
    """Rows x terms bool: the terms worth naming in each row's reason.

    A term is material when its contribution is positive, at least ``material_share`` of
    the row's positive contributions and at least ``material_min``; the largest positive
    term always is (so every reason names what mattered most).
    """
    positive = np.clip(contributions, 0.0, None)
    total = positive.sum(axis=1, keepdims=True)
    bar = np.maximum(config.material_share * total, config.material_min)
    material = (positive > 0) & (positive >= bar)
    rows = np.flatnonzero(total.ravel() > 0)
    material[rows, np.argmax(positive[rows], axis=1)] = True
    return material
