"""The embedding cache: a text is encoded once per model, then read from ``text_embeddings``.

Rows are keyed by ``(model_id, text_hash)`` (see :func:`models.embeddings.text_hash`)
and hold the vector as little-endian float32 bytes. A nightly run therefore
encodes only the texts it has never seen; learner vectors are pooled from the
returned matrix by the caller (:func:`models.embeddings.weighted_mean_unit`).

Writes use INSERT IGNORE (MySQL) / INSERT OR IGNORE (SQLite): two runs that
encode the same new text at once both succeed, and since a text's vector is a
pure function of (model, text), whichever row won is the right one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Insert, delete, select
from sqlalchemy.dialects import mysql, sqlite

from features.schema import TextEmbedding
from models.embeddings import normalize_text, text_hash, weighted_mean_unit

_TABLE = TextEmbedding.__table__
#: Stored byte order and type of ``text_embeddings.vector``.
VECTOR_DTYPE = np.dtype("<f4")
#: Owners pooled at once by :func:`pooled_text_vectors` (bounds the per-row matrix:
#: ~200 MB at 12 texts an owner).
POOL_OWNERS = 10_000


class Encoder(Protocol):
    """What the cache needs of an encoder (:class:`models.embeddings.TextEncoder`)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class EmbeddingStats:
    """How a call was served: ``requested = len(texts)``; ``unique = cached + encoded``."""

    requested: int
    unique: int
    cached: int
    encoded: int


def embed_texts(
    engine: Engine, encoder: Encoder, texts: Sequence[str], *, chunk_size: int = 2000
) -> np.ndarray:
    """(len(texts), dim) float32 unit vectors, row i for ``texts[i]``, via the cache."""
    return embed_texts_with_stats(engine, encoder, texts, chunk_size=chunk_size)[0]


def embed_texts_with_stats(
    engine: Engine, encoder: Encoder, texts: Sequence[str], *, chunk_size: int = 2000
) -> tuple[np.ndarray, EmbeddingStats]:
    """Like :func:`embed_texts`, plus how many texts were cached and how many encoded.

    Texts are normalised (:func:`models.embeddings.normalize_text`) before
    hashing and encoding, so "Python " and "Python" share one row. Duplicates
    are encoded once. Missing vectors are encoded and stored ``chunk_size``
    texts at a time, each chunk in its own transaction, so an interrupted run
    keeps what it already paid for.
    """
    vectors, inverse, stats = embed_unique_texts(engine, encoder, texts, chunk_size=chunk_size)
    return vectors[inverse], stats


def embed_unique_texts(
    engine: Engine, encoder: Encoder, texts: Sequence[str], *, chunk_size: int = 2000
) -> tuple[np.ndarray, np.ndarray, EmbeddingStats]:
    """:func:`embed_texts_with_stats` without repeating rows: one vector per distinct
    (normalised) text, the position of each of ``texts`` among them, and the stats —
    ``vectors[inverse]`` is the other's matrix. For pooling many owners' texts (1.25M
    skill rows of 100,000 learners are 1.9 GB as a float32 matrix, their 20,000
    distinct texts 30 MB)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if len(texts) == 0:
        return (np.empty((0, encoder.dim), dtype=np.float32), np.zeros(0, dtype=np.int64),
                EmbeddingStats(0, 0, 0, 0))
    hashes, unique_texts, inverse = _dedupe(texts)
    model_id = encoder.model_id
    found = _load_cached(engine, model_id, hashes, chunk_size)
    # All cached: take the size from the rows, so a fully cached call never
    # loads the model (encoder.dim may need it for a non-default model).
    dim = next(iter(found.values())).shape[0] if found else encoder.dim
    unique_vectors = np.empty((len(hashes), dim), dtype=np.float32)
    is_cached = np.zeros(len(hashes), dtype=bool)
    if found:
        positions = pd.Index(hashes).get_indexer(list(found))
        unique_vectors[positions] = np.stack(list(found.values()))
        is_cached[positions] = True
    missing = np.flatnonzero(~is_cached)
    for start in range(0, len(missing), chunk_size):
        part = missing[start : start + chunk_size]
        vectors = np.asarray(encoder.encode([unique_texts[i] for i in part]), np.float32)
        _check_dim(vectors, dim, model_id)
        unique_vectors[part] = vectors
        _store(engine, model_id, [hashes[i] for i in part], vectors)
    stats = EmbeddingStats(
        requested=len(texts), unique=len(hashes), cached=len(found), encoded=len(missing)
    )
    return unique_vectors, np.asarray(inverse, dtype=np.int64), stats


def pooled_text_vectors(engine: Engine, encoder: Encoder, texts: pd.DataFrame,
                        owner_ids: np.ndarray) -> tuple[np.ndarray, EmbeddingStats]:
    """One unit vector per owner of ``owner_ids`` (a float32 row, zero for an owner
    without texts): the weighted mean of its texts' vectors
    (:func:`models.embeddings.weighted_mean_unit`), and how the texts were served.

    ``texts``: ``learner_id`` (the owner), ``text`` and ``weight`` per row. Pooled
    :data:`POOL_OWNERS` owners at a time from the distinct texts' vectors: the whole
    per-row matrix repeats them (100,000 learners' intent texts are 1.3 GB as one
    float32 matrix, their distinct texts a few MB). Each owner's rows stay in order,
    so the bits equal pooling everything at once."""
    vectors, inverse, stats = embed_unique_texts(engine, encoder, texts["text"].tolist())
    owners, weights = texts["learner_id"].to_numpy(), texts["weight"].to_numpy(np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("weights must be finite and non-negative")
    ids = np.asarray(owner_ids)
    positions = pd.Index(ids).get_indexer(owners)
    matrix = np.zeros((len(ids), vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(ids), POOL_OWNERS):
        rows = np.flatnonzero((positions >= start) & (positions < start + POOL_OWNERS))
        _, matrix[start:start + POOL_OWNERS] = weighted_mean_unit(
            vectors[inverse[rows]], owners[rows], weights[rows],
            index=ids[start:start + POOL_OWNERS])
    return matrix, stats


def _dedupe(texts: Sequence[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Unique hashes, the normalised text of each, and each input's position among them."""
    # Hash each distinct raw string once (inputs repeat a lot: many learners, few skills).
    raw_codes, raw_unique = pd.factorize(pd.Series(texts, dtype=object), use_na_sentinel=False)
    normalised = [normalize_text(str(t)) for t in raw_unique]
    raw_hashes = [text_hash(t) for t in normalised]
    # Different raw strings can normalise to the same text: dedupe again by hash.
    hash_codes, hashes = pd.factorize(pd.Series(raw_hashes, dtype=object))
    unique_texts: list[str] = [""] * len(hashes)
    for text, code in zip(normalised, hash_codes, strict=True):
        unique_texts[code] = text
    return np.asarray(hashes, dtype=object), unique_texts, hash_codes[raw_codes]


