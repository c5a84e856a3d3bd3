"""Training labels: what happened after a cutoff. The only readers of the future."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, case, func, select

from features.reading import read_frame
from features.retrieval import LabelFunction
from features.schema import LearnerActivityLog
from features.sql import as_of_param


def disengagement_label(lookback_days: int = 28, horizon_days: int = 30) -> LabelFunction:
    """Label factory: 1 if a learner active in the ``lookback_days`` before the
    cutoff shows no activity in the ``horizon_days`` after it, else 0.

    Learners not active in the lookback window are not eligible (absent).
    """

    def label(bind: Engine | Connection, cutoff: dt.datetime,
              features: pd.DataFrame) -> pd.Series:
        a = LearnerActivityLog.__table__.c
        t = as_of_param(cutoff, "cutoff")
        start = as_of_param(cutoff - dt.timedelta(days=lookback_days), "window_start")
        end = as_of_param(cutoff + dt.timedelta(days=horizon_days), "horizon_end")
        query = (
            select(
                a.learner_id,
                func.max(case((a.timestamp < t, 1), else_=0)).label("active_before"),
                func.max(case((a.timestamp >= t, 1), else_=0)).label("active_after"),
            )
            .where(a.timestamp >= start, a.timestamp < end)
            .group_by(a.learner_id)
        )
        frame = read_frame(bind, query)
        eligible = frame[frame["active_before"].astype(int) == 1]
        return pd.Series(1 - eligible["active_after"].astype(int).to_numpy(),
                         index=eligible["learner_id"].to_numpy(), name="disengaged")

    return label
