"""Per-chunk learner matrices shared by the recommendation types.

A chunk is a few hundred to a few thousand learners; every matrix here is
learners x skills or learners x items, dense, so each type scores a chunk with a few
matrix products instead of a loop over learners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from features.catalog import FORMATS
from models.career import missing_skills
from models.recommend_policy import excluded_pairs
from models.recommend_space import (
    PREFERRED_FORMAT_FIT,
    STYLE_FORMAT_FIT,
    STYLE_FORMATS,
    CatalogSpace,
    LearnerInputs,
)


@dataclass(frozen=True)
class LearnerRows:
    """A per-learner frame sorted by the learner's position in the run, so a chunk (a
    contiguous range of positions) takes its rows with two binary searches instead of
    scanning the whole frame once per chunk."""

    frame: pd.DataFrame  # with a "row" column: the learner's position in the run

    @classmethod
    def of(cls, frame: pd.DataFrame, inputs: LearnerInputs) -> LearnerRows:
        pos = inputs.positions(frame["learner_id"].to_numpy())
        keep = pos >= 0
        out = frame[keep].assign(row=pos[keep])
        return cls(out.sort_values("row", kind="stable").reset_index(drop=True))

    def chunk(self, rows: np.ndarray) -> pd.DataFrame:
        """The rows of learners ``rows`` (ascending positions), with "row" renumbered to
        the position in the chunk."""
        pos = self.frame["row"].to_numpy()
        lo, hi = np.searchsorted(pos, [rows[0], rows[-1] + 1]) if len(rows) else (0, 0)
        out = self.frame.iloc[lo:hi].copy()
        if len(rows) and rows[-1] - rows[0] + 1 != len(rows):  # not a contiguous range
            inside = np.searchsorted(rows, out["row"].to_numpy())
            out = out[rows[np.minimum(inside, len(rows) - 1)] == out["row"].to_numpy()]
            out["row"] = np.searchsorted(rows, out["row"].to_numpy())
            return out
        out["row"] = out["row"].to_numpy() - (rows[0] if len(rows) else 0)
        return out


@dataclass(frozen=True)
class RunFrames:
    """The run's per-learner frames, indexed once: enrolments, quiz accuracy, and per
    recommendation type the (learner, reference) pairs never to recommend again."""

    enrollments: LearnerRows
    quiz: LearnerRows
    excluded: dict[str, LearnerRows]

    @classmethod
    def of(cls, inputs: LearnerInputs) -> RunFrames:
        kinds = inputs.feedback["recommendation_type"].dropna().unique()
        return cls(enrollments=LearnerRows.of(inputs.enrollments, inputs),
                   quiz=LearnerRows.of(inputs.quiz, inputs),
                   excluded={k: LearnerRows.of(excluded_pairs(inputs.feedback, k), inputs)
                             for k in kinds})


@dataclass(frozen=True)
class ChunkContext:
    """One chunk of learners (``rows`` are positions in the run's inputs)."""

    rows: np.ndarray  # (n,) positions into inputs.learner_ids
    learner_ids: np.ndarray  # (n,)
    levels: np.ndarray  # (n, S) float32, 0..4
    target: np.ndarray  # (n,) target role position, -1 none
    missing: pd.DataFrame  # missing skills of the target role (learner = chunk position)
    missing_weight: np.ndarray  # (n, S) role weight of each missing skill, 0 elsewhere
    missing_count: np.ndarray  # (n,)
    format_fit: np.ndarray  # (n, F) 1 preferred format, 0.5 style format, 0 else
    preferred_format: np.ndarray  # (n,) str or None
    learning_style: np.ndarray  # (n,) str or None
    vectors: np.ndarray  # (n, d)
    enrollments: pd.DataFrame  # the chunk's enrolments; "row" = position in the chunk
    quiz: pd.DataFrame  # the chunk's quiz accuracy per course; "row" as above
    excluded: dict[str, pd.DataFrame]  # per type: (row, reference_id) never again

    @property
    def n(self) -> int:
        return len(self.rows)

    def excluded_for(self, kind: str) -> pd.DataFrame:
        return self.excluded.get(kind, pd.DataFrame({"row": pd.Series(dtype=np.int64),
                                                     "reference_id": pd.Series(dtype=object)}))

    def relative_missing(self) -> np.ndarray:
        """Missing weights divided by the learner's heaviest missing weight (0..1)."""
        top = self.missing_weight.max(axis=1, keepdims=True)
        return np.divide(self.missing_weight, top, out=np.zeros_like(self.missing_weight),
                         where=top > 0)


def chunk_context(inputs: LearnerInputs, space: CatalogSpace, rows: np.ndarray,
                  frames: RunFrames) -> ChunkContext:
    levels = inputs.levels[rows].toarray().astype(np.float32)
    target = inputs.careers["target_pos"].to_numpy()[rows].astype(np.int64)
    missing = missing_skills(sparse.csr_matrix(levels), target, space.roles)
    weight = np.zeros_like(levels)
    weight[missing["learner"].to_numpy(), missing["skill"].to_numpy()] = missing["weight"]
    ids = inputs.learner_ids[rows]
    profile = inputs.profile.reindex(ids)
    preferred = _column(profile, "preferred_content_format")
    style = _column(profile, "learning_style")
    return ChunkContext(
        rows=rows, learner_ids=ids, levels=levels, target=target, missing=missing,
        missing_weight=weight,
        missing_count=np.bincount(missing["learner"].to_numpy(), minlength=len(rows)),
        format_fit=format_fit_matrix(preferred, style), preferred_format=preferred,
        learning_style=style, vectors=np.asarray(inputs.vectors[rows], dtype=np.float32),
        enrollments=frames.enrollments.chunk(rows), quiz=frames.quiz.chunk(rows),
        excluded={k: v.chunk(rows) for k, v in frames.excluded.items()})


def enrollment_matrix(ctx: ChunkContext, space: CatalogSpace,
                      enrollments: pd.DataFrame) -> sparse.csr_matrix:
    """Chunk learners x courses, 1 where ``enrollments`` has the pair (any number of times)."""
    rows = enrollments["row"].to_numpy()
    cols = space.course_position(enrollments["course_id"])
    keep = (rows >= 0) & (cols >= 0)
    matrix = sparse.csr_matrix((np.ones(int(keep.sum()), np.float32), (rows[keep], cols[keep])),
                               shape=(ctx.n, space.n_courses))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), None, dtype=object)
    values = frame[name].astype(object)
    return values.where(values.notna(), None).to_numpy(dtype=object)


