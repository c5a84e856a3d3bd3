"""Shared set-up for the privacy and security tests: PII markers in every personal column,
injection payloads, what learnerai writes (AI tables, MLflow, Prefect, logs) as plain text
to search, and the AI rows of given learners.

Every personal value is replaced by a unique string containing :data:`MARK`, so one
case-insensitive search finds any copy of any of them, wherever it ended up.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import sqlite3
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    Engine,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy import Enum as SqlEnum

from features.schema import AI_PATHWAY_MARK, Base

MARK = "piimark"

#: Columns holding personal data or text a person wrote that learnerai must never copy:
#: table -> {column: kind}. None of them is a model input. ``learner_notifications``
#: and ``learner_psychographics`` rows written by learnerai itself are left alone.
PII_COLUMNS: dict[str, dict[str, str]] = {
    "users": {"full_name": "name", "email": "email"},
    "learners": {"phone": "ph", "address_line1": "addr1", "address_line2": "addr2",
                 "city": "city", "state": "state", "profile_photo": "photo",
                 "nationality": "nat"},
    "learner_activity_log": {"ip_address": "ip", "user_agent": "ua",
                             "device_type": "device"},
    "learner_system_telemetry": {"device_info": "device", "browser_info": "browser",
                                 "os_info": "os"},
    "learner_social_interactions": {"context": "ctx", "content": "msg"},
    "learner_discussion_activity": {"content": "post"},
    "learner_feedback_responses": {"comments": "feedback"},
    "learner_notifications": {"title": "ntitle", "message": "nmsg"},
    "learner_metaverse_logs": {"session_id": "sess", "environment": "env",
                               "activity_summary": "summary"},
    "learner_emotion_metrics": {"session_id": "sess"},
    "learner_education": {"institution": "school", "achievements": "achieve"},
    "learner_certifications": {"credential_id": "cred", "credential_url": "credurl"},
    "learner_skills": {"endorsed_by": "endorser"},
    "learner_preferences": {"accessibility_needs": "access"},
    "learner_psychographics": {"cognitive_pattern": "cognitive"},
    "learner_rewards": {"badge_name": "badge"},
    "learner_xp": {"reason": "xp"},
    "learning_groups": {"group_name": "group", "description": "groupdesc"},
    "learner_audit_log": {"action_by": "admin", "old_value": "old", "new_value": "new"},
}

#: Free text a learner wrote that features *do* read, but only through embeddings (a
#: vector, never the words): the firewall test marks it too.
EMBEDDED_TEXT: dict[str, dict[str, str]] = {
    "learner_goals": {"career_motivation": "motivation"},
    "learner_psychographics": {"learning_motivation": "lmotivation"},
}

#: The ``learner_audit_log.action`` values learnerai writes.
AI_AUDIT_ACTIONS = ("risk scored", "recommendations replaced")

#: In tables learnerai shares with the platform, the platform's rows (the others are
#: learnerai's own, which markers and payloads leave alone).
_SOURCE_ROWS = {
    "learner_notifications": lambda t: t.c.type.is_distinct_from("AI_Nudge"),
    "learner_psychographics": lambda t: t.c.derived_from.is_distinct_from("AI"),
    "learner_audit_log": lambda t: t.c.action.is_(None) | t.c.action.not_in(AI_AUDIT_ACTIONS),
    "learner_career_pathways": lambda t: t.c.gap_analysis.is_(None)
    | t.c.gap_analysis.not_like(AI_PATHWAY_MARK + "%"),
    "learner_recommendations": lambda t: t.c.action_status.is_distinct_from("Pending"),
}

#: Tables learnerai writes, with the rows that are its own (None: every row).
AI_TABLES: dict[str, Any] = {
    "learner_ai_features": None,
    "learner_recommendations": None,
    "learner_career_pathways": lambda t: t.c.gap_analysis.like(AI_PATHWAY_MARK + "%"),
    "learner_psychographics": lambda t: t.c.derived_from == "AI",
    "learner_notifications": lambda t: t.c.type == "AI_Nudge",
    "learner_engagement": None,
    "batch_runs": None,
    "text_embeddings": None,
    "learner_input_state": None,
    "population_snapshots": None,  # where the schema has it
    "learner_published_vectors": None,
}

#: The views downstream apps read.
VIEWS = ("v_current_recommendations", "v_latest_risk", "v_latest_successful_run",
         "v_learner_career")

def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _key(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


def _stamps_kept(table: Table) -> dict[str, Any]:
    """``ON UPDATE CURRENT_TIMESTAMP`` columns set to themselves, so that rewriting a
    text leaves the row's timestamps (which features read) as they were."""
    return {c.name: c for c in table.columns
            if c.onupdate is not None or c.server_onupdate is not None}


