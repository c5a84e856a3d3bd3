"""Security and privacy of the batch, on SQLite and MariaDB.

- PII firewall: names, emails, phones, addresses, IPs and messages never leave the
  learner tables — not into AI tables, MLflow, Prefect or logs;
- consent: opted-out learners have no AI rows and mentor nobody; opting out and
  deleting a learner remove their AI rows;
- injection: SQL, HTML, template and markup payloads in every free-text field stay
  inert data.

The database password and privileges: ``tests/test_db_privileges.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sqlite3
import zipfile
from collections import Counter

import numpy as np
import pytest
from recommend_fixtures import HashEncoder
from sqlalchemy import delete, func, insert, select, update

from features.demo_data import seed_database
from features.schema import (
    Base,
    CareerRole,
    Course,
    Learner,
    LearnerAIFeatures,
    LearnerAuditLog,
    LearnerEngagement,
    LearnerInputState,
    LearnerNotification,
    LearnerPreferences,
    LearnerRecommendation,
    SkillCatalog,
    User,
)
from features.settings import Settings
from flows.nightly import run_nightly
from tests.nightly_fixtures import AS_OF, DAYS, LEARNERS, SEED, snapshot
from tests.privacy_fixtures import (
    AI_AUDIT_ACTIONS,
    EVALUATED,
    MARK,
    PII_COLUMNS,
    ai_rows,
    ai_table_texts,
    blob_strings,
    captured_logs,
    file_texts,
    found,
    free_text_columns,
    inject,
    mark_pii,
    mlflow_texts,
    pending_mentors,
    plant_ai_rows,
    prefect_texts,
    read_back,
    source_counts,
)


def nightly(demo, **options):
    engine, settings = demo
    return run_nightly(engine, settings, AS_OF, encoder=HashEncoder(), **options)


# ------------------------------------------------------------------ the searches


def test_the_searches_find_a_marker_wherever_it_hides(tmp_path) -> None:
    """The leak searches below are only as good as what they can see: plain files,
    zipped models, compressed .npz arrays, SQLite rows, JSON — and log records."""
    import logging

    (tmp_path / "plain.txt").write_text(f"name-{MARK}-1")
    with zipfile.ZipFile(tmp_path / "model.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inner/params.json", json.dumps({"x": f"email-{MARK}-2"}))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, names=np.array([f"ip-{MARK}-3"]))
    (tmp_path / "arrays.npz").write_bytes(buffer.getvalue())
    assert MARK.encode() not in buffer.getvalue()  # compressed: only np.load sees it
    with sqlite3.connect(tmp_path / "store.db") as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (f"msg-{MARK}-4",))
    hits = "\n".join(found([MARK], file_texts(tmp_path)))
    for name in ("plain.txt", "model.zip", "arrays.npz", "store.db"):
        assert name in hits, name
    assert found([MARK], [("here", "nothing personal")]) == []
    assert found([MARK], [("blob", t) for t in blob_strings(buffer.getvalue())])

    with captured_logs() as records:
        logging.getLogger("prefect.learnerai_test").warning("hello %s", MARK)
        logging.getLogger("mlflow.store").warning("there %s", MARK)
    assert len(found([MARK], [("log", r) for r in records])) == 2


# ----------------------------------------------------------------- PII firewall


def test_no_personal_data_reaches_ai_tables_mlflow_prefect_or_logs(
        engine, db_url, tmp_path, monkeypatch, capfd) -> None:
    """Every personal value (and every text a learner wrote) carries a marker; after
    training, the nightly flow and the evaluation flow, no marker is anywhere learnerai
    writes: its tables and views, MLflow (runs, models, artifacts, input examples, the
    store itself), the Prefect runs (parameters, logs, artifacts), or the logs."""
    import mlflow

    from flows.evaluate import evaluate
    from flows.nightly import nightly as nightly_flow
    from flows.train import run_training_ledgered
    from models.risk import default_config
    from registry.models import PromotionGates

    seed_database(engine, learners=LEARNERS, days=DAYS, seed=SEED, as_of=AS_OF)
    marked = mark_pii(engine)
    assert min(marked.values()) > 0, [column for column, n in marked.items() if n == 0]
    with engine.connect() as conn:
        audit_floor = conn.execute(select(func.max(LearnerAuditLog.audit_id))).scalar() or 0
        names = conn.execute(select(User.full_name)).scalars().all()
    assert all(MARK in name for name in names)

    store = tmp_path / "mlflow"
    settings = Settings(database_url=db_url,
                        mlflow_tracking_uri=f"sqlite:///{store / 'mlflow.db'}",
                        mlflow_artifact_location=str(store / "artifacts"))
    # The flows read their settings from the environment, as a deployment's do.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", settings.mlflow_tracking_uri)
    monkeypatch.setenv("LEARNERAI_MLFLOW_ARTIFACTS", settings.mlflow_artifact_location)
    monkeypatch.setattr("models.embeddings.TextEncoder", lambda _name: HashEncoder())
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        with captured_logs() as logs:
            trained = run_training_ledgered(
                engine, settings, AS_OF, ("disengagement",), progress=print,
                gates=PromotionGates(min_roc_auc=0.0, max_group_auc_gap=1.0),
                configs={"disengagement": default_config(
                    "disengagement", estimator="logistic_regression", calibration="sigmoid")})
            night = nightly_flow(as_of=AS_OF, full=True, database_url=db_url,
                                 return_state=True)
            evaluation = evaluate(as_of=AS_OF, database_url=db_url, return_state=True)
    finally:
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])
    out, err = capfd.readouterr()

    # Everything ran and wrote what it writes, so the searches below look at something.
    assert trained["disengagement"]["promoted"], trained
    assert night.is_completed(), night.message
    assert evaluation.is_completed(), evaluation.message
    counts = night.result()["counts"]
    assert counts["risk_predictions"] > 100 and counts["inserted"] > 1000
    assert evaluation.result()["risk"]["disengagement"]["mlflow_run_id"]

    places = {
        "AI tables and views": list(ai_table_texts(engine, audit_floor)),
        "MLflow": [*mlflow_texts(settings.mlflow_tracking_uri), *file_texts(store)],
        "Prefect": list(prefect_texts([night.state_details.flow_run_id,
                                       evaluation.state_details.flow_run_id])),
        "logs and output": [*(("log", record) for record in logs),
                            ("stdout", out), ("stderr", err)],
    }
    mlflow_files = {where for where, _ in places["MLflow"]}
    assert any(f.endswith("input_example.json") for f in mlflow_files)
    assert "artifact learnerai-nightly" in {where for where, _ in places["Prefect"]}
    assert any("recommendations:" in record for record in logs)  # the flows' progress lines
    leaks = {place: found([MARK], texts)[:5] for place, texts in places.items()}
    assert leaks == dict.fromkeys(places, [])


# ---------------------------------------------------------------------- consent


def opted_out(engine) -> list[int]:
    p = LearnerPreferences
    with engine.connect() as conn:
        return sorted(conn.execute(select(p.learner_id).where(p.ai_personalization_optin == 0)
                                   .distinct()).scalars())


def test_consent_opt_out_and_deletion_remove_every_ai_row(demo) -> None:
    engine = demo[0]
    if engine.dialect.name == "sqlite":  # the seed's cascades need foreign keys on
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

    # Learners who opted out get nothing, and what they had is removed.
    out = opted_out(engine)
    assert len(out) >= 3
    plant_ai_rows(engine, out[0], AS_OF - dt.timedelta(days=14))
    assert len(ai_rows(engine, out[:1])) == 6
    nightly(demo, full=True)
    assert ai_rows(engine, out) == {}
    mentors = pending_mentors(engine)
    assert len(mentors) >= 3 and not set(out) & set(mentors)

    # Opting out: the next run (incremental) removes their AI rows, and they stop being
    # anyone's mentor.
    leaver = max(mentors, key=lambda m: (len(mentors[m]), -m))
    mentees = mentors[leaver]
    assert {"learner_ai_features", "learner_recommendations"} <= set(ai_rows(engine, [leaver]))
    with engine.begin() as conn:
        conn.execute(update(LearnerPreferences).where(LearnerPreferences.learner_id == leaver)
                     .values(ai_personalization_optin=0))
    second = nightly(demo)
    assert second.mode == "incremental" and second.status == "succeeded"
    assert ai_rows(engine, [leaver]) == {}
    assert leaver not in pending_mentors(engine)
    with engine.connect() as conn:  # the mentees got new lists, not empty ones
        listed = conn.execute(select(LearnerRecommendation.learner_id).distinct().where(
            LearnerRecommendation.learner_id.in_(mentees),
            LearnerRecommendation.action_status == "Pending")).scalars().all()
    assert sorted(listed) == sorted(set(mentees) - {leaver})

    # Deleting a learner (their account): the foreign keys cascade at once; what no key
    # reaches (AI_Nudge rows, others' Mentor rows) is gone after the next run.
    mentors = pending_mentors(engine)
    gone = max(mentors, key=lambda m: (len(mentors[m]), -m))
    with engine.begin() as conn:
        if not conn.execute(select(func.count()).select_from(LearnerNotification).where(
                LearnerNotification.learner_id == gone,
                LearnerNotification.type == "AI_Nudge")).scalar():
            conn.execute(insert(LearnerNotification).values(
                learner_id=gone, type="AI_Nudge", title="We miss you", created_on=AS_OF))
        user = conn.execute(select(Learner.user_id).where(Learner.learner_id == gone)).scalar()
        audited = conn.execute(select(func.count()).select_from(LearnerAuditLog)
                               .where(LearnerAuditLog.learner_id == gone)).scalar()
        anonymous = conn.execute(select(func.count()).select_from(LearnerAuditLog)
                                 .where(LearnerAuditLog.learner_id.is_(None))).scalar()
    assert audited > 0 and {"learner_ai_features", "learner_recommendations",
                            "learner_notifications"} <= set(ai_rows(engine, [gone]))
    with engine.begin() as conn:
        conn.execute(delete(User).where(User.id == user))
    assert set(ai_rows(engine, [gone])) == {"learner_notifications"}  # no key: next run
    with engine.connect() as conn:
        for table in (Learner, LearnerEngagement, LearnerInputState):
            assert conn.execute(select(func.count()).select_from(table)
                                .where(table.learner_id == gone)).scalar() == 0, table
        # The audit trail stays, no longer naming anyone (the seed's ON DELETE SET NULL).
        assert conn.execute(select(func.count()).select_from(LearnerAuditLog)
                            .where(LearnerAuditLog.learner_id.is_(None))).scalar() \
            == anonymous + audited
    third = nightly(demo)
    assert third.status == "succeeded"
    assert ai_rows(engine, [gone]) == {}
    assert gone not in pending_mentors(engine)


# -------------------------------------------------------------------- injection


#: The text columns of the tables learnerai reads about learners (the catalog apart).
LEARNER_TABLES = tuple(name for name, table in Base.metadata.tables.items()
                       if {"learner_id", "sender_id"} & set(table.c.keys())
                       and name not in ("learner_ai_features", "learner_input_state"))


def ai_snapshot(engine) -> dict[str, list[dict]]:
    """What learnerai wrote (its own rows of the tables it shares with the platform)."""
    snap = snapshot(engine)
    return {**snap,
            "notifications": [r for r in snap["notifications"] if r["type"] == "AI_Nudge"],
            "psychographics": [r for r in snap["psychographics"] if r["derived_from"] == "AI"],
            "audit": [r for r in snap["audit"] if r["action"] in AI_AUDIT_ACTIONS],
            "pathways": [r for r in snap["pathways"] if isinstance(r["gap_analysis"], dict)]}


def output_texts(engine) -> list[tuple[str, str]]:
    """The readable text of learnerai's outputs (JSON walked to its strings: numbers
    left out, where an evaluated template's 66503 could hide by chance)."""
    def strings(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    texts = []
    for table, rows in ai_snapshot(engine).items():
        for row in rows:
            for column, value in row.items():
                if column not in ("engagement_vector", "skill_vector", "recommendation_vector"):
                    texts += [(f"{table}.{column}", s) for s in strings(value)]
    return texts


def test_injection_payloads_in_every_free_text_field_stay_inert_data(
        demo, db_url, monkeypatch, capsys) -> None:
    engine = demo[0]
    first = nightly(demo, full=True)
    assert first.status == "succeeded"
    before = ai_snapshot(engine)

    # 1. Payloads in every text column no feature reads, in every row: outputs unchanged.
    unread = inject(engine, PII_COLUMNS)
    counts = source_counts(engine)
    assert nightly(demo, full=True).status == "succeeded"
    assert ai_snapshot(engine) == before
    assert source_counts(engine) == counts  # nothing dropped, deleted or added
    assert read_back(engine, unread) == []  # and the payloads are stored as they came

    # 2. Payloads in every other free-text column of three learners, and in a role title
    #    and a skill name that reasons and career rows quote.
    read = {table: [c for c in columns if c not in PII_COLUMNS.get(table, {})]
            for table, columns in free_text_columns(LEARNER_TABLES).items()}
    read = {table: columns for table, columns in read.items() if columns}
    assert {"skill_name", "desired_role", "target_skills", "career_motivation"} \
        <= {c for columns in read.values() for c in columns}
    texts = output_texts(engine)
    with engine.connect() as conn:
        targets = conn.execute(select(LearnerAIFeatures.learner_id)
                               .order_by(LearnerAIFeatures.learner_id).limit(3)).scalars().all()
        roles = dict(conn.execute(select(CareerRole.title, CareerRole.role_id)).all())
        skills = dict(conn.execute(select(SkillCatalog.name, SkillCatalog.skill_key)).all())
    # The role and the skill the outputs name most (so their new names must show up).
    role = Counter(text for where, text in texts if where == "pathways.next_role") \
        .most_common(1)[0][0]
    names = re.compile(r"(?<!\w)(" + "|".join(
        map(re.escape, sorted(skills, key=len, reverse=True))) + r")(?!\w)")
    skill = Counter(name for where, text in texts if where.endswith("recommendation_reason")
                    for name in names.findall(text)).most_common(1)[0][0]
    role_title = f"{role} '; DROP TABLE learners; -- <script>alert('x')</script> {{{{73*911}}}}"
    skill_name = f"{skill} \\'; SELECT SLEEP(5); -- \\ ${{73*911}} %s {{0}} [/] [bold red]BOOM"
    payloads = inject(engine, read, rows=lambda t: t.c.learner_id.in_(targets))
    with engine.begin() as conn:
        conn.execute(update(CareerRole).where(CareerRole.role_id == roles[role])
                     .values(title=role_title))
        conn.execute(update(SkillCatalog).where(SkillCatalog.skill_key == skills[skill])
                     .values(name=skill_name))
    counts = source_counts(engine)
    third = nightly(demo, full=True)
    assert third.status == "succeeded"
    assert source_counts(engine) == counts
    assert read_back(engine, {**unread, **payloads}) == []
    with engine.connect() as conn:
        assert conn.execute(select(CareerRole.title).where(CareerRole.role_id == roles[role])
                            ).scalar() == role_title
        processed = conn.execute(select(LearnerInputState.learner_id).where(
            LearnerInputState.learner_id.in_(targets),
            LearnerInputState.run_id == third.run_id)).scalars().all()
    assert sorted(processed) == sorted(targets)  # the payload learners were computed

    texts = output_texts(engine)
    quoting_role = [w for w, text in texts if role_title in text]
    assert any(w.startswith("pathways.") for w in quoting_role), "role title not in pathways"
    assert any(w.endswith("recommendation_reason") for w in quoting_role)
    assert any(skill_name in text for w, text in texts if w.endswith("recommendation_reason"))
    # Verbatim or not at all: no escaped, half-quoted or evaluated form anywhere.
    for fragment, whole in [("<script", "<script>alert('x')</script>"),
                            ("DROP TABLE", "'; DROP TABLE learners; --"),
                            ("SLEEP", "\\'; SELECT SLEEP(5); -- \\"),
                            ("BOOM", "[bold red]BOOM")]:
        mangled = [(w, t) for w, t in texts if fragment in t and whole not in t]
        assert mangled == [], mangled[:3]
    assert found([EVALUATED, "&lt;", "&gt;", "&#"], texts) == []

    # 3. The command line prints such titles as they are (no terminal markup, no emoji).
    from flows.cli import main

    with engine.connect() as conn:
        learner, course = conn.execute(
            select(LearnerRecommendation.learner_id, LearnerRecommendation.reference_id)
            .where(LearnerRecommendation.recommendation_type == "Course",
                   LearnerRecommendation.action_status == "Pending")
            .order_by(LearnerRecommendation.learner_id, LearnerRecommendation.rec_rank)
            .limit(1)).one()
    course_title = "Intro [/] [bold red]BOOM[/bold red] :snake: <b>{{73*911}}</b> %s {0}"
    with engine.begin() as conn:
        conn.execute(update(Course).where(Course.course_id == int(course))
                     .values(title=course_title))
    monkeypatch.setenv("COLUMNS", "1000")
    capsys.readouterr()
    assert main(["--database-url", db_url, "recommend", str(learner)]) == 0
    printed = capsys.readouterr().out
    assert f"{course_title} ({course})" in printed
    assert "[confidence " in printed


@pytest.mark.parametrize("text", ["'; DROP TABLE learners; --", "<script>alert(1)</script>",
                                  "[/] [bold]x[/bold] :snake:"])
def test_the_command_line_echoes_a_bad_value_as_it_is(text, monkeypatch, capsys) -> None:
    """A user's own bad value, echoed in the one-line error, is not read as markup."""
    from flows.cli import main

    monkeypatch.setenv("COLUMNS", "1000")
    assert main(["train", "--target", text]) == 1
    err = capsys.readouterr().err
    assert "unknown --target" in err and text in err and "Traceback" not in err


def test_a_database_url_on_the_command_line_wins_over_the_environment(tmp_path, monkeypatch,
                                                                      capsys) -> None:
    """``learnerai --database-url X cmd`` works on X even with DATABASE_URL set: the
    command's own option (filled from the environment) must not override it."""
    from flows.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'environment.db'}")
    monkeypatch.setenv("COLUMNS", "1000")
    assert main(["--database-url", f"sqlite:///{tmp_path / 'given.db'}", "db", "upgrade"]) == 0
    assert main(["db", "upgrade", "--database-url", f"sqlite:///{tmp_path / 'after.db'}"]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["after.db", "given.db"]
    assert "given.db: schema empty" in capsys.readouterr().out
