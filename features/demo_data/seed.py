"""``seed_database``: realistic demo data in every learner table, streamed in chunks.

The catalog tables are upserted first (from :func:`features.catalog.load_catalog`);
then learners are generated a block at a time (:mod:`features.demo_data.generate`)
and each chunk of blocks is written in one transaction, so memory stays flat
however many learners are asked for. ``batch_runs`` and ``text_embeddings`` are
service tables written by runs and are left empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, Engine, func, select

from features import migrate
from features.demo_data.catalog_index import CatalogIndex, build_index
from features.demo_data.catalog_io import write_catalog
from features.demo_data.generate import BLOCK_SIZE, BLOCK_TABLES, Block, generate_block
from features.demo_data.prefetch import prefetch
from features.demo_data.window import Window, default_as_of
from features.demo_data.writer import BulkWriter
from features.engine import is_mysql
from features.errors import ConfigurationError, LearnerAIError
from features.schema import Base, Learner

if TYPE_CHECKING:
    from features.catalog import Catalog

#: Tables left empty on purpose: the run ledger and the embedding cache.
SERVICE_TABLES = ("batch_runs", "text_embeddings")


class DatabaseNotEmptyError(LearnerAIError):
    """Seeding refuses to mix demo learners into a database that already has some."""


@dataclass(frozen=True)
class SeedReport:
    learners: int
    days: int
    seed: int
    as_of: dt.datetime
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else 0.0


def seed_database(
    engine: Engine,
    *,
    learners: int,
    days: int,
    seed: int,
    as_of: dt.datetime | None = None,
    truth_path: Path | None = None,
    chunk_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
    catalog: Catalog | None = None,
) -> SeedReport:
    """Fill every table with ``learners`` demo learners over the ``days`` before ``as_of``.

    The data is a deterministic function of ``(learners, days, seed, as_of)``
    (``chunk_size`` only sets how many learners go in one transaction).
    ``as_of`` defaults to today 00:00 UTC; every timestamp written is naive
    UTC in ``[as_of - days, as_of)``, except registration dates (which may be
    earlier) and the calendar dates of birth, education and certificate expiry.
    ``truth_path``, if given, receives a CSV mapping every ``learner_skills``
    row to its catalog ``skill_key``, and ``<stem>_learners.csv`` beside it the
    hidden state of every learner (roles, style, persona, disengagement time).
    ``catalog`` defaults to :func:`features.catalog.load_catalog`.

    Raises :class:`DatabaseNotEmptyError` if the database has learners, and
    :class:`features.errors.SchemaVersionError` if it is not migrated.
    """
    _check_arguments(learners, days, chunk_size)
    started = time.perf_counter()
    migrate.require_head(engine)
    _require_no_learners(engine)
    as_of = _naive_utc(as_of) if as_of is not None else default_as_of()
    if catalog is None:
        from features.catalog import load_catalog

        catalog = load_catalog()
    rows = dict(write_catalog(engine, catalog))
    window = Window(as_of=as_of, days=days)
    rows.update(_write_learners(engine, build_index(catalog, _catalog_rng(seed)), window, seed,
                                learners, chunk_size, truth_path, progress))
    for name in SERVICE_TABLES:
        rows.setdefault(name, 0)
    return SeedReport(learners=learners, days=days, seed=seed, as_of=as_of,
                      seconds=time.perf_counter() - started, rows=rows)


def _write_learners(
    engine: Engine, cat: CatalogIndex, window: Window, seed: int, learners: int,
    chunk_size: int, truth_path: Path | None, progress: Callable[[int, int], None] | None,
) -> dict[str, int]:
    """Generate blocks in a background thread and write them, one transaction per chunk."""
    writer = BulkWriter(engine)
    rows = dict.fromkeys(BLOCK_TABLES, 0)
    truth = _TruthFiles(truth_path) if truth_path is not None else None
    blocks_per_chunk = max(1, -(-chunk_size // BLOCK_SIZE))
    n_blocks = -(-learners // BLOCK_SIZE)
    blocks = prefetch(_generate(cat, window, seed, learners, _next_ids(engine)))
    done = 0
    try:
        for _ in range(0, n_blocks, blocks_per_chunk):
            with engine.begin() as conn, _bulk_load_session(conn):
                for size, block in islice(blocks, blocks_per_chunk):
                    for name, frame in block.tables.items():
                        rows[name] += writer.write(conn, name, frame)
                    if truth is not None:
                        truth.append(block)
                    done += size
            if progress is not None:
                progress(done, learners)
    finally:
        blocks.close()
    return rows


@contextmanager
def _bulk_load_session(conn: Connection) -> Iterator[None]:
    """On MySQL, skip per-row unique and foreign-key re-checks for the bulk load.

    The generator assigns unique keys and only references rows it has already
    written (the SQLite run of the test suite, with foreign keys enforced,
    proves it); re-checking every row would cost the load much of its speed.
    The session settings are restored even if the load fails, because the
    connection goes back to the pool.
    """
    if not is_mysql(conn.engine):
        yield
        return
    conn.exec_driver_sql("SET SESSION unique_checks=0, foreign_key_checks=0")
    try:
        yield
    finally:
        conn.exec_driver_sql("SET SESSION unique_checks=1, foreign_key_checks=1")


def _generate(cat: CatalogIndex, window: Window, seed: int, learners: int,
              next_ids: dict[str, int]) -> Iterator[tuple[int, Block]]:
    """Blocks in order, each with the keys that follow the previous block's."""
    for b in range(-(-learners // BLOCK_SIZE)):
        size = min(BLOCK_SIZE, learners - b * BLOCK_SIZE)
        block = generate_block(cat, window, seed, b, size, next_ids)
        for name, frame in block.tables.items():
            _advance(next_ids, name, frame)
        yield size, block


def _check_arguments(learners: int, days: int, chunk_size: int) -> None:
    if learners < 1:
        raise ConfigurationError(f"--learners must be at least 1 (got {learners}).")
    if days < 14:
        raise ConfigurationError(f"--days must be at least 14 (got {days}).")
    if chunk_size < 1:
        raise ConfigurationError(f"chunk_size must be at least 1 (got {chunk_size}).")


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _require_no_learners(engine: Engine) -> None:
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Learner)).scalar_one()
    if count:
        raise DatabaseNotEmptyError(
            f"The database already has {count} learners; seed into an empty database or run "
            "`learnerai db downgrade base && learnerai db upgrade`."
        )


