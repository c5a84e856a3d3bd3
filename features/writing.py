"""Bulk writes: chunked inserts and upserts on SQLite and MySQL/MariaDB.

Upserts use the dialect's own construct (``ON DUPLICATE KEY UPDATE`` on
MySQL, ``ON CONFLICT DO UPDATE`` on SQLite) so a rerun overwrites the same
keys instead of appending.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.dialects import mysql, sqlite

CHUNK_ROWS = 2000


def chunks(rows: Sequence[Any], size: int = CHUNK_ROWS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> int:
    """Plain bulk insert (executemany), in chunks. Every row must have the same keys."""
    for part in chunks(rows):
        conn.execute(insert(table), list(part))
    return len(rows)


def upsert_rows(conn: Connection, table: Table, rows: Sequence[dict],
                update_columns: Sequence[str]) -> int:
    """Insert rows, or update ``update_columns`` where the primary key exists."""
    if not rows:
        return 0
    dialect = conn.dialect.name
    for part in chunks(rows):
        if dialect == "sqlite":
            statement = sqlite.insert(table)
            statement = statement.on_conflict_do_update(
                index_elements=[c.name for c in table.primary_key.columns],
                set_={name: statement.excluded[name] for name in update_columns},
            )
        elif dialect in ("mysql", "mariadb"):
            statement = mysql.insert(table)
            statement = statement.on_duplicate_key_update(
                {name: statement.inserted[name] for name in update_columns}
            )
        else:  # pragma: no cover - only the two supported backends
            raise NotImplementedError(f"upsert is not implemented for {dialect}")
        conn.execute(statement, list(part))
    return len(rows)
