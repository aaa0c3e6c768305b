"""Alembic migrations of the portal store (``allocator.store.database.upgrade`` runs them)."""
