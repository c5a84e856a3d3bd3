"""Fast bulk inserts of DataFrames, on SQLite and MySQL/MariaDB.

Both paths skip the per-row work of the ORM and of SQLAlchemy's type
processing, so the values are converted here, column by column and
vectorised, using the table's SQLAlchemy types. Timestamps become the text
SQLAlchemy itself stores on SQLite (``YYYY-MM-DD HH:MM:SS.000000``, so string
comparisons in queries work) and a ``YYYY-MM-DD HH:MM:SS`` literal on MySQL;
dates become ``YYYY-MM-DD``. Identifiers are quoted by the dialect
(``current_role``, ``timestamp``, ``level``, ``role``, ``status``, ``type``
are reserved somewhere).

* SQLite: one ``INSERT INTO t (cols) VALUES (?, ...)`` run by sqlite3's
  ``executemany`` on the transaction's own DBAPI connection — a prepared
  statement stepped in a C loop.
* MySQL/MariaDB: multi-row ``INSERT ... VALUES (...), (...)`` statements of
  about 4 MB, built from SQL literals. PyMySQL's own ``executemany`` does the
  same but escapes every value in Python, which costs more than the server's
  work; here a string column is escaped once per distinct value (by the
  driver, which knows the server's quoting mode) and numbers and timestamps
  are formatted by numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, Engine, Integer, Table

from features.engine import is_mysql
from features.schema import Base

#: Upper bound of one MySQL statement (the server's default max_allowed_packet is 16 MB).
MYSQL_STATEMENT_BYTES = 4_000_000


class BulkWriter:
    """Inserts DataFrames whose columns are a table's column names."""

    def __init__(self, engine: Engine) -> None:
        self._dialect = engine.dialect
        self._mysql = is_mysql(engine)
        self._prefix: dict[tuple[str, tuple[str, ...]], str] = {}

    def write(self, conn: Connection, table_name: str, frame: pd.DataFrame) -> int:
        """Insert every row of ``frame`` in ``conn``'s transaction; returns the row count."""
        if frame.empty:
            return 0
        table = Base.metadata.tables[table_name]
        columns = tuple(frame.columns)
        prefix = self._insert_prefix(table, columns)
        types = [table.c[name].type for name in columns]
        if self._mysql:
            driver = conn.connection.driver_connection
            literals = [_mysql_literals(frame[c], t, driver) for c, t in zip(columns, types,
                                                                               strict=True)]
            _execute_literal_rows(driver, prefix, literals)
        else:
            values = [_sqlite_values(frame[c], t) for c, t in zip(columns, types, strict=True)]
            marks = ", ".join(["?"] * len(columns))
            cursor = conn.connection.driver_connection.cursor()
            try:  # rows are zipped lazily, straight into sqlite3's C loop
                cursor.executemany(f"{prefix} ({marks})", zip(*values, strict=True))
            finally:
                cursor.close()
        return len(frame)

    def _insert_prefix(self, table: Table, columns: tuple[str, ...]) -> str:
        key = (table.name, columns)
        if key not in self._prefix:
            prep = self._dialect.identifier_preparer
            names = ", ".join(prep.format_column(table.c[c]) for c in columns)
            self._prefix[key] = f"INSERT INTO {prep.format_table(table)} ({names}) VALUES"
        return self._prefix[key]


# ---------------------------------------------------------------------------- SQLite


def _sqlite_values(series: pd.Series, sql_type: Any) -> list[Any]:
    """Driver-ready Python values for one column (``None`` for missing)."""
    array = series.array
    if isinstance(array, pd.arrays.IntegerArray):
        return _with_nulls(array.to_numpy(dtype=np.int64, na_value=0), array.isna())
    values = series.to_numpy()
    kind = values.dtype.kind
    if kind == "M":
        text, missing = _timestamp_text(values, sql_type, fraction=True)
        return _with_nulls(text, missing)
    if kind in "iu":
        return values.tolist()
    if kind == "b":
        return values.astype(np.int64).tolist()
    if kind == "f":
        missing = np.isnan(values)
        if isinstance(sql_type, Integer):
            return _with_nulls(np.where(missing, 0, values).astype(np.int64), missing)
        return _with_nulls(values, missing)
    objects = values.astype(object)
    return _with_nulls(objects, pd.isna(objects))


