"""The SQL views for downstream apps (revision 0002, docs/views.md), on both databases.

Each test writes a few rows through the models and reads the view with plain SQL, as
a downstream app would. SQLite hands back DATETIME as text and MariaDB DECIMAL as
``Decimal`` to raw SQL, so values are normalised before they are compared.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, text

from features import migrate
from features.engine import make_engine
from features.runs import latest_successful_run
from features.schema import (
    AI_PATHWAY_MARK,
    BatchRun,
    CareerRole,
    ContentItem,
    Course,
    Learner,
    LearnerAIFeatures,
    LearnerCareerPathway,
    LearnerRecommendation,
    SkillCatalog,
    User,
)
from models.explain import risk_prediction_json

VIEWS = {"v_current_recommendations", "v_latest_risk", "v_latest_successful_run",
         "v_learner_career"}
T0 = dt.datetime(2026, 3, 1, 2, 0)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def _revision_module() -> Any:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_revision("0002").module


def _value(value: Any) -> Any:
    """One value as both databases should mean it: floats, datetimes, str."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and _DATETIME.match(value):
        return dt.datetime.fromisoformat(value)
    return value


def _read(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).mappings().all()
    return [{k: _value(v) for k, v in row.items()} for row in rows]


def _learners(conn: Any, *ids: int) -> None:
    for i in ids:
        conn.execute(insert(User).values(id=i, email=f"l{i}@example.org",
                                         full_name=f"Secret Person {i}"))
        conn.execute(insert(Learner).values(learner_id=i, user_id=i))


# ---------------------------------------------------------------------- migration


