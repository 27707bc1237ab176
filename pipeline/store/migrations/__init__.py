"""Alembic migrations of the store (run through :mod:`pipeline.store.migrate`, no ``alembic.ini`` needed)."""