def _load_cached(
    engine: Engine, model_id: str, hashes: np.ndarray, chunk_size: int
) -> dict[str, np.ndarray]:
    """Cached vectors by hash, read in IN (...) chunks to stay under parameter limits."""
    found: dict[str, np.ndarray] = {}
    bad: list[str] = []
    columns = (_TABLE.c.text_hash, _TABLE.c.dim, _TABLE.c.vector)
    with engine.connect() as conn:
        for start in range(0, len(hashes), chunk_size):
            chunk = hashes[start : start + chunk_size].tolist()
            query = select(*columns).where(
                _TABLE.c.model_id == model_id, _TABLE.c.text_hash.in_(chunk)
            )
            for key, dim, blob in conn.execute(query):
                if len(blob) != dim * VECTOR_DTYPE.itemsize:
                    bad.append(key)  # truncated or foreign row: re-encode it
                    continue
                found[key] = np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(np.float32)
    dims = {v.shape[0] for v in found.values()}
    if len(dims) > 1:
        raise ValueError(
            f"text_embeddings holds vectors of several sizes {sorted(dims)} for model "
            f"{model_id!r}: delete that model's rows and rerun"
        )
    if bad:
        _delete(engine, model_id, bad)
    return found


def _check_dim(vectors: np.ndarray, dim: int, model_id: str) -> None:
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        raise ValueError(
            f"Encoder {model_id!r} returned shape {vectors.shape}, but its vectors are "
            f"{dim}-d (encoder.dim or the cached rows): a different model under the same id?"
        )


def _store(engine: Engine, model_id: str, hashes: list[str], vectors: np.ndarray) -> None:
    blobs = vectors.astype(VECTOR_DTYPE, copy=False)
    rows = [
        {"model_id": model_id, "text_hash": h, "dim": blobs.shape[1], "vector": v.tobytes()}
        for h, v in zip(hashes, blobs, strict=True)
    ]
    with engine.begin() as conn:
        conn.execute(_insert_ignore(conn), rows)


def _insert_ignore(conn: Connection) -> Insert:
    """An INSERT that skips rows whose key a concurrent writer already stored."""
    if conn.dialect.name in ("mysql", "mariadb"):
        return mysql.insert(_TABLE).prefix_with("IGNORE")
    if conn.dialect.name == "sqlite":
        return sqlite.insert(_TABLE).on_conflict_do_nothing()
    raise NotImplementedError(f"embedding cache: unsupported dialect {conn.dialect.name}")


def _delete(engine: Engine, model_id: str, hashes: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(_TABLE).where(_TABLE.c.model_id == model_id, _TABLE.c.text_hash.in_(hashes))
        )
