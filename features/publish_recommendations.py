"""Publishing a recommendation run: ``learner_recommendations``, ``learner_career_pathways``
and ``learner_ai_features.career_prediction``.

Recommendations — per chunk of learners, one transaction replaces the learners'
``Pending`` rows with the run's (``action_status = 'Pending'``, ``created_on`` = the run's
as-of, ``run_id``, ``model_version``, ``rec_rank``), so a reader sees either the old list
or the new one, never half of each. ``Clicked``, ``Ignored`` and ``Completed`` rows are
history and are never touched. Every learner of the run's scope is cleared, including
those who get no row this time (their old Pending rows are stale), and so are opted-out
learners.

Replacing writes only what changed (:func:`unchanged_rows`): a stored Pending row that
says exactly what the run would insert (same learner, type, reference, rank, reason,
confidence and model version: the database hashes its rows, :func:`pending_rows`, and
the run its own the same way, :func:`row_hashes`) keeps its row and its ``rec_id`` and only takes the run's
``run_id`` and ``created_on``; the other stored rows are deleted and the other new rows
inserted. The tables end as a delete-and-insert would leave them, but most of a night's
lists are yesterday's: at 100,000 learners a full run deleted and re-inserted about two
million identical rows, and every ``rec_id`` an app held to mark a click was gone the
next morning.

Inserts: SQLite gets one executemany per chunk. On MySQL/MariaDB with PyMySQL, whose
executemany escapes every value in Python (about 20k rows/s), the chunk is sent as the
same multi-row ``INSERT ... VALUES (...), (...)`` statements executemany would send, but
built column-wise: each distinct string is escaped once, exactly as PyMySQL escapes it
(its ``escape_string``, or doubled quotes when the server runs with
NO_BACKSLASH_ESCAPES), the run's constants once per chunk, and a statement carries
:data:`ROWS_PER_STATEMENT` rows. The next chunk's rows are built in a helper thread
while the current chunk's are executing.

Career pathways — the table has no "source" column, so rows written by learnerai are
marked inside their ``gap_analysis`` JSON text, which always starts with
``{"source": "learnerai"`` (:data:`AI_MARK`). A run gives each learner with a predicted
next role one AI row and deletes their other AI rows; rows written by people or other
systems are kept. As with recommendations, only what changed is written
(:func:`update_ai_pathways`): an AI row that already says what the run would write
(roles, courses, confidence, the gap analysis but for its ``run_id``) is left as it is,
so ``last_updated`` and the analysis's ``run_id`` say when and by which run the pathway
last changed. The same goes for ``career_prediction``: a learner's is rewritten only when
its text would change (:func:`changed_predictions`). At 100,000 learners a rerun deleted
and re-inserted every pathway and rewrote every prediction: 27 s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Delete,
    Engine,
    Integer,
    String,
    Text,
    cast,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)

from features.audit import recommendation_audit_rows, top_lists, write_audit
from features.publish import json_ready, publish_ai_features
from features.schema import (
    AI_PATHWAY_MARK,
    LearnerAIFeatures,
    LearnerCareerPathway,
    LearnerRecommendation,
)
from features.sql import (
    COLUMN_SEPARATOR,
    NULL_MARK,
    md5_52,
    md5_52_of,
    register_hash_functions,
    row_text,
)
from features.writing import chunks, json_texts

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
    the GIL released). On PyMySQL it renders each row's ``VALUES`` tuple (see the module
    docstring); elsewhere it builds executemany records. :meth:`payload` then takes the
    rows a chunk must insert (those that changed) and :meth:`write` sends them.
    """

    def __init__(self, engine: Engine, run_id: str, model_version: str,
                 as_of: dt.datetime) -> None:
        self.run_id, self.model_version, self.as_of = run_id, model_version, as_of
        self.quote = None
        if engine.dialect.name in ("mysql", "mariadb") and engine.dialect.driver == "pymysql":
            with engine.connect() as conn:
                self.quote = _pymysql_quoter(conn.connection.dbapi_connection)

    def prepare(self, recs: pd.DataFrame) -> list[str] | list[dict[str, Any]]:
        """One item per row of ``recs``: a rendered ``VALUES`` tuple or a record."""
        if self.quote is None:
            return recommendation_records(recs, self.run_id, self.model_version, self.as_of)
        return self._values(recs)

    def payload(self, prepared: Sequence[Any], rows: np.ndarray) -> list[Any]:
        """What :meth:`write` sends for the ``prepared`` items at positions ``rows``."""
        chosen = [prepared[i] for i in rows.tolist()]
        if self.quote is None or not chosen:
            return chosen
        columns = ", ".join(f"`{c}`" for c in (
            "learner_id", "recommendation_type", "reference_id", "recommendation_reason",
            "confidence_score", "rec_rank", "action_status", "created_on", "run_id",
            "model_version"))
        head = f"INSERT INTO `{LearnerRecommendation.__tablename__}` ({columns}) VALUES "
        return [head + ",".join(chosen[start:start + ROWS_PER_STATEMENT])
                for start in range(0, len(chosen), ROWS_PER_STATEMENT)]

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

    def _values(self, recs: pd.DataFrame) -> list[str]:
        quote = self.quote
        constant = ",".join([quote("Pending"), f"'{self.as_of:%Y-%m-%d %H:%M:%S}'",
                             quote(self.run_id), quote(self.model_version)])
        confidence = np.round(recs["confidence_score"].astype(float).to_numpy(), 2)
        return [
            f"({lid},{kind},{ref},{reason},{conf},{rank},{constant})"
            for lid, kind, ref, reason, conf, rank in zip(
                recs["learner_id"].astype(np.int64).tolist(),
                _quoted(recs["recommendation_type"], quote),
                _quoted(recs["reference_id"], quote),
                _quoted(recs["recommendation_reason"], quote),
                np.where(np.isnan(confidence), "NULL", confidence.astype(str)).tolist(),
                recs["rec_rank"].astype(np.int64).tolist(), strict=True)]


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


