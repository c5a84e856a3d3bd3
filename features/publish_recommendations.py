"""Publishing a recommendation run: ``learner_recommendations``, ``learner_career_pathways``
and ``learner_ai_features.career_prediction``.

Recommendations — per chunk of learners, one transaction deletes the learners'
``Pending`` rows and inserts the run's new rows (``action_status = 'Pending'``,
``created_on`` = the run's as-of, ``run_id``, ``model_version``, ``rec_rank``), so a reader
sees either the old list or the new one, never half of each. ``Clicked``, ``Ignored`` and
``Completed`` rows are history and are never touched. Every learner of the run's scope
is cleared, including those who get no row this time (their old Pending rows are stale),
and so are opted-out learners.

Inserts: SQLite gets one executemany per chunk. On MySQL/MariaDB with PyMySQL, whose
executemany escapes every value in Python (about 20k rows/s), the chunk is sent as the
same multi-row ``INSERT ... VALUES (...), (...)`` statements executemany would send, but
built column-wise: each distinct string is escaped once, exactly as PyMySQL escapes it
(its ``escape_string``, or doubled quotes when the server runs with
NO_BACKSLASH_ESCAPES), the run's constants once per chunk, and a statement carries
:data:`ROWS_PER_STATEMENT` rows. The next chunk's statements are built in a helper
thread while the current chunk's are executing.

Career pathways — the table has no "source" column, so rows written by learnerai are
marked inside their ``gap_analysis`` JSON text, which always starts with
``{"source": "learnerai"`` (:data:`AI_MARK`). A run deletes the learner's AI rows and
inserts one new row per learner with a predicted next role (``last_updated`` = as-of);
rows written by people or other systems are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Delete, Engine, delete, insert, select

from features.audit import TOP_PER_TYPE, recommendation_audit_rows, top_lists, write_audit
from features.publish import json_ready, publish_ai_features
from features.schema import AI_PATHWAY_MARK, LearnerCareerPathway, LearnerRecommendation

AI_SOURCE = "learnerai"
#: How every AI-written ``learner_career_pathways.gap_analysis`` starts.
AI_MARK = AI_PATHWAY_MARK
#: Learners per transaction.
CHUNK_LEARNERS = 2000
#: Rows per multi-row INSERT on MySQL (about 0.5 MB: well under max_allowed_packet).
ROWS_PER_STATEMENT = 2000

RECOMMENDATION_COLUMNS = ("learner_id", "recommendation_type", "reference_id",
                          "recommendation_reason", "confidence_score", "action_status",
                          "created_on", "run_id", "model_version", "rec_rank")

#: What publishing reads of the recommender's output (the evidence stays behind).
PUBLISHED_COLUMNS = ("learner_id", "recommendation_type", "reference_id",
                     "recommendation_reason", "confidence_score", "rec_rank")


def _learner_chunks(learner_ids: Sequence[int], size: int) -> Iterator[list[int]]:
    ids = sorted({int(i) for i in learner_ids})
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def recommendation_records(recs: pd.DataFrame, run_id: str, model_version: str,
                           as_of: dt.datetime) -> list[dict[str, Any]]:
    """Insert-ready rows (plain Python values) for ``learner_recommendations``."""
    n = len(recs)
    columns = {
        "learner_id": recs["learner_id"].astype(np.int64).tolist(),
        "recommendation_type": recs["recommendation_type"].astype(str).tolist(),
        "reference_id": recs["reference_id"].astype(str).tolist(),
        "recommendation_reason": recs["recommendation_reason"].astype(str).tolist(),
        "confidence_score": [None if np.isnan(v) else v for v in
                             np.round(recs["confidence_score"].astype(float), 2).tolist()],
        "action_status": ["Pending"] * n,
        "created_on": [as_of] * n,
        "run_id": [run_id] * n,
        "model_version": [model_version] * n,
        "rec_rank": recs["rec_rank"].astype(np.int64).tolist(),
    }
    return [dict(zip(RECOMMENDATION_COLUMNS, row, strict=True))
            for row in zip(*(columns[c] for c in RECOMMENDATION_COLUMNS), strict=True)]


# ----------------------------------------------------------------------------- inserts


class RecommendationWriter:
    """Turns a chunk's rows into what the database takes fastest, then writes it.

    :meth:`prepare` touches no connection, so the next chunk can be prepared in a helper
    thread while the current one is being written (the driver waits on the socket with
    the GIL released). On PyMySQL it renders multi-row INSERT statements (see the module
    docstring); elsewhere it returns executemany records.
    """

    def __init__(self, engine: Engine, run_id: str, model_version: str,
                 as_of: dt.datetime) -> None:
        self.run_id, self.model_version, self.as_of = run_id, model_version, as_of
        self.quote = None
        if engine.dialect.name in ("mysql", "mariadb") and engine.dialect.driver == "pymysql":
            with engine.connect() as conn:
                self.quote = _pymysql_quoter(conn.connection.dbapi_connection)

    def prepare(self, recs: pd.DataFrame) -> list[str] | list[dict[str, Any]]:
        if self.quote is None:
            return recommendation_records(recs, self.run_id, self.model_version, self.as_of)
        return self._statements(recs)

    def write(self, conn: Connection, payload: list[str] | list[dict[str, Any]]) -> None:
        if not payload:
            return
        if self.quote is None:
            conn.execute(insert(LearnerRecommendation.__table__), payload)
            return
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            for statement in payload:
                # No parameters: the driver sends the text as is (no %-formatting).
                cursor.execute(statement)
        finally:
            cursor.close()

    def _statements(self, recs: pd.DataFrame) -> list[str]:
        quote = self.quote
        constant = ",".join([quote("Pending"), f"'{self.as_of:%Y-%m-%d %H:%M:%S}'",
                             quote(self.run_id), quote(self.model_version)])
        confidence = np.round(recs["confidence_score"].astype(float).to_numpy(), 2)
        rows = [
            f"({lid},{kind},{ref},{reason},{conf},{rank},{constant})"
            for lid, kind, ref, reason, conf, rank in zip(
                recs["learner_id"].astype(np.int64).tolist(),
                _quoted(recs["recommendation_type"], quote),
                _quoted(recs["reference_id"], quote),
                _quoted(recs["recommendation_reason"], quote),
                np.where(np.isnan(confidence), "NULL", confidence.astype(str)).tolist(),
                recs["rec_rank"].astype(np.int64).tolist(), strict=True)]
        columns = ", ".join(f"`{c}`" for c in (
            "learner_id", "recommendation_type", "reference_id", "recommendation_reason",
            "confidence_score", "rec_rank", "action_status", "created_on", "run_id",
            "model_version"))
        head = f"INSERT INTO `{LearnerRecommendation.__tablename__}` ({columns}) VALUES "
        return [head + ",".join(rows[start:start + ROWS_PER_STATEMENT])
                for start in range(0, len(rows), ROWS_PER_STATEMENT)]


def _quoted(values: pd.Series, quote: Any) -> list[str]:
    """SQL string literals of a column, each distinct value quoted once (NULL for NA)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    rendered = np.array([*(quote(str(u)) for u in uniques), "NULL"], dtype=object)
    return rendered[codes].tolist()


