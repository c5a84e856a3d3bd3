"""The run ledger (``batch_runs``) and the one-run-at-a-time lock.

Every batch run writes a ``batch_runs`` row: ``running`` when it starts,
``succeeded`` or ``failed`` when it ends, with counts, model versions and the
error. Downstream apps ask :func:`latest_successful_run` which run's outputs
are complete.

The lock is database-level, so schedulers on different machines cannot
interleave: ``GET_LOCK`` on MySQL/MariaDB (released by the server if the
holder's connection dies, e.g. on SIGKILL) and an exclusive ``flock`` on a
file beside the SQLite database (released by the kernel when the process dies).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from features.errors import LearnerAIError
from features.schema import BatchRun


class RunLockedError(LearnerAIError):
    """Another run holds the lock."""


def new_run_id(flow: str, as_of: dt.datetime) -> str:
    return f"{flow}-{as_of:%Y%m%dT%H%M}-{uuid.uuid4().hex[:8]}"


def start_run(engine: Engine, flow: str, as_of: dt.datetime, run_id: str | None = None) -> str:
    run_id = run_id or new_run_id(flow, as_of)
    with engine.begin() as conn:
        conn.execute(insert(BatchRun).values(
            run_id=run_id, flow=flow, as_of=as_of, started_on=_now(), status="running",
            counts={}, model_versions={}))
    return run_id


def finish_run(engine: Engine, run_id: str, *, status: str, counts: dict[str, Any] | None = None,
               model_versions: dict[str, Any] | None = None, error: str | None = None) -> None:
    if status not in ("succeeded", "failed"):
        raise ValueError(f"a run finishes as succeeded or failed, not {status!r}")
    values: dict[str, Any] = {"status": status, "finished_on": _now(), "error": error}
    if counts is not None:
        values["counts"] = counts
    if model_versions is not None:
        values["model_versions"] = model_versions
    with engine.begin() as conn:
        conn.execute(update(BatchRun).where(BatchRun.run_id == run_id).values(**values))


def fail_interrupted_runs(engine: Engine, flows: Sequence[str]) -> list[str]:
    """Mark as failed every run of ``flows`` still ``running``: call it holding the
    :func:`run_lock` those flows share.

    Runs hold the lock for their whole life and the lock dies with its holder, so a
    ``running`` row seen under the lock belongs to a process that stopped without
    finishing (killed, crashed, machine lost). Returns their run ids.
    """
    table = BatchRun.__table__
    with engine.begin() as conn:
        stale = conn.execute(select(table.c.run_id).where(table.c.status == "running", table.c.flow.in_(list(flows)))) \
            .scalars().all()
        if stale:
            conn.execute(update(table).where(table.c.run_id.in_(stale)).values(
                status="failed", finished_on=_now(),
                error="interrupted: the process stopped before the run finished"))
    return list(stale)


def latest_successful_run(engine: Engine, flow: str = "nightly") -> dict[str, Any] | None:
    """The latest complete run of ``flow`` (by as-of, then finish time), or None."""
    query = (select(BatchRun).where(BatchRun.flow == flow, BatchRun.status == "succeeded")
             .order_by(BatchRun.as_of.desc(), BatchRun.finished_on.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def run_status(engine: Engine, run_id: str) -> str | None:
    """The ledger status of ``run_id`` (None when there is no such run)."""
    with engine.connect() as conn:
        return conn.execute(select(BatchRun.status).where(BatchRun.run_id == run_id)).scalar()


class RunLockLostError(LearnerAIError):
    """The run's lock was lost mid-run (its database connection dropped) and another
    run may have worked alongside it."""


class HeldLock:
    """The batch lock while a run holds it (what :func:`run_lock` yields)."""

    def confirm(self) -> bool:
        """True if the lock is still this run's. A kernel-held file lock cannot be lost."""
        return True


@contextmanager
def run_lock(engine: Engine, name: str = "learnerai-batch",
             wait_seconds: float = 0) -> Iterator[HeldLock]:
    """Hold the database-wide batch lock, waiting up to ``wait_seconds``.

    Raises :class:`RunLockedError` if another run still holds it after that.
    """
    if engine.dialect.name in ("mysql", "mariadb"):
        lock = _ServerLock(engine, name)
        lock.acquire(wait_seconds)
        try:
            yield lock
        finally:
            lock.release()
    else:
        with _file_lock(_lock_path(engine, name), wait_seconds):
            yield HeldLock()