# ------------------------------------------------------------------ what changed


#: What the audit reads of a Pending row: enough to rebuild each learner's top lists.
_TOP_COLUMNS = ("learner_id", "recommendation_type", "reference_id", "rec_rank")
#: What makes two rows the same recommendation, in the order they are hashed.
_SAME_ROW = ("learner_id", "recommendation_type", "reference_id", "rec_rank",
             "confidence_score", "recommendation_reason", "model_version")


def _stored_row_text() -> Any:
    """SQL: a stored row's :data:`_SAME_ROW` values as the text :func:`row_hashes` hashes."""
    t = LearnerRecommendation.__table__.c
    cents = cast(cast(func.round(t.confidence_score * 100), Integer), String)
    return row_text([cast(t.learner_id, String), t.recommendation_type, t.reference_id,
                     cast(t.rec_rank, String), cents, t.recommendation_reason,
                     t.model_version])


def _pending_of(learner_ids: Sequence[int]) -> Any:
    t = LearnerRecommendation.__table__.c
    return (t.learner_id.in_([int(i) for i in learner_ids])) & (t.action_status == "Pending")


def pending_rows(conn: Connection, learner_ids: Sequence[int]) -> pd.DataFrame:
    """The learners' Pending rows as ``rec_id`` and ``content_hash`` (:func:`row_hashes`).

    The database hashes the rows: at 100,000 learners the whole rows took 0.8 s a chunk
    of 2,000 learners to read (38 s a run), their hashes 0.3 s. Not locked (locking took
    another 0.13 s): the delete and the restamp touch only rows still Pending, so a row
    an app marks Clicked meanwhile stays as the app left it, as with a plain delete."""
    t = LearnerRecommendation.__table__.c
    query = (select(t.rec_id, func.md5(_stored_row_text()).label("content_hash"))
             .where(_pending_of(learner_ids)))
    register_hash_functions(conn)
    return pd.DataFrame([tuple(r) for r in conn.execute(query)],  # tuples: faster than Rows
                        columns=["rec_id", "content_hash"])