def _pymysql_quoter(dbapi: Any) -> Any:
    """A function quoting a string exactly as PyMySQL would on this connection."""
    from pymysql.constants import SERVER_STATUS
    from pymysql.converters import escape_string

    if dbapi.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:
        return lambda text: "'" + text.replace("'", "''") + "'"
    return lambda text: "'" + escape_string(text) + "'"


#: What the audit reads of a Pending row: enough to rebuild each learner's top lists.
_TOP_COLUMNS = ("learner_id", "recommendation_type", "reference_id", "rec_rank")


def pending_tops(conn: Connection, learner_ids: Sequence[int]) -> dict[int, dict]:
    """The top of each learner's current Pending lists (for the audit log)."""
    table = LearnerRecommendation.__table__
    rows = conn.execute(select(*(table.c[c] for c in _TOP_COLUMNS))
                        .where(table.c.learner_id.in_(list(learner_ids)),
                               table.c.action_status == "Pending",
                               table.c.rec_rank <= TOP_PER_TYPE)).all()
    return _tops_of(rows)


def delete_pending(conn: Connection, learner_ids: Sequence[int]) -> int:
    return int(conn.execute(_pending_delete(learner_ids)).rowcount)


def take_pending(conn: Connection, learner_ids: Sequence[int]) -> tuple[int, dict[int, dict]]:
    """Delete the Pending recommendations of ``learner_ids``; returns how many, and the
    top of each learner's deleted lists (:func:`pending_tops`, for the audit log).

    One statement where the database returns what it deletes (MariaDB and SQLite
    ``DELETE ... RETURNING``): the rows are found once, not by a SELECT and again by the
    DELETE (about 6% less time for the pair on MariaDB at 100,000 learners; the delete
    itself is the cost). Elsewhere (MySQL) a SELECT of the tops, then the DELETE."""
    if not conn.dialect.delete_returning:
        old = pending_tops(conn, learner_ids)
        return delete_pending(conn, learner_ids), old
    table = LearnerRecommendation.__table__
    rows = conn.execute(_pending_delete(learner_ids).returning(
        *(table.c[c] for c in _TOP_COLUMNS))).all()
    return len(rows), _tops_of(rows)


