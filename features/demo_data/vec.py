"""Vectorised building blocks shared by the generators.

Ragged data (sessions of a learner, events of a session, content items of a
course) is held as flat arrays plus per-segment ``starts``/``counts`` (CSR),
so every step is a numpy operation over all rows at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of an ``(n, k)`` matrix of (unnormalised) weights."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def choice(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    """``size`` draws of an index with fixed weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def segment_index(counts: np.ndarray) -> np.ndarray:
    """For segments of the given lengths, the segment number of each flat row."""
    return np.repeat(np.arange(len(counts)), counts)


def rank_in_segment(counts: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... restarting at each segment."""
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) - np.repeat(starts, counts)


def starts_of(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def pick_in_segments(
    rng: np.random.Generator, starts: np.ndarray, counts: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """A uniformly random flat position inside segment ``rows[i]``; -1 for empty segments."""
    c = counts[rows]
    pos = starts[rows] + np.floor(rng.random(len(rows)) * c).astype(np.int64)
    return np.where(c > 0, pos, -1)


def clip_round(values: np.ndarray, low: float, high: float, decimals: int = 2) -> np.ndarray:
    return np.round(np.clip(values, low, high), decimals)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def zscore(x: np.ndarray) -> np.ndarray:
    """Standardise with fixed-population moments; zeros when there is no spread."""
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x, dtype=float)


def uniform_between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Integer seconds uniformly in ``[low, high)`` per row (``low`` where empty)."""
    span = np.maximum(np.asarray(high) - np.asarray(low), 1)
    return np.asarray(low) + np.floor(rng.random(np.shape(span)) * span).astype(np.int64)


def join_str(*parts: object) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars (an object array)."""
    if any(np.ndim(p) == 1 and len(p) == 0 for p in parts):  # numpy's char ops reject empties
        return np.array([], dtype=object)
    out: np.ndarray | None = None
    for part in parts:
        arr = np.asarray(part)
        arr = arr.astype(str) if arr.dtype.kind not in "UO" else arr.astype(str)
        out = arr if out is None else np.char.add(out, arr)
    assert out is not None
    return out.astype(object)


def nullable_ids(ids: np.ndarray, pos: np.ndarray) -> pd.arrays.IntegerArray:
    """``ids[pos]`` as a nullable integer column, NULL where ``pos`` is -1."""
    missing = pos < 0
    return pd.arrays.IntegerArray(np.where(missing, 0, ids[np.maximum(pos, 0)]).astype(np.int64),
                                  missing)


def nullable_int(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def table_frame(columns: dict[str, object]) -> pd.DataFrame:
    """A DataFrame over the given arrays without pandas' string inference.

    pandas 3 turns object arrays of Python strings into Arrow-backed ``str``
    columns, which costs more than generating them and is undone by the
    writer; object columns stay object here. Scalars are broadcast.
    """
    n = next((len(v) for v in columns.values() if np.ndim(v) == 1), 1)
    data: dict[str, object] = {}
    for name, values in columns.items():
        if np.ndim(values) == 0:
            values = np.full(n, values, dtype=object if values is None else None)
        if isinstance(values, np.ndarray) and values.dtype.kind in "OU":
            values = pd.Series(values.astype(object, copy=False), dtype=object, copy=False)
        data[name] = values
    return pd.DataFrame(data, copy=False)
