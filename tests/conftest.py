"""Shared fixtures: every database test runs on SQLite and on MariaDB.

MariaDB: 127.0.0.1:3306, root, no password (``LEARNERAI_TEST_MYSQL_URL`` to
change). Each test session (each xdist worker) creates its own uniquely named
database and drops it at the end. With ``LEARNERAI_REQUIRE_MYSQL=1`` (CI) an
unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from features import migrate
from features.engine import make_engine
from features.schema import Base

MYSQL_SERVER_URL = os.environ.get("LEARNERAI_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
REQUIRE_MYSQL = os.environ.get("LEARNERAI_REQUIRE_MYSQL") == "1"
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="learnerai-tests-"))
# Isolate Prefect and MLflow from the developer's own state, and keep them quiet.
os.environ.setdefault("PREFECT_HOME", str(_SESSION_TMP / "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("MLFLOW_TRACKING_URI", None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_TMP, ignore_errors=True)


# ------------------------------------------------------------------------- MariaDB


def _server_engine() -> Engine:
    return create_engine(make_url(MYSQL_SERVER_URL).set(database=None), pool_pre_ping=True)


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[Engine]:
    """A connection to the MariaDB server, or a skip (a failure under REQUIRE_MYSQL)."""
    engine = _server_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        message = f"MariaDB not reachable at {MYSQL_SERVER_URL}: {exc.__class__.__name__}"
        if REQUIRE_MYSQL:
            pytest.fail(f"{message} (LEARNERAI_REQUIRE_MYSQL=1)", pytrace=False)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mysql_database_factory(mysql_server: Engine) -> Iterator[Callable[[str], str]]:
    """Creates uniquely named, empty databases; drops them all at the end."""
    created: list[str] = []
    token = uuid.uuid4().hex[:8]

    def create(label: str) -> str:
        name = f"learnerai_test_{token}_{label}_{len(created)}"
        with mysql_server.begin() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        created.append(name)
        return make_url(MYSQL_SERVER_URL).set(database=name).render_as_string(hide_password=False)

    yield create
    with mysql_server.begin() as conn:
        for name in created:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))


@pytest.fixture(scope="session")
def mysql_migrated_url(mysql_database_factory: Callable[[str], str]) -> str:
    url = mysql_database_factory("main")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in Base.metadata.sorted_tables:
            conn.execute(text(f"TRUNCATE TABLE `{table.name}`"))
        conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))


# -------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A migrated SQLite file that tests copy instead of migrating each time."""
    path = _SESSION_TMP / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


# ------------------------------------------------------------------ both databases


@pytest.fixture(params=["sqlite", "mysql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database at the head revision, on each backend in turn."""
    if request.param == "sqlite":
        target = tmp_path / "learnerai.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("mysql_migrated_url")
    engine = make_engine(url)
    _empty_all_tables(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", "mysql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a database with no tables at all, on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("mysql_database_factory")("empty")


# ------------------------------------------------------------------ nightly runs


@pytest.fixture(scope="session")
def champion_settings(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    """Settings whose MLflow holds a disengagement champion (trained once per session)."""
    import mlflow

    from tests.nightly_fixtures import train_champion

    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    yield train_champion(tmp_path_factory.mktemp("nightly-mlflow"), sqlite_template)
    mlflow.set_tracking_uri(previous[0])
    mlflow.set_registry_uri(previous[1])


@pytest.fixture
def demo(engine: Engine, db_url: str, champion_settings):
    """(engine, settings): the demo learners seeded on each backend, MLflow with a champion."""
    from tests.nightly_fixtures import seed_demo, with_database

    seed_demo(engine)
    return engine, with_database(champion_settings, db_url)
