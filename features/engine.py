"""Database engines for SQLite and MySQL/MariaDB, with the per-dialect setup."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from features.errors import ConfigurationError
from features.settings import mask_url


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` with learnerai's connection settings.

    SQLite gets foreign keys switched on per connection (the seed's cascades
    depend on them), WAL journaling and a busy timeout so a reader and the
    nightly writer can share the file. MySQL gets utf8mb4 and pre-ping, so
    connections dropped by the server overnight are replaced, not raised, and,
    through PyMySQL, sessions in ``NO_BACKSLASH_ESCAPES`` mode
    (:data:`PYMYSQL_INIT_COMMAND`).
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError as exc:
        raise ConfigurationError(
            f"Could not parse database URL {mask_url(str(url))!r}: expected e.g. "
            "sqlite:///learnerai.db or mysql+pymysql://user:password@host:3306/dbname"
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    options: dict[str, Any] = {"pool_pre_ping": True, "future": True}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": 60}
    elif backend in ("mysql", "mariadb"):
        options["pool_recycle"] = 3600
        if parsed.get_driver_name() == "pymysql" and "init_command" not in parsed.query:
            options["connect_args"] = {"init_command": PYMYSQL_INIT_COMMAND}
    if "connect_args" in kwargs:
        kwargs = {**kwargs, "connect_args": options.get("connect_args", {})
                  | kwargs["connect_args"]}
    options.update(kwargs)
    try:
        engine = create_engine(parsed, **options)
    except NoSuchModuleError as exc:
        raise ConfigurationError(
            f"Unsupported database URL scheme {parsed.drivername!r}: use sqlite:/// or "
            "mysql+pymysql://"
        ) from exc
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"The database driver for {parsed.drivername!r} is not installed "
            f"({exc.name}): pip install it, or use mysql+pymysql://"
        ) from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


#: Run on every new PyMySQL connection, before SQLAlchemy reads the server's settings.
#: PyMySQL interpolates parameters in Python, escaping each string with
#: ``str.translate`` over a 7-entry table: about 40 MB/s, 40% of the CPU time of
#: publishing JSON-heavy rows (features, risk, careers). In ``NO_BACKSLASH_ESCAPES``
#: mode it doubles single quotes instead (one ``str.replace``), which the server reads
#: back as the same string; 20,000 feature rows upsert in 2.3-2.9 s instead of 5.4-5.7.
#: The mode changes nothing else learnerai relies on: its SQL holds no backslash
#: literals, and SQLAlchemy reads the mode on first connect and escapes to suit.
PYMYSQL_INIT_COMMAND = ("SET SESSION sql_mode = "
                        "CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_mysql(engine: Engine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")


#: MySQL client/server error codes that mean "the user must fix something".
_MYSQL_HINTS = {
    2003: "cannot reach the server: check that it is running and the host and port are right",
    2005: "unknown host: check the host name in the URL",
    1045: "access denied: check the user name and password",
    1049: "the database does not exist: create it with "
          "CREATE DATABASE <name> CHARACTER SET utf8mb4",
    1044: "the user may not use this database: GRANT it the privileges in the README",
    1142: "the user lacks a privilege on a table: GRANT it the privileges in the README",
}


def explain_database_error(exc: BaseException, url: str | URL) -> str | None:
    """One actionable line for a connection-level database error, or None.

    None means the error is not one a user can fix (a bug), so the caller
    should let it propagate.
    """
    safe = mask_url(str(url) if isinstance(url, str) else url.render_as_string())
    orig = getattr(exc, "orig", None)
    args = getattr(orig, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    if code in _MYSQL_HINTS:
        return f"Database {safe}: {_MYSQL_HINTS[code]}."
    message = str(orig or exc)
    if "unable to open database file" in message:
        return (f"Database {safe}: cannot open the SQLite file; check that its "
                "directory exists and is writable.")
    if "database is locked" in message:
        return f"Database {safe}: the SQLite file is locked by another process; retry later."
    return None
