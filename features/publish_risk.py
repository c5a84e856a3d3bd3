"""Publishing risk scores: ``learner_ai_features.risk_prediction``, ``AI_Nudge``
notifications and the risk audit — per chunk of learners, in one transaction.

Each chunk reads the learners' previous scores, upserts the new ones, and in the
same transaction writes the nudges (:mod:`models.nudges`) and audit rows
(:mod:`features.audit`) that the move from old to new calls for. A crash leaves
every chunk either fully published (with its nudges and audit) or untouched, so
the next run neither repeats nor loses a nudge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from features.audit import risk_audit_rows, risk_changes, write_audit
from features.publish import publish_ai_features
from features.schema import LearnerAIFeatures, LearnerNotification, LearnerPreferences
from features.writing import insert_rows
from models.nudges import nudge_rows

CHUNK_LEARNERS = 2000


def _chunks(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def previous_scores(conn: Connection, learner_ids: list[int]) -> pd.DataFrame:
    """learner_id, score, band of the learners' published risk (missing: never scored)."""
    table = LearnerAIFeatures.__table__
    rows = conn.execute(select(table.c.learner_id, table.c.risk_prediction)
                        .where(table.c.learner_id.in_(learner_ids))).all()
    return pd.DataFrame({
        "learner_id": [int(r[0]) for r in rows],
        "score": [float(r[1]["score"]) if isinstance(r[1], dict) and "score" in r[1]
                  else np.nan for r in rows],
        "band": [r[1].get("band") if isinstance(r[1], dict) else None for r in rows],
    }, columns=["learner_id", "score", "band"])


def notification_settings(conn: Connection, learner_ids: list[int]) -> pd.DataFrame:
    """learner_id -> notification_preference (latest preferences row) and frequency
    (of the learner's latest notification)."""
    p, n = LearnerPreferences.__table__.c, LearnerNotification.__table__.c
    latest_pref = select(func.max(p.pref_id)).where(p.learner_id.in_(learner_ids)) \
        .group_by(p.learner_id)
    prefs = pd.DataFrame([tuple(r) for r in conn.execute(  # tuples: faster than Rows
        select(p.learner_id, p.notification_preference).where(p.pref_id.in_(latest_pref)))],
        columns=["learner_id", "notification_preference"])
    latest_note = select(func.max(n.notification_id)).where(n.learner_id.in_(learner_ids)) \
        .group_by(n.learner_id)
    freq = pd.DataFrame([tuple(r) for r in conn.execute(
        select(n.learner_id, n.frequency).where(n.notification_id.in_(latest_note)))],
        columns=["learner_id", "frequency"])
    return prefs.set_index("learner_id").join(freq.set_index("learner_id"), how="outer")


def last_nudges(conn: Connection, learner_ids: list[int]) -> pd.Series:
    n = LearnerNotification.__table__.c
    rows = conn.execute(select(n.learner_id, func.max(n.created_on))
                        .where(n.learner_id.in_(learner_ids), n.type == "AI_Nudge")
                        .group_by(n.learner_id)).all()
    return pd.Series({int(r[0]): r[1] for r in rows}, dtype=object)


def top_reason(prediction: Any) -> str | None:
    factors = prediction.get("factors") if isinstance(prediction, dict) else None
    raising = [f for f in factors or [] if f.get("direction") == "raises"]
    return raising[0].get("sentence") if raising else None


def publish_risk(engine: Engine, scores: pd.DataFrame, *, as_of: dt.datetime,
                 model_version: str, audit_by: str | None = None,
                 chunk_learners: int = CHUNK_LEARNERS) -> dict[str, int]:
    """Upsert ``risk_prediction`` (+ ``model_version``) for ``scores``
    (:func:`flows.risk_scoring.score_learners`' frame) with nudges and audit."""
    counts = {"risk_predictions": 0, "nudges": 0, "audit_risk": 0}
    ordered = scores.sort_values("learner_id", kind="stable")
    for part in _chunks(ordered, chunk_learners):
        ids = part["learner_id"].astype(int).tolist()
        rows = pd.DataFrame({"learner_id": ids, "risk_prediction": part["risk_prediction"]
                             .tolist(), "model_version": model_version})
        with engine.begin() as conn:
            old = previous_scores(conn, ids)
            counts["risk_predictions"] += publish_ai_features(
                conn, rows, columns=["risk_prediction", "model_version"])
            moves = pd.DataFrame({
                "learner_id": ids,
                "old_band": old.set_index("learner_id")["band"].reindex(ids).to_numpy(),
                "new_band": part["band"].astype(str).to_numpy(),
                "reason": [top_reason(p) for p in part["risk_prediction"]]})
            nudges = nudge_rows(moves, notification_settings(conn, ids),
                                last_nudges(conn, ids), as_of)
            if len(nudges):
                counts["nudges"] += insert_rows(conn, LearnerNotification.__table__,
                                                nudges.to_dict(orient="records"))
            if audit_by:
                changes = risk_changes(old, part[["learner_id", "score", "band"]])
                counts["audit_risk"] += write_audit(conn, risk_audit_rows(changes, audit_by,
                                                                          as_of))
    return counts