def _catalog_rng(seed: int) -> np.random.Generator:
    """The catalog's own stream (typos in skill spellings), apart from the blocks'."""
    return np.random.default_rng([seed, 0])


def _next_ids(engine: Engine) -> dict[str, int]:
    """First free numeric key per table (tables without learners may keep old rows)."""
    out: dict[str, int] = {}
    with engine.connect() as conn:
        for name in BLOCK_TABLES:
            table = Base.metadata.tables[name]
            key = list(table.primary_key.columns)[0]
            if name in ("learners", "learner_ai_features"):
                continue  # keyed by learner_id, and there are no learners yet
            out[name] = int(conn.execute(select(func.coalesce(func.max(key), 0))).scalar_one()) + 1
    return out


def _advance(next_ids: dict[str, int], name: str, frame: Any) -> None:
    if name in next_ids:
        next_ids[name] += len(frame)


class _TruthFiles:
    """Appends each block's truth to two CSV files (header once)."""

    def __init__(self, path: Path) -> None:
        self.skills = Path(path)
        self.learners = self.skills.with_name(f"{self.skills.stem}_learners.csv")
        self.skills.parent.mkdir(parents=True, exist_ok=True)
        self._first = True

    def append(self, block: Block) -> None:
        mode = "w" if self._first else "a"
        block.skill_truth.to_csv(self.skills, mode=mode, header=self._first, index=False,
                                 quoting=csv.QUOTE_MINIMAL)
        block.learner_truth.to_csv(self.learners, mode=mode, header=self._first, index=False)
        self._first = False
