"""Bulk writes: chunked inserts and upserts on SQLite and MySQL/MariaDB.

Upserts use the dialect's own construct (``ON DUPLICATE KEY UPDATE`` on
MySQL, ``ON CONFLICT DO UPDATE`` on SQLite) so a rerun overwrites the same
keys instead of appending.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, Text, bindparam, insert, text
from sqlalchemy.dialects import mysql, sqlite

CHUNK_ROWS = 2000


class JsonText(str):
    """Text that is JSON already (e.g. a vector serialised straight from numpy):
    :func:`json_texts` passes it through as it is."""

    __slots__ = ()


def json_texts(values: Sequence[Any], none_as_null: bool = True) -> list[str | None]:
    """Each value as JSON text, as SQLAlchemy's JSON type would store it (``None``: SQL
    NULL with ``none_as_null``, as learnerai's JSON columns do, else JSON ``null``), with
    orjson (a dependency of Prefect) where it takes the value: a 384-float vector in
    ~13 us instead of json.dumps' ~80 us. (Non-finite floats, which json.dumps would
    write as invalid JSON, become ``null``.)"""
    try:
        import orjson
    except ImportError:  # pragma: no cover - Prefect depends on it
        orjson = None

    def dumps(value: Any) -> str | None:
        if value is None and none_as_null:
            return None
        if isinstance(value, JsonText):
            return str(value)
        if orjson is not None:
            try:
                return orjson.dumps(value).decode()
            except TypeError:  # e.g. non-string dict keys: json.dumps converts them
                pass
        # allow_nan=False: NaN would be invalid JSON (upsert_rows trusts these texts).
        return json.dumps(value, allow_nan=False)

    return [dumps(value) for value in values]


def chunks(rows: Sequence[Any], size: int = CHUNK_ROWS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> int:
    """Plain bulk insert (executemany), in chunks. Every row must have the same keys."""
    for part in chunks(rows):
        conn.execute(insert(table), list(part))
    return len(rows)


def upsert_rows(conn: Connection, table: Table, rows: Sequence[dict],
                update_columns: Sequence[str], *, text_columns: Sequence[str] = ()) -> int:
    """Insert rows, or update ``update_columns`` where the primary key exists.

    ``text_columns``: JSON columns whose values the caller already serialised
    (:func:`json_texts`, valid JSON by construction); they are bound as text, not
    serialised again, and MariaDB does not parse them again either
    (:func:`json_checks_skipped`)."""
    if not rows:
        return 0
    as_text = {name: bindparam(name, type_=Text()) for name in text_columns}
    with json_checks_skipped(conn, bool(text_columns)):
        _upsert_chunks(conn, table, rows, update_columns, as_text)
    return len(rows)


@contextmanager
def json_checks_skipped(conn: Connection, skip: bool = True) -> Iterator[None]:
    """MariaDB's JSON columns are LONGTEXT with ``CHECK (json_valid(...))``, and a
    write re-checks every JSON column of the row, changed or not: about 9 KB per
    ``learner_ai_features`` row, which doubles the cost of an upsert (20,000 rows: 1.4-1.8
    s checked, 0.7 s not). Around writes of JSON that :func:`json_texts` serialised,
    the session's ``check_constraint_checks`` is off, and back on after; learnerai's
    tables have no other CHECK constraints. Other backends: nothing to do."""
    mariadb = skip and bool(getattr(conn.dialect, "is_mariadb", False))
    if mariadb:
        conn.execute(text("SET SESSION check_constraint_checks = 0"))
    try:
        yield
    finally:
        if mariadb:
            try:
                conn.execute(text("SET SESSION check_constraint_checks = 1"))
            except Exception:  # noqa: BLE001 - the error that got here is the one to see
                # Never hand a connection without checks back to the pool.
                conn.invalidate()


def _upsert_chunks(conn: Connection, table: Table, rows: Sequence[dict],
                   update_columns: Sequence[str], as_text: dict[str, Any]) -> None:
    dialect = conn.dialect.name
    for part in chunks(rows):
        if dialect == "sqlite":
            statement = sqlite.insert(table).values(as_text) if as_text else sqlite.insert(table)
            statement = statement.on_conflict_do_update(
                index_elements=[c.name for c in table.primary_key.columns],
                set_={name: statement.excluded[name] for name in update_columns},
            )
        elif dialect in ("mysql", "mariadb"):
            statement = mysql.insert(table).values(as_text) if as_text else mysql.insert(table)
            statement = statement.on_duplicate_key_update(
                {name: statement.inserted[name] for name in update_columns}
            )
        else:  # pragma: no cover - only the two supported backends
            raise NotImplementedError(f"upsert is not implemented for {dialect}")
        conn.execute(statement, list(part))