def mark_pii(engine: Engine,
             columns: dict[str, dict[str, str]] | None = None) -> dict[str, int]:
    """Overwrite every row of each column with ``<kind>-piimark-<row key>`` (trimmed to
    the column's length). Returns ``{"table.column": rows marked}``."""
    columns = columns or {**PII_COLUMNS,
                          **{t: {**PII_COLUMNS.get(t, {}), **c} for t, c in EMBEDDED_TEXT.items()}}
    marked: dict[str, int] = {}
    with engine.begin() as conn:
        for name, kinds in columns.items():
            table = _table(name)
            where = _SOURCE_ROWS.get(name, lambda _t: true())(table)
            for column, kind in kinds.items():
                length = getattr(table.c[column].type, "length", None) or 255
                prefix = f"{kind}-{MARK}-"
                value = func.substr(literal(prefix) + cast(_key(table), String), 1, length)
                marked[f"{name}.{column}"] = conn.execute(
                    update(table).where(where)
                    .values({**_stamps_kept(table), column: value})).rowcount
    return marked


# ------------------------------------------------------------------------ injection

#: SQL, HTML, template, format-string and terminal-markup payloads. ``73*911`` = 66503:
#: an evaluated template would leave that number behind.
PAYLOADS = (
    "'; DROP TABLE learners; --",
    "Robert'); DELETE FROM learner_recommendations; --",
    "\\'; SELECT SLEEP(5); -- \\",
    "\" OR \"1\"=\"1",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "{{73*911}}",
    "${73*911}",
    "#{73*911}",
    "${jndi:ldap://127.0.0.1:1389/a}",
    "%s%s%s%n %(name)s",
    "{0} {} {name!r}",
    "[/] [bold red]BOOM[/bold red]",
    "`rm -rf /` $(id)",
)
EVALUATED = "66503"


def free_text_columns(tables: Iterable[str]) -> dict[str, list[str]]:
    """Every free-text column (String/Text, not an enum, not a key) of ``tables``."""
    out: dict[str, list[str]] = {}
    for name in tables:
        table = _table(name)
        cols = [c.name for c in table.columns
                if isinstance(c.type, String | Text) and not isinstance(c.type, SqlEnum)
                and not c.primary_key]
        if cols:
            out[name] = cols
    return out


def payload_for(key: int, length: int | None) -> str:
    return PAYLOADS[key % len(PAYLOADS)][: length or None]


def inject(engine: Engine, columns: dict[str, Sequence[str]],
           rows: Callable[[Table], Any] | None = None) -> dict[str, dict[int, str]]:
    """Write :data:`PAYLOADS` into ``columns`` of every source row (or of the rows
    ``rows(table)`` selects), one payload per row chosen by its key. Returns
    ``{"table.column": {row key: value written}}`` for reading back."""
    written: dict[str, dict[int, str]] = {}
    with engine.begin() as conn:
        for name, cols in columns.items():
            table = _table(name)
            key = _key(table)
            where = _SOURCE_ROWS.get(name, lambda _t: true())(table)
            if rows is not None:
                where = where & rows(table)
            keys = conn.execute(select(key).where(where)).scalars().all()
            for column in cols:
                length = getattr(table.c[column].type, "length", None)
                value = case({i: literal(payload_for(i, length))
                              for i in range(len(PAYLOADS))},
                             value=key % len(PAYLOADS))
                expected = {int(k): payload_for(int(k), length) for k in keys}
                if _unique(table, column):  # one payload per row: the key makes it unique
                    value = value + literal(" #") + cast(key, String)
                    expected = {k: f"{v} #{k}" for k, v in expected.items()}
                conn.execute(update(table).where(where)
                             .values({**_stamps_kept(table), column: value}))
                written[f"{name}.{column}"] = expected
    return written


def _unique(table: Table, column: str) -> bool:
    return any(isinstance(c, UniqueConstraint) and list(c.columns.keys()) == [column]
               for c in table.constraints)


def read_back(engine: Engine, written: dict[str, dict[int, str]]) -> list[str]:
    """The cells that no longer hold exactly what :func:`inject` wrote."""
    wrong = []
    with engine.connect() as conn:
        for where, expected in written.items():
            name, column = where.split(".")
            table = _table(name)
            key = _key(table)
            got = dict(conn.execute(select(key, table.c[column])
                                    .where(key.in_(list(expected)))).all())
            wrong += [f"{where}[{k}]: {got.get(k)!r} != {v!r}"
                      for k, v in expected.items() if got.get(k) != v]
    return wrong


# --------------------------------------------------------------------- what to search


def _strings(value: Any) -> Iterator[str]:
    """Every piece of text in a cell: strings, JSON, and text inside blobs."""
    if value is None or isinstance(value, int | float):
        return
    if isinstance(value, bytes | bytearray | memoryview):
        yield from blob_strings(bytes(value))
    elif isinstance(value, dict | list):
        yield json.dumps(value, ensure_ascii=False)
    else:
        yield str(value)


