"""Fixtures and helpers shared by tests/store and tests/service.

Every store test runs against SQLite, and against PostgreSQL as well when
``ALLOCATOR_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts a throwaway
cluster on loopback and sets it): the ``store_url`` fixture is parametrized.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from allocator.store import models
from allocator.store.database import normalise_url, open_store, upgrade

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny"
DEMO = REPO / "scenarios" / "demo-county"
POSTGRES_VARIABLE = "ALLOCATOR_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def reset_postgres(url: str) -> None:
    """Empty the PostgreSQL test database: truncate a migrated schema, else rebuild it."""
    engine = create_engine(normalise_url(url))
    names = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        if "alembic_version" in names and {t.name for t in models.TABLES} <= names:
            listed = ", ".join(f'"{table.name}"' for table in models.TABLES)
            connection.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    if "alembic_version" not in names or not {t.name for t in models.TABLES} <= names:
        upgrade(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated, empty SQLite store, copied for each test (migrating once is enough)."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    open_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path, sqlite_template) -> str:
    """URL of an empty, migrated store: a SQLite file, or the emptied PostgreSQL database."""
    if request.param == "sqlite":
        shutil.copyfile(sqlite_template, tmp_path / "store.db")
        return f"sqlite:///{tmp_path / 'store.db'}"
    url = os.environ.get(POSTGRES_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_VARIABLE} is not set (.ci/run sets it)")
    reset_postgres(url)
    return url


@pytest.fixture
def engine(store_url):
    """The store at ``store_url`` (already migrated)."""
    engine = open_store(store_url, migrate=False)
    yield engine
    engine.dispose()


def copy_scenario(source: Path, folder: Path) -> Path:
    """A copy of a bundled scenario folder."""
    shutil.copytree(source, folder)
    return folder


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every store table (sorted), to show that nothing changed."""
    result = {}
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names())
        for table in models.TABLES:
            if table.name in names:
                rows = connection.execute(select(table)).all()
                result[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
        versions = connection.execute(text("SELECT version_num FROM alembic_version"))
        result["alembic_version"] = sorted(tuple(str(v) for v in row) for row in versions)
    return result


def all_text(engine) -> str:
    """Every cell of every store table as one text (for personal-data scans)."""
    return "\n".join(" ".join(row) for rows in dump(engine).values() for row in rows)
