"""Which errors are worth a retry: the ones that pass by themselves.

Lost or refused connections, lock wait timeouts, deadlocks, a busy SQLite file,
and an MLflow server that does not answer — not bad SQL, not a missing table,
not a bug.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError

#: MySQL/MariaDB error codes that a retry can cure.
TRANSIENT_MYSQL_CODES = frozenset({
    1040,  # too many connections
    1053,  # server shutdown in progress
    1205,  # lock wait timeout exceeded
    1213,  # deadlock found
    1927,  # connection was killed
    2003,  # can't connect
    2006,  # server has gone away
    2013,  # lost connection during query
    2055,  # lost connection (system error)
})
TRANSIENT_SQLITE_TEXT = ("database is locked", "database table is locked", "disk i/o error")


def is_transient_error(exc: BaseException) -> bool:
    """True for errors that a later attempt may not meet.

    Also for the driver's own errors, unwrapped: code that writes through the raw DB-API
    cursor (the MySQL recommendation inserts) raises them without SQLAlchemy's wrapper.
    """
    from registry.tracking import RegistryUnavailableError

    if isinstance(exc, (DisconnectionError, ConnectionError, TimeoutError,
                        RegistryUnavailableError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
    elif isinstance(exc, _driver_errors()):
        orig = exc
    else:
        return False
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in TRANSIENT_MYSQL_CODES:
        return True
    if _is_pymysql_closed(orig):
        return True
    message = str(orig).lower()
    return any(text in message for text in TRANSIENT_SQLITE_TEXT)


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The base error classes of the DB-API drivers learnerai uses."""
    import sqlite3

    try:
        from pymysql.err import MySQLError
    except ImportError:  # pragma: no cover - PyMySQL is a dependency
        return (sqlite3.Error,)
    return (sqlite3.Error, MySQLError)


def _is_pymysql_closed(exc: BaseException) -> bool:
    """PyMySQL's ``InterfaceError(0, '')``: the connection was already gone (SQLAlchemy
    counts it as a disconnect too)."""
    try:
        from pymysql.err import InterfaceError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, InterfaceError) and exc.args == (0, "")
