"""Running extraction queries into DataFrames, optionally for a subset of learners."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, Engine, Select

#: Learner ids per IN (...) list: well under SQLite's bound-parameter limit.
ID_CHUNK = 5000


def read_frame(bind: Engine | Connection, query: Select) -> pd.DataFrame:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return read_frame(conn, query)
    result = bind.execute(query)
    # Plain tuples: pandas builds a frame from a list of SQLAlchemy Row objects through a
    # generic per-row path, 5-7x slower than from tuples (125k rows: 0.65 s vs 0.09 s).
    return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))


def read_for_learners(bind: Engine | Connection, query: Select,
                      learner_ids: Sequence[int] | None) -> pd.DataFrame:
    """``query`` for all learners, or only ``learner_ids`` (in chunks).

    The query must select a ``learner_id`` column; the filter is applied to it.
    """
    if learner_ids is None:
        return read_frame(bind, query)
    column = query.selected_columns["learner_id"]
    ids = sorted({int(i) for i in learner_ids})
    if not ids:
        return read_frame(bind, query.where(column.is_(None)))
    parts = [read_frame(bind, query.where(column.in_(ids[i:i + ID_CHUNK])))
             for i in range(0, len(ids), ID_CHUNK)]
    return pd.concat(parts, ignore_index=True)