def test_upgrade_creates_the_views_and_downgrade_drops_them(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    assert set(inspect(engine).get_view_names()) == VIEWS
    assert set(inspect(engine).get_table_names()).isdisjoint(VIEWS)
    migrate.downgrade(engine, "0001")
    assert inspect(engine).get_view_names() == []
    migrate.upgrade(engine)
    assert set(inspect(engine).get_view_names()) == VIEWS
    migrate.downgrade(engine, "base")
    assert inspect(engine).get_view_names() == []
    engine.dispose()


def test_the_career_view_uses_the_schemas_ai_mark() -> None:
    # The revision keeps its own copy (revisions are frozen); a changed mark needs a
    # new revision that re-creates v_learner_career.
    assert _revision_module().AI_PATHWAY_MARK == AI_PATHWAY_MARK


# --------------------------------------------------------- v_current_recommendations


def test_current_recommendations_are_the_pending_rows_with_catalog_titles(engine) -> None:
    with engine.begin() as conn:
        _learners(conn, 1, 2)
        conn.execute(insert(Course).values(course_id=7, title="Python for Data Analysis"))
        conn.execute(insert(Course).values(course_id=12, title="Statistics"))
        conn.execute(insert(ContentItem).values(content_id=70, course_id=7,
                                                title="Pandas basics"))
        conn.execute(insert(SkillCatalog).values(skill_key="sql", name="SQL"))
        conn.execute(insert(CareerRole).values(role_id=3, title="Data Analyst"))

        def rec(learner: int, kind: str, ref: str, status: str, rank: int | None,
                score: float = 0.8) -> dict[str, Any]:
            return {"learner_id": learner, "recommendation_type": kind, "reference_id": ref,
                    "action_status": status, "rec_rank": rank, "confidence_score": score,
                    "recommendation_reason": f"{kind} {ref} because", "run_id": "nightly-1",
                    "model_version": "recommender/4", "created_on": T0}

        conn.execute(insert(LearnerRecommendation), [
            rec(1, "Course", "7", "Pending", 1, 0.91),
            rec(1, "Course", "12", "Clicked", None),      # history: not current
            rec(1, "Course", "999", "Pending", 2, 0.4),   # no such course: title NULL
            rec(1, "Course", "007", "Pending", 3, 0.3),   # not the string of an id
            rec(1, "Content", "70", "Pending", 1),
            rec(1, "Skill", "sql", "Pending", 1),
            rec(1, "Career", "3", "Pending", 1),
            rec(1, "Career", "7", "Ignored", None),       # history
            rec(1, "Mentor", "2", "Pending", 1),          # a learner: never their name
            rec(2, "Skill", "sql", "Completed", None),    # history
            rec(2, "Course", "12", "Pending", 1, 0.55),
        ])

    rows = _read(engine, "SELECT * FROM v_current_recommendations")

    def expected(learner: int, kind: str, ref: str, title: str | None, rank: int,
                 score: float = 0.8) -> dict[str, Any]:
        return {"learner_id": learner, "recommendation_type": kind, "reference_id": ref,
                "reference_title": title, "rec_rank": rank, "confidence_score": score,
                "recommendation_reason": f"{kind} {ref} because", "run_id": "nightly-1",
                "model_version": "recommender/4", "created_on": T0}

    key = ("learner_id", "recommendation_type", "reference_id")
    got = sorted(({k: v for k, v in r.items() if k != "rec_id"} for r in rows),
                 key=lambda r: tuple(str(r[k]) for k in key))
    assert got == sorted([
        expected(1, "Course", "7", "Python for Data Analysis", 1, 0.91),
        expected(1, "Course", "999", None, 2, 0.4),
        expected(1, "Course", "007", None, 3, 0.3),
        expected(1, "Content", "70", "Pandas basics", 1),
        expected(1, "Skill", "sql", "SQL", 1),
        expected(1, "Career", "3", "Data Analyst", 1),
        expected(1, "Mentor", "2", None, 1),
        expected(2, "Course", "12", "Statistics", 1, 0.55),
    ], key=lambda r: tuple(str(r[k]) for k in key))
    assert not any("Secret" in str(v) for r in rows for v in r.values())

    # rec_id is the row's key, so an app can mark what the learner clicked.
    with engine.begin() as conn:
        rec_id = conn.execute(text(
            "SELECT rec_id FROM v_current_recommendations WHERE learner_id = 2")).scalar_one()
        conn.execute(text("UPDATE learner_recommendations SET action_status = 'Clicked'"
                          " WHERE rec_id = :id"), {"id": rec_id})
    assert _read(engine, "SELECT * FROM v_current_recommendations WHERE learner_id = 2") == []


# --------------------------------------------------------------------- v_latest_risk


def test_latest_risk_takes_score_band_horizon_and_model_out_of_the_json(engine) -> None:
    factor = {"feature": "days_since_last_activity", "value": 12.0, "reference": 3.0,
              "direction": "raises", "effect": 0.21, "sentence": "No activity for 12 days"}
    with engine.begin() as conn:
        _learners(conn, 1, 2, 3)
        conn.execute(insert(LearnerAIFeatures), [
            {"learner_id": 1, "model_version": "features/2", "last_model_update": T0,
             "risk_prediction": risk_prediction_json(
                 0.62, "high", 30, [factor], [{"course_id": 7, "score": 0.35, "band": "medium"}],
                 model_version="learnerai-risk-disengagement/3",
                 enrollments_model_version="learnerai-risk-dropout/2",
                 enrollments_horizon_days=60)},
            {"learner_id": 2, "model_version": "features/2", "last_model_update": T0,
             "risk_prediction": risk_prediction_json(0.1234, "low", 28, [])},
            {"learner_id": 3, "model_version": "features/2", "last_model_update": T0,
             "risk_prediction": None},   # features but no risk yet: not in the view
        ])

    rows = _read(engine, "SELECT * FROM v_latest_risk ORDER BY learner_id")
    assert rows == [
        {"learner_id": 1, "risk_score": 0.62, "risk_band": "high", "horizon_days": 30,
         "model_version": "learnerai-risk-disengagement/3", "last_model_update": T0},
        {"learner_id": 2, "risk_score": 0.1234, "risk_band": "low", "horizon_days": 28,
         "model_version": None, "last_model_update": T0},   # JSON null is SQL NULL
    ]
    assert all(isinstance(r["risk_score"], float) for r in rows)
    assert all(isinstance(r["horizon_days"], int) for r in rows)
    # numeric, so apps can filter and sort on it
    assert _read(engine, "SELECT learner_id FROM v_latest_risk WHERE risk_score >= 0.5") == [
        {"learner_id": 1}]


# ----------------------------------------------------------- v_latest_successful_run


def test_latest_successful_run_per_flow(engine) -> None:
    def run(run_id: str, flow: str, status: str, as_of_day: int,
            finished: dt.datetime | None) -> dict[str, Any]:
        return {"run_id": run_id, "flow": flow, "status": status,
                "as_of": dt.datetime(2026, 3, as_of_day), "started_on": T0,
                "finished_on": finished, "counts": {"learners": as_of_day},
                "model_versions": {"risk": f"learnerai-risk-disengagement/{as_of_day}"}}

    day = dt.timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(insert(BatchRun), [
            run("n-1", "nightly", "succeeded", 1, T0 + dt.timedelta(hours=1)),
            run("n-2-early", "nightly", "succeeded", 2, T0 + day),
            run("n-2-late", "nightly", "succeeded", 2, T0 + day + dt.timedelta(hours=2)),
            run("n-3", "nightly", "failed", 3, T0 + 2 * day),
            run("n-4", "nightly", "running", 4, None),
            run("t-1", "train", "succeeded", 1, T0 + dt.timedelta(hours=3)),
            run("t-2", "train", "failed", 2, T0 + day),
            run("b-1", "backfill", "failed", 1, T0),
        ])

    rows = _read(engine, "SELECT * FROM v_latest_successful_run ORDER BY flow")
    assert [(r["flow"], r["run_id"]) for r in rows] == [("nightly", "n-2-late"),
                                                         ("train", "t-1")]
    nightly = rows[0]
    assert nightly["as_of"] == dt.datetime(2026, 3, 2)
    assert nightly["started_on"] == T0
    assert nightly["finished_on"] == T0 + day + dt.timedelta(hours=2)
    assert json.loads(nightly["counts"]) == {"learners": 2}
    assert json.loads(nightly["model_versions"]) == {"risk": "learnerai-risk-disengagement/2"}
    assert set(rows[0]) == {"run_id", "flow", "as_of", "started_on", "finished_on", "counts",
                            "model_versions"}
    # the same answer as the Python API
    for row in rows:
        assert latest_successful_run(engine, row["flow"])["run_id"] == row["run_id"]
    assert latest_successful_run(engine, "backfill") is None


# -------------------------------------------------------------------- v_learner_career


def test_learner_career_is_the_latest_ai_pathway(engine) -> None:
    def ai(what: str) -> str:
        return json.dumps({"source": "learnerai", "missing_skills": [what]})

    def path(learner: int, current: str, nxt: str, gap: str | None, day: int,
             confidence: float = 0.7) -> dict[str, Any]:
        return {"learner_id": learner, "current_role": current, "next_role": nxt,
                "gap_analysis": gap, "ai_confidence_score": confidence,
                "recommended_courses": f"[{day}]", "last_updated": dt.datetime(2026, 3, day)}

    assert ai("x").startswith(AI_PATHWAY_MARK)
    with engine.begin() as conn:
        _learners(conn, 1, 2, 3)
        conn.execute(insert(LearnerCareerPathway), [
            path(1, "Analyst", "Senior Analyst", ai("sql"), 1),
            path(1, "Analyst", "Data Scientist", ai("ml"), 2, 0.64),     # latest AI row
            path(1, "Analyst", "Team Lead", "I want to lead a team", 5),  # declared: not AI
            path(2, "Teacher", "Instructional Designer", None, 5),        # declared only
            path(3, "Intern", "Junior Developer", ai("git"), 3, 0.5),
            path(3, "Intern", "Data Engineer", ai("sql"), 3, 0.6),       # same time, later id
        ])

    rows = _read(engine, "SELECT * FROM v_learner_career ORDER BY learner_id")
    assert rows == [
        {"learner_id": 1, "current_role": "Analyst", "next_role": "Data Scientist",
         "ai_confidence_score": 0.64, "recommended_courses": "[2]",
         "last_updated": dt.datetime(2026, 3, 2)},
        {"learner_id": 3, "current_role": "Intern", "next_role": "Data Engineer",
         "ai_confidence_score": 0.6, "recommended_courses": "[3]",
         "last_updated": dt.datetime(2026, 3, 3)},
    ]
    # current_role is reserved on MariaDB: quoted the dialect's way, it still works
    quoted = engine.dialect.identifier_preparer.quote_identifier("current_role")
    assert _read(engine, f"SELECT {quoted} FROM v_learner_career WHERE learner_id = 3") == [
        {"current_role": "Intern"}]