def pending_digests(conn: Connection, learner_ids: Sequence[int]) -> pd.DataFrame:
    """Per learner with Pending rows: how many (``rows``) and the sum of their
    :class:`~features.sql.md5_52` hashes (``digest``), the hash of the rows'
    :func:`row_hashes` text. Equal to :func:`list_digests` of a run's rows exactly when
    the stored list says what the run would insert (but for a 2^-52 chance), in one row
    per learner: reading every row's hash cost 15 s of a 44 s rerun at 100,000 learners
    (two million rows through the driver), these 0.7 s."""
    t = LearnerRecommendation.__table__.c
    query = (select(t.learner_id, func.count().label("rows"),
                    func.sum(md5_52(_stored_row_text())).label("digest"))
             .where(_pending_of(learner_ids)).group_by(t.learner_id))
    register_hash_functions(conn)
    rows = [(int(lid), int(n), int(digest)) for lid, n, digest in conn.execute(query)]
    return pd.DataFrame(rows, columns=["learner_id", "rows", "digest"]).set_index("learner_id")


def list_digests(learner_ids: np.ndarray, hashes: Sequence[str]) -> pd.DataFrame:
    """:func:`pending_digests` of rows not yet stored: ``learner_ids`` and ``hashes``
    (:func:`row_hashes`) per row."""
    frame = pd.DataFrame({"learner_id": np.asarray(learner_ids, np.int64),
                          "digest": np.array([md5_52_of(h) for h in hashes], np.int64)})
    grouped = frame.groupby("learner_id", sort=False)["digest"]
    return pd.DataFrame({"rows": grouped.size(), "digest": grouped.sum()})


def unchanged_learners(stored: pd.DataFrame, fresh: pd.DataFrame) -> np.ndarray:
    """Learners whose stored Pending list (:func:`pending_digests`) is the run's
    (:func:`list_digests`) row for row."""
    both = stored.merge(fresh, left_index=True, right_index=True, suffixes=("_stored", ""))
    same = (both["rows"] == both["rows_stored"]) & (both["digest"] == both["digest_stored"])
    return both.index[same].to_numpy(np.int64)


def row_hashes(recs: pd.DataFrame, model_version: str) -> list[str]:
    """The ``content_hash`` :func:`pending_rows` reads for each row of ``recs`` (the
    recommender's output) once published with ``model_version``: the MD5 of the
    :data:`_SAME_ROW` values as text (the confidence in cents, as stored), separated by
    :data:`~features.sql.COLUMN_SEPARATOR`,
    :data:`~features.sql.NULL_MARK` for a NULL (:func:`features.sql.row_text`)."""
    confidence = np.round(pd.to_numeric(recs["confidence_score"]).astype(float).to_numpy(), 2)
    cents = pd.Series(np.rint(confidence * 100)).astype("Int64")
    columns = [recs["learner_id"].astype(np.int64), recs["recommendation_type"],
               recs["reference_id"], recs["rec_rank"].astype(np.int64), cents,
               recs["recommendation_reason"]]
    # Column-wise: each distinct value becomes text once, and numpy joins the columns
    # (3 us a row joined row by row, half of a rerun's Python time at 100,000 learners).
    joined = _as_texts(columns[0])
    for column in columns[1:]:
        joined = joined + COLUMN_SEPARATOR + _as_texts(column)
    joined = joined + (COLUMN_SEPARATOR + model_version)
    md5 = hashlib.md5
    return [md5(text.encode("utf-8")).hexdigest() for text in joined.tolist()]


