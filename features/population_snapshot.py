"""Population statistics fitted once per refit period and shared by every run in it.

Some of what a nightly run publishes for one learner depends on everybody: the
"typical learners" an explanation compares against, what similar learners
enrolled in, which courses are taken together. Refitted on every run, one
learner's new quiz would move every other learner's sentences by a hair, and an
incremental run (which recomputes only the learners whose inputs changed) could
never leave the tables a full run leaves. So these statistics are fitted at most
once per refit period (:data:`REFIT_DAYS`),
stored in ``population_snapshots``, and every run of the period, full or
incremental, scores against the same snapshot. A snapshot is used for ``as_of``
when it was fitted as of a date in ``(as_of - refit_days, as_of]`` (never a
later one: that would leak the future into a backfill) and its
``compatibility`` matches what the run needs (feature-set version, catalog
shape); otherwise the run fits a new one. ``learnerai nightly --refit`` forces it.

Payloads are plain data, never pickles: JSON for references, ``.npz`` (with
``allow_pickle=False``) for arrays, so a row written by anyone else cannot run code.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, insert, select

from features.schema import PopulationSnapshot

#: Days a snapshot stays in use (the weekly full run refits it).
REFIT_DAYS = 7


@dataclass(frozen=True)
class Snapshot:
    """One stored snapshot: its payload and when it was fitted."""

    kind: str
    payload: bytes
    fitted_as_of: dt.datetime
    reused: bool  # True when an earlier run fitted it


def find_snapshot(engine: Engine, kind: str, compatibility: str, as_of: dt.datetime,
                  refit_days: int = REFIT_DAYS) -> Snapshot | None:
    """The latest usable snapshot of ``kind`` for ``as_of``, or None."""
    t = PopulationSnapshot
    query = (select(t.payload, t.fitted_as_of)
             .where(t.kind == kind, t.compatibility == compatibility,
                    t.fitted_as_of <= as_of,
                    t.fitted_as_of > as_of - dt.timedelta(days=refit_days))
             .order_by(t.fitted_as_of.desc(), t.snapshot_id.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else Snapshot(kind, bytes(row.payload), row.fitted_as_of, True)


def latest_snapshot(engine: Engine, kind: str) -> Snapshot | None:
    """The most recently stored snapshot of ``kind``, whatever its as-of (for state a
    run hands to the next one, whose validity the caller checks)."""
    t = PopulationSnapshot
    query = (select(t.payload, t.fitted_as_of).where(t.kind == kind)
             .order_by(t.snapshot_id.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else Snapshot(kind, bytes(row.payload), row.fitted_as_of, True)


def store_snapshot(bind: Engine | Connection, kind: str, compatibility: str,
                   as_of: dt.datetime, payload: bytes, run_id: str | None = None) -> Snapshot:
    """Store a snapshot; with a Connection, in the caller's transaction."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return store_snapshot(conn, kind, compatibility, as_of, payload, run_id)
    bind.execute(insert(PopulationSnapshot).values(
        kind=kind, compatibility=compatibility[:100], fitted_as_of=as_of,
        fitted_on=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        run_id=run_id, payload=payload))
    return Snapshot(kind, payload, as_of, False)


def snapshot_for(engine: Engine, kind: str, compatibility: str, as_of: dt.datetime,
                 fit: Callable[[], bytes], *, refit: bool = False,
                 refit_days: int = REFIT_DAYS, run_id: str | None = None) -> Snapshot:
    """The usable snapshot of ``kind`` for ``as_of``; fitted with ``fit()`` and stored
    when there is none (or ``refit``)."""
    found = None if refit else find_snapshot(engine, kind, compatibility, as_of, refit_days)
    return found or store_snapshot(engine, kind, compatibility, as_of, fit(), run_id)


# ------------------------------------------------------------------------ payloads


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, allow_nan=True).encode()


def from_json_bytes(payload: bytes) -> Any:
    return json.loads(payload.decode())


def arrays_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def from_arrays_bytes(payload: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
