"""Alembic environment: run migrations on the connection the store hands over.

``allocator.store.database.upgrade`` passes its connection in
``config.attributes["connection"]``; the ``alembic`` command line can also be
used with ``-x url=...``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from allocator.store.database import normalise_url
from allocator.store.models import metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # pragma: no cover - command-line use
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///allocator.db")
    with create_engine(normalise_url(url)).begin() as own_connection:
        _run(own_connection)
