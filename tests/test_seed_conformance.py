"""The contract with downstream apps: our migrations build the seed's schema.

The seed document's own CREATE TABLE statements run into one scratch MariaDB
database, our migrations into another, and ``information_schema`` of every
seed table is compared: columns (name, position, COLUMN_TYPE, nullability,
default, extra), enum values, foreign keys with their rules, indexed columns,
engine and character set. The only differences allowed are the additions that
DESIGN.md lists and the indexes learnerai widens (``WIDENED_INDEXES``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from features import migrate
from features.engine import make_engine
from features.schema import ADDED_COLUMNS, SEED_TABLES, WIDENED_INDEXES
from tests.conftest import SHARED_DIR

SEED_FILE = SHARED_DIR / "seeds" / "000_6feb3ca2f08388f8.txt"
# Reserved in MariaDB, so the seed's DDL does not run as written.
RESERVED_IDENTIFIERS = ("current_role",)


def seed_create_statements(seed_text: str) -> dict[str, str]:
    """Every CREATE TABLE statement of the seed document, by table name."""
    statements = {}
    for match in re.finditer(
        r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)\s*\((.*?)\n\)([^;]*);", seed_text, re.S
    ):
        name, body, options = match.groups()
        for word in RESERVED_IDENTIFIERS:
            body = re.sub(rf"(?<![`\w]){word}(?![`\w])", f"`{word}`", body)
        statements[name] = f"CREATE TABLE `{name}` ({body}\n){options}"
    return statements


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED_FILE.exists():
        pytest.skip(f"seed document not found at {SEED_FILE} (it lives in ../shared/seeds)")
    return SEED_FILE.read_text(encoding="utf-8")


def test_seed_document_has_the_23_tables(seed_text: str) -> None:
    assert sorted(seed_create_statements(seed_text)) == sorted(SEED_TABLES)


def _query(engine: Engine, sql: str, schema: str, table: str) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), {"s": schema, "t": table}).all()


def _columns(engine: Engine, schema: str, table: str) -> dict[str, dict]:
    rows = _query(engine,
            "SELECT COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,"
            " EXTRA FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = :s AND TABLE_NAME = :t ORDER BY ORDINAL_POSITION",
        schema, table)
    return {r._mapping["COLUMN_NAME"]: dict(r._mapping) for r in rows}


def _foreign_keys(engine: Engine, schema: str, table: str) -> set[tuple]:
    rows = _query(engine,
            "SELECT k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,"
            " r.UPDATE_RULE, r.DELETE_RULE"
            " FROM information_schema.KEY_COLUMN_USAGE k"
            " JOIN information_schema.REFERENTIAL_CONSTRAINTS r"
            "   ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA"
            "  AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME"
            " WHERE k.TABLE_SCHEMA = :s AND k.TABLE_NAME = :t",
        schema, table)
    return {tuple(r) for r in rows}


def _indexed_columns(engine: Engine, schema: str, table: str) -> set[tuple]:
    rows = _query(engine,
            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS"
            " WHERE TABLE_SCHEMA = :s AND TABLE_NAME = :t ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        schema, table)
    indexes: dict[str, tuple] = {}
    for name, non_unique, column in rows:
        unique, cols = indexes.get(name, (not non_unique, ()))
        indexes[name] = (unique, cols + (column,))
    return set(indexes.values())


def _table_options(engine: Engine, schema: str, table: str) -> tuple[str, str]:
    [(engine_name, collation)] = _query(engine,
            "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = :s AND TABLE_NAME = :t",
        schema, table)
    return engine_name, collation.split("_")[0]


@pytest.fixture(scope="module")
def seed_and_ours(
    seed_text: str, mysql_database_factory: Callable[[str], str]
) -> tuple[Engine, str, Engine, str]:
    seed_url = mysql_database_factory("seed")
    ours_url = mysql_database_factory("ours")
    seed_engine, ours_engine = make_engine(seed_url), make_engine(ours_url)
    with seed_engine.begin() as conn:
        # The seed references users(id) without defining it.
        conn.execute(text(
            "CREATE TABLE users (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY)"
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        ))
        for statement in seed_create_statements(seed_text).values():
            conn.execute(text(statement))
    migrate.upgrade(ours_engine)
    return (seed_engine, seed_engine.url.database, ours_engine, ours_engine.url.database)


@pytest.mark.parametrize("table", SEED_TABLES)
def test_table_matches_the_seed(table: str, seed_and_ours) -> None:
    seed_engine, seed_db, ours_engine, ours_db = seed_and_ours
    seed_cols = _columns(seed_engine, seed_db, table)
    our_cols = _columns(ours_engine, ours_db, table)
    added = set(ADDED_COLUMNS.get(table, ()))
    assert seed_cols, f"the seed did not create {table}"

    assert list(our_cols)[: len(seed_cols)] == list(seed_cols), "column names and order"
    assert set(our_cols) - set(seed_cols) == added, "only the DESIGN.md additions"
    for name, seed_col in seed_cols.items():
        assert our_cols[name] == seed_col, f"{table}.{name}"
    for name in added:  # additions must not break a reader or writer of the seed
        assert our_cols[name]["IS_NULLABLE"] == "YES" or our_cols[name]["COLUMN_DEFAULT"]

    assert _foreign_keys(ours_engine, ours_db, table) == _foreign_keys(
        seed_engine, seed_db, table
    )
    widened = WIDENED_INDEXES.get(table, {})
    seed_indexes = {(unique, widened.get(cols, cols))
                    for unique, cols in _indexed_columns(seed_engine, seed_db, table)}
    assert _indexed_columns(ours_engine, ours_db, table) == seed_indexes
    assert _table_options(ours_engine, ours_db, table) == ("InnoDB", "utf8mb4")
