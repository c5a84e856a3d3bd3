"""Publishing learner-level outputs: ``learner_ai_features``, ``learner_engagement``,
AI-derived ``learner_psychographics``, and removal of opted-out and deleted learners'
AI rows.

Callers pass DataFrames computed elsewhere; this module only writes. Every
write is keyed so a rerun for the same as-of overwrites instead of appending.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Connection, bindparam, delete, exists, select, update

from features.audit import AI_ACTIONS
from features.schema import (
    AI_PATHWAY_MARK,
    Learner,
    LearnerAIFeatures,
    LearnerAuditLog,
    LearnerCareerPathway,
    LearnerEngagement,
    LearnerNotification,
    LearnerPsychographics,
    LearnerPublishedVectors,
    LearnerRecommendation,
)
from features.sql import md5_52_text
from features.writing import JsonText, chunks, insert_rows, json_texts, upsert_rows

FEATURE_COLUMNS = ("engagement_vector", "skill_vector", "recommendation_vector",
                   "model_version", "last_model_update")


def json_ready(value: Any, decimals: int = 4) -> Any:
    """NaN/inf -> None, numpy scalars -> Python, floats rounded (valid JSON everywhere)."""
    if isinstance(value, dict):
        return {k: json_ready(v, decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v, decimals) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else round(value, decimals)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def json_ready_column(values: pd.Series, decimals: int = 4) -> list[Any]:
    """:func:`json_ready` of each value of a column, without its per-value type checks
    where the column's numpy dtype already says what every value is."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return values.tolist()  # Python bools and ints
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        array = values.to_numpy(np.float64)
        out = [round(v, decimals) for v in array.tolist()]  # as json_ready rounds
        for position in np.flatnonzero(~np.isfinite(array)).tolist():
            out[position] = None
        return out
    return [json_ready(v, decimals) for v in values.tolist()]


