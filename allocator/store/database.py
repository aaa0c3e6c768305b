"""Opening a store: engine, schema migrations (alembic) and transactions.

A store is addressed by a SQLAlchemy URL. ``sqlite:///path/to/portal.db`` is the
embedded default (a file, nothing to start); ``postgresql+psycopg://...`` is the
production server (psycopg 3). A plain ``postgresql://`` URL is read as psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = "sqlite:///allocator.db"


def normalise_url(url: str) -> str:
    """Pick the psycopg 3 driver for a bare ``postgresql://`` URL."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    return url


def open_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL, a busy timeout, serialised writes.

    SQL parameters are hidden from error messages and statement logs.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the store.
    """
    url = normalise_url(url)
    # hide_parameters: an error or a statement log never shows a roster's values.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the job's write
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:  # pragma: no cover - driver hook
        # BEGIN IMMEDIATE takes the write lock at the start: two jobs never interleave.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision`` with the bundled alembic migrations."""
    _migrate(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the schema down to ``revision`` (``base`` drops every table)."""
    _migrate(engine, "downgrade", revision)


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The alembic revision the store is at (None for an empty database)."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with engine.begin() as connection:
        yield connection


def open_store(url: str, migrate: bool = True) -> Engine:
    """Open the store at ``url`` and bring its schema up to date.

    Parameters
    ----------
    url : str
        SQLAlchemy URL.
    migrate : bool
        Run the migrations first (they are a no-op on an up-to-date store).
    """
    engine = open_engine(url)
    if migrate:
        upgrade(engine)
    return engine
