"""Faults the nightly batch survives, on SQLite and MariaDB (issue 9, "Faults").

- SIGKILL at ten points of publishing, one after the other: after each, every learner
  shows the complete old or the complete new version of what each transaction replaces
  (features, risk with its nudges and audit, recommendations, careers), the killed run
  stays ``running`` until the next run marks it failed, and the run that finally
  completes leaves the tables of a clean run — no duplicates.
- A dropped database connection (MariaDB ``KILL CONNECTION``) mid-task: the task is
  retried and the run leaves the tables of a clean run.
- Two runs started together: one runs, the other exits clearly or waits its turn.
- MLflow out of reach: before scoring, the run fails before writing anything; once the
  champion is loaded, the run scores with it and never asks MLflow again; only the
  version carrying the ``champion`` alias is ever scored.

The killed runs are forked from one driver process (``scripts/nightly_killed.py``)
that imported everything once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from recommend_fixtures import HashEncoder
from sqlalchemy import Engine, select, text

import features.publish_recommendations as publish_recommendations
import features.publish_risk as publish_risk
from features import migrate
from features.demo_data import seed_database
from features.engine import make_engine
from features.schema import Base, BatchRun, LearnerAIFeatures, LearnerRecommendation
from features.settings import Settings
from flows.nightly import PLAIN_STEPS, load_models, run_nightly
from models.recommend_policy import RecommenderConfig
from tests.nightly_fixtures import AS_OF, DAYS, SEED, snapshot, with_database

DRIVER = Path(__file__).parent / "scripts" / "nightly_killed.py"
LEARNERS = 120
LATER = AS_OF + dt.timedelta(days=7)
#: Learners per transaction, small enough that 120 learners make several of each.
CHUNKS = {"recommendations": 20, "risk": 30, "careers": 40}
RISK_MODEL = "learnerai-risk-disengagement"

pytestmark = pytest.mark.slow


# ----------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def mysql_reference_database(mysql_database_factory) -> str:
    url = mysql_database_factory("reference")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def reference_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second empty database on ``db_url``'s backend, for a clean run to compare with."""
    if db_url.startswith("sqlite"):
        target = tmp_path / "reference.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    return emptied(request.getfixturevalue("mysql_reference_database"))


def emptied(url: str) -> str:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in Base.metadata.sorted_tables:
            conn.execute(text(f"TRUNCATE TABLE `{table.name}`"))
        conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    engine.dispose()
    return url


@pytest.fixture
def seeded() -> Iterator[Callable[[str], Engine]]:
    """Seeds the demo learners into a database; returns its engine (disposed after)."""
    engines: list[Engine] = []

    def seed(url: str) -> Engine:
        engines.append(make_engine(url))
        seed_database(engines[-1], learners=LEARNERS, days=DAYS, seed=SEED, as_of=AS_OF)
        return engines[-1]

    yield seed
    for engine in engines:
        engine.dispose()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> RecommenderConfig:
    """The chunk sizes the killed runs use (``CHUNKS``), for runs in this process."""
    monkeypatch.setitem(publish_risk.publish_risk.__kwdefaults__, "chunk_learners",
                        CHUNKS["risk"])
    monkeypatch.setitem(publish_recommendations.publish_careers.__kwdefaults__,
                        "chunk_learners", CHUNKS["careers"])
    return RecommenderConfig(chunk_size=CHUNKS["recommendations"])


def nightly(engine: Engine, settings: Settings, as_of: dt.datetime, **options: Any):
    return run_nightly(engine, settings, as_of, full=True, encoder=HashEncoder(), **options)


def ledger(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(
            select(BatchRun.run_id, BatchRun.status, BatchRun.as_of, BatchRun.error,
                   BatchRun.started_on, BatchRun.finished_on)
            .order_by(BatchRun.started_on, BatchRun.run_id)).all(),
            columns=["run_id", "status", "as_of", "error", "started_on", "finished_on"])


# -------------------------------------------------------------------------- driver


