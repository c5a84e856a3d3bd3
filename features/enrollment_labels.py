"""Course-dropout labels: how an enrolment active at a cutoff ended. Reads the future.

An enrolment *active at the cutoff* T (enrolled before T, not ended before T)
is labelled from how it ended after T:

- ``1`` — it ended **Withdrawn** (``unenrolled_on`` set) or **Failed**
  (``completed_on`` set, ``status = 'Failed'``);
- ``0`` — it ended **Completed** (``completed_on`` set, ``status = 'Completed'``).

Without a horizon, enrolments that have not ended yet are not eligible
(absent): their outcome is unknown. With ``horizon_days = h`` only endings
before ``T + h`` count; an enrolment still running at ``T + h`` (or ending
Withdrawn/Failed later) is ``0`` — "did not drop out within h days". The
caller must choose cutoffs at least ``h`` days before the newest data (the
training flow does), or still-running enrolments would be read as "stayed".

Rows whose status says they ended but carry no end date cannot be placed in
time and are never eligible.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, or_, select

from features.enrollment_features import active_at
from features.reading import read_frame
from features.retrieval import LabelFunction
from features.schema import CourseEnrollment
from features.sql import as_of_param

#: Outcome codes computed in SQL (then mapped to labels in pandas).
_DROPPED, _COMPLETED, _RUNNING, _UNDATED = 1, 0, 2, 3


def dropout_label(horizon_days: int | None = None) -> LabelFunction:
    """Label factory: 1 if an enrolment active at the cutoff ends Withdrawn or Failed
    (within ``horizon_days`` when given), 0 if it ends Completed (or is still active at
    the horizon). The returned function gives a Series indexed by ``enrollment_id``.
    """
    if horizon_days is not None and horizon_days <= 0:
        raise ValueError("horizon_days must be positive (or None for 'any time after')")

    def label(bind: Engine | Connection, cutoff: dt.datetime,
              features: pd.DataFrame) -> pd.Series:
        table = CourseEnrollment.__table__
        e = table.c
        t = as_of_param(cutoff, "cutoff")
        end = None
        if horizon_days is not None:
            end = as_of_param(cutoff + dt.timedelta(days=horizon_days), "horizon_end")

        def before_end(column):
            return column.is_not(None) if end is None else column < end

        withdrawn = before_end(e.unenrolled_on)
        ended_course = before_end(e.completed_on)
        undated = and_(e.unenrolled_on.is_(None), e.completed_on.is_(None),
                       e.status.in_(("Withdrawn", "Failed", "Completed")))
        outcome = case(
            (undated, _UNDATED),
            # Whichever came first decides (a withdrawal after a completion is noise).
            (and_(withdrawn, or_(e.completed_on.is_(None), e.unenrolled_on <= e.completed_on)),
             _DROPPED),
            (and_(ended_course, e.status.in_(("Failed", "Withdrawn"))), _DROPPED),
            (and_(ended_course, e.status == "Completed"), _COMPLETED),
            (withdrawn, _DROPPED),
            else_=_RUNNING,
        )
        query = select(e.enrollment_id, outcome.label("outcome")).where(active_at(table, t))
        frame = read_frame(bind, query)
        codes = pd.to_numeric(frame["outcome"]).astype(int).to_numpy()
        labels = pd.Series(codes, index=frame["enrollment_id"].astype("int64").to_numpy(),
                           name="dropped_out", dtype="float64")
        labels[codes == _UNDATED] = float("nan")
        if horizon_days is None:
            labels[codes == _RUNNING] = float("nan")
        else:
            labels[codes == _RUNNING] = 0.0
        labels.index.name = "enrollment_id"
        return labels.dropna().astype("int64")

    return label
