"""The few named, dialect-aware column types of the learner schema.

Every difference between MySQL/MariaDB and SQLite lives here and nowhere else:
the seed schema is MySQL DDL (``INT UNSIGNED``, ``TINYINT(1)``, ``YEAR``,
``ENUM``, ``ON UPDATE CURRENT_TIMESTAMP``), while the embedded default is
SQLite, which needs plain ``INTEGER`` primary keys to auto-increment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON as _JSON
from sqlalchemy import (
    BigInteger,
    Enum,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import NullType

_MYSQL = ("mysql", "mariadb")


def _mysql_variant(generic: Any, mysql_type: Any) -> Any:
    return generic.with_variant(mysql_type, *_MYSQL)


#: ``INT UNSIGNED`` on MySQL; ``INTEGER`` (a rowid alias when it is the key) on SQLite.
UnsignedInt = _mysql_variant(Integer(), mysql.INTEGER(unsigned=True))

#: ``BIGINT UNSIGNED`` on MySQL; ``INTEGER`` on SQLite, the only type SQLite
#: auto-increments as a primary key.
UnsignedBigInt = _mysql_variant(BigInteger().with_variant(Integer(), "sqlite"),
                                mysql.BIGINT(unsigned=True))

#: Seed's ``BIGINT(20) UNSIGNED`` (learner_notifications) — same type, explicit width.
UnsignedBigInt20 = _mysql_variant(BigInteger().with_variant(Integer(), "sqlite"),
                                  mysql.BIGINT(20, unsigned=True))

#: Seed's ``INT(10) UNSIGNED``.
UnsignedInt10 = _mysql_variant(Integer(), mysql.INTEGER(10, unsigned=True))

#: ``TINYINT(1)`` 0/1 flags, returned as ints on both dialects.
Flag = _mysql_variant(SmallInteger(), mysql.TINYINT(1))

#: MySQL ``YEAR``; a small integer on SQLite.
Year = _mysql_variant(SmallInteger(), mysql.YEAR())

#: Large binary blobs (embedding vectors). MySQL ``BLOB`` stops at 64 KiB.
Blob = _mysql_variant(LargeBinary(), mysql.MEDIUMBLOB())

#: JSON: native on MySQL (LONGTEXT + json_valid on MariaDB), TEXT on SQLite.
JSON = _JSON(none_as_null=True)


def Decimal(precision: int, scale: int) -> Numeric:  # noqa: N802 - reads like the DDL type
    """``DECIMAL(p,s)`` returning floats, which is what pandas and numpy want."""
    return Numeric(precision, scale, asdecimal=False)


class LenientEnum(Enum):
    """An ``Enum`` that returns a stored value it does not know as the plain string.

    SQLAlchemy's ``Enum`` raises ``LookupError`` while *reading* such a row, so one
    bad row in a source table (possible on SQLite, whose column is a VARCHAR) would
    stop every query that touches it. (MySQL's own ``ENUM`` stores ``''`` for unknown
    values in non-strict mode, and its dialect type already passes that through.)
    """

    cache_ok = True

    def _object_value_for_elem(self, elem: Any) -> Any:
        try:
            return super()._object_value_for_elem(elem)
        except LookupError:
            return elem


def Choice(*values: str) -> Enum:  # noqa: N802 - reads like the DDL type
    """``ENUM(...)`` on MySQL, ``VARCHAR`` on SQLite.

    No CHECK constraint and no value validation: the source database is not
    ours, and unknown strings must reach the data-quality checks, where they are
    counted and excluded, instead of raising inside the driver layer.
    """
    return LenientEnum(*values, native_enum=True, create_constraint=False,
                       validate_strings=False, length=max(len(v) for v in values))


class CurrentTimestampOnUpdate(ColumnElement):
    """Server default ``CURRENT_TIMESTAMP`` that MySQL also refreshes on update.

    MySQL renders ``CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP`` as the seed
    does; SQLite has no such clause, so it gets the plain default and the
    column's Python-side ``onupdate`` does the refresh.
    """

    type = NullType()
    inherit_cache = True


@compiles(CurrentTimestampOnUpdate)
def _compile_default(element: CurrentTimestampOnUpdate, compiler: Any, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(CurrentTimestampOnUpdate, "mysql")
@compiles(CurrentTimestampOnUpdate, "mariadb")
def _compile_mysql(element: CurrentTimestampOnUpdate, compiler: Any, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"
