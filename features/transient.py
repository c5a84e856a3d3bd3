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
    """True for errors that a later attempt may not meet."""
    from registry.tracking import RegistryUnavailableError

    if isinstance(exc, (DisconnectionError, ConnectionError, TimeoutError,
                        RegistryUnavailableError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        args = getattr(exc.orig, "args", ())
        if args and isinstance(args[0], int) and args[0] in TRANSIENT_MYSQL_CODES:
            return True
        message = str(exc.orig).lower()
        return any(text in message for text in TRANSIENT_SQLITE_TEXT)
    return False