def _as_texts(values: pd.Series | pd.api.extensions.ExtensionArray) -> np.ndarray:
    """Each value as text (:data:`~features.sql.NULL_MARK` for a missing one), as an
    object array."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    rendered = np.array([*(str(u) for u in uniques), NULL_MARK], dtype=object)
    return rendered[codes]


def unchanged_rows(stored: pd.DataFrame, fresh_hashes: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Which ``stored`` Pending rows (:func:`pending_rows`) already say what a fresh row
    (its :func:`row_hashes`) would, matched one to one. Returns boolean masks over
    ``stored`` and the fresh rows: True = keep the stored row / do not insert the fresh
    one."""
    old = pd.DataFrame({"content_hash": stored["content_hash"].to_numpy(object),
                        "position": np.arange(len(stored))})
    # object even when empty: an empty list would make a float column, which won't merge.
    new = pd.DataFrame({"content_hash": pd.Series(list(fresh_hashes), dtype=object),
                        "position": np.arange(len(fresh_hashes))})
    # One to one: the k-th of identical stored rows pairs with the k-th identical new row.
    for frame in (old, new):
        frame["occurrence"] = frame.groupby("content_hash", sort=False).cumcount()
    pairs = old.merge(new, on=["content_hash", "occurrence"], suffixes=("_old", "_new"))
    keep_old = np.zeros(len(old), dtype=bool)
    keep_new = np.zeros(len(new), dtype=bool)
    keep_old[pairs["position_old"].to_numpy()] = True
    keep_new[pairs["position_new"].to_numpy()] = True
    return keep_old, keep_new


def changed_rows(conn: Connection, learner_ids: Sequence[int], fresh: pd.DataFrame,
                 model_version: str) -> tuple[np.ndarray, list[int], bool]:
    """What replacing the learners' Pending rows with ``fresh`` (the run's rows for them)
    must write: a mask over ``fresh``, True where the row is stored already (not to be
    inserted); the ``rec_id`` of the stored rows to delete; whether any stored row stays.

    A learner whose whole list is unchanged (:func:`pending_digests`, most of them on
    most nights) is settled by one digest; only the others' rows are matched one by one
    (:func:`pending_rows`, :func:`unchanged_rows`)."""
    keep_new = np.zeros(len(fresh), dtype=bool)
    digests = pending_digests(conn, learner_ids)
    if digests.empty:  # nothing stored: no hashing (5 us a row)
        return keep_new, [], False
    hashes = row_hashes(fresh, model_version)
    ids = fresh["learner_id"].to_numpy(np.int64)
    same = unchanged_learners(digests, list_digests(ids, hashes))
    keep_new[np.isin(ids, same)] = True
    changed = np.setdiff1d(digests.index.to_numpy(np.int64), same)
    if len(changed) == 0:
        return keep_new, [], len(same) > 0
    stored = pending_rows(conn, changed.tolist())
    # The other fresh rows: of learners whose list changed, or who had none stored.
    rest = np.flatnonzero(~keep_new)
    keep_old, keep_rest = unchanged_rows(stored, [hashes[i] for i in rest.tolist()])
    keep_new[rest[keep_rest]] = True
    return keep_new, stored["rec_id"][~keep_old].tolist(), len(same) > 0 or keep_old.any()


def top_rows(conn: Connection, rec_ids: Sequence[int]) -> pd.DataFrame:
    """:data:`_TOP_COLUMNS` of these rows (the stale ones, for the audit log)."""
    t = LearnerRecommendation.__table__
    rows = [tuple(r) for part in chunks([int(i) for i in rec_ids], 5000)
            for r in conn.execute(select(*(t.c[c] for c in _TOP_COLUMNS))
                                  .where(t.c.rec_id.in_(list(part))))]
    return pd.DataFrame(rows, columns=list(_TOP_COLUMNS))


def delete_rows(conn: Connection, rec_ids: Sequence[int]) -> int:
    """Delete these Pending rows (a row that left Pending meanwhile stays: history)."""
    table = LearnerRecommendation.__table__
    deleted = 0
    for part in chunks([int(i) for i in rec_ids], 5000):
        deleted += conn.execute(delete(table).where(table.c.rec_id.in_(list(part)),
                                                    table.c.action_status == "Pending")
                                ).rowcount
    return int(deleted)


