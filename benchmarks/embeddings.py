"""Encode throughput and the embedding cache's overhead, on a temporary SQLite file.

    .venv/bin/python benchmarks/embeddings.py --texts 5000 --repeat 3

Measures, for N unique short texts (skill-like phrases, each requested
``--repeat`` times as learners would):

- bare: ``SentenceTransformer.encode`` over the unique texts (the floor);
- TextEncoder.encode over the unique texts (length sorting, order restoring);
- cold cache: ``embed_texts`` on an empty cache (hash, dedupe, encode, store);
- warm cache: ``embed_texts`` again (hash, dedupe, read; nothing encoded).

and prints a markdown table with texts/s and each row's time relative to bare.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from features import migrate
from features.embedding_cache import EmbeddingStats, embed_texts_with_stats
from features.engine import make_engine
from models.embeddings import DEFAULT_MODEL, TextEncoder

_VOCABULARY = (
    "python java data machine learning deep cloud aws azure docker kubernetes sql "
    "analysis statistics patient care nursing pharmacology teaching curriculum "
    "assessment finance accounting budgeting marketing seo branding design ux figma "
    "leadership communication negotiation project management agile scrum security "
    "network writing editing spanish german recruiting payroll product strategy"
)


def make_texts(n: int, seed: int = 0) -> list[str]:
    """N unique phrases of 1-6 words (numbered so that they are unique)."""
    rng = np.random.default_rng(seed)
    words = _VOCABULARY.split()
    lengths = rng.integers(1, 7, size=n)
    return [" ".join(rng.choice(words, size=k)) + f" {i}" for i, k in enumerate(lengths)]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timed_cache_call(
    engine: Engine, encoder: TextEncoder, texts: list[str]
) -> tuple[float, EmbeddingStats]:
    start = time.perf_counter()
    _, stats = embed_texts_with_stats(engine, encoder, texts)
    return time.perf_counter() - start, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=5000, help="unique texts")
    parser.add_argument("--repeat", type=int, default=3, help="times each text is requested")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--device", default=None)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()

    unique = make_texts(args.texts)
    requested = unique * args.repeat
    encoder = TextEncoder(args.model, batch_size=args.batch_size, device=args.device)
    model = encoder._load()  # load outside the timings
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    encoder.encode(unique[:64])  # warm-up: first batches pay for allocations

    def bare() -> None:
        model.encode(unique, batch_size=args.batch_size, normalize_embeddings=True,
                     convert_to_numpy=True, show_progress_bar=False)

    steps: dict[str, tuple[int, int, list[float]]] = {}

    def record(label: str, n_requested: int, n_encoded: int, seconds: float) -> None:
        steps.setdefault(label, (n_requested, n_encoded, []))[2].append(seconds)

    # Several rounds, best time kept: a shared CPU makes single timings noisy.
    for _ in range(args.rounds):
        record("bare SentenceTransformer.encode", len(unique), len(unique), timed(bare))
        record("TextEncoder.encode", len(unique), len(unique),
               timed(lambda: encoder.encode(unique)))
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            migrate.upgrade(engine)
            for label in ("embed_texts, cold cache", "embed_texts, warm cache"):
                seconds, stats = timed_cache_call(engine, encoder, requested)
                record(label, len(requested), stats.encoded, seconds)
            engine.dispose()
    results = [(label, n_req, n_enc, min(times)) for label, (n_req, n_enc, times)
               in steps.items()]

    import torch

    base = results[0][3]
    print(f"\nmodel {encoder.model_id}, device {model.device}, torch threads "
          f"{torch.get_num_threads()}, batch {args.batch_size}, {len(unique)} unique texts "
          f"requested {args.repeat}x, best of {args.rounds}\n")
    print("| step | texts requested | texts encoded | seconds | requested texts/s | vs bare |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, n_req, n_enc, seconds in results:
        print(f"| {label} | {n_req} | {n_enc} | {seconds:.2f} | {n_req / seconds:,.0f} "
              f"| {seconds / base:.3f}x |")


if __name__ == "__main__":
    main()
