"""Bulk writes: chunked inserts and upserts on SQLite and MySQL/MariaDB.

Upserts use the dialect's own construct (``ON DUPLICATE KEY UPDATE`` on
MySQL, ``ON CONFLICT DO UPDATE`` on SQLite) so a rerun overwrites the same
keys instead of appending.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Table, Text, bindparam, insert
from sqlalchemy.dialects import mysql, sqlite

CHUNK_ROWS = 2000


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
        if orjson is not None:
            try:
                return orjson.dumps(value).decode()
            except TypeError:  # e.g. non-string dict keys: json.dumps converts them
                pass
        return json.dumps(value)

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
    (:func:`json_texts`); they are bound as text, not serialised again."""
    if not rows:
        return 0
    dialect = conn.dialect.name
    as_text = {name: bindparam(name, type_=Text()) for name in text_columns}
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
    return len(rows)
