"""``learner_audit_log`` entries: what a run changed for each learner, summarised.

One row per learner and module when something a learner or tutor would notice
changed: the risk band, the risk score by at least :data:`RISK_SCORE_STEP`, or
the top of a recommendation list. ``old_value``/``new_value`` are small JSON
objects, ``action_by`` names the run and the model versions, ``action_on`` is
the run's as-of. Nothing changed, nothing written — so a rerun adds no rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from features.schema import LearnerAuditLog
from features.writing import insert_rows

#: A score move this large is audited even within a band.
RISK_SCORE_STEP = 0.05
#: Recommendations per type summarised in an audit row.
TOP_PER_TYPE = 3
#: ``action`` of the rows learnerai writes (its own rows of the shared audit log).
RISK_ACTION = "risk scored"
RECOMMENDATIONS_ACTION = "recommendations replaced"
AI_ACTIONS = (RISK_ACTION, RECOMMENDATIONS_ACTION)


def action_by(run_id: str, model_version: str) -> str:
    return f"{run_id} {model_version}"[:100]


def risk_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``new`` (learner_id, score, band) whose band changed or whose score moved
    by :data:`RISK_SCORE_STEP` against ``old`` (learner_id, score, band; may lack some)."""
    before = old.set_index("learner_id").reindex(new["learner_id"].to_numpy())
    band_moved = before["band"].fillna("").to_numpy() != new["band"].astype(str).to_numpy()
    step = np.abs(before["score"].astype(float).to_numpy() - new["score"].astype(float).to_numpy())
    score_moved = ~np.isnan(step) & (step >= RISK_SCORE_STEP - 1e-9)
    changed = band_moved | score_moved
    out = new[changed].copy()
    out["old_score"] = before["score"].to_numpy()[changed]
    out["old_band"] = before["band"].to_numpy()[changed]
    return out


def risk_audit_rows(changes: pd.DataFrame, by: str, as_of: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for r in changes.itertuples(index=False):
        old = None if not isinstance(r.old_band, str) else \
            json.dumps({"score": round(float(r.old_score), 4), "band": r.old_band})
        rows.append({"learner_id": int(r.learner_id), "action": RISK_ACTION,
                     "module": "risk", "old_value": old,
                     "new_value": json.dumps({"score": round(float(r.score), 4),
                                              "band": str(r.band)}),
                     "action_by": by, "action_on": as_of})
    return rows


def top_lists(recs: pd.DataFrame) -> dict[int, dict[str, list[str]]]:
    """learner_id -> {type: [reference_id, ...] by rank} (top :data:`TOP_PER_TYPE`)."""
    if recs.empty:
        return {}
    top = recs[recs["rec_rank"].astype(int) <= TOP_PER_TYPE] \
        .sort_values(["learner_id", "recommendation_type", "rec_rank"], kind="stable")
    out: dict[int, dict[str, list[str]]] = {}
    # One pass over plain values: a groupby loop costs ~15 us a group, and a run has
    # five groups a learner, twice (old and new lists).
    for learner, kind, ref in zip(top["learner_id"].astype("int64").tolist(),
                                  top["recommendation_type"].astype(str).tolist(),
                                  top["reference_id"].astype(str).tolist(), strict=True):
        out.setdefault(learner, {}).setdefault(kind, []).append(ref)
    return out


def recommendation_audit_rows(old: Mapping[int, dict], new: Mapping[int, dict],
                              learner_ids: list[int], by: str,
                              as_of: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for learner in learner_ids:
        before, after = old.get(learner, {}), new.get(learner, {})
        if before == after:
            continue
        rows.append({"learner_id": int(learner), "action": RECOMMENDATIONS_ACTION,
                     "module": "recommendations",
                     "old_value": json.dumps(before, sort_keys=True) if before else None,
                     "new_value": json.dumps(after, sort_keys=True) if after else None,
                     "action_by": by, "action_on": as_of})
    return rows


def write_audit(conn: Connection, rows: list[dict[str, Any]]) -> int:
    return insert_rows(conn, LearnerAuditLog.__table__, rows) if rows else 0