def blob_strings(data: bytes) -> Iterator[str]:
    """Text in a blob: the raw bytes, and what a JSON, ``.npz`` or zip payload holds."""
    yield data.decode("utf-8", "replace")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.namelist()
        for member in members:
            yield member
            yield from blob_strings(archive.read(member))
    if members and all(m.endswith(".npy") for m in members):  # .npz: text is UTF-32
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            for key in arrays.files:
                if arrays[key].dtype.kind == "U":
                    yield "\n".join(map(str, arrays[key].ravel().tolist()))


def ai_table_texts(engine: Engine, audit_after: int = 0) -> Iterator[tuple[str, str]]:
    """(where, text) for every value learnerai wrote: its tables and rows, its audit rows
    (``audit_id > audit_after``) and the downstream views."""
    with engine.connect() as conn:
        for name, own in AI_TABLES.items():
            if name not in Base.metadata.tables:
                continue
            table = _table(name)
            query = select(table) if own is None else select(table).where(own(table))
            for row in conn.execute(query).mappings():
                for column, value in row.items():
                    for text in _strings(value):
                        yield f"{name}.{column}", text
        audit = _table("learner_audit_log")
        for row in conn.execute(select(audit).where(audit.c.audit_id > audit_after)).mappings():
            for column, value in row.items():
                for text in _strings(value):
                    yield f"learner_audit_log.{column}", text
        for view in VIEWS:
            for row in conn.exec_driver_sql(f"SELECT * FROM {view}").mappings():
                for column, value in row.items():
                    for text in _strings(value):
                        yield f"{view}.{column}", text


def file_texts(root: Path) -> Iterator[tuple[str, str]]:
    """(path, text) of every file under ``root``; zip archives (saved models) opened, and
    SQLite databases read row by row as well as byte by byte."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for text in blob_strings(data):
            yield str(path), text
        if data.startswith(b"SQLite format 3"):
            yield from _sqlite_texts(path)


def _sqlite_texts(path: Path) -> Iterator[tuple[str, str]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    for text in _strings(value):
                        yield f"{path}:{table}", text
    finally:
        db.close()


def mlflow_texts(tracking_uri: str) -> Iterator[tuple[str, str]]:
    """(where, text) of every experiment, run (name, params, metric keys, tags) and
    registered model version (tags, description) in the tracking store."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    for experiment in client.search_experiments():
        yield f"experiment {experiment.name}", json.dumps(
            {"name": experiment.name, "tags": experiment.tags,
             "location": experiment.artifact_location})
        for run in client.search_runs([experiment.experiment_id]):
            where = f"run {run.info.run_id}"
            yield where, run.info.run_name or ""
            yield where, json.dumps(run.data.params, ensure_ascii=False)
            yield where, json.dumps(run.data.tags, ensure_ascii=False)
            yield where, json.dumps(sorted(run.data.metrics), ensure_ascii=False)
    for model in client.search_registered_models():
        for version in client.search_model_versions(f"name='{model.name}'"):
            yield f"model {model.name}/{version.version}", json.dumps(
                {"tags": version.tags, "description": version.description,
                 "source": version.source}, ensure_ascii=False)


def prefect_texts(flow_run_ids: Sequence[Any]) -> Iterator[tuple[str, str]]:
    """(where, text) of the flow runs' parameters, logs and artifacts in the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    with get_client(sync_client=True) as client:
        for run_id in flow_run_ids:
            run = client.read_flow_run(run_id)
            yield f"flow run {run.name} parameters", json.dumps(run.parameters, default=str)
            yield f"flow run {run.name} state", str(run.state.message if run.state else "")
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
            for log in logs:
                yield f"flow run {run.name} log", log.message
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
            for artifact in artifacts:
                yield f"artifact {artifact.key}", f"{artifact.description}\n{artifact.data}"


def found(needles: Sequence[str], haystack: Iterable[tuple[str, str]]) -> list[str]:
    """``where: …context…`` for each text that contains a needle (case-insensitive)."""
    lowered = [n.lower() for n in needles]
    hits = []
    for where, text in haystack:
        low = text.lower()
        for needle in lowered:
            at = low.find(needle)
            if at >= 0:
                hits.append(f"{where}: …{text[max(0, at - 40):at + 60]!r}…")
    return hits


# --------------------------------------------------------------------------- logging


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []
        self._seen: list[logging.LogRecord] = []  # a record reaches several loggers
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if any(seen is record for seen in self._seen[-20:]):
            return
        self._seen.append(record)
        try:
            self.records.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot format is still evidence
            self.records.append(repr(record.__dict__))


#: Loggers that do not propagate to the root logger (a handler is added to each).
_NON_PROPAGATING = ("prefect", "prefect.extra", "prefect._internal", "prefect.server",
                    "mlflow", "alembic", "uvicorn", "fastapi", "distributed", "py.warnings")


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log record emitted in the block, at the levels the loggers are configured
    for (what an operator's handlers would receive), formatted with tracebacks."""
    collector = _Collector()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in _NON_PROPAGATING)]
    loggers += [logger for logger in logging.root.manager.loggerDict.values()
                if isinstance(logger, logging.Logger) and not logger.propagate]
    for logger in loggers:
        logger.addHandler(collector)
    try:
        yield collector.records
    finally:
        for logger in loggers:
            logger.removeHandler(collector)


