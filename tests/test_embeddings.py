"""The text encoder (offline, unit float32 vectors), hashing and per-owner pooling."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from features.errors import ConfigurationError
from models.embeddings import (
    DEFAULT_MODEL,
    TextEncoder,
    normalize_text,
    resolve_model_path,
    rounded,
    text_hash,
    weighted_mean_unit,
)


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    return TextEncoder()


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)  # the vectors are unit length


# ---------------------------------------------------------------------------- encoder


def test_construction_loads_nothing() -> None:
    enc = TextEncoder()
    assert not enc.loaded
    assert enc.model_id == DEFAULT_MODEL
    assert enc.dim == 384
    assert enc.encode([]).shape == (0, 384)
    assert not enc.loaded, "dim and empty input must not load the default model"


def test_encoder_loads_offline_unit_float32(encoder: TextEncoder) -> None:
    vectors = encoder.encode(["Python", "Patient care", ""])
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_semantically_close_texts_are_closer(encoder: TextEncoder) -> None:
    prog, python, care = encoder.encode(["Python programming", "Python", "Patient care"])
    assert _cos(prog, python) > _cos(python, care) + 0.2


def test_encode_preserves_input_order(encoder: TextEncoder) -> None:
    texts = ["a much longer sentence about cloud infrastructure and databases", "SQL",
             "Data visualisation with charts", "Go", "nursing"]
    together = encoder.encode(texts)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_encoded_count_counts_texts_run_through_the_model() -> None:
    enc = TextEncoder()
    enc.encode(["x", "y", "x"])
    assert enc.encoded_count == 3


def test_unknown_model_is_a_configuration_error() -> None:
    enc = TextEncoder("no-such-org/no-such-model-xyz")
    with pytest.raises(ConfigurationError, match="offline"):
        enc.encode(["x"])


def test_missing_model_directory_is_a_configuration_error(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        resolve_model_path(str(tmp_path / "missing"))


def test_model_paths_and_ids(tmp_path) -> None:
    assert os.path.isdir(resolve_model_path(DEFAULT_MODEL))
    # The bundled directory given by path is still the default model.
    assert TextEncoder(resolve_model_path(DEFAULT_MODEL)).model_id == DEFAULT_MODEL
    a, b = tmp_path / "a" / "model", tmp_path / "b" / "model"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    id_a, id_b = TextEncoder(str(a)).model_id, TextEncoder(str(b)).model_id
    assert id_a.startswith("model-") and id_b.startswith("model-") and id_a != id_b
    assert TextEncoder(str(a)).model_id == id_a, "stable"
    assert len(TextEncoder("x" * 300).model_id) <= 100


def test_importing_does_not_load_torch() -> None:
    # Model loading is lazy; torch is only imported when a model loads. Checked
    # in a fresh interpreter, as this one has torch already.
    import subprocess

    code = "import models.embeddings, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------- hashing


def test_text_hash_normalises_whitespace_and_unicode_not_case() -> None:
    assert normalize_text("  Machine \t\n learning  ") == "Machine learning"
    assert text_hash("  Machine \t\n learning  ") == text_hash("Machine learning")
    assert text_hash("Caf\u0065\u0301") == text_hash("Caf\u00e9")  # NFD == NFC
    assert text_hash("Go") != text_hash("go")  # case kept on purpose
    assert len(text_hash("x")) == 64
    assert text_hash("") == text_hash("   ")


# ---------------------------------------------------------------------------- pooling


def test_weighted_mean_unit_exact_values() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 4.0], [1.0, 1.0]], dtype=np.float32)
    owners = np.array([10, 10, 20, 30])
    weights = np.array([3.0, 1.0, 2.0, 0.0])
    ids, matrix = weighted_mean_unit(vectors, owners, weights)
    np.testing.assert_array_equal(ids, [10, 20, 30])
    assert matrix.dtype == np.float32
    # owner 10: (3*[1,0] + 1*[0,1]) / 4 = [0.75, 0.25] -> unit [3, 1] / sqrt(10)
    np.testing.assert_allclose(matrix[0], np.array([3, 1]) / np.sqrt(10), rtol=1e-6)
    np.testing.assert_allclose(matrix[1], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(matrix[2], [0.0, 0.0])  # zero weight: zero vector


def test_weighted_mean_unit_with_index_order_and_absent_owners() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]], dtype=np.float32)
    owners = np.array(["b", "a", "zz"])
    ids, matrix = weighted_mean_unit(vectors, owners, index=["a", "c", "b"])
    assert list(ids) == ["a", "c", "b"]
    np.testing.assert_allclose(matrix, [[0, 1], [0, 0], [1, 0]], atol=1e-7)  # "zz" ignored


def test_weighted_mean_unit_cancelling_vectors_and_bad_weights() -> None:
    vectors = np.array([[1.0, 0.0], [-1.0, 0.0]], dtype=np.float32)
    _, matrix = weighted_mean_unit(vectors, np.array([1, 1]))
    np.testing.assert_array_equal(matrix, [[0.0, 0.0]])
    with pytest.raises(ValueError, match="non-negative"):
        weighted_mean_unit(vectors, np.array([1, 1]), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="one entry per vector"):
        weighted_mean_unit(vectors, np.array([1]))


def test_weighted_mean_unit_empty() -> None:
    ids, matrix = weighted_mean_unit(np.empty((0, 3), np.float32), np.array([], dtype=int),
                                     index=[7])
    assert list(ids) == [7]
    np.testing.assert_array_equal(matrix, np.zeros((1, 3)))


def test_rounded_gives_plain_floats() -> None:
    out = rounded(np.array([0.1234567, -0.5], dtype=np.float32))
    assert out == [0.12346, -0.5]
    assert all(type(x) is float for x in out)
