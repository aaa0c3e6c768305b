"""Schema under version control: the alembic migrations build exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from allocator.store import models
from allocator.store.database import current_revision, downgrade, open_engine, upgrade


def test_migrations_create_every_table_and_match_the_models(engine):
    names = set(inspect(engine).get_table_names())
    assert {table.name for table in models.TABLES} <= names
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), models.metadata)
    assert differences == [], "models changed without a migration: add one under versions/"


def test_upgrade_is_repeatable_and_downgrade_empties_the_store(store_url):
    engine = open_engine(store_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == "0003"
    downgrade(engine, "base")
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    engine.dispose()
