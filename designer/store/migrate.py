"""Bring a database's schema up to date with the store's Alembic migrations.

The designer applies migrations itself when it first reaches a database (and through
``designer db upgrade``), so a person never runs Alembic by hand. A database created before
migrations existed (it has the flow tables but no revision) is recognised and stamped with the
first revision, then upgraded like any other.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
#: The revision that matches the schema of databases made before migrations existed.
FIRST_REVISION = "0001"
#: A PostgreSQL advisory lock key, so two processes starting at once migrate one after the other.
_PG_LOCK = 8_120_417_263


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store has no migrations"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration the database lacks, up to ``revision``.

    SQLite's foreign keys are switched off meanwhile: altering a table there means copying it
    and dropping the original, and with foreign keys on, the drop would cascade into the rows
    that refer to it (a flow's versions and runs).
    """
    sqlite = engine.dialect.name == "sqlite"
    with _sqlite_file_lock(engine), engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()  # a pragma outside any transaction; SQLite ignores it inside
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK})"))
                config = alembic_config(connection)
                if _made_before_migrations(connection):
                    command.stamp(config, FIRST_REVISION)
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left dangling references: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """For a SQLite file, one migrating process at a time (PostgreSQL has its advisory lock):
    the web app and a command started together both migrate a new database on first use."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    lock = Path(database).with_name(Path(database).name + ".migrating")
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _made_before_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "flows" in tables and "alembic_version" not in tables
