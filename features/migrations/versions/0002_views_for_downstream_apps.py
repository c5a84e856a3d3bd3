"""views for downstream apps

Four read-only views over learnerai's outputs (docs/views.md), the same rows and
values on SQLite and on MySQL/MariaDB:

- ``v_current_recommendations``: the Pending rows of ``learner_recommendations`` with
  a readable ``reference_title`` from the catalog (NULL for Mentor: no PII).
- ``v_latest_risk``: the risk score, band, horizon and model of each learner, taken
  out of ``learner_ai_features.risk_prediction`` JSON.
- ``v_latest_successful_run``: per flow, the latest ``batch_runs`` row that
  succeeded (by ``as_of``, then ``finished_on``).
- ``v_learner_career``: per learner, the latest career pathway learnerai wrote.

The SQL is frozen here, like every revision: a later change to a view is a new
revision that drops and re-creates it.

SQLite caveat for later revisions: a batch-mode table rebuild (``op.batch_alter_table``
that has to copy the table, e.g. to drop or retype a column) of a table these views
read fails on SQLite ("error in view ...: no such table") while the view exists. Such a
revision drops the views that read the table first and re-creates them afterwards.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy.engine import Dialect

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: ``features.schema.AI_PATHWAY_MARK`` when this revision was written (tests check it).
AI_PATHWAY_MARK = '{"source": "learnerai"'

VIEW_NAMES = ("v_current_recommendations", "v_latest_risk", "v_latest_successful_run",
              "v_learner_career")


def _is_mysql(dialect: Dialect) -> bool:
    return dialect.name in ("mysql", "mariadb")


def _int_reference(dialect: Dialect) -> str:
    """``r.reference_id`` as an integer key when it is a canonical decimal id, else NULL.

    Joining on the catalog's integer key keeps its primary-key index in use. Only
    ``1``..``9999999999`` without sign, spaces or leading zeros qualify, so the match is
    exact (the string of the id, nothing else) and nothing is cast that could warn —
    Skill keys and stray text simply give NULL.
    """
    ref = "r.reference_id"
    if _is_mysql(dialect):
        digits = f"{ref} REGEXP '^[1-9]' AND {ref} NOT REGEXP '[^0-9]'"
        return (f"CASE WHEN {digits} AND CHAR_LENGTH({ref}) <= 10 "
                f"THEN CAST({ref} AS UNSIGNED) END")
    digits = f"{ref} GLOB '[1-9]*' AND {ref} NOT GLOB '*[^0-9]*'"
    return f"CASE WHEN {digits} AND length({ref}) <= 10 THEN CAST({ref} AS INTEGER) END"


def _json_number(dialect: Dialect, column: str, key: str, sql_type: str) -> str:
    if _is_mysql(dialect):
        mysql_type = {"REAL": "DOUBLE", "INTEGER": "SIGNED"}[sql_type]
        return f"CAST(JSON_VALUE({column}, '$.{key}') AS {mysql_type})"
    return f"CAST({_json_text(dialect, column, key)} AS {sql_type})"


def _json_text(dialect: Dialect, column: str, key: str) -> str:
    if _is_mysql(dialect):
        return f"JSON_VALUE({column}, '$.{key}')"
    # json_extract raises on malformed text (MariaDB checks JSON on write; SQLite does not).
    return f"CASE WHEN json_valid({column}) THEN json_extract({column}, '$.{key}') END"


def view_sql(dialect: Dialect) -> dict[str, str]:
    """The SELECT of each view, for ``dialect``."""
    current_role = dialect.identifier_preparer.quote_identifier("current_role")
    ref = _int_reference(dialect)
    risk = "f.risk_prediction"
    score = _json_number(dialect, risk, "score", "REAL")
    return {
        "v_current_recommendations": f"""
SELECT r.rec_id, r.learner_id, r.recommendation_type, r.reference_id,
       CASE r.recommendation_type
            WHEN 'Course' THEN c.title
            WHEN 'Content' THEN ci.title
            WHEN 'Skill' THEN s.name
            WHEN 'Career' THEN cr.title
       END AS reference_title,
       r.rec_rank, r.confidence_score, r.recommendation_reason, r.run_id,
       r.model_version, r.created_on
FROM learner_recommendations r
LEFT JOIN courses c ON r.recommendation_type = 'Course' AND c.course_id = {ref}
LEFT JOIN content_items ci ON r.recommendation_type = 'Content' AND ci.content_id = {ref}
LEFT JOIN skill_catalog s ON r.recommendation_type = 'Skill' AND s.skill_key = r.reference_id
LEFT JOIN career_roles cr ON r.recommendation_type = 'Career' AND cr.role_id = {ref}
WHERE r.action_status = 'Pending'""",
        "v_latest_risk": f"""
SELECT f.learner_id,
       {score} AS risk_score,
       {_json_text(dialect, risk, "band")} AS risk_band,
       {_json_number(dialect, risk, "horizon_days", "INTEGER")} AS horizon_days,
       {_json_text(dialect, risk, "model_version")} AS model_version,
       f.last_model_update
FROM learner_ai_features f
WHERE {score} IS NOT NULL""",
        "v_latest_successful_run": """
SELECT run_id, flow, as_of, started_on, finished_on, counts, model_versions
FROM (SELECT b.run_id, b.flow, b.as_of, b.started_on, b.finished_on, b.counts,
             b.model_versions,
             ROW_NUMBER() OVER (PARTITION BY b.flow
                                ORDER BY b.as_of DESC, b.finished_on DESC,
                                         b.started_on DESC, b.run_id DESC) AS row_no
      FROM batch_runs b
      WHERE b.status = 'succeeded') ranked
WHERE row_no = 1""",
        "v_learner_career": f"""
SELECT learner_id, {current_role}, next_role, ai_confidence_score, recommended_courses,
       last_updated
FROM (SELECT p.learner_id, p.{current_role}, p.next_role, p.ai_confidence_score,
             p.recommended_courses, p.last_updated,
             ROW_NUMBER() OVER (PARTITION BY p.learner_id
                                ORDER BY p.last_updated DESC, p.path_id DESC) AS row_no
      FROM learner_career_pathways p
      WHERE p.gap_analysis LIKE '{AI_PATHWAY_MARK}%') ranked
WHERE row_no = 1""",
    }


def upgrade() -> None:
    for name, select in view_sql(op.get_bind().dialect).items():
        op.execute(f"CREATE VIEW {name} AS{select}")


def downgrade() -> None:
    for name in reversed(VIEW_NAMES):
        op.execute(f"DROP VIEW IF EXISTS {name}")
