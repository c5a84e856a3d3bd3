"""Schema migrations (one Alembic history inside the package).

The CLI's ``learnerai db upgrade | downgrade | current`` call these; so do
tests. Nothing in production calls ``create_all``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, types
from sqlalchemy.dialects import mysql

from features.errors import SchemaVersionError
from features.schema import Base

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration history is empty"
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_head(engine: Engine) -> None:
    """Raise a clear error unless the database is at this code's schema revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = "an empty database" if current is None else f"revision {current}"
        raise SchemaVersionError(
            f"The database is at {where}, but learnerai needs {head}: run "
            "`learnerai db upgrade` first."
        )


def schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the models."""
    with engine.connect() as connection:
        ctx = MigrationContext.configure(
            connection, opts={"compare_type": compare_type, "compare_server_default": False}
        )
        diffs = compare_metadata(ctx, Base.metadata)
    return [d for d in diffs if not _is_alembic_table(d)]


def _is_alembic_table(diff: Any) -> bool:
    return isinstance(diff, tuple) and len(diff) > 1 and getattr(diff[1], "name", None) == (
        "alembic_version"
    )


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any,
    inspected_type: Any, metadata_type: Any,
) -> bool | None:
    """Alembic type comparison, aware of how MariaDB stores JSON.

    MariaDB has no JSON type: ``JSON`` is ``LONGTEXT`` with a ``json_valid``
    check, and reflects as LONGTEXT. Returning None defers to Alembic.
    """
    if isinstance(metadata_type, types.JSON) and isinstance(inspected_type, mysql.LONGTEXT):
        return False
    return None