def format_fit_matrix(preferred: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Learners x FORMATS: 1 for the stated format, 0.5 for formats suiting the style."""
    out = np.zeros((len(preferred), len(FORMATS)), dtype=np.float32)
    for f, name in enumerate(FORMATS):  # six formats, not learners
        suits = np.array([name in STYLE_FORMATS.get(s, ()) for s in style], dtype=bool) \
            if len(style) else np.zeros(0, bool)
        out[suits, f] = STYLE_FORMAT_FIT
        out[np.asarray(preferred == name, dtype=bool), f] = PREFERRED_FORMAT_FIT
    return out


def item_format_fit(ctx: ChunkContext, item_format: np.ndarray) -> np.ndarray:
    """Learners x items format fit (items of unknown format get 0)."""
    fit = ctx.format_fit[:, np.maximum(item_format, 0)]
    return np.where(item_format[None, :] >= 0, fit, 0.0).astype(np.float32)


def format_match(preferred: object, style: object, item_format: str | None) -> str | None:
    """Why a format fits: 'preferred', 'style', or None (for reasons)."""
    if item_format is None:
        return None
    if preferred == item_format:
        return "preferred"
    if item_format in STYLE_FORMATS.get(str(style), ()):
        return "style"
    return None


def skills_per_pair(item_skills: sparse.csr_matrix, items: np.ndarray, weights: np.ndarray,
                    skill_rank: np.ndarray) -> list[list[int]]:
    """Per (item, weight row) pair, the skills the item teaches whose weight is positive,
    heaviest first (ties: ``skill_rank`` ascending), as skill positions.

    ``weights`` has one row per pair (pairs x S); vectorised: a sparse product, one sort
    and one split, whatever the number of pairs.
    """
    if len(items) == 0:
        return []
    taught = item_skills[items].tocoo()
    w = weights[taught.row, taught.col]
    keep = w > 0
    row, col, w = taught.row[keep], taught.col[keep], w[keep]
    order = np.lexsort((skill_rank[col], -w, row))
    ends = np.cumsum(np.bincount(row, minlength=len(items))).tolist()
    flat = col[order].tolist()
    return [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def key_rank(keys: np.ndarray) -> np.ndarray:
    """Rank of each key in sorted order (for alphabetical tie-breaks on positions)."""
    rank = np.empty(len(keys), dtype=np.int64)
    rank[np.argsort(keys, kind="stable")] = np.arange(len(keys))
    return rank
