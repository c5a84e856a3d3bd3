"""Run ledger and the one-run-at-a-time lock, on both databases."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from features.runs import (
    RunLockedError,
    finish_run,
    latest_successful_run,
    run_lock,
    start_run,
)
from features.schema import BatchRun

AS_OF = dt.datetime(2026, 3, 1)


def test_ledger_records_running_then_outcome(engine) -> None:
    ok = start_run(engine, "nightly", AS_OF)
    bad = start_run(engine, "nightly", AS_OF + dt.timedelta(days=1))
    with engine.connect() as conn:
        assert conn.execute(select(BatchRun.status).where(BatchRun.run_id == ok)).scalar() == (
            "running")
    finish_run(engine, ok, status="succeeded", counts={"learners": 3},
               model_versions={"risk": "learnerai-risk-disengagement/1"})
    finish_run(engine, bad, status="failed", error="boom")
    latest = latest_successful_run(engine)
    assert latest["run_id"] == ok and latest["counts"] == {"learners": 3}
    assert latest["finished_on"] is not None
    with pytest.raises(ValueError):
        finish_run(engine, ok, status="running")


def test_lock_excludes_a_second_holder_in_another_process(engine, db_url) -> None:
    holder = textwrap.dedent(f"""
        import sys, time
        from features.engine import make_engine
        from features.runs import run_lock
        with run_lock(make_engine({db_url!r})):
            print("locked", flush=True)
            time.sleep(30)
    """)
    process = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "locked"
        with pytest.raises(RunLockedError, match="another learnerai run"), run_lock(
                engine, wait_seconds=0):
            pass
    finally:
        process.kill()  # SIGKILL: the lock must still be released
        process.wait()
    with run_lock(engine, wait_seconds=10):
        pass