class _ServerLock(HeldLock):
    """``GET_LOCK`` on a dedicated connection: the lock lives and dies with it, so a
    dropped connection (``KILL CONNECTION``, a network cut, ``wait_timeout``) releases it
    on the server while the run goes on — :meth:`confirm` notices and takes it back."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine, self.name, self.key = engine, name, _lock_name(engine, name)
        self.conn: Connection | None = None

    def acquire(self, wait_seconds: float) -> None:
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT GET_LOCK(:name, :wait)"),
                               {"name": self.key, "wait": int(wait_seconds)}).scalar()
        except BaseException:
            conn.close()
            raise
        if got != 1:
            conn.close()
            raise RunLockedError(
                f"another learnerai run holds the lock {self.name!r} on this database; "
                "wait for it to finish (see batch_runs) or pass a longer --wait")
        self.conn = conn

    def confirm(self) -> bool:
        """True if the lock is still held, or was lost with its connection and nobody
        has taken it since (then it is taken again on a new connection)."""
        try:
            mine = self.conn.execute(text("SELECT IS_USED_LOCK(:name) = CONNECTION_ID()"),
                                     {"name": self.key}).scalar()
            return mine == 1
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        self.conn.close()
        self.conn = None
        try:
            self.acquire(0)
        except RunLockedError:
            return False
        return True

    def release(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": self.key})
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # The connection is gone, and the server released the lock with it.
        finally:
            self.conn.close()
            self.conn = None


def _lock_name(engine: Engine, name: str) -> str:
    # GET_LOCK is server-wide: qualify it with the database name.
    return f"{engine.url.database}:{name}"[:64]


def _lock_path(engine: Engine, name: str) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        return Path(os.environ.get("TMPDIR", "/tmp")) / f"learnerai-memory-{name}.lock"
    return Path(f"{database}.{name}.lock")


@contextmanager
def _file_lock(path: Path, wait_seconds: float) -> Iterator[None]:
    deadline = time.monotonic() + wait_seconds
    with open(path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLockedError(
                        f"another learnerai run holds the lock {path}; wait for it to "
                        "finish (see batch_runs) or pass a longer --wait") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


#: The flows that hold the batch lock for their whole run (and so share its ledger rules).
BATCH_FLOWS = ("nightly", "train", "evaluate")


@dataclass
class LedgerEntry:
    """The ``batch_runs`` row of a run in progress: fill ``counts``/``model_versions``
    (they are written when the run ends, also when it fails)."""

    run_id: str
    interrupted: list[str]
    counts: dict[str, Any] = field(default_factory=dict)
    model_versions: dict[str, Any] = field(default_factory=dict)

    @property
    def interrupted_note(self) -> list[str]:
        """A note for the run summary when dead runs were closed (else nothing)."""
        if not self.interrupted:
            return []
        return [f"marked {len(self.interrupted)} interrupted run(s) as failed: "
                f"{', '.join(self.interrupted)}"]


@contextmanager
def ledgered_run(engine: Engine, flow: str, as_of: dt.datetime, *,
                 wait_seconds: float = 0, run_id: str | None = None,
                 locked_flows: Sequence[str] = BATCH_FLOWS) -> Iterator[LedgerEntry]:
    """Hold the batch lock, mark dead runs failed, and record this run from ``running``
    to ``succeeded`` — or ``failed`` with the error, which is re-raised."""
    with run_lock(engine, wait_seconds=wait_seconds) as lock:
        interrupted = fail_interrupted_runs(engine, locked_flows)
        entry = LedgerEntry(start_run(engine, flow, as_of, run_id), interrupted)
        try:
            yield entry
            _confirm_alone(engine, lock, entry.run_id)
        except BaseException as exc:
            finish_run(engine, entry.run_id, status="failed", counts=entry.counts,
                       model_versions=entry.model_versions,
                       error=f"{exc.__class__.__name__}: {exc}"[:4000])
            raise
        finish_run(engine, entry.run_id, status="succeeded", counts=entry.counts,
                   model_versions=entry.model_versions)


def _confirm_alone(engine: Engine, lock: HeldLock, run_id: str) -> None:
    """Before a run is recorded as succeeded: it still holds the lock — or lost it with
    its connection and took it back, and no run started meanwhile (a run that takes the
    lock first marks every ``running`` row failed, this one included)."""
    if lock.confirm() and run_status(engine, run_id) == "running":
        return
    raise RunLockLostError(
        "lost the batch lock mid-run (its database connection was dropped) and another "
        "run may have worked alongside this one; the next run recomputes its outputs")
