"""Writing the catalog (skills, roles, courses, content items) to the database.

An idempotent upsert keyed by each table's primary key: running it twice, or
after the catalog changed, leaves exactly the catalog's rows (rows the
catalog no longer has are kept — enrolments and activity may refer to them).
Seeding and the OULAD import both call it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import mysql, sqlite

from features.engine import is_mysql
from features.schema import Base

#: Catalog attribute -> table, in foreign-key order, with the columns written.
CATALOG_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("skills", "skill_catalog", ("skill_key", "name", "category", "description")),
    ("roles", "career_roles", ("role_id", "title", "field", "seniority", "description",
                               "required_skills", "next_roles")),
    ("courses", "courses", ("course_id", "title", "description", "skills", "level", "format",
                            "duration_hours", "is_active")),
    ("content_items", "content_items", ("content_id", "course_id", "title", "format",
                                        "skills")),
)
BATCH = 500


def write_catalog(engine: Engine, catalog: Any) -> dict[str, int]:
    """Upsert the catalog's four tables; returns rows written per table."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for attribute, table_name, columns in CATALOG_TABLES:
            frame: pd.DataFrame = getattr(catalog, attribute)
            present = [c for c in columns if c in frame.columns]
            records = [_plain_record(r) for r in frame[present].to_dict("records")]
            table = Base.metadata.tables[table_name]
            for start in range(0, len(records), BATCH):
                _upsert(conn, table, records[start:start + BATCH])
            counts[table_name] = len(records)
    return counts


def _upsert(conn: Connection, table: Table, records: list[dict[str, Any]]) -> None:
    if not records:
        return
    keys = {c.name for c in table.primary_key.columns}
    if is_mysql(conn.engine):
        stmt = mysql.insert(table)
        updates = {c: stmt.inserted[c] for c in records[0] if c not in keys}
        conn.execute(stmt.on_duplicate_key_update(updates), records)
    else:
        stmt = sqlite.insert(table)
        updates = {c: stmt.excluded[c] for c in records[0] if c not in keys}
        conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates),
                     records)


def _plain_record(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in record.items()}


def _plain(value: Any) -> Any:
    """numpy/pandas values as the plain Python the JSON and driver layers expect."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in _iter(value)]
    if isinstance(value, np.bool_ | bool):
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(value) else float(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value


def _iter(value: Any) -> Iterable[Any]:
    return value.tolist() if isinstance(value, np.ndarray) else value
