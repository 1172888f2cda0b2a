"""Alembic's entry point for the store's migrations.

The designer runs migrations itself (``designer.store.migrate.upgrade``), handing over an open
connection; there is no alembic.ini. ``designer db revision -m "..."`` writes a new migration
from the difference between the tables in ``tables.py`` and a database at the latest revision.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import designer.store.tables  # noqa: F401  (registers the store's tables on the metadata)
from designer.store.tables import STORE_TABLE_NAMES


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Only the store's own tables: other models (Reflex's) share the metadata."""
    if type_ == "table":
        return name in STORE_TABLE_NAMES
    return True


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=True,  # SQLite alters tables by copying them; batch mode does that
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
