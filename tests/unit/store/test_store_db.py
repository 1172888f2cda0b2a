"""Reaching the database: settings, engines, SQLite tuning, unreachable servers, concurrency."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Dialect, Engine, create_engine, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import Actor, Role, StoreError, StoreUnavailable, engine_for
from designer.store.accounts import create_user
from designer.store.db import session_scope
from designer.store.flows import create_flow, get_flow, list_flows
from designer.store.shares import share_with_user
from designer.store.tables import FlowRow, UtcDateTime
from designer.store.versions import VersionConflict, list_versions, save_draft, save_version
from tests.fixtures.databases import postgres_database, sqlite_url, terminate_connections
from tests.fixtures.threads import at_once


def someone(engine: Engine, username: str = "ada") -> Actor:
    return create_user(engine, username)


def test_the_database_is_a_sqlite_file_in_the_designer_home_by_default(tmp_path: Path) -> None:
    assert load_settings({"DESIGNER_HOME": str(tmp_path)}).database_url == (
        f"sqlite:///{tmp_path}/designer.db"
    )
    assert load_settings({"DESIGNER_HOME": str(tmp_path), "DESIGNER_DATABASE_URL": " "}) == (
        load_settings({"DESIGNER_HOME": str(tmp_path)})
    )


def test_the_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = "postgresql://designer:secret@db.internal:5432/designer"
    env = {"DESIGNER_HOME": str(tmp_path), "DESIGNER_DATABASE_URL": url}

    assert load_settings(env).database_url == url


def test_the_default_database_works_out_of_the_box() -> None:
    engine = engine_for(load_settings().database_url)
    ada = someone(engine)

    stored = create_flow(engine, ada, Flow(name="First"))

    assert get_flow(engine, ada, stored.id).flow.name == "First"
    assert (load_settings().home / "designer.db").is_file()


def test_one_engine_per_url(tmp_path: Path) -> None:
    first = engine_for(sqlite_url(tmp_path / "one"))

    assert engine_for(sqlite_url(tmp_path / "one")) is first
    assert engine_for(sqlite_url(tmp_path / "two")) is not first


def test_sqlite_creates_its_folder_and_is_tuned_for_a_web_app(tmp_path: Path) -> None:
    engine = engine_for(sqlite_url(tmp_path / "not" / "yet" / "there"))

    with engine.connect() as connection:
        pragmas = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000}
    assert (tmp_path / "not" / "yet" / "there" / "designer.db").is_file()


def test_an_in_memory_sqlite_database_keeps_its_rows() -> None:
    engine = engine_for("sqlite://")
    ada = someone(engine)

    create_flow(engine, ada, Flow(name="Scratch"))

    assert [f.name for f in list_flows(engine, ada)] == ["Scratch"]


def _not_a_folder(tmp_path: Path) -> str:
    (tmp_path / "a-file").write_text("not a folder")
    return sqlite_url(tmp_path / "a-file" / "sub")


def _not_a_database(tmp_path: Path) -> str:
    (tmp_path / "designer.db").write_bytes(b"this is not a SQLite database, just text" * 100)
    return sqlite_url(tmp_path)


UNREACHABLE: dict[str, tuple[Callable[[Path], str], list[str]]] = {
    "postgresql, nothing listening": (
        lambda _: "postgresql://designer:s3cret@127.0.0.1:1/designer?connect_timeout=2",
        [
            "cannot reach the database at postgresql://designer:***@127.0.0.1:1/designer",
            "Connection refused",
            "Check that the database server is running and accepts connections",
            "DESIGNER_DATABASE_URL",
        ],
    ),
    "sqlite, folder is a file": (
        _not_a_folder,
        ["cannot create its folder", "Check that the path is right and writable"],
    ),
    "sqlite, file is not a database": (
        _not_a_database,
        ["cannot reach the database at sqlite:///", "file is not a database"],
    ),
}


@pytest.mark.parametrize(("make_url", "says"), UNREACHABLE.values(), ids=UNREACHABLE.keys())
def test_an_unreachable_database_says_what_to_check(
    tmp_path: Path, make_url: Callable[[Path], str], says: list[str]
) -> None:
    url = make_url(tmp_path)

    for _ in range(2):  # nothing is cached: the second try connects again
        with pytest.raises(StoreUnavailable) as caught:
            engine_for(url)
        message = str(caught.value)
        assert all(part in message for part in says), message
        assert "s3cret" not in message


def test_a_malformed_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(StoreError, match="not one SQLAlchemy understands") as caught:
        engine_for("s3cret-is-not-a-url")

    assert "s3cret" not in str(caught.value)


def test_a_session_commits_at_the_end_of_its_block_or_rolls_back(engine: Engine) -> None:
    ada = someone(engine)
    stored = create_flow(engine, ada, Flow(name="Kept"))
    rename = update(FlowRow).where(col(FlowRow.id) == stored.id)

    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.exec(rename.values(name="Lost"))
        raise RuntimeError("boom")
    assert [f.name for f in list_flows(engine, ada)] == ["Kept"]

    with session_scope(engine) as session:
        session.exec(rename.values(name="Changed"))
    assert [f.name for f in list_flows(engine, ada)] == ["Changed"]


def test_a_postgresql_connection_cut_by_the_server_is_replaced() -> None:
    with postgres_database() as url:
        engine = engine_for(url)
        ada = someone(engine)
        create_flow(engine, ada, Flow(name="Before the restart"))

        assert terminate_connections(url) >= 1

        assert [f.name for f in list_flows(engine, ada)] == ["Before the restart"]


def test_autosaves_from_two_threads_wait_for_each_other_on_sqlite(tmp_path: Path) -> None:
    engine = engine_for(sqlite_url(tmp_path))
    ada = someone(engine)
    stored = create_flow(engine, ada, Flow(name="Shared"))

    def autosave(thread: int) -> None:
        for i in range(40):
            edit = Flow(name="Shared", description=f"{thread}-{i}")
            save_draft(engine, ada, stored.id, edit, base_version=1)
            list_flows(engine, ada)

    assert at_once([partial(autosave, 0), partial(autosave, 1)]) == [None, None]
    assert get_flow(engine, ada, stored.id).flow.description in ("0-39", "1-39")


def test_people_saving_at_once_get_distinct_numbers_and_lose_nothing(engine: Engine) -> None:
    """Each save that meets a newer version reloads and saves again, as the editor does."""
    ada, bob = someone(engine, "ada"), someone(engine, "bob")
    stored = create_flow(engine, ada, Flow(name="Shared"))
    share_with_user(engine, ada, stored.id, "bob", Role.EDITOR)
    saved: list[int] = []

    def save(who: Actor) -> None:
        for i in range(6):
            flow = Flow(name="Shared", description=f"{who.username}-{i}")
            while True:
                base = get_flow(engine, who, stored.id).version
                try:
                    saved.append(
                        save_version(engine, who, stored.id, flow, base_version=base).number
                    )
                    break
                except VersionConflict:
                    continue

    assert at_once([partial(save, ada), partial(save, bob)]) == [None, None]
    assert sorted(saved) == list(range(2, 14))
    history = list_versions(engine, ada, stored.id)
    assert [v.number for v in history] == list(range(13, 0, -1))
    assert sorted(v.author for v in history[:-1]) == ["ada"] * 6 + ["bob"] * 6


def test_times_are_kept_in_utc_whatever_the_servers_zone(engine: Engine) -> None:
    zoned = engine
    if engine.dialect.name == "postgresql":  # a server in another zone must not shift times
        options = {"options": "-c timezone=Asia/Kathmandu"}
        zoned = create_engine(engine.url, connect_args=options)
    ada = someone(engine)
    stored = create_flow(zoned, ada, Flow(name="Timed"))
    tokyo = datetime(2030, 1, 1, 21, 0, tzinfo=timezone(timedelta(hours=9)))
    with session_scope(zoned) as session:
        session.exec(update(FlowRow).where(col(FlowRow.id) == stored.id).values(updated_at=tokyo))

    [listed] = list_flows(engine, ada)
    assert (listed.updated_at, listed.updated_at.tzinfo) == (tokyo, UTC)
    assert listed.updated_at.hour == 12
    assert get_flow(zoned, ada, stored.id).created_at == stored.created_at
    assert stored.created_at.tzinfo == UTC
    zoned.dispose()


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_naive_times_are_refused(dialect: Dialect) -> None:
    naive = datetime(2030, 1, 1, 12, 0)

    with pytest.raises(ValueError, match="timezone-aware times only; got naive 2030-01-01"):
        UtcDateTime().process_bind_param(naive, dialect)


def test_the_store_does_not_import_the_web_app() -> None:
    code = "import sys, designer.store; print('reflex' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
