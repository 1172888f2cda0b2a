"""The schema's migrations: old databases keep every row, and the models match the migrations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from designer.runs.record import RunRecord, Status
from designer.store import engine_for
from designer.store.accounts import create_user
from designer.store.flows import get_flow, list_flows
from designer.store.migrate import alembic_config, current_revision, head_revision, upgrade
from designer.store.runs import get_run_record, list_runs
from designer.store.tables import STORE_TABLE_NAMES
from designer.store.versions import get_version, list_versions
from tests.fixtures.databases import postgres_database
from tests.fixtures.people import sample_flow
from tests.fixtures.threads import at_once

#: What the accounts migration (0002) writes on a version it made of an unsaved draft.
KEPT_DRAFT = "Unsaved edits kept when accounts were added"
T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)

NEVER_SAVED = "a" * 32  # version 0: edited, never saved
EDITED = "b" * 32  # saved twice, then edited again: its draft differs from version 2
CLEAN = "c" * 32  # saved once, not edited since

DOCUMENTS = {
    NEVER_SAVED: sample_flow("Never saved", "load"),
    EDITED: sample_flow("Edited", "load", "split", "train"),
    CLEAN: sample_flow("Clean", "load"),
}
#: (flow, number, document, note) of the versions the old store had saved.
OLD_VERSIONS = [
    (EDITED, 1, sample_flow("Edited", "load"), "first"),
    (EDITED, 2, sample_flow("Edited", "load", "split"), "second"),
    (CLEAN, 1, sample_flow("Clean", "load"), "only"),
]


@pytest.fixture
def bare_engine(database_url: str) -> Iterator[Engine]:
    """A plain engine on an empty database, without the store's migrations or tuning."""
    url = make_url(database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    engine = create_engine(url)
    yield engine
    engine.dispose()


def test_a_database_from_before_accounts_keeps_every_row(
    bare_engine: Engine, database_url: str
) -> None:
    upgrade(bare_engine, "0001")
    _fill_old_store(bare_engine)

    upgrade(bare_engine)

    assert current_revision(bare_engine) == head_revision()
    assert _versions_as_stored(bare_engine) == [
        (NEVER_SAVED, 1, DOCUMENTS[NEVER_SAVED].to_json(), "", None),
        (EDITED, 1, OLD_VERSIONS[0][2].to_json(), "first", None),
        (EDITED, 2, OLD_VERSIONS[1][2].to_json(), "second", None),
        (EDITED, 3, DOCUMENTS[EDITED].to_json(), KEPT_DRAFT, None),
        (CLEAN, 1, OLD_VERSIONS[2][2].to_json(), "only", None),
    ]
    # The store reads it all back, and the first account adopts the flows.
    engine = engine_for(database_url)
    admin = create_user(engine, "admin")
    flows = {f.id: f for f in list_flows(engine, admin)}
    assert {i: (f.name, f.version, f.node_count) for i, f in flows.items()} == {
        NEVER_SAVED: ("Never saved", 1, 1),
        EDITED: ("Edited", 3, 3),
        CLEAN: ("Clean", 1, 1),
    }
    assert (flows[EDITED].last_run_status, flows[EDITED].last_run_at) == (Status.FAILED, T0)
    for flow_id, document in DOCUMENTS.items():
        opened = get_flow(engine, admin, flow_id)
        assert (opened.flow, opened.saved, opened.created_at) == (document, True, T0)
        assert get_version(engine, admin, flow_id, opened.version) == document
    assert [v.message for v in list_versions(engine, admin, EDITED)] == [
        KEPT_DRAFT,
        "second",
        "first",
    ]
    assert [(r.id, r.flow_version, r.status) for r in list_runs(engine, admin, EDITED)] == [
        ("run-2", 2, Status.FAILED),
        ("run-1", 1, Status.SUCCEEDED),
    ]
    assert get_run_record(engine, admin, "run-1") == _run("run-1", Status.SUCCEEDED)


def test_a_database_made_before_migrations_existed_is_recognised_and_upgraded(
    bare_engine: Engine, database_url: str
) -> None:
    with bare_engine.begin() as connection:
        for statement in _schema_before_migrations(bare_engine.dialect.name):
            connection.exec_driver_sql(statement)
    _fill_old_store(bare_engine)
    assert "alembic_version" not in inspect(bare_engine).get_table_names()

    upgrade(bare_engine)

    assert current_revision(bare_engine) == head_revision()
    assert len(_versions_as_stored(bare_engine)) == 5
    assert _schema_differences(bare_engine) == []
    admin = create_user(engine_for(database_url), "admin")
    assert len(list_flows(engine_for(database_url), admin)) == 3


def test_the_models_match_the_migrated_schema(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert _schema_differences(engine) == []


def test_upgrading_an_up_to_date_database_changes_nothing(engine: Engine) -> None:
    admin = create_user(engine, "admin")
    before = _versions_as_stored(engine)

    upgrade(engine)
    upgrade(engine)

    assert current_revision(engine) == head_revision()
    assert _versions_as_stored(engine) == before
    assert create_user(engine, "second").is_admin is False
    assert admin.is_admin


def test_two_processes_starting_at_once_on_postgresql_migrate_one_after_the_other() -> None:
    with postgres_database() as url:
        driver_url = make_url(url).set(drivername="postgresql+psycopg2")
        engines = [create_engine(driver_url) for _ in range(2)]

        results = at_once([partial(upgrade, engine) for engine in engines])

        assert results == [None, None]
        assert current_revision(engines[0]) == head_revision()
        for engine in engines:
            engine.dispose()


def test_downgrading_to_the_first_revision_and_back_keeps_flows_and_runs(
    bare_engine: Engine,
) -> None:
    upgrade(bare_engine, "0001")
    _fill_old_store(bare_engine)
    upgrade(bare_engine)
    migrated = _versions_as_stored(bare_engine)

    _downgrade(bare_engine, "0001")

    assert current_revision(bare_engine) == "0001"
    tables = set(inspect(bare_engine).get_table_names())
    assert tables & set(STORE_TABLE_NAMES) == {"flows", "flow_versions", "runs"}
    columns = {c["name"] for c in inspect(bare_engine).get_columns("flow_versions")}
    assert "note" in columns and "message" not in columns and "author_id" not in columns
    with bare_engine.connect() as connection:
        notes = connection.execute(text("SELECT note FROM flow_versions ORDER BY id")).scalars()
        assert sorted(notes) == sorted(row[3] for row in migrated)
        assert connection.execute(text("SELECT count(*) FROM runs")).scalar() == 2

    upgrade(bare_engine)

    assert current_revision(bare_engine) == head_revision()
    assert _versions_as_stored(bare_engine) == migrated  # no draft to keep the second time
    assert _schema_differences(bare_engine) == []


def _fill_old_store(engine: Engine) -> None:
    """The rows the store kept before accounts, written as that store wrote them."""
    at = _old_time(engine)
    flows = [
        (NEVER_SAVED, 0, None, None, None),
        (EDITED, 2, "run-2", "failed", at),
        (CLEAN, 1, None, None, None),
    ]
    with engine.begin() as connection:
        for flow_id, version, run_id, status, run_at in flows:
            document = DOCUMENTS[flow_id]
            connection.execute(
                text(
                    "INSERT INTO flows (id, name, description, document, node_count, created_at, "
                    "updated_at, version, last_run_id, last_run_status, last_run_at) VALUES (:id, "
                    ":name, '', :document, :nodes, :at, :at, :version, :run_id, :status, :run_at)"
                ),
                {
                    "id": flow_id,
                    "name": document.name,
                    "document": document.to_json(),
                    "nodes": len(document.nodes),
                    "at": at,
                    "version": version,
                    "run_id": run_id,
                    "status": status,
                    "run_at": run_at,
                },
            )
        for flow_id, number, document, note in OLD_VERSIONS:
            connection.execute(
                text(
                    "INSERT INTO flow_versions (flow_id, number, document, node_count, "
                    "created_at, note) VALUES (:flow_id, :number, :document, :nodes, :at, :note)"
                ),
                {
                    "flow_id": flow_id,
                    "number": number,
                    "document": document.to_json(),
                    "nodes": len(document.nodes),
                    "at": at,
                    "note": note,
                },
            )
        for run_id, version, status in (("run-1", 1, "succeeded"), ("run-2", 2, "failed")):
            connection.execute(
                text(
                    "INSERT INTO runs (id, flow_id, flow_version, engine, status, started_at, "
                    "error, record) VALUES (:id, :flow_id, :version, 'local', :status, :at, '', "
                    ":record)"
                ),
                {
                    "id": run_id,
                    "flow_id": EDITED,
                    "version": version,
                    "status": status,
                    "at": at,
                    "record": json.dumps(_run(run_id, Status(status)).to_dict()),
                },
            )


def _run(run_id: str, status: Status) -> RunRecord:
    return RunRecord(run_id=run_id, flow_name="Edited", engine="local", status=status)


def _old_time(engine: Engine) -> str:
    """``T0`` as the old store wrote it: UTC wall time in SQLite, with its zone in PostgreSQL."""
    if engine.dialect.name == "sqlite":
        return T0.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return T0.isoformat()


def _versions_as_stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT flow_id, number, document, message, author_id FROM flow_versions "
                "ORDER BY flow_id, number"
            )
        ).all()
    return [tuple(row) for row in rows]


