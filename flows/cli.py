"""The ``learnerai`` command line.

Every command takes ``--database-url`` (default: ``DATABASE_URL``, else the
SQLite file ``learnerai.db``). A user mistake prints one line saying what is
wrong and what to do, and exits non-zero; tracebacks are for bugs.
"""

from __future__ import annotations

import sys
from typing import Annotated

import click
import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from features import migrate
from features.engine import explain_database_error, make_engine
from features.errors import DatabaseUnavailableError, LearnerAIError
from features.settings import Settings, load_settings

console = Console()
error_console = Console(stderr=True)

app = typer.Typer(
    name="learnerai",
    help="ML feature store and recommendation batch service for learning platforms.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Schema migrations (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        help="SQLAlchemy URL, e.g. sqlite:///learnerai.db or mysql+pymysql://user:pw@host/db.",
        show_envvar=True,
    ),
]


class State:
    database_url: str | None = None


@app.callback()
def _main(database_url: DatabaseUrl = None) -> None:
    """Global options apply to every command."""
    State.database_url = database_url


def settings_for(database_url: str | None) -> Settings:
    return load_settings(database_url=database_url or State.database_url)


def connect(settings: Settings, *, require_head: bool = True) -> Engine:
    """An engine that has been shown to connect (and, by default, to be at head)."""
    engine = make_engine(settings.database_url)
    try:
        with engine.connect():
            pass
        if require_head:
            migrate.require_head(engine)
    except (OperationalError, DBAPIError) as exc:
        raise _as_user_error(exc, settings) from exc
    return engine


def _as_user_error(exc: Exception, settings: Settings) -> Exception:
    line = explain_database_error(exc, settings.database_url)
    return DatabaseUnavailableError(line) if line else exc


# ----------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    database_url: DatabaseUrl = None,
) -> None:
    """Bring the database schema up to REVISION (default: the latest)."""
    settings = settings_for(database_url)
    engine = connect(settings, require_head=False)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    after = migrate.current_revision(engine)
    console.print(f"{settings.safe_database_url}: schema {before or 'empty'} -> {after}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes everything.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Take the database schema down to REVISION ('base' drops every learnerai table)."""
    settings = settings_for(database_url)
    engine = connect(settings, require_head=False)
    migrate.downgrade(engine, revision)
    console.print(
        f"{settings.safe_database_url}: schema now at "
        f"{migrate.current_revision(engine) or 'base (empty)'}"
    )


@db_app.command("current")
def db_current(database_url: DatabaseUrl = None) -> None:
    """Print the database's schema revision and whether it is the latest."""
    settings = settings_for(database_url)
    engine = connect(settings, require_head=False)
    current, head = migrate.current_revision(engine), migrate.head_revision()
    state = "up to date" if current == head else f"behind: head is {head}"
    console.print(f"{current or 'none (empty database)'} ({state})")


# --------------------------------------------------------------------------- entry


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: runs the app, turns user errors into one line."""
    try:
        app(args=argv, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        error_console.print("Aborted.")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except LearnerAIError as exc:
        error_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 1
    except (OperationalError, DBAPIError) as exc:
        line = explain_database_error(exc, settings_for(None).database_url)
        if line is None:
            raise
        error_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