class Driver:
    """``scripts/nightly_killed.py``: forks nightly runs that die at a named point."""

    def __init__(self) -> None:
        descriptor, self.log = tempfile.mkstemp(prefix="nightly-killed-", suffix=".log")
        self.process = subprocess.Popen([sys.executable, str(DRIVER)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=descriptor, text=True)
        os.close(descriptor)
        self.points = self._answer()["ready"]

    def run(self, settings: Settings, as_of: dt.datetime, *, point: str | None = None,
            runs: int = 1, wait_seconds: float = 0,
            chunks: dict[str, int] | None = None) -> list[dict[str, Any]]:
        command = {"database_url": settings.database_url,
                   "mlflow_tracking_uri": settings.mlflow_tracking_uri,
                   "mlflow_artifact_location": settings.mlflow_artifact_location,
                   "as_of": as_of.isoformat(), "point": point, "runs": runs,
                   "wait_seconds": wait_seconds, "chunks": chunks or {}}
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer()["runs"]

    def _answer(self) -> dict[str, Any]:
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the driver died:\n{Path(self.log).read_text()[-4000:]}")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        os.unlink(self.log)


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    process = Driver()
    yield process
    process.close()


# -------------------------------------------------------- SIGKILL at ten points

ALL = -1  # every transaction of the stage committed


@dataclasses.dataclass(frozen=True)
class Committed:
    """How many transactions (chunks) of each stage a run committed before it died."""

    features: int
    risk: int
    recommendations: int
    careers: int


#: The ten points, in the order the run reaches them (see scripts/nightly_killed.py).
KILL_POINTS = [
    ("features_uncommitted", Committed(0, 0, 0, 0)),
    ("risk_chunk_uncommitted", Committed(ALL, 1, 0, 0)),
    ("risk_chunk_committed", Committed(ALL, 2, 0, 0)),
    # A chunk's careers are published right after its recommendations.
    ("recs_deleted_not_inserted", Committed(ALL, ALL, 1, 1)),
    ("recs_inserted_uncommitted", Committed(ALL, ALL, 2, 2)),
    ("recs_audited_uncommitted", Committed(ALL, ALL, 3, 3)),
    ("recs_chunk_committed", Committed(ALL, ALL, 5, 4)),
    ("pathways_uncommitted", Committed(ALL, ALL, 2, 1)),
    ("input_state_uncommitted", Committed(ALL, ALL, ALL, ALL)),
    ("ledger_not_finished", Committed(ALL, ALL, ALL, ALL)),
]
#: The chunk size of each stage's transactions (features: one transaction).
#: Careers go with their recommendations chunk (``publish_recommendation_run``).
CHUNK_OF = {"features": None, "risk": CHUNKS["risk"],
            "recommendations": CHUNKS["recommendations"],
            "careers": CHUNKS["recommendations"]}


def _text(rows: list[dict]) -> str:
    return json.dumps(sorted(json.dumps(r, sort_keys=True, default=str) for r in rows))


def learner_states(snap: dict[str, list[dict]]) -> dict[str, dict[int, str]]:
    """Per learner, what each kind of transaction replaces, as comparable text:
    features (AI features' vectors, engagement, AI psychographics), risk, all
    recommendation rows, careers (AI pathways and the career prediction)."""
    grouped: dict[str, dict[int, list[dict]]] = {}

    def add(unit: str, learner: int, row: dict) -> None:
        grouped.setdefault(unit, {}).setdefault(int(learner), []).append(row)

    for row in snap["ai_features"]:
        lid = row["learner_id"]
        add("features", lid, {k: row[k] for k in ("engagement_vector", "skill_vector",
                                                   "recommendation_vector",
                                                   "last_model_update")})
        add("risk", lid, {"risk": row["risk_prediction"]})
        add("careers", lid, {"career": row["career_prediction"]})
    for table, unit in (("engagement", "features"), ("psychographics", "features"),
                        ("recommendations", "recommendations"), ("pathways", "careers")):
        for row in snap[table]:
            add(unit, row["learner_id"], row)
    return {unit: {lid: _text(rows) for lid, rows in by_learner.items()}
            for unit, by_learner in grouped.items()}


def assert_old_or_new(point: str, committed: Committed, before: dict, after: dict,
                      new: dict, order: list[int]) -> None:
    """The learners of the committed chunks show the new state, every other learner
    the state before the run — per stage, whole."""
    for unit in ("features", "risk", "recommendations", "careers"):
        done = getattr(committed, unit)
        everyone = set(before[unit]) | set(after[unit]) | set(new[unit])
        chunk = CHUNK_OF[unit]
        newer = everyone if done == ALL else set(order[:done * chunk] if chunk else [])
        wrong = sorted(lid for lid in everyone
                       if after[unit].get(lid) != (new if lid in newer else before)[unit]
                       .get(lid))
        assert not wrong, (f"killed at {point}: {unit} of learners {wrong[:10]} is neither "
                           f"the complete {'new' if wrong[0] in newer else 'old'} state")


def assert_no_duplicates(point: str, snap: dict[str, list[dict]]) -> None:
    recs = pd.DataFrame(snap["recommendations"])
    pending = recs[recs["action_status"] == "Pending"]
    assert not pending.duplicated(["learner_id", "recommendation_type", "rec_rank"]).any(), \
        point
    notes = pd.DataFrame(snap["notifications"])
    nudges = notes[notes["type"] == "AI_Nudge"]
    assert not nudges.duplicated(["learner_id", "created_on"]).any(), point
    audit = pd.DataFrame(snap["audit"])
    assert not audit.duplicated(["learner_id", "module", "action_on"]).any(), point
    ai_pathways = [r["learner_id"] for r in snap["pathways"]
                   if isinstance(r["gap_analysis"], dict)
                   and r["gap_analysis"].get("source") == "learnerai"]
    assert len(ai_pathways) == len(set(ai_pathways)), point


def assert_history_goes_with_its_chunk(point: str, snap: dict, states: dict,
                                       new: dict) -> None:
    """Nudges and audit rows are committed with the scores and lists they describe."""
    risk_moved = {int(r["learner_id"]) for r in snap["notifications"]
                  if r["type"] == "AI_Nudge" and r["created_on"] == LATER}
    listed = set()
    for row in snap["audit"]:
        if row["action_on"] == LATER:
            (risk_moved if row["module"] == "risk" else listed).add(int(row["learner_id"]))
    stale = sorted(lid for lid in risk_moved if states["risk"][lid] != new["risk"][lid])
    assert not stale, f"{point}: nudge or risk audit without the new score: {stale[:10]}"
    stale = sorted(lid for lid in listed
                   if states["recommendations"][lid] != new["recommendations"][lid])
    assert not stale, f"{point}: recommendation audit without the new list: {stale[:10]}"


def pending_runs(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(
            select(LearnerRecommendation.learner_id, LearnerRecommendation.run_id)
            .where(LearnerRecommendation.action_status == "Pending").distinct()).all(),
            columns=["learner_id", "run_id"])


def test_sigkill_at_ten_points_of_publishing(db_url, reference_url, seeded, champion_settings,
                                             driver, small_chunks) -> None:
    assert sorted(driver.points) == sorted(point for point, _ in KILL_POINTS)
    engine, settings = seeded(db_url), with_database(champion_settings, db_url)
    reference = seeded(reference_url)
    clean = with_database(champion_settings, reference_url)
    nightly(reference, clean, AS_OF, recommender=small_chunks)
    old_snapshot = snapshot(reference)
    nightly(reference, clean, LATER, recommender=small_chunks)
    new_snapshot = snapshot(reference)
    new = learner_states(new_snapshot)
    # Chunks are contiguous runs of the scored learners, in learner_id order.
    order = sorted(int(r["learner_id"]) for r in new_snapshot["ai_features"])

    nightly(engine, settings, AS_OF, recommender=small_chunks)
    assert snapshot(engine) == old_snapshot
    before = learner_states(old_snapshot)
    killed: list[str] = []
    for point, committed in KILL_POINTS:
        known = set(ledger(engine)["run_id"])
        [outcome] = driver.run(settings, LATER, point=point, chunks=CHUNKS)
        assert outcome["signal"] == 9, (point, outcome)

        runs = ledger(engine)
        [run_id] = set(runs["run_id"]) - known
        status = runs.set_index("run_id")["status"]
        assert status[run_id] == "running", point  # nobody could say otherwise yet
        if killed:  # the run killed before was marked failed when this one started
            previous = runs.set_index("run_id").loc[killed[-1]]
            assert previous["status"] == "failed", point
            assert previous["error"].startswith("interrupted"), point
        killed.append(run_id)

        snap = snapshot(engine)
        after = learner_states(snap)
        assert_old_or_new(point, committed, before, after, new, order)
        assert_history_goes_with_its_chunk(point, snap, after, new)
        assert_no_duplicates(point, snap)
        # Each learner's Pending list is one run's; this run's are its committed chunks.
        listed = pending_runs(engine)
        assert (listed.groupby("learner_id")["run_id"].nunique() == 1).all(), point
        done = committed.recommendations
        expected = set(order if done == ALL else order[:done * CHUNKS["recommendations"]])
        expected &= {int(r["learner_id"]) for r in new_snapshot["recommendations"]
                     if r["action_status"] == "Pending"}
        assert set(listed.loc[listed["run_id"] == run_id, "learner_id"]) == expected, point
        before = after

    final = nightly(engine, settings, LATER, recommender=small_chunks)
    assert final.status == "succeeded"
    assert any(killed[-1] in note for note in final.notes)
    runs = ledger(engine).set_index("run_id")
    assert (runs.loc[killed, "status"] == "failed").all()
    assert runs.loc[killed, "error"].str.startswith("interrupted").all()
    assert runs.loc[final.run_id, "status"] == "succeeded"
    assert snapshot(engine) == new_snapshot  # a clean run's tables: nothing lost, no duplicates


# ------------------------------------------------------- two runs started together


def test_two_runs_started_together_one_runs_the_other_exits_or_waits(
        db_url, seeded, champion_settings, driver) -> None:
    engine, settings = seeded(db_url), with_database(champion_settings, db_url)

    runs = driver.run(settings, AS_OF, runs=2)
    ran = [r for r in runs if r["exit"] == 0]
    refused = [r for r in runs if r["exit"] != 0]
    assert len(ran) == 1 and len(refused) == 1, runs
    assert refused[0]["outcome"]["error"] == "RunLockedError"
    assert "another learnerai run holds the lock" in refused[0]["outcome"]["message"]
    first = ledger(engine)
    assert list(first["run_id"]) == [ran[0]["outcome"]["run_id"]]  # the refused one wrote nothing
    assert list(first["status"]) == ["succeeded"]
    once = snapshot(engine)

    runs = driver.run(settings, AS_OF, runs=2, wait_seconds=300)
    assert [r["exit"] for r in runs] == [0, 0], runs
    both = ledger(engine).iloc[1:]
    assert set(both["run_id"]) == {r["outcome"]["run_id"] for r in runs}
    assert (both["status"] == "succeeded").all()
    earlier, later = both.iloc[0], both.iloc[1]
    assert later["started_on"] >= earlier["finished_on"]  # one after the other
    after = snapshot(engine)
    assert_no_duplicates("two runs", after)
    assert after == once


# ------------------------------------------------------- a dropped connection


@pytest.mark.mysql_only
def test_a_dropped_connection_is_retried_and_the_run_equals_a_clean_one(
        mysql_server, mysql_migrated_url, mysql_reference_database, seeded, champion_settings,
        monkeypatch) -> None:
    """The Prefect flow, as ``learnerai nightly`` runs it: ``KILL CONNECTION`` from a
    second connection in the middle of the risk task (with every other connection of
    the run: the idle pool's and the one holding the batch lock) and of the
    recommendations task (whose MySQL inserts go through the raw DB-API cursor)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import models.embeddings
    from flows.nightly import nightly as nightly_flow

    url, reference_url = emptied(mysql_migrated_url), emptied(mysql_reference_database)
    engine, reference = seeded(url), seeded(reference_url)
    nightly(reference, with_database(champion_settings, reference_url), AS_OF)

    lock = f"{engine.url.database}:learnerai-batch"
    dropped: list[dict[str, Any]] = []

    def drop(conn, *, everyone: bool = False) -> None:
        own = conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
        with mysql_server.connect() as admin:
            holder = admin.execute(text("SELECT IS_USED_LOCK(:lock)"), {"lock": lock}).scalar()
            others = admin.execute(text(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = :db AND ID <> :own"),
                {"db": engine.url.database, "own": own}).scalars().all() if everyone else []
            for victim in [*others, own]:
                admin.execute(text(f"KILL CONNECTION {int(victim)}"))
        dropped.append({"lock": holder, "others": set(others)})

    calls = {"risk": 0, "recommendations": 0}
    write_audit = publish_risk.write_audit
    write = publish_recommendations.RecommendationWriter.write

    def risk_audit(conn, rows):
        calls["risk"] += 1
        if calls["risk"] == 1:
            drop(conn, everyone=True)
        return write_audit(conn, rows)

    def recommendations(self, conn, payload):
        calls["recommendations"] += 1
        if calls["recommendations"] == 1:
            drop(conn)
        return write(self, conn, payload)

    monkeypatch.setattr(publish_risk, "write_audit", risk_audit)
    monkeypatch.setattr(publish_recommendations.RecommendationWriter, "write", recommendations)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", champion_settings.mlflow_tracking_uri)
    monkeypatch.setenv("LEARNERAI_MLFLOW_ARTIFACTS", champion_settings.mlflow_artifact_location)
    monkeypatch.setattr(models.embeddings, "TextEncoder", lambda _name: HashEncoder())
    server = SubprocessASGIServer()  # Prefect's API, stopped by the test (not at exit)
    server.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            state = nightly_flow(as_of=AS_OF, full=True, database_url=url, return_state=True)
            APILogWorker.drain_all()  # while the server still listens
            EventsWorker.drain_all()
    finally:
        server.stop()

    assert state.is_completed(), state.message
    assert state.result()["status"] == "succeeded"
    assert len(dropped) == 2 and dropped[0]["lock"] in dropped[0]["others"]
    assert calls["risk"] >= 2 and calls["recommendations"] >= 2  # the tasks were retried
    runs = ledger(engine)
    assert list(runs["status"]) == ["succeeded"]  # retried inside the run, not rerun
    assert snapshot(engine) == snapshot(reference)


def _drop_lock_connection(mysql_server: Engine, engine: Engine) -> None:
    key = f"{engine.url.database}:learnerai-batch"
    with mysql_server.connect() as admin:
        holder = admin.execute(text("SELECT IS_USED_LOCK(:key)"), {"key": key}).scalar()
        admin.execute(text(f"KILL CONNECTION {int(holder)}"))


@pytest.mark.mysql_only
def test_a_run_that_lost_its_lock_meanwhile_taken_by_another_fails(
        mysql_server, mysql_migrated_url) -> None:
    """The lock's connection dropped mid-run: taken back if nobody took it meanwhile;
    if another run did (it marked this one interrupted), this one fails clearly."""
    from features.runs import RunLockLostError, fail_interrupted_runs, ledgered_run, run_lock

    engine, other = make_engine(emptied(mysql_migrated_url)), make_engine(mysql_migrated_url)
    with ledgered_run(engine, "nightly", AS_OF) as quiet:
        _drop_lock_connection(mysql_server, engine)
    with pytest.raises(RunLockLostError, match="lost the batch lock"), \
            ledgered_run(engine, "nightly", AS_OF) as overtaken:
        _drop_lock_connection(mysql_server, engine)
        with run_lock(other):  # another run starts while the lock is free, and ends
            assert fail_interrupted_runs(other, ["nightly"]) == [overtaken.run_id]
    with pytest.raises(RunLockLostError), ledgered_run(engine, "nightly", AS_OF) as held:
        _drop_lock_connection(mysql_server, engine)
        holder = run_lock(other)
        holder.__enter__()  # another run holds it still when this one ends
    holder.__exit__(None, None, None)
    runs = ledger(engine).set_index("run_id")
    assert runs.loc[quiet.run_id, "status"] == "succeeded"
    assert runs.loc[overtaken.run_id, "status"] == "failed"
    assert runs.loc[held.run_id, "error"].startswith("RunLockLostError")
    engine.dispose()
    other.dispose()


def test_driver_errors_from_the_raw_cursor_are_classified_like_wrapped_ones() -> None:
    """The MySQL recommendation inserts use the DB-API cursor directly, so a deadlock
    or a lost connection there arrives as PyMySQL's own exception."""
    import sqlite3

    import pymysql

    from features.transient import is_transient_error

    for code in (1205, 1213, 2006, 2013):
        assert is_transient_error(pymysql.err.OperationalError(code, "...")), code
    assert is_transient_error(pymysql.err.InterfaceError(0, ""))
    assert is_transient_error(sqlite3.OperationalError("database is locked"))
    assert not is_transient_error(pymysql.err.ProgrammingError(1146, "no such table"))
    assert not is_transient_error(pymysql.err.IntegrityError(1062, "duplicate entry"))
    assert not is_transient_error(sqlite3.OperationalError("no such table: x"))


# ------------------------------------------------------------------- MLflow faults


def _refuse(touched: list[str], name: str):
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        touched.append(name)
        raise ConnectionRefusedError(f"MLflow is out of reach ({name})")
    return refuse


def cut_mlflow(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way learnerai reaches MLflow fails from now on; returns who tried."""
    import mlflow
    import mlflow.sklearn

    import flows.risk_scoring
    import registry.models
    import registry.tracking

    touched: list[str] = []
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
    mlflow.set_tracking_uri("http://127.0.0.1:9/")
    mlflow.set_registry_uri("http://127.0.0.1:9/")
    for owner, name in ((mlflow.sklearn, "load_model"), (mlflow, "MlflowClient"),
                        (mlflow.tracking, "MlflowClient"),
                        (registry.tracking, "configure_mlflow"),
                        (registry.models, "load_champion"),
                        (flows.risk_scoring, "load_champion"),
                        (flows.risk_scoring, "configure_mlflow"),
                        (flows.risk_scoring, "load_risk_champions")):
        monkeypatch.setattr(owner, name, _refuse(touched, f"{owner.__name__}.{name}"))
    return touched


def risk_versions(engine: Engine) -> set[str | None]:
    with engine.connect() as conn:
        predictions = conn.execute(select(LearnerAIFeatures.risk_prediction)).scalars().all()
    return {p.get("model_version") if isinstance(p, dict) else None for p in predictions}


def risk_of(snap: dict[str, list[dict]]) -> dict[int, Any]:
    return {r["learner_id"]: r["risk_prediction"] for r in snap["ai_features"]}


def test_mlflow_lost_after_loading_scores_with_the_loaded_champion(
        db_url, seeded, champion_settings, monkeypatch) -> None:
    import mlflow

    engine, settings = seeded(db_url), with_database(champion_settings, db_url)
    cut: dict[str, list[str]] = {}

    def load_then_lose_mlflow(settings: Settings):
        loaded = load_models(settings)
        cut["asked"] = cut_mlflow(monkeypatch)
        return loaded

    steps = dataclasses.replace(PLAIN_STEPS, load_models=load_then_lose_mlflow)
    try:
        result = nightly(engine, settings, AS_OF, steps=steps)
    finally:
        monkeypatch.undo()
        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    assert result.status == "succeeded"
    assert cut["asked"] == []  # nothing after the models stage went back to MLflow
    assert result.model_versions["disengagement"] == f"{RISK_MODEL}/1"
    assert result.counts["risk_predictions"] > 100
    assert risk_versions(engine) == {f"{RISK_MODEL}/1"}
    scored = snapshot(engine)
    # The same day with MLflow up: the same scores (nothing to audit, nobody to nudge).
    again = nightly(engine, settings, AS_OF)
    assert again.counts["audit_risk"] == 0 and again.counts["nudges"] == 0
    assert snapshot(engine) == scored


def test_only_the_registered_champion_is_ever_scored(db_url, seeded, champion_settings,
                                                     tmp_path, monkeypatch) -> None:
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient

    from registry.tracking import RegistryUnavailableError

    shutil.copyfile(Path(champion_settings.mlflow_tracking_uri.removeprefix("sqlite:///")),
                    tmp_path / "mlflow.db")
    tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    engine = seeded(db_url)
    settings = dataclasses.replace(with_database(champion_settings, db_url),
                                   mlflow_tracking_uri=tracking)
    try:
        # The artifact store is out of reach: the run fails before writing anything.
        empty = snapshot(engine)
        with monkeypatch.context() as broken:
            broken.setattr(mlflow.sklearn, "load_model",
                           _refuse([], "the artifact store"))
            with pytest.raises(RegistryUnavailableError, match="cannot load"):
                nightly(engine, settings, AS_OF)
        assert snapshot(engine) == empty
        runs = ledger(engine)
        assert list(runs["status"]) == ["failed"]
        assert "RegistryUnavailableError" in runs["error"][0]

        # A newer version, registered but not champion, is never scored.
        client = MlflowClient(tracking_uri=tracking, registry_uri=tracking)
        champion = client.get_model_version_by_alias(RISK_MODEL, "champion")
        newer = client.create_model_version(RISK_MODEL, source=champion.source,
                                            run_id=champion.run_id)
        client.set_registered_model_alias(RISK_MODEL, "challenger", newer.version)
        assert int(newer.version) > int(champion.version)
        result = nightly(engine, settings, AS_OF)
        assert result.model_versions["disengagement"] == f"{RISK_MODEL}/{champion.version}"
        assert risk_versions(engine) == {f"{RISK_MODEL}/{champion.version}"}
        scored = snapshot(engine)

        # No champion at all: risk is not scored (not by the latest version either).
        client.delete_registered_model_alias(RISK_MODEL, "champion")
        skipped = nightly(engine, settings, AS_OF + dt.timedelta(days=1))
        assert skipped.status == "succeeded"
        assert skipped.model_versions["disengagement"] is None
        assert "risk_predictions" not in skipped.counts
        assert any(note.startswith("risk not scored: No champion") for note in skipped.notes)
        assert risk_of(snapshot(engine)) == risk_of(scored)  # the champion's, untouched
    finally:
        mlflow.set_tracking_uri(champion_settings.mlflow_tracking_uri)
        mlflow.set_registry_uri(champion_settings.mlflow_tracking_uri)