def _pending_delete(learner_ids: Sequence[int]) -> Delete:
    table = LearnerRecommendation.__table__
    return delete(table).where(table.c.learner_id.in_([int(i) for i in learner_ids]),
                               table.c.action_status == "Pending")


def _tops_of(rows: Sequence[Any]) -> dict[int, dict]:
    """:func:`features.audit.top_lists` of result rows with :data:`_TOP_COLUMNS`."""
    return top_lists(pd.DataFrame([tuple(r) for r in rows],  # tuples: 5x faster than Rows
                                  columns=list(_TOP_COLUMNS)))


def publish_recommendations(engine: Engine, recs: pd.DataFrame, *, learner_ids: Sequence[int],
                            run_id: str, model_version: str, as_of: dt.datetime,
                            opted_out: Sequence[int] = (),
                            chunk_learners: int = CHUNK_LEARNERS,
                            audit_by: str | None = None) -> dict[str, int]:
    """Replace the Pending recommendations of ``learner_ids`` (and clear ``opted_out``)
    with ``recs``, one transaction per chunk of learners. Returns row counts.

    With ``audit_by``, the same transaction writes a ``learner_audit_log`` row for
    each learner whose top recommendations changed (:mod:`features.audit`)."""
    scope = sorted({int(i) for i in learner_ids} | {int(i) for i in opted_out})
    blocked = {int(i) for i in opted_out}
    recs = recs[recs["learner_id"].isin(scope) & ~recs["learner_id"].isin(blocked)]
    recs = recs.sort_values(["learner_id"], kind="stable")
    ids = recs["learner_id"].to_numpy(np.int64)
    writer = RecommendationWriter(engine, run_id, model_version, as_of)

    def part(chunk: list[int]) -> pd.DataFrame:
        lo = np.searchsorted(ids, chunk[0], side="left")
        hi = np.searchsorted(ids, chunk[-1], side="right")
        return recs.iloc[lo:hi]

    chunks = list(_learner_chunks(scope, chunk_learners))
    counts = {"deleted": 0, "inserted": 0, "audit_recommendations": 0}
    with ThreadPoolExecutor(max_workers=1) as helper:
        upcoming = helper.submit(writer.prepare, part(chunks[0])) if chunks else None
        for k, chunk in enumerate(chunks):
            payload = upcoming.result()
            if k + 1 < len(chunks):
                upcoming = helper.submit(writer.prepare, part(chunks[k + 1]))
            with engine.begin() as conn:
                if audit_by:
                    deleted, old = take_pending(conn, chunk)
                else:
                    deleted, old = delete_pending(conn, chunk), {}
                counts["deleted"] += deleted
                writer.write(conn, payload)
                if audit_by:
                    counts["audit_recommendations"] += write_audit(
                        conn, recommendation_audit_rows(old, top_lists(part(chunk)), chunk,
                                                        audit_by, as_of))
            counts["inserted"] += len(part(chunk))
    return counts


# ----------------------------------------------------------------------------- careers


def pathway_records(pathways: pd.DataFrame, run_id: str, model_version: str,
                    as_of: dt.datetime) -> list[dict[str, Any]]:
    """Insert-ready ``learner_career_pathways`` rows; ``gap_analysis`` carries the AI mark."""
    records = []
    for row in pathways.itertuples(index=False):
        analysis = row.gap_analysis if isinstance(row.gap_analysis, dict) else \
            json.loads(row.gap_analysis)
        text = json.dumps({"source": AI_SOURCE, "run_id": run_id, "model_version": model_version,
                           **json_ready(analysis)})
        records.append({"learner_id": int(row.learner_id),
                        # None, not NaN, for a learner with no current role (no SQL value).
                        "current_role": None if pd.isna(row.current_role) else row.current_role,
                        "next_role": row.next_role,
                        "recommended_courses": row.recommended_courses,
                        "gap_analysis": text,
                        "ai_confidence_score": round(float(row.ai_confidence_score), 2),
                        "last_updated": as_of})
    return records


def replace_ai_pathways(conn: Connection, learner_ids: Sequence[int],
                        records: Sequence[dict[str, Any]]) -> tuple[int, int]:
    table = LearnerCareerPathway.__table__
    deleted = conn.execute(delete(table).where(
        table.c.learner_id.in_(list(learner_ids)),
        table.c.gap_analysis.like(AI_MARK + "%"))).rowcount
    if records:
        conn.execute(insert(table), list(records))
    return int(deleted), len(records)


