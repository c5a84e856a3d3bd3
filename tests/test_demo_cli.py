"""`learnerai demo` and `learnerai nightly` as a user runs them: subprocesses in an empty
directory, nothing configured but a tiny local embedding model."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiny_encoder import build_tiny_encoder

LEARNAI = [sys.executable, "-m", "flows.cli"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "MLFLOW_TRACKING_URI", "LEARNERAI_MLFLOW_ARTIFACTS")}
    env.update(LEARNERAI_EMBEDDING_MODEL=str(build_tiny_encoder(root / "model")),
               PYTHONPATH=str(ROOT), PREFECT_HOME=str(root / "prefect"), COLUMNS="200")
    work = root / "work"
    work.mkdir()
    return work, env


def learnerai(workdir: tuple[Path, dict], *args: str) -> subprocess.CompletedProcess:
    cwd, env = workdir
    return subprocess.run([*LEARNAI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_demo_from_nothing_then_nightly_then_a_clear_lock_error(workdir) -> None:
    demo = learnerai(workdir, "demo", "--learners", "400")
    out = demo.stdout
    assert demo.returncode == 0, out + demo.stderr
    for step in ("1/4 demo data", "2/4 risk models", "3/4 nightly batch", "4/4 one learner"):
        assert step in out
    assert "learnerai-risk-disengagement/1" in out and "champion" in out
    assert "## Risk bands" in out and "Disengagement risk" in out
    assert "Recommendations for learner" in out and "Course" in out
    cwd = workdir[0]
    assert {p.name for p in cwd.iterdir()} >= {"learnerai.db", "mlflow.db", "mlartifacts"}
    with sqlite3.connect(cwd / "learnerai.db") as db:
        (status, counts), = db.execute("SELECT status, counts FROM batch_runs").fetchall()
    assert status == "succeeded" and json.loads(counts)["risk_predictions"] > 300

    # The scheduled path: the Prefect flow. Nothing changed since the demo's run.
    nightly = learnerai(workdir, "nightly")
    assert nightly.returncode == 0, nightly.stdout + nightly.stderr
    assert "succeeded" in nightly.stdout and "(incremental): 0 learners" in nightly.stdout

    # A second run while one holds the lock: one line, non-zero exit.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from features.engine import make_engine; "
         "from features.runs import run_lock; e = make_engine('sqlite:///learnerai.db'); "
         "lock = run_lock(e); lock.__enter__(); print('held', flush=True); time.sleep(60)"],
        cwd=cwd, env=workdir[1], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        blocked = learnerai(workdir, "nightly")
    finally:
        holder.kill()
    assert blocked.returncode == 1
    assert "another learnerai run holds the lock" in blocked.stderr
    assert "Traceback" not in blocked.stderr