# ------------------------------------------------------------------------- AI rows


def ai_rows(engine: Engine, learner_ids: Sequence[int]) -> dict[str, int]:
    """How many AI rows learnerai holds about each of ``learner_ids``, per table (tables
    with none are left out)."""
    ids = [int(i) for i in learner_ids]
    checks: dict[str, Any] = {
        **{name: own for name, own in AI_TABLES.items()
           if name not in ("batch_runs", "text_embeddings", "learner_engagement",
                           "learner_input_state", "population_snapshots")},
        "learner_audit_log": lambda t: t.c.action.in_(AI_AUDIT_ACTIONS),
    }
    out = {}
    with engine.connect() as conn:
        for name, own in checks.items():
            table = _table(name)
            query = select(func.count()).select_from(table).where(table.c.learner_id.in_(ids))
            if own is not None:
                query = query.where(own(table))
            count = conn.execute(query).scalar_one()
            if count:
                out[name] = count
    return out


def pending_mentors(engine: Engine) -> dict[int, list[int]]:
    """mentor learner_id -> the learners whose Pending list recommends them."""
    recs = _table("learner_recommendations")
    with engine.connect() as conn:
        rows = conn.execute(select(recs.c.reference_id, recs.c.learner_id)
                            .where(recs.c.recommendation_type == "Mentor",
                                   recs.c.action_status == "Pending")).all()
    out: dict[int, list[int]] = {}
    for mentor, learner in rows:
        out.setdefault(int(mentor), []).append(int(learner))
    return out


#: Tables only learnerai writes, or whose rows it updates in place (engagement stats).
_LEARNERAI_TABLES = ("learner_ai_features", "batch_runs", "text_embeddings",
                     "learner_input_state", "population_snapshots", "learner_engagement",
                     "learner_published_vectors")


def source_counts(engine: Engine) -> dict[str, int]:
    """Rows per table that are the platform's (learnerai's own rows left out): a run
    must leave every one of these counts as it found it."""
    out = {}
    with engine.connect() as conn:
        for name, table in Base.metadata.tables.items():
            if name in _LEARNERAI_TABLES:
                continue
            query = select(func.count()).select_from(table)
            if name in _SOURCE_ROWS:
                query = query.where(_SOURCE_ROWS[name](table))
            out[name] = conn.execute(query).scalar_one()
    return out


def plant_ai_rows(engine: Engine, learner_id: int, when: dt.datetime) -> None:
    """AI rows of every kind about one learner, as an earlier run would have left them
    (before the learner opted out, say)."""
    from features.schema import (
        LearnerAIFeatures,
        LearnerAuditLog,
        LearnerCareerPathway,
        LearnerNotification,
        LearnerPsychographics,
        LearnerRecommendation,
    )

    earlier = "nightly-earlier"
    with engine.begin() as conn:
        conn.execute(delete(LearnerAIFeatures).where(LearnerAIFeatures.learner_id == learner_id))
        conn.execute(insert(LearnerAIFeatures).values(
            learner_id=learner_id, risk_prediction={"score": 0.9}, model_version="earlier"))
        conn.execute(insert(LearnerRecommendation).values(
            learner_id=learner_id, recommendation_type="Course", reference_id="1",
            action_status="Pending", run_id=earlier, created_on=when))
        conn.execute(insert(LearnerCareerPathway).values(
            learner_id=learner_id, next_role="Data Analyst", last_updated=when,
            gap_analysis=AI_PATHWAY_MARK + f', "run_id": "{earlier}"}}'))
        conn.execute(insert(LearnerPsychographics).values(
            learner_id=learner_id, derived_from="AI", learning_style="Visual",
            last_updated=when))
        conn.execute(insert(LearnerNotification).values(
            learner_id=learner_id, type="AI_Nudge", title="Keep your learning going",
            created_on=when))
        conn.execute(insert(LearnerAuditLog).values(
            learner_id=learner_id, action=AI_AUDIT_ACTIONS[0], module="risk",
            new_value='{"score": 0.9, "band": "high"}', action_by=earlier, action_on=when))