def publish_careers(engine: Engine, careers: pd.DataFrame, pathways: pd.DataFrame,
                    predictions: Sequence[dict] | pd.Series, *, learner_ids: Sequence[int],
                    run_id: str,
                    model_version: str, as_of: dt.datetime,
                    chunk_learners: int = CHUNK_LEARNERS) -> dict[str, int]:
    """Replace AI pathway rows and upsert ``career_prediction``, a transaction per chunk.

    ``careers`` (index learner_id) is :func:`models.career.predict_careers`,
    ``predictions`` its :func:`models.career.career_prediction_json` (same order) and
    ``pathways`` :func:`models.career.career_pathway_rows`.
    """
    prediction = predictions if isinstance(predictions, pd.Series) else \
        pd.Series(list(predictions), index=careers.index)
    counts = {"pathways_deleted": 0, "pathways_inserted": 0, "career_predictions": 0}
    for chunk in _learner_chunks(learner_ids, chunk_learners):
        rows = pathways[pathways["learner_id"].isin(chunk)]
        present = [i for i in chunk if i in prediction.index]
        features = pd.DataFrame({"learner_id": present,
                                 "career_prediction": prediction.reindex(present).tolist()})
        with engine.begin() as conn:
            deleted, inserted = replace_ai_pathways(
                conn, chunk, pathway_records(rows, run_id, model_version, as_of))
            counts["career_predictions"] += publish_ai_features(
                conn, features, columns=["career_prediction"])
        counts["pathways_deleted"] += deleted
        counts["pathways_inserted"] += inserted
    return counts


# ----------------------------------------------------------------------------- a whole run


def publish_recommendation_run(engine: Engine, data: Any, *, run_id: str, model_version: str,
                               as_of: dt.datetime, config: Any = None,
                               progress: Any = None,
                               audit_by: str | None = None) -> dict[str, int]:
    """Recommend for every learner of ``data`` and publish, a chunk of learners at a time.

    ``data`` is :class:`features.recommendation_inputs.RecommendationData`. Each chunk's
    recommendations are published in their own transaction as soon as they are scored,
    so memory stays bounded, with the same learners' career pathways and predictions.
    ``progress(done, total)`` is called after each chunk. Returns row counts for the run
    ledger.
    """
    from models.career import (
        career_pathway_rows,
        career_prediction_json,
        course_for_skill_level,
        pathway_courses,
    )
    from models.recommend import frozen_heap, plan_run, population_mentors
    from models.recommend_ahead import ranked_ahead
    from models.recommend_policy import RecommenderConfig

    config = config or RecommenderConfig()
    inputs, space = data.inputs, data.space
    mentors = getattr(data, "mentors", None)
    if mentors is None and getattr(data, "everyone", None) is not None:
        mentors = population_mentors(data.everyone, space, config)
    plan = plan_run(inputs, space, config, getattr(data, "population", None), mentors)
    counts = {"deleted": 0, "inserted": 0, "audit_recommendations": 0}
    counts.update(clear_opted_out(engine, data.opted_out))

    careers = inputs.careers
    pathways = career_pathway_rows(careers, pathway_courses(
        careers, course_for_skill_level(data.catalog.courses)))
    predictions = pd.Series(career_prediction_json(careers), index=careers.index, dtype=object)
    # The next chunks are ranked in a worker while this one's recommendations and careers
    # are published (models.recommend_ahead), a few at a time, so memory stays bounded.
    ranked = ranked_ahead(inputs, space, config, plan, columns=PUBLISHED_COLUMNS)
    with frozen_heap(), contextlib.closing(ranked):
        for rows, part in ranked:
            learner_ids = inputs.learner_ids[rows]
            done = publish_recommendations(engine, part, learner_ids=learner_ids,
                                           run_id=run_id, model_version=model_version,
                                           as_of=as_of, chunk_learners=len(rows),
                                           audit_by=audit_by)
            done |= publish_careers(engine, careers, pathways, predictions,
                                    learner_ids=learner_ids, run_id=run_id,
                                    model_version=model_version, as_of=as_of,
                                    chunk_learners=len(rows))
            for key, value in done.items():
                counts[key] = counts.get(key, 0) + value
            if progress is not None:
                progress(int(rows[-1]) + 1, inputs.n)
    return counts


def clear_opted_out(engine: Engine, learner_ids: Sequence[int],
                    chunk_learners: int = CHUNK_LEARNERS) -> dict[str, int]:
    """Remove opted-out learners' Pending recommendations and AI pathway rows (history
    and the rest of their AI outputs are :func:`features.publish.remove_ai_rows`' job)."""
    counts = {"opted_out_pending_deleted": 0, "opted_out_pathways_deleted": 0}
    for chunk in _learner_chunks(learner_ids, chunk_learners):
        with engine.begin() as conn:
            counts["opted_out_pending_deleted"] += delete_pending(conn, chunk)
            counts["opted_out_pathways_deleted"] += replace_ai_pathways(conn, chunk, [])[0]
    return counts