def _schema_differences(engine: Engine) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the models."""

    def store_only(_obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        return type_ != "table" or name in STORE_TABLE_NAMES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": store_only}
        )
        return compare_metadata(context, SQLModel.metadata)


def _downgrade(engine: Engine, revision: str) -> None:
    """Alembic's downgrade, with SQLite's foreign keys off as ``migrate.upgrade`` has them."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        with connection.begin():
            command.downgrade(alembic_config(connection), revision)
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()


def _schema_before_migrations(dialect: str) -> list[str]:
    """The tables as ``SQLModel.metadata.create_all`` made them before there were migrations."""
    time = "TIMESTAMP WITH TIME ZONE" if dialect == "postgresql" else "DATETIME"
    serial = "SERIAL" if dialect == "postgresql" else "INTEGER"
    return [
        f"""CREATE TABLE flows (
            id VARCHAR(32) NOT NULL,
            name VARCHAR(200) NOT NULL,
            description TEXT NOT NULL,
            document TEXT NOT NULL,
            node_count INTEGER NOT NULL,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL,
            version INTEGER NOT NULL,
            last_run_id VARCHAR(200),
            last_run_status VARCHAR(32),
            last_run_at {time},
            PRIMARY KEY (id)
        )""",
        "CREATE INDEX ix_flows_updated_at ON flows (updated_at)",
        f"""CREATE TABLE flow_versions (
            id {serial} NOT NULL,
            flow_id VARCHAR(32) NOT NULL,
            number INTEGER NOT NULL,
            document TEXT NOT NULL,
            node_count INTEGER NOT NULL,
            created_at {time} NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (id),
            CONSTRAINT uq_flow_versions_flow_number UNIQUE (flow_id, number),
            FOREIGN KEY(flow_id) REFERENCES flows (id) ON DELETE CASCADE
        )""",
        f"""CREATE TABLE runs (
            id VARCHAR(200) NOT NULL,
            flow_id VARCHAR(32) NOT NULL,
            flow_version INTEGER NOT NULL,
            engine VARCHAR(32) NOT NULL,
            status VARCHAR(32) NOT NULL,
            started_at {time} NOT NULL,
            finished_at {time},
            duration_s FLOAT,
            headline_name VARCHAR(64),
            headline_value FLOAT,
            error TEXT NOT NULL,
            record TEXT NOT NULL,
            PRIMARY KEY (id),
            FOREIGN KEY(flow_id) REFERENCES flows (id) ON DELETE CASCADE
        )""",
        "CREATE INDEX ix_runs_flow_started ON runs (flow_id, started_at)",
        "CREATE INDEX ix_runs_status ON runs (status)",
    ]


def test_processes_migrating_one_new_sqlite_file_at_once_take_turns(tmp_path: Path) -> None:
    """The web app and a command started together both migrate a new database on first use."""
    for attempt in range(5):
        url = f"sqlite:///{tmp_path / f'together-{attempt}.db'}"
        engines = [create_engine(url) for _ in range(4)]
        results = at_once([lambda engine=engine: upgrade(engine) for engine in engines])
        assert [r for r in results if isinstance(r, Exception)] == []
        assert current_revision(engines[0]) == head_revision()
        for engine in engines:
            engine.dispose()


def test_the_newest_migration_file_is_alembics_head() -> None:
    from designer.store.db import newest_revision

    assert newest_revision() == head_revision()


def test_a_database_behind_the_newest_revision_is_still_upgraded_on_open(tmp_path: Path) -> None:
    from designer.store.db import dispose_engine, engine_for

    url = f"sqlite:///{tmp_path / 'behind.db'}"
    engine = engine_for(url)
    dispose_engine(url)
    _downgrade(engine, "0007")
    assert current_revision(engine) == "0007"
    engine.dispose()
    reopened = engine_for(url)
    try:
        assert current_revision(reopened) == head_revision()
    finally:
        dispose_engine(url)
