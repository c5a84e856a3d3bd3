"""learnerai as production runs it on MariaDB: a batch user granted exactly the README's
statements (and nothing else), with a password that must never show.

MariaDB only: SQLite has neither users nor passwords. The database is migrated and
seeded by the administrator (root), as the README says; the batch user gets the grants
from the README's own SQL block, so the documentation is what is tested.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from recommend_fixtures import HashEncoder
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from features import migrate
from features.engine import make_engine
from features.schema import LearnerInputState, LearnerPreferences
from features.settings import Settings
from flows.nightly import run_nightly
from tests.nightly_fixtures import AS_OF, seed_demo, with_database
from tests.privacy_fixtures import (
    AI_TABLES,
    ai_rows,
    ai_table_texts,
    captured_logs,
    file_texts,
    found,
    mlflow_texts,
    plant_ai_rows,
    prefect_texts,
)

pytestmark = pytest.mark.mysql_only

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_grants(database: str, user: str) -> list[str]:
    """The GRANT statements of the README's "Database privileges" SQL block, for
    ``database`` and ``'user'@'%'``."""
    section = README.read_text().split("## Database privileges", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sql\n(.*?)```", section, re.S).group(1)
    statements = [s.strip() for s in block.split(";") if s.strip()]
    return [re.sub(r"--[^\n]*\n", "", s).strip()
            .replace("`learner`", f"`{database}`").replace("'learnerai'@'%'", f"'{user}'@'%'")
            for s in statements if "GRANT" in s]


def run_as_admin(engine: Engine, statement: str) -> None:
    """A statement with a literal '%' (a host pattern), sent without client formatting."""
    with engine.connect() as conn:
        with conn.connection.dbapi_connection.cursor() as cursor:
            cursor.execute(statement)
        conn.connection.dbapi_connection.commit()


@pytest.fixture(scope="module")
def batch_user(mysql_server: Engine, mysql_database_factory) -> Iterator[dict[str, str]]:
    """A migrated, seeded database and a user holding only the README's grants:
    ``url`` (with the password), ``password``, ``admin_url``, ``database``."""
    admin_url = mysql_database_factory("privileges")
    admin = make_engine(admin_url)
    migrate.upgrade(admin)
    seed_demo(admin)
    admin.dispose()
    database = make_url(admin_url).database
    user = f"lai_{uuid.uuid4().hex[:10]}"
    # Characters a URL must escape: the password shows up in one form or another.
    password = f"Pw@{secrets.token_hex(6)}:/#%?&"
    grants = readme_grants(database, user)
    assert len(grants) >= 2 and all(f"`{database}`" in g for g in grants)
    for table in AI_TABLES:
        assert any(f"`{table}`" in g and "INSERT" in g for g in grants), table
    run_as_admin(mysql_server, f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
    try:
        for grant in grants:
            run_as_admin(mysql_server, grant)
        url = make_url(admin_url).set(username=user, password=password)
        yield {"url": url.render_as_string(hide_password=False), "password": password,
               "admin_url": admin_url, "database": database}
    finally:
        run_as_admin(mysql_server, f"DROP USER IF EXISTS '{user}'@'%'")


def test_the_nightly_runs_with_only_the_documented_privileges(batch_user,
                                                              champion_settings) -> None:
    engine = make_engine(batch_user["url"])
    admin = make_engine(batch_user["admin_url"])
    try:
        with engine.connect() as conn:  # the user really is that restricted
            grants = " ".join(r[0] for r in conn.exec_driver_sql("SHOW GRANTS").all())
        assert "ALL PRIVILEGES" not in grants and "CREATE" not in grants
        settings = with_database(champion_settings, batch_user["url"])
        # Opted-out learners with AI rows: the run deletes them as well as writing.
        with admin.connect() as conn:
            opted_out = conn.execute(select(LearnerPreferences.learner_id).where(
                LearnerPreferences.ai_personalization_optin == 0)).scalars().all()
        for learner in opted_out[:3]:
            plant_ai_rows(admin, learner, AS_OF - dt.timedelta(days=14))
        assert ai_rows(engine, opted_out[:3])
        run = run_nightly(engine, settings, AS_OF, full=True, encoder=HashEncoder())
        assert run.status == "succeeded"
        assert run.counts["risk_predictions"] > 100 and run.counts["inserted"] > 1000
        assert run.counts["removed_learner_notifications"] >= 3
        assert ai_rows(engine, opted_out) == {}

        # And nothing else: no platform data, no schema.
        for statement in (
            "UPDATE learners SET phone = NULL",
            "INSERT INTO learner_skills (learner_id, skill_name) VALUES (1, 'x')",
            "DELETE FROM users",
            "UPDATE learner_preferences SET ai_personalization_optin = 1",
            "CREATE TABLE sneaky (x INT)",
            "ALTER TABLE learner_ai_features ADD COLUMN sneaky INT",
            "DROP TABLE batch_runs",
            "TRUNCATE TABLE learner_recommendations",
            "CREATE INDEX sneaky ON learner_recommendations (run_id)",
        ):
            with engine.connect() as conn, pytest.raises(DBAPIError) as refused:
                conn.execute(text(statement))
            assert refused.value.orig.args[0] in (1142, 1044, 1045, 1227), statement
    finally:
        engine.dispose()
        admin.dispose()


def nightly_runs() -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=FlowFilter(
            name=FlowFilterName(any_=["learnerai-nightly"])), limit=200)


def test_the_database_password_appears_nowhere(batch_user, tmp_path, monkeypatch,
                                               capfd) -> None:
    """Training, then from the command line ``db upgrade`` (prints the URL, masked), the
    nightly (the Prefect flow), ``evaluate`` and ``recommend``, with the password in
    DATABASE_URL and once on the command line, and a wrong password: the password is in
    no output, log, MLflow run or file, Prefect run or file, ledger row or AI table."""
    import mlflow

    from flows.cli import main
    from flows.train import run_training_ledgered
    from models.risk import default_config
    from registry.models import PromotionGates

    url, password = batch_user["url"], batch_user["password"]
    forms = sorted({password, quote(password, safe=""), quote_plus(password),
                    quote(password)})
    assert any(form in url for form in forms)  # the search looks for what the URL holds
    store = tmp_path / "mlflow"
    settings = Settings(database_url=url, mlflow_tracking_uri=f"sqlite:///{store / 'm.db'}",
                        mlflow_artifact_location=str(store / "artifacts"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", settings.mlflow_tracking_uri)
    monkeypatch.setenv("LEARNERAI_MLFLOW_ARTIFACTS", settings.mlflow_artifact_location)
    monkeypatch.setenv("COLUMNS", "1000")
    monkeypatch.setattr("models.embeddings.TextEncoder", lambda _name: HashEncoder())
    wrong = make_url(url).set(password=password[::-1]).render_as_string(hide_password=False)
    day = f"{AS_OF:%Y-%m-%d}"
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    before = {r.id for r in nightly_runs()}
    try:
        with captured_logs() as logs:
            engine = make_engine(url)
            # What `learnerai train` runs (with a quick model: the MLflow path is the same).
            trained = run_training_ledgered(
                engine, settings, AS_OF, ("disengagement",), progress=print,
                gates=PromotionGates(min_roc_auc=0.0, max_group_auc_gap=1.0),
                configs={"disengagement": default_config(
                    "disengagement", estimator="logistic_regression", calibration="sigmoid")})
            assert trained["disengagement"]["promoted"]
            assert main(["db", "upgrade"]) == 0  # already at head: no DDL, prints the URL
            assert main(["nightly", "--as-of", day, "--full"]) == 0
            assert main(["evaluate", "--as-of", day]) == 0
            with engine.connect() as conn:
                learner = conn.execute(select(LearnerInputState.learner_id)
                                       .order_by(LearnerInputState.learner_id)).scalar()
            engine.dispose()
            assert main(["--database-url", url, "recommend", str(learner)]) == 0
            assert main(["--database-url", wrong, "db", "current"]) == 1
    finally:
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])
    out, err = capfd.readouterr()
    assert f"{batch_user['database']}: schema" in out and ":***@" in out  # masked
    assert "succeeded" in out and "Recommendations for learner" in out
    assert "access denied" in err and "***" in err  # the wrong URL, masked

    ours = [r for r in nightly_runs() if r.id not in before]
    assert len(ours) == 1 and ours[0].state.is_completed()
    assert ours[0].parameters.get("database_url") is None  # read from the environment

    places = {
        "output": [("stdout", out), ("stderr", err)],
        "logs": [("log", record) for record in logs],
        "MLflow": [*mlflow_texts(settings.mlflow_tracking_uri), *file_texts(store)],
        "Prefect": [*prefect_texts([r.id for r in ours]),
                    *file_texts(Path(os.environ["PREFECT_HOME"]))],
        "ledger and AI tables": list(ai_table_texts(make_engine(batch_user["admin_url"]))),
    }
    assert all(places.values())
    leaks = {place: found(forms, texts)[:5] for place, texts in places.items()}
    assert leaks == dict.fromkeys(places, [])
