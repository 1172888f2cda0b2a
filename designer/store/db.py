"""Engines and sessions: how the store reaches its database, SQLite or PostgreSQL.

One engine per URL for the whole process, because an engine owns a connection pool and the web
app calls the store from many event handlers at once. SQLite is tuned for that use (several
threads, a writer that does not block readers, a writer that waits instead of failing), and a
database that cannot be reached becomes one ``StoreUnavailable`` error saying what to check,
rather than a driver traceback. That message names the database's host, port, user and name:
it is for the operator (the log, the command line), and people using the web app are told only
``public_message``.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from designer.ops import metrics

#: How long a SQLite writer waits for another writer to finish before giving up. Autosaves from
#: several browser tabs may meet; they should queue, not fail with "database is locked".
SQLITE_BUSY_TIMEOUT_S = 15.0
#: Connections kept open, and how many more may open under load. The web app calls the store
#: from thread pools of up to 40 threads (Starlette's) at once; with SQLAlchemy's default of
#: 5 + 10, bench/store_bench.py saw people wait seconds for a connection with 20 at work.
POOL_SIZE = 10
POOL_OVERFLOW = 30
#: How long to wait for a PostgreSQL server to answer before saying it is unavailable.
POSTGRES_CONNECT_TIMEOUT_S = 10

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class StoreError(Exception):
    """Anything the store reports to its callers; the message is meant for the person."""


#: What a person using the web app is told when the database cannot be reached: the details
#: (which server, which user) help an attacker more than them, and are in the server's log.
UNREACHABLE = (
    "the database is unreachable just now: try again in a moment, and if it lasts, tell an "
    "administrator (the designer's log says what is wrong)"
)


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened (server down, wrong address, unwritable file)."""


class StoreMisconfigured(StoreUnavailable):
    """The database URL cannot be used at all (malformed, or its driver is not installed)."""


def public_message(exc: StoreError) -> str:
    """What a person may be told about ``exc``: its own message, unless it describes the
    database's whereabouts (``StoreUnavailable``), which only the operator should read."""
    return UNREACHABLE if isinstance(exc, StoreUnavailable) else str(exc)


def engine_for(url: str) -> Engine:
    """The engine for ``url``, created (its schema migrated) on first use and shared afterwards.

    Raises ``StoreUnavailable`` when the database cannot be reached; nothing is cached then, so
    a later call tries again once the server is up.
    """
    engine = _engines.get(url)
    if engine is not None:  # the common case, without waiting behind a slow first connect
        return engine
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _new_engine(url)
            try:
                create_schema(engine)
            except BaseException:
                engine.dispose()
                raise
            _engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url``'s engine and forget it (shutdown, tests)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def create_schema(engine: Engine) -> None:
    """Bring the database's schema up to date (see ``migrate.upgrade``); a database already at
    the newest revision is only asked which one it is (no Alembic to import: a command's start)."""
    if _revision(engine) == newest_revision():
        return
    from designer.store.migrate import upgrade  # Alembic is only needed once per engine

    upgrade(engine)


#: Migration files are named after their revision, numbered one after the other.
_MIGRATION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


@functools.cache
def newest_revision() -> str:
    """The revision of the newest migration file (``migrate.head_revision`` as Alembic reads
    it; tests/unit/store check they agree)."""
    folder = Path(__file__).with_name("migrations") / "versions"
    numbers = [m.group(1) for p in folder.iterdir() if (m := _MIGRATION_FILE.match(p.name))]
    return max(numbers)


def schema_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at (None: none yet); one cheap query."""
    return _revision(engine)


def _revision(engine: Engine) -> str | None:
    """The database's revision; None when it has none (new, or made before migrations)."""
    with engine.connect() as connection:  # an unreachable database raises, as upgrade would
        try:
            row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        except SQLAlchemyError:  # no such table
            return None
    return None if row is None else str(row[0])


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed when the block ends and rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def safe_url(url: str | URL) -> str:
    """``url`` with its password masked, fit for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a malformed database URL)"


def _new_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreMisconfigured(
            "the database URL is not one SQLAlchemy understands; expected something like "
            "sqlite:////path/to/designer.db or postgresql://user:password@host:5432/designer"
        ) from exc
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            engine = _sqlite_engine(parsed)
        elif backend == "postgresql":
            engine = _postgres_engine(parsed)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise StoreMisconfigured(
            f"the database driver for {safe_url(parsed)} is not installed ({exc.name}); "
            "install it into the designer's environment"
        ) from exc
    # The URL as the person wrote it (before the driver is filled in), password masked.
    event.listen(engine, "handle_error", _report_unavailable(parsed))
    return engine


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if in_memory:
        # Every new connection to ":memory:" is a new empty database: keep exactly one.
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot open the database at {safe_url(url)}: cannot create its folder "
                f"{folder} ({exc.strerror or exc}). Check that the path is right and writable, "
                "or set DESIGNER_DATABASE_URL to another location"
            ) from exc
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite: without this, deleting a flow would leave its
    # versions and runs behind. WAL lets readers go on while a writer writes; with WAL,
    # synchronous=NORMAL is still safe against application crashes and saves an fsync per save.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _postgres_engine(url: URL) -> Engine:
    if url.drivername == "postgresql":
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; the designer ships psycopg2.
        url = url.set(drivername="postgresql+psycopg2")
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    # pre_ping: a server restart or an idle timeout closes pooled connections behind our back.
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args=connect_args,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )


def _operational(context: ExceptionContext) -> bool:
    return isinstance(context.sqlalchemy_exception, (OperationalError, InterfaceError))


def _report_unavailable(url: URL) -> Callable[[ExceptionContext], None]:
    """A ``handle_error`` listener turning "could not connect" into ``StoreUnavailable``.

    A failure while first connecting has no connection yet; a dropped connection is a
    disconnect; every other error passes through unchanged. A failed pre-ping is left alone:
    the pool reconnects by itself then.
    """
    where = safe_url(url)
    if url.get_backend_name() == "sqlite":
        check = (
            "Check that the file's folder exists and is writable and that the file is a "
            "SQLite database"
        )
    else:
        check = (
            "Check that the database server is running and accepts connections at that "
            "address, that the user name and password are right, and that "
            "DESIGNER_DATABASE_URL names the database you mean"
        )

    def listener(context: ExceptionContext) -> None:
        if context.is_pre_ping:
            return
        if context.connection is None or context.is_disconnect or _operational(context):
            metrics.database_error()  # not a broken rule (unique names...): the database's fault
        if context.connection is not None and not context.is_disconnect:
            return
        error = context.original_exception
        lines = str(error).strip().splitlines()
        reason = lines[0] if lines else type(error).__name__
        raise StoreUnavailable(f"cannot reach the database at {where}: {reason}. {check}") from (
            error
        )

    return listener
