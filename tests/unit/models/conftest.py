"""Model tests run their store on SQLite and on PostgreSQL (see tests/fixtures/databases.py)."""

from tests.fixtures.databases import (
    database_url,
    engine,
    migrated_database_url,
    migrated_template,
)

__all__ = ["database_url", "engine", "migrated_database_url", "migrated_template"]