def restamp_kept(conn: Connection, learner_ids: Sequence[int], run_id: str,
                 as_of: dt.datetime) -> int:
    """Give the learners' remaining Pending rows (the kept ones) the run's ``run_id`` and
    ``created_on``, as if inserted now: the recommender reads ``created_on`` as when a
    row was shown (an Ignored row is "recent" from it)."""
    table = LearnerRecommendation.__table__
    return int(conn.execute(update(table).where(
        table.c.learner_id.in_([int(i) for i in learner_ids]),
        table.c.action_status == "Pending").values(run_id=run_id, created_on=as_of)).rowcount)


def delete_pending(conn: Connection, learner_ids: Sequence[int]) -> int:
    return int(conn.execute(_pending_delete(learner_ids)).rowcount)


def _pending_delete(learner_ids: Sequence[int]) -> Delete:
    table = LearnerRecommendation.__table__
    return delete(table).where(table.c.learner_id.in_([int(i) for i in learner_ids]),
                               table.c.action_status == "Pending")


def publish_recommendations(engine: Engine, recs: pd.DataFrame, *, learner_ids: Sequence[int],
                            run_id: str, model_version: str, as_of: dt.datetime,
                            opted_out: Sequence[int] = (),
                            chunk_learners: int = CHUNK_LEARNERS,
                            audit_by: str | None = None) -> dict[str, int]:
    """Replace the Pending recommendations of ``learner_ids`` (and clear ``opted_out``)
    with ``recs``, one transaction per chunk of learners, writing only the rows that
    changed (module docstring). Returns row counts: ``deleted`` and ``inserted`` rows,
    and ``kept`` (stored rows that already said what the run would insert).

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

    learner_chunks = list(_learner_chunks(scope, chunk_learners))
    counts = {"deleted": 0, "inserted": 0, "kept": 0, "audit_recommendations": 0}
    with ThreadPoolExecutor(max_workers=1) as helper:
        upcoming = helper.submit(writer.prepare, part(learner_chunks[0])) if learner_chunks else None
        for k, chunk in enumerate(learner_chunks):
            prepared = upcoming.result()
            if k + 1 < len(learner_chunks):
                upcoming = helper.submit(writer.prepare, part(learner_chunks[k + 1]))
            fresh = part(chunk)
            with engine.begin() as conn:
                keep_new, stale, kept = changed_rows(conn, chunk, fresh, model_version)
                # What the learners' lists held: the kept rows are what the run says.
                old = pd.concat([fresh.loc[keep_new, list(_TOP_COLUMNS)],
                                 top_rows(conn, stale)]) if audit_by else None
                counts["deleted"] += delete_rows(conn, stale)
                if kept:
                    counts["kept"] += restamp_kept(conn, chunk, run_id, as_of)
                writer.write(conn, writer.payload(prepared, np.flatnonzero(~keep_new)))
                if audit_by:
                    counts["audit_recommendations"] += write_audit(
                        conn, recommendation_audit_rows(top_lists(old), top_lists(fresh),
                                                        chunk, audit_by, as_of))
            counts["inserted"] += int((~keep_new).sum())
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


_PATHWAY_COLUMNS = ("learner_id", "current_role", "next_role", "recommended_courses",
                    "gap_analysis", "ai_confidence_score")
#: The run that wrote a gap analysis, right after the AI mark (:func:`pathway_records`).
_RUN_OF_ANALYSIS = re.compile(r'^(\{"source": "learnerai", "run_id": )"(?:[^"\\]|\\.)*"')


def pathway_key(values: Sequence[Any]) -> str:
    """What makes two AI pathway rows the same: :data:`_PATHWAY_COLUMNS` as text, the
    confidence to its stored two decimals and the gap analysis without its ``run_id``."""
    learner_id, current, next_role, courses, analysis, confidence = values
    analysis = None if analysis is None else _RUN_OF_ANALYSIS.sub(r'\1""', analysis, count=1)
    confidence = None if confidence is None or pd.isna(confidence) else \
        f"{float(confidence):.2f}"
    return COLUMN_SEPARATOR.join(NULL_MARK if v is None else str(v) for v in (
        int(learner_id), current, next_role, courses, analysis, confidence))


def update_ai_pathways(conn: Connection, learner_ids: Sequence[int],
                       records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Make the learners' AI pathway rows ``records`` (:func:`pathway_records`), writing
    only what changed (module docstring): rows ``deleted``, ``inserted`` and ``kept``."""
    table = LearnerCareerPathway.__table__
    c = table.c
    stored = [tuple(r) for r in conn.execute(
        select(c.path_id, *(c[name] for name in _PATHWAY_COLUMNS))
        .where(c.learner_id.in_([int(i) for i in learner_ids]),
               c.gap_analysis.like(AI_MARK + "%")))]
    keys = pd.DataFrame({"content_hash": [pathway_key(r[1:]) for r in stored]})
    keep_old, keep_new = unchanged_rows(keys, [
        pathway_key([record[name] for name in _PATHWAY_COLUMNS]) for record in records])
    stale = [int(r[0]) for r, keep in zip(stored, keep_old.tolist(), strict=True) if not keep]
    deleted = sum(conn.execute(delete(table).where(c.path_id.in_(part))).rowcount
                  for part in chunks(stale, 5000))
    new = [record for record, keep in zip(records, keep_new.tolist(), strict=True) if not keep]
    if new:
        conn.execute(insert(table), new)
    return {"deleted": int(deleted), "inserted": len(new), "kept": int(keep_old.sum())}


