"""The embedding cache on SQLite and MariaDB: each text is encoded once per model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from features.embedding_cache import EmbeddingStats, embed_texts, embed_texts_with_stats
from features.schema import TextEmbedding
from models.embeddings import TextEncoder, text_hash


class FakeEncoder:
    """Same interface as TextEncoder; vectors derived from the text, no model."""

    def __init__(self, model_id: str = "fake-a", dim: int = 8) -> None:
        self.model_id = model_id
        self.dim = dim
        self.encoded_count = 0
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.encoded_count += len(texts)
        seeds = [int(hashlib.md5(f"{self.model_id}|{t}".encode()).hexdigest()[:8], 16)
                 for t in texts]
        out = np.array([np.random.default_rng(s).normal(size=self.dim) for s in seeds],
                       dtype=np.float32).reshape(len(texts), self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    return TextEncoder()


def _rows(engine: Engine, model_id: str | None = None) -> int:
    query = select(func.count()).select_from(TextEmbedding)
    if model_id is not None:
        query = query.where(TextEmbedding.model_id == model_id)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def test_real_model_encodes_once_then_reads_the_cache(engine: Engine, encoder: TextEncoder) -> None:
    texts = ["Python", "Data analysis", "Python", "  Data   analysis ", "Patient care"]
    before = encoder.encoded_count
    first, stats = embed_texts_with_stats(engine, encoder, texts)
    assert stats == EmbeddingStats(requested=5, unique=3, cached=0, encoded=3)
    assert encoder.encoded_count - before == 3
    assert first.shape == (5, 384) and first.dtype == np.float32
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_array_equal(first[1], first[3])
    np.testing.assert_allclose(first, encoder.encode(texts), atol=1e-5)  # same as direct
    assert _rows(engine, encoder.model_id) == 3
    with engine.connect() as conn:
        row = conn.execute(select(TextEmbedding.dim, TextEmbedding.vector).where(
            TextEmbedding.text_hash == text_hash("Patient care"))).one()
    assert row.dim == 384 and len(row.vector) == 384 * 4
    np.testing.assert_array_equal(np.frombuffer(row.vector, "<f4"), first[4])

    before = encoder.encoded_count
    second, stats = embed_texts_with_stats(engine, encoder, texts)
    assert stats == EmbeddingStats(requested=5, unique=3, cached=3, encoded=0)
    assert encoder.encoded_count == before
    np.testing.assert_array_equal(second, first)


def test_only_new_texts_are_encoded(engine: Engine) -> None:
    enc = FakeEncoder()
    first = embed_texts(engine, enc, ["a", "b", "a"])
    assert enc.calls == [["a", "b"]]
    out, stats = embed_texts_with_stats(engine, enc, ["b", "c", "a", "c"])
    assert enc.calls[-1] == ["c"]
    assert stats == EmbeddingStats(requested=4, unique=3, cached=2, encoded=1)
    np.testing.assert_array_equal(out[0], first[1])
    np.testing.assert_array_equal(out[2], first[0])
    np.testing.assert_array_equal(out[1], out[3])
    assert _rows(engine) == 3


def test_a_different_model_does_not_reuse_vectors(engine: Engine) -> None:
    a, b = FakeEncoder("fake-a"), FakeEncoder("fake-b")
    va = embed_texts(engine, a, ["x", "y"])
    vb, stats = embed_texts_with_stats(engine, b, ["x", "y"])
    assert stats.encoded == 2 and b.encoded_count == 2
    assert not np.allclose(va, vb)
    assert _rows(engine, "fake-a") == 2 and _rows(engine, "fake-b") == 2


def test_chunks_and_concurrent_writer(engine: Engine) -> None:
    enc = FakeEncoder()
    texts = [f"skill {i}" for i in range(25)]
    # Another writer stored some of the same keys after our read: INSERT IGNORE
    # keeps theirs and ours succeeds.
    other = FakeEncoder()
    embed_texts(engine, other, texts[5:9])
    out, stats = embed_texts_with_stats(engine, enc, texts, chunk_size=7)
    assert stats == EmbeddingStats(requested=25, unique=25, cached=4, encoded=21)
    assert all(len(call) <= 7 for call in enc.calls)
    np.testing.assert_allclose(out, FakeEncoder().encode(texts), atol=1e-6)
    assert _rows(engine) == 25


def test_insert_tolerates_rows_already_present(engine: Engine) -> None:
    from features.embedding_cache import _store

    enc = FakeEncoder()
    vectors = enc.encode(["p", "q"])
    hashes = [text_hash("p"), text_hash("q")]
    _store(engine, enc.model_id, hashes[:1], vectors[:1])
    _store(engine, enc.model_id, hashes, vectors)  # "p" again: ignored, no error
    assert _rows(engine) == 2


def test_empty_input_loads_no_model(engine: Engine) -> None:
    enc = TextEncoder()
    out, stats = embed_texts_with_stats(engine, enc, [])
    assert out.shape == (0, 384)
    assert stats == EmbeddingStats(0, 0, 0, 0)
    assert not enc.loaded


def test_pooled_vectors_equal_pooling_every_row_at_once(engine: Engine, monkeypatch) -> None:
    import pandas as pd

    import features.embedding_cache as cache
    from models.embeddings import weighted_mean_unit

    rng = np.random.default_rng(7)
    owners = rng.integers(1, 40, 300)
    texts = pd.DataFrame({"learner_id": owners,
                          "text": [f"skill {i}" for i in rng.integers(0, 25, 300)],
                          "weight": rng.uniform(0, 2, 300)})
    ids = np.arange(45)[::-1]  # owners 40..44 and 0 have no texts; order is the caller's
    enc = FakeEncoder()
    whole = weighted_mean_unit(embed_texts(engine, enc, texts["text"].tolist()), owners,
                               texts["weight"].to_numpy(), index=ids)[1]
    monkeypatch.setattr(cache, "POOL_OWNERS", 7)  # seven pooling rounds, not one
    pooled, stats = cache.pooled_text_vectors(engine, enc, texts, ids)
    np.testing.assert_array_equal(pooled, whole)
    assert pooled.dtype == np.float32 and pooled.shape == (45, enc.dim)
    assert not pooled[ids >= 40].any() and not pooled[ids == 0].any()
    np.testing.assert_allclose(np.linalg.norm(pooled[(ids > 0) & (ids < 40)], axis=1), 1,
                               rtol=1e-5)
    assert stats.requested == 300 and stats.encoded == 0 and stats.unique <= 25
