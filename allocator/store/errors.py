"""Database failures reported without SQL or roster data.

SQLAlchemy's errors carry the statement and its parameters (a roster's rows on
an import) and the database's own message, which may quote a key. None of that
may reach a terminal, a log or an HTTP answer. :func:`database_errors` turns any
of them into a :class:`StoreFailure` that says what was being done, the kind of
error and its SQLSTATE code (PostgreSQL), and nothing else; the original is not
chained, so a traceback does not print it either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, SQLAlchemyError


class StoreFailure(RuntimeError):
    """The database refused or failed an operation; the store is as it was before it."""


def describe(error: SQLAlchemyError) -> str:
    """Kind of ``error`` and its SQLSTATE code, if any.

    ``IntegrityError (psycopg.errors.UniqueViolation), SQLSTATE 23505``: the
    SQLAlchemy class, the driver's class, the code; never the message, which may
    quote a key or a value.
    """
    kind = type(error).__name__
    original = getattr(error, "orig", None)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if isinstance(error, DBAPIError) and original is not None:
        kind = f"{kind} ({type(original).__module__}.{type(original).__name__})"
    return f"{kind}, SQLSTATE {code}" if code else kind


@contextmanager
def database_errors(operation: str) -> Iterator[None]:
    """Raise :class:`StoreFailure` for a database error inside the block.

    Parameters
    ----------
    operation : str
        What the block does, for the message (``importing the scenario``).
    """
    try:
        yield
    except SQLAlchemyError as error:
        failure = StoreFailure(f"{operation} failed in the database ({describe(error)}); "
                               "nothing was stored")
        failure.__cause__ = None
        failure.__suppress_context__ = True
        raise failure from None
