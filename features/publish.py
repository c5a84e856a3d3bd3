"""Publishing learner-level outputs: ``learner_ai_features``, ``learner_engagement``,
AI-derived ``learner_psychographics``, and removal of opted-out learners' AI rows.

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
from sqlalchemy import Connection, bindparam, delete, select, update

from features.schema import (
    AI_PATHWAY_MARK,
    LearnerAIFeatures,
    LearnerCareerPathway,
    LearnerEngagement,
    LearnerPsychographics,
    LearnerRecommendation,
)
from features.writing import chunks, insert_rows, upsert_rows

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


def engagement_vectors(engagement: pd.DataFrame) -> list[dict]:
    """One JSON object of named features per learner, in ``engagement`` row order."""
    records = engagement.to_dict(orient="records")
    return [json_ready(record) for record in records]


def publish_ai_features(conn: Connection, rows: pd.DataFrame,
                        columns: Sequence[str] = FEATURE_COLUMNS) -> int:
    """Upsert one ``learner_ai_features`` row per learner; only ``columns`` change
    on existing rows, so publishing features keeps the latest risk and career
    predictions, and vice versa."""
    table = LearnerAIFeatures.__table__
    records = [{"learner_id": int(lid), **{c: row[c] for c in columns}}
               for lid, row in zip(rows["learner_id"], rows.to_dict(orient="records"),
                                   strict=True)]
    return upsert_rows(conn, table, records, update_columns=list(columns))


def remove_ai_rows(conn: Connection, learner_ids: Sequence[int]) -> dict[str, int]:
    """Delete every AI output of these learners (opted out of personalisation)."""
    removed = {"learner_ai_features": 0, "learner_recommendations": 0,
               "learner_psychographics": 0, "learner_career_pathways": 0}
    features, recs = LearnerAIFeatures.__table__, LearnerRecommendation.__table__
    psych, paths = LearnerPsychographics.__table__, LearnerCareerPathway.__table__
    for part in chunks(sorted({int(i) for i in learner_ids})):
        removed["learner_ai_features"] += conn.execute(
            delete(features).where(features.c.learner_id.in_(part))).rowcount
        removed["learner_recommendations"] += conn.execute(
            delete(recs).where(recs.c.learner_id.in_(part))).rowcount
        removed["learner_psychographics"] += conn.execute(
            delete(psych).where(psych.c.learner_id.in_(part),
                                psych.c.derived_from == "AI")).rowcount
        removed["learner_career_pathways"] += conn.execute(
            delete(paths).where(paths.c.learner_id.in_(part),
                                paths.c.gap_analysis.like(AI_PATHWAY_MARK + "%"))).rowcount
    return removed


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
    if updates:
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
