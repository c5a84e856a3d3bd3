"""Running extraction queries into DataFrames, optionally for a subset of learners."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

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


#: Queries in flight at once on MySQL/MariaDB (one server thread each): the machine's
#: two cores, while Python waits on the network.
PARALLEL_READS = 2


def read_many_for_learners(bind: Engine | Connection, queries: Mapping[str, Select],
                           learner_ids: Sequence[int] | None,
                           whole: Collection[str] = ()) -> dict[str, pd.DataFrame]:
    """:func:`read_for_learners` of each query, keyed alike; the queries named in
    ``whole`` are read for every learner whatever ``learner_ids`` says.

    With an Engine on MySQL/MariaDB the queries run ``PARALLEL_READS`` at a time, in
    the order given (put the longest first), each on its own connection: the server
    runs a query on one thread, so two independent scans finish in the time of the
    longer. A Connection (one transaction's snapshot) or SQLite reads one by one."""
    def ids(name: str) -> Sequence[int] | None:
        return None if name in whole else learner_ids

    parallel = isinstance(bind, Engine) and bind.dialect.name in ("mysql", "mariadb")
    if not parallel or len(queries) < 2:
        return {name: read_for_learners(bind, q, ids(name)) for name, q in queries.items()}
    with ThreadPoolExecutor(PARALLEL_READS, thread_name_prefix="learnerai-read") as pool:
        futures = {name: pool.submit(read_for_learners, bind, q, ids(name))
                   for name, q in queries.items()}
        return {name: future.result() for name, future in futures.items()}