def _with_nulls(values: np.ndarray, missing: np.ndarray, null: Any = None) -> list[Any]:
    if not missing.any():
        return values.tolist()
    out = values.astype(object)
    out[missing] = null
    return out.tolist()


# ----------------------------------------------------------------------------- MySQL


def _mysql_literals(series: pd.Series, sql_type: Any, driver: Any) -> list[str]:
    """SQL literal text for each value of one column (``NULL`` for missing)."""
    array = series.array
    if isinstance(array, pd.arrays.IntegerArray):
        return _with_nulls(array.to_numpy(dtype=np.int64, na_value=0).astype(str),
                           array.isna(), "NULL")
    values = series.to_numpy()
    kind = values.dtype.kind
    if kind == "M":
        text, missing = _timestamp_text(values, sql_type, fraction=False, quote=True)
        return _with_nulls(text, missing, "NULL")
    if kind in "iu":
        return values.astype(str).tolist()
    if kind == "b":
        return values.astype(np.int8).astype(str).tolist()
    if kind == "f":
        missing = np.isnan(values)
        if isinstance(sql_type, Integer):
            values = np.where(missing, 0, values).astype(np.int64)
        return _with_nulls(values.astype(str), missing, "NULL")
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    # Each distinct string is escaped once, by the driver (it honours NO_BACKSLASH_ESCAPES).
    quoted = np.array([driver.escape(str(u)) for u in uniques] + ["NULL"], dtype=object)
    return quoted[codes].tolist()  # code -1 (missing) picks the trailing NULL


def _execute_literal_rows(driver: Any, prefix: str, literals: list[list[str]]) -> None:
    rows = ["(" + ",".join(r) + ")" for r in zip(*literals, strict=True)]
    ends = np.cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)) + 1)
    # statement k holds the rows whose running length falls in its MYSQL_STATEMENT_BYTES slice
    limits = np.arange(1, int(ends[-1]) // MYSQL_STATEMENT_BYTES + 1) * MYSQL_STATEMENT_BYTES
    stops = sorted({*np.searchsorted(ends, limits).tolist(), len(rows)} - {0})
    cursor = driver.cursor()
    try:
        start = 0
        for stop in stops:
            # No parameters: the literals are final, and a '%' in text must stay as it is.
            cursor.execute(f"{prefix} {','.join(rows[start:stop])}")
            start = stop
    finally:
        cursor.close()


# ------------------------------------------------------------------------ timestamps


_FRACTION = np.array([ord(c) for c in ".000000"], dtype=np.uint32)


def _timestamp_text(values: np.ndarray, sql_type: Any, *, fraction: bool, quote: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps or dates as fixed-width text, vectorised, and where they are missing.

    ``datetime_as_string`` writes an ISO ``T``; the characters are patched in
    the string buffer rather than with per-element string methods.
    """
    if isinstance(sql_type, DateTime):
        unit, width = "s", 19
    elif isinstance(sql_type, Date):
        unit, width, fraction = "D", 10, False
    else:
        raise TypeError(f"datetime values for a {sql_type!r} column")
    stamps = values.astype(f"datetime64[{unit}]")
    missing = np.isnat(stamps)
    text = np.datetime_as_string(np.where(missing, np.datetime64(0, unit), stamps), unit=unit)
    codes = text.astype(f"<U{width}").view(np.uint32).reshape(len(text), width)
    parts = [codes]
    if width == 19:
        codes[:, 10] = ord(" ")
    if fraction:
        parts.append(np.broadcast_to(_FRACTION, (len(codes), len(_FRACTION))))
    if quote:
        tick = np.full((len(codes), 1), ord("'"), dtype=np.uint32)
        parts = [tick, *parts, tick]
    joined = np.ascontiguousarray(np.concatenate(parts, axis=1))
    return joined.view(f"<U{joined.shape[1]}").ravel(), missing