def changed_predictions(conn: Connection, predictions: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``predictions`` (learner_id, career_prediction) whose JSON text differs
    from the stored one, or whose learner has no ``learner_ai_features`` row yet."""
    column = LearnerAIFeatures.__table__.c.career_prediction
    ids = predictions["learner_id"].astype(int).tolist()
    t = LearnerAIFeatures.__table__.c
    missing = object()
    stored = dict(conn.execute(select(t.learner_id, type_coerce(column, Text))
                               .where(t.learner_id.in_(ids))).all()) if ids else {}
    texts = json_texts(predictions["career_prediction"].tolist(), column.type.none_as_null)
    changed = [stored.get(lid, missing) != text for lid, text in zip(ids, texts, strict=True)]
    return predictions[np.array(changed, dtype=bool)]


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
    counts = {"pathways_deleted": 0, "pathways_inserted": 0, "pathways_kept": 0,
              "career_predictions": 0, "career_predictions_unchanged": 0}
    for chunk in _learner_chunks(learner_ids, chunk_learners):
        rows = pathways[pathways["learner_id"].isin(chunk)]
        present = [i for i in chunk if i in prediction.index]
        features = pd.DataFrame({"learner_id": present,
                                 "career_prediction": prediction.reindex(present).tolist()})
        with engine.begin() as conn:
            paths = update_ai_pathways(conn, chunk,
                                       pathway_records(rows, run_id, model_version, as_of))
            changed = changed_predictions(conn, features)
            counts["career_predictions"] += publish_ai_features(
                conn, changed, columns=["career_prediction"])
        counts["career_predictions_unchanged"] += len(features) - len(changed)
        for key, value in paths.items():
            counts[f"pathways_{key}"] += value
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

    course_choice = course_for_skill_level(data.catalog.courses)
    # The next chunks are ranked in a worker while this one's recommendations and careers
    # are published (models.recommend_ahead), a few at a time, so memory stays bounded:
    # a chunk's pathway rows and prediction JSON are built with it, not everyone's first.
    ranked = ranked_ahead(inputs, space, config, plan, columns=PUBLISHED_COLUMNS)
    with frozen_heap(), contextlib.closing(ranked):
        for rows, part in ranked:
            learner_ids = inputs.learner_ids[rows]
            done = publish_recommendations(engine, part, learner_ids=learner_ids,
                                           run_id=run_id, model_version=model_version,
                                           as_of=as_of, chunk_learners=len(rows),
                                           audit_by=audit_by)
            careers = inputs.careers.loc[learner_ids]
            pathways = career_pathway_rows(careers, pathway_courses(careers, course_choice))
            predictions = pd.Series(career_prediction_json(careers), index=careers.index,
                                    dtype=object)
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
            counts["opted_out_pathways_deleted"] += update_ai_pathways(conn, chunk, [])["deleted"]
    return counts