def engagement_vectors(engagement: pd.DataFrame) -> list[dict]:
    """One JSON object of named features per learner, in ``engagement`` row order."""
    names = list(engagement.columns)
    if not names:
        return [{} for _ in range(len(engagement))]
    # Column by column (plain Python values), then zipped into records.
    columns = [json_ready_column(engagement[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def publish_ai_features(conn: Connection, rows: pd.DataFrame,
                        columns: Sequence[str] = FEATURE_COLUMNS) -> int:
    """Upsert one ``learner_ai_features`` row per learner; only ``columns`` change
    on existing rows, so publishing features keeps the latest risk and career
    predictions, and vice versa."""
    table = LearnerAIFeatures.__table__
    # JSON columns are serialised here, in one fast pass (writing.json_texts).
    json_columns = [c for c in columns if isinstance(table.c[c].type, JSON)]
    values = {c: json_texts(rows[c].tolist(), table.c[c].type.none_as_null)
              if c in json_columns else rows[c].tolist() for c in columns}
    records = [{"learner_id": int(lid), **{c: values[c][i] for c in columns}}
               for i, lid in enumerate(rows["learner_id"].tolist())]
    return upsert_rows(conn, table, records, update_columns=list(columns),
                       text_columns=json_columns)


#: The feature columns too large to rewrite unchanged (3 KB of JSON each, stored off the
#: row's page): :func:`publish_feature_rows` writes them only when their digest moved.
VECTOR_COLUMNS = ("skill_vector", "recommendation_vector")


def publish_feature_rows(conn: Connection, rows: pd.DataFrame) -> dict[str, int]:
    """:func:`publish_ai_features` of the feature columns, but each learner's vectors
    only when they differ from those last published (``learner_published_vectors``).

    The engagement features move every night; skills and goals, and so the vectors,
    mostly do not. Rewriting an unchanged pair cost MariaDB 0.1 ms a row (11 s at
    100,000 learners). A learner whose ``learner_ai_features`` row is missing, or whose
    digests are, gets every column written. Returns ``written`` rows and, of those,
    ``vectors_unchanged``."""
    if rows.empty:
        return {"written": 0, "vectors_unchanged": 0}
    table = LearnerAIFeatures.__table__
    texts = {c: json_texts(rows[c].tolist(), table.c[c].type.none_as_null)
             for c in VECTOR_COLUMNS}
    # object: a float column would hold the 52-bit digests only by luck.
    fresh = pd.DataFrame({c: pd.Series([md5_52_text(t) for t in texts[c]], dtype=object)
                          for c in VECTOR_COLUMNS})
    fresh.index = pd.Index(rows["learner_id"].astype("int64").to_numpy(), name="learner_id")
    stored = published_vector_digests(conn, fresh.index.tolist())
    same = _same_digests(stored.reindex(fresh.index), fresh)
    # Serialised once: object dtype, or pandas would make the JsonText plain str again.
    full = rows.assign(**{c: pd.Series([None if t is None else JsonText(t) for t in texts[c]],
                                       index=rows.index, dtype=object)
                          for c in VECTOR_COLUMNS})[~same]
    publish_ai_features(conn, full)
    publish_ai_features(conn, rows[same], columns=[c for c in FEATURE_COLUMNS
                                                   if c not in VECTOR_COLUMNS])
    digests = fresh[~same].reset_index()
    upsert_rows(conn, LearnerPublishedVectors.__table__,
                digests.astype(object).where(digests.notna(), None).to_dict("records"),
                update_columns=list(VECTOR_COLUMNS))
    return {"written": len(rows), "vectors_unchanged": int(same.sum())}


def published_vector_digests(conn: Connection, learner_ids: Sequence[int]) -> pd.DataFrame:
    """The stored digests (:data:`VECTOR_COLUMNS`) of those learners whose
    ``learner_ai_features`` row exists, and ``known``: whether they have digests."""
    features, digests = LearnerAIFeatures.__table__, LearnerPublishedVectors.__table__
    query = (select(features.c.learner_id, digests.c.learner_id.is_not(None).label("known"),
                    *(digests.c[c] for c in VECTOR_COLUMNS))
             .select_from(features.outerjoin(
                 digests, digests.c.learner_id == features.c.learner_id))
             .where(features.c.learner_id.in_([int(i) for i in learner_ids])))
    found = [tuple(r) for r in conn.execute(query)]
    frame = pd.DataFrame({"known": pd.Series([bool(r[1]) for r in found], dtype=bool),
                          **{c: pd.Series([r[2 + k] for r in found], dtype=object)
                             for k, c in enumerate(VECTOR_COLUMNS)}})
    frame.index = pd.Index([int(r[0]) for r in found], dtype="int64", name="learner_id")
    return frame


def _same_digests(stored: pd.DataFrame, fresh: pd.DataFrame) -> np.ndarray:
    """Per row: a known stored digest pair equal to the fresh one (NULL equals NULL)."""
    same = stored["known"].astype("boolean").fillna(False).to_numpy(bool)
    for column in VECTOR_COLUMNS:
        old = stored[column].to_numpy(object)
        new = fresh[column].to_numpy(object)
        both_null = pd.isna(old) & pd.isna(new)
        equal = np.array([o == n for o, n in zip(old.tolist(), new.tolist(), strict=True)],
                         dtype=bool)
        same &= both_null | equal
    return same


def remove_ai_rows(conn: Connection, learner_ids: Sequence[int]) -> dict[str, int]:
    """Delete every AI output of these learners (opted out of personalisation): features,
    recommendations, AI psychographics and pathways, ``AI_Nudge`` notifications and the
    audit rows learnerai wrote about them (the platform's own rows stay)."""
    removed = {"learner_ai_features": 0, "learner_recommendations": 0,
               "learner_psychographics": 0, "learner_career_pathways": 0,
               "learner_notifications": 0, "learner_audit_log": 0,
               "learner_published_vectors": 0}
    features, recs = LearnerAIFeatures.__table__, LearnerRecommendation.__table__
    psych, paths = LearnerPsychographics.__table__, LearnerCareerPathway.__table__
    notes, audit = LearnerNotification.__table__, LearnerAuditLog.__table__
    digests = LearnerPublishedVectors.__table__
    for part in chunks(sorted({int(i) for i in learner_ids})):
        removed["learner_notifications"] += conn.execute(
            delete(notes).where(notes.c.learner_id.in_(part),
                                notes.c.type == "AI_Nudge")).rowcount
        removed["learner_audit_log"] += conn.execute(
            delete(audit).where(audit.c.learner_id.in_(part),
                                audit.c.action.in_(AI_ACTIONS))).rowcount
        removed["learner_ai_features"] += conn.execute(
            delete(features).where(features.c.learner_id.in_(part))).rowcount
        removed["learner_published_vectors"] += conn.execute(
            delete(digests).where(digests.c.learner_id.in_(part))).rowcount
        removed["learner_recommendations"] += conn.execute(
            delete(recs).where(recs.c.learner_id.in_(part))).rowcount
        removed["learner_psychographics"] += conn.execute(
            delete(psych).where(psych.c.learner_id.in_(part),
                                psych.c.derived_from == "AI")).rowcount
        removed["learner_career_pathways"] += conn.execute(
            delete(paths).where(paths.c.learner_id.in_(part),
                                paths.c.gap_analysis.like(AI_PATHWAY_MARK + "%"))).rowcount
    return removed


def remove_orphaned_ai_rows(conn: Connection) -> dict[str, int]:
    """Delete AI rows that name a learner who no longer exists, which no foreign key
    cascade reaches: ``AI_Nudge`` notifications (the seed gives that table no foreign
    key) and Pending Mentor recommendations that point at the deleted learner."""
    notes, recs = LearnerNotification.__table__, LearnerRecommendation.__table__
    learners = Learner.__table__
    nudges = conn.execute(delete(notes).where(
        notes.c.type == "AI_Nudge",
        ~exists().where(learners.c.learner_id == notes.c.learner_id))).rowcount
    # The mentors named (few: the mentor pool), matched in Python: a string-to-integer
    # comparison in SQL trips MySQL's collations or strict mode on a malformed reference.
    pending_mentor = (recs.c.recommendation_type == "Mentor") & \
        (recs.c.action_status == "Pending")
    named = [r for r in conn.execute(select(recs.c.reference_id).distinct()
                                     .where(pending_mentor)).scalars() if r is not None]
    ids = sorted({int(r) for r in named if r.strip().isdigit()})
    existing: set[int] = set()
    for part in chunks(ids):
        existing.update(conn.execute(select(learners.c.learner_id)
                                     .where(learners.c.learner_id.in_(part))).scalars())
    gone = [r for r in named if not (r.strip().isdigit() and int(r) in existing)]
    mentors = sum(conn.execute(delete(recs).where(pending_mentor,
                                                  recs.c.reference_id.in_(part))).rowcount
                  for part in chunks(gone))
    return {"orphaned_nudges_deleted": int(nudges),
            "orphaned_mentor_recommendations_deleted": int(mentors)}


def refresh_engagement(conn: Connection, stats: pd.DataFrame, as_of: dt.datetime) -> int:
    """Write derived stats into each learner's latest ``learner_engagement`` row
    (inserting one where none exists).

    ``stats`` is indexed by learner_id with the table's stat columns.
    """
    table = LearnerEngagement.__table__
    existing = _latest_ids(conn, table.c.engagement_id, table.c.learner_id, stats.index)
    values = stats.assign(updated_on=as_of)
    records = _update_or_insert(conn, table, table.c.engagement_id, values, existing)
    return records


def publish_ai_psychographics(conn: Connection, inferred: pd.DataFrame,
                              as_of: dt.datetime) -> int:
    """Write AI-derived psychographics, one ``derived_from='AI'`` row per learner.

    A learner who answered the survey (any ``Survey`` row) is left alone: the AI
    never writes over what a learner told us. ``inferred`` is indexed by
    learner_id with learning_style, gamification_persona and confidence_score.
    """
    table = LearnerPsychographics.__table__
    surveyed = _learners_with(conn, table, inferred.index, table.c.derived_from == "Survey")
    rows = inferred.loc[~inferred.index.isin(surveyed)]
    rows = rows[rows["learning_style"].notna() | rows["gamification_persona"].notna()]
    existing = _latest_ids(conn, table.c.psychographic_id, table.c.learner_id, rows.index,
                           table.c.derived_from == "AI")
    values = rows.assign(derived_from="AI", last_updated=as_of)
    records = _update_or_insert(conn, table, table.c.psychographic_id, values, existing)
    return records


def _update_or_insert(conn: Connection, table, id_column, values: pd.DataFrame,
                      existing: dict[int, int]) -> int:
    """Update the row ``existing[learner_id]`` of each learner in ``values``
    (indexed by learner_id), or insert one where the learner has none."""
    values = values.astype(object).where(values.notna(), None)
    columns = list(values.columns)
    records = values.reset_index().to_dict(orient="records")
    updates = [{"row_id_": existing[r["learner_id"]], **{f"{c}_": r[c] for c in columns}}
               for r in records if r["learner_id"] in existing]
    inserts = [r for r in records if r["learner_id"] not in existing]
    if updates and conn.dialect.name in ("mysql", "mariadb"):
        # PyMySQL runs an UPDATE executemany one row per round trip (10k rows: ~2 s);
        # the same rows as INSERT ... ON DUPLICATE KEY UPDATE of their primary key are
        # a few multi-row statements. Only ``columns`` change: the rows exist.
        upsert_rows(conn, table, [{id_column.name: existing[r["learner_id"]], **r}
                                  for r in records if r["learner_id"] in existing],
                    update_columns=columns)
    elif updates:
        # Bind names differ from column names: SQLAlchemy reserves those for SET.
        statement = (update(table).where(id_column == bindparam("row_id_"))
                     .values({c: bindparam(f"{c}_") for c in columns}))
        for part in chunks(updates):
            conn.execute(statement, list(part))
    insert_rows(conn, table, inserts)
    return len(records)


def _latest_ids(conn: Connection, id_column, learner_column, learner_ids,
                *conditions) -> dict[int, int]:
    found: dict[int, int] = {}
    for part in chunks(sorted({int(i) for i in learner_ids})):
        query = (select(learner_column, id_column).where(learner_column.in_(part), *conditions)
                 .order_by(learner_column, id_column))
        for learner_id, row_id in conn.execute(query):
            found[int(learner_id)] = int(row_id)  # ordered: the last one wins
    return found


def _learners_with(conn: Connection, table, learner_ids, condition) -> set[int]:
    found: set[int] = set()
    for part in chunks(sorted({int(i) for i in learner_ids})):
        query = select(table.c.learner_id).where(table.c.learner_id.in_(part), condition)
        found.update(int(lid) for (lid,) in conn.execute(query))
    return found
