"""Open and save latency of the store for concurrent users, SQLite and PostgreSQL, vs plain SQL.

Run from the repository root: ``.venv/bin/python bench/store_bench.py [--users 20] [--seconds 10]
[--backend sqlite|postgresql|both] [--nodes 20]``. See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import print_header, print_table
from flowgen import generated_flow
from sqlalchemy import Engine, bindparam, event, text
from sqlalchemy.pool import QueuePool

from designer.flow.document import Flow, Position
from designer.store import Actor, Role, dispose_engine, engine_for
from designer.store.accounts import create_user
from designer.store.flows import create_flow, get_flow, list_flows
from designer.store.shares import share_with_user
from designer.store.tables import UtcDateTime
from designer.store.versions import VersionConflict, discard_draft, save_draft, save_version

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("sqlite", "postgresql")
OPS = ("open", "autosave", "save", "list")
IMPLS = ("ours", "plain")
#: A user's flows have between these fractions of ``--nodes`` nodes (12 to 30 for 20).
SIZE_SPREAD = (0.6, 1.5)


# --- the plain-SQL baseline: the same requests without the repository layer -------------------

PLAIN_OPEN = text("SELECT document, version FROM flows WHERE id = :id")
PLAIN_AUTOSAVE = text(
    "UPDATE flows SET document = :document, updated_at = :now WHERE id = :id"
).bindparams(bindparam("now", type_=UtcDateTime()))
PLAIN_BUMP = text(
    "UPDATE flows SET document = :document, node_count = :nodes, version = version + 1, "
    "updated_at = :now WHERE id = :id RETURNING version"
).bindparams(bindparam("now", type_=UtcDateTime()))
PLAIN_ADD_VERSION = text(
    "INSERT INTO flow_versions (flow_id, number, document, node_count, created_at, author_id, "
    "message) VALUES (:id, :number, :document, :nodes, :now, :author, '')"
).bindparams(bindparam("now", type_=UtcDateTime()))
PLAIN_LIST_MINE = text(
    "SELECT id, name, description, updated_at, version, node_count FROM flows "
    "WHERE owner_id = :me ORDER BY updated_at DESC, id"
)
PLAIN_LIST_SHARED = text(
    "SELECT id, name, description, updated_at, version, node_count FROM flows "
    "WHERE id IN (SELECT flow_id FROM shares WHERE user_id = :me) AND owner_id <> :me "
    "ORDER BY updated_at DESC, id"
)


def plain_open(engine: Engine, flow_id: str) -> tuple[dict[str, Any], int]:
    with engine.connect() as connection:
        row = connection.execute(PLAIN_OPEN, {"id": flow_id}).one()
    return json.loads(row.document), row.version


def plain_autosave(engine: Engine, flow_id: str, document: dict[str, Any]) -> None:
    with engine.begin() as connection:
        connection.execute(
            PLAIN_AUTOSAVE, {"id": flow_id, "document": json.dumps(document), "now": _now()}
        )


def plain_save(engine: Engine, actor: Actor, flow_id: str, document: dict[str, Any]) -> int:
    """Bump the flow's version and add the version row; returns the new number (last one wins)."""
    text_ = json.dumps(document)
    values = {"id": flow_id, "document": text_, "nodes": len(document["nodes"]), "now": _now()}
    with engine.begin() as connection:
        number = connection.execute(PLAIN_BUMP, values).scalar_one()
        connection.execute(PLAIN_ADD_VERSION, {**values, "number": number, "author": actor.id})
    return number


def plain_list(engine: Engine, actor: Actor, scope: str) -> list[Any]:
    statement = PLAIN_LIST_MINE if scope == "mine" else PLAIN_LIST_SHARED
    with engine.connect() as connection:
        return list(connection.execute(statement, {"me": actor.id}).all())


# --- the people and their flows ----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    actor: Actor
    #: Flows they own.
    own: tuple[str, ...]
    #: The flow their group edits together (owned by the group's first member, shared as editor).
    team_flow: str


def populate(engine: Engine, args: argparse.Namespace) -> tuple[list[Person], int]:
    """Users, their flows and the shares between them; returns the people and flows created."""
    rng = random.Random(args.seed)
    # The first account is a site admin, for whom every permission check is short: keep it out.
    create_user(engine, "bench-admin", "Bench admin")
    actors = [create_user(engine, f"user{i:02d}", f"User {i:02d}") for i in range(args.users)]
    low, high = (max(1, round(args.nodes * spread)) for spread in SIZE_SPREAD)
    owned: list[list[str]] = []
    for actor in actors:
        ids = []
        for number in range(1, args.flows + 1):
            document = generated_flow(rng.randint(low, high))
            document["name"] = f"{actor.display_name}'s flow {number}"
            ids.append(create_flow(engine, actor, Flow.model_validate(document)).id)
        owned.append(ids)
    people = []
    for start in range(0, args.users, args.group):
        team_flow = owned[start][0]
        for index in range(start, min(start + args.group, args.users)):
            if index != start:
                share_with_user(
                    engine, actors[start], team_flow, actors[index].username, Role.EDITOR
                )
            people.append(Person(actors[index], tuple(owned[index]), team_flow))
    # Each person's last flow is shared with the next person to view, so "shared" lists and
    # permission checks see viewer shares as well as editor ones.
    if args.users > 1 and args.flows > 1:
        for index, actor in enumerate(actors):
            neighbour = actors[(index + 1) % args.users]
            share_with_user(engine, actor, owned[index][-1], neighbour.username, Role.VIEWER)
    return people, args.users * args.flows


# --- measuring ---------------------------------------------------------------------------------


class Window:
    """The measured part of a phase: only requests that start inside it are counted."""

    def __init__(self) -> None:
        self.start = math.inf
        self.end = math.inf

    def open(self, seconds: float) -> None:
        self.start = time.perf_counter()
        self.end = self.start + seconds

    def __contains__(self, moment: float) -> bool:
        return self.start <= moment < self.end


@dataclass
class Tally:
    """Figures of one user's phase, or of several merged."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    conflicts: int = 0
    lost_updates: int = 0
    sessions: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    #: SQL statements the counted requests sent, per operation.
    statements: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Tally) -> None:
        for op, values in other.latencies.items():
            self.latencies[op].extend(values)
        self.statements.update(other.statements)
        self.conflicts += other.conflicts
        self.lost_updates += other.lost_updates
        self.sessions += other.sessions
        self.errors.update(other.errors)


class User:
    """One person in their own thread, editing flows over and over.

    An editing session: list flows, open one, autosave it a few times, save a version.
    """

    def __init__(
        self, engine: Engine, person: Person, args: argparse.Namespace, window: Window, seed: int
    ) -> None:
        self.engine = engine
        self.person = person
        self.args = args
        self.window = window
        self.rng = random.Random(seed)
        self.tally = Tally()
        #: Whether the last request started inside the window (and so was counted).
        self.counted = False

    def timed(self, op: str, call: Callable[[], Any]) -> Any:
        if self.args.think_ms:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.args.think_ms / 1000)
        _statements.count = 0
        start = time.perf_counter()
        self.counted = start in self.window
        try:
            return call()
        finally:
            if self.counted:
                self.tally.latencies[op].append(time.perf_counter() - start)
                self.tally.statements[op] += _statements.count

    def target(self) -> str:
        if self.rng.random() < self.args.team_share:
            return self.person.team_flow
        return self.rng.choice(self.person.own)

    def ours(self, iteration: int) -> None:
        engine, actor = self.engine, self.person.actor
        flow_id = self.target()
        scope = "mine" if iteration % 2 == 0 else "shared"
        self.timed("list", lambda: list_flows(engine, actor, scope))
        stored = self.timed("open", lambda: get_flow(engine, actor, flow_id))
        flow, base = stored.flow, stored.base_version
        for _ in range(self.args.autosaves):
            flow = moved(flow, self.rng)
            self.timed("autosave", lambda f=flow: save_draft(engine, actor, flow_id, f, base))
        flow = moved(flow, self.rng)
        try:
            self.timed(
                "save", lambda: save_version(engine, actor, flow_id, flow, base_version=base)
            )
        except VersionConflict:
            self.tally.conflicts += self.counted
            discard_draft(engine, actor, flow_id)  # the person reloads the latest version
        self.tally.sessions += self.counted

    def plain(self, iteration: int) -> None:
        engine, actor = self.engine, self.person.actor
        flow_id = self.target()
        scope = "mine" if iteration % 2 == 0 else "shared"
        self.timed("list", lambda: plain_list(engine, actor, scope))
        document, base = self.timed("open", lambda: plain_open(engine, flow_id))
        for _ in range(self.args.autosaves):
            move_in_place(document, self.rng)
            self.timed("autosave", lambda: plain_autosave(engine, flow_id, document))
        move_in_place(document, self.rng)
        number = self.timed("save", lambda: plain_save(engine, actor, flow_id, document))
        # Someone saved in between, and their version was silently overwritten.
        self.tally.lost_updates += self.counted and number != base + 1
        self.tally.sessions += self.counted

    def run(self, impl: str, ready: threading.Barrier) -> None:
        session = self.ours if impl == "ours" else self.plain
        self.attempt(session, 0)  # warms up the thread's connection, before the window opens
        ready.wait()
        iteration = 1
        while time.perf_counter() < self.window.end:
            self.attempt(session, iteration)
            iteration += 1

    def attempt(self, session: Callable[[int], None], iteration: int) -> None:
        try:
            session(iteration)
        except Exception as exc:  # counted and shown; the person goes on
            self.tally.errors[f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"] += 1


def moved(flow: Flow, rng: random.Random) -> Flow:
    """``flow`` with one node dragged a little, as an edit on the canvas does."""
    index = rng.randrange(len(flow.nodes))
    nodes = list(flow.nodes)
    node = nodes[index]
    position = Position(
        x=node.position.x + rng.uniform(-40, 40), y=node.position.y + rng.uniform(-40, 40)
    )
    nodes[index] = node.model_copy(update={"position": position})
    return flow.model_copy(update={"nodes": nodes})


def move_in_place(document: dict[str, Any], rng: random.Random) -> None:
    node = rng.choice(document["nodes"])
    position = node.setdefault("position", {"x": 0.0, "y": 0.0})
    position["x"] = position.get("x", 0.0) + rng.uniform(-40, 40)
    position["y"] = position.get("y", 0.0) + rng.uniform(-40, 40)


#: How many SQL statements the current thread's request has sent so far.
_statements = threading.local()


def count_statements(engine: Engine) -> None:
    def count(*_: Any) -> None:
        _statements.count = getattr(_statements, "count", 0) + 1

    event.listen(engine, "before_cursor_execute", count)


class CheckoutTimer:
    """Times every checkout from the engine's pool (waiting for a free connection, pre-ping)."""

    def __init__(self, engine: Engine) -> None:
        self.checkouts: list[tuple[float, float]] = []
        connect = engine.pool.connect

        def timed_connect() -> Any:
            start = time.perf_counter()
            try:
                return connect()
            finally:
                self.checkouts.append((start, time.perf_counter() - start))

        engine.pool.connect = timed_connect  # type: ignore[method-assign]

    def take(self, window: Window) -> list[float]:
        """The checkouts that started in ``window``, forgetting every one so far."""
        checkouts, self.checkouts = self.checkouts, []
        return [seconds for start, seconds in checkouts if start in window]


def pool_size(engine: Engine, size: int) -> None:
    """Give the engine a pool of exactly ``size`` connections, listeners (pragmas) kept.

    The store leaves SQLAlchemy's default pool (5 kept + 10 overflow); ``--pool-size`` asks
    what the figures would be with a connection for every user.
    """
    old = engine.pool
    engine.pool = QueuePool(
        old._creator,  # type: ignore[attr-defined]
        pool_size=size,
        max_overflow=0,
        pre_ping=old._pre_ping,
        timeout=old._timeout,  # type: ignore[attr-defined]
        recycle=old._recycle,
        reset_on_return=old._reset_on_return,
        dialect=old._dialect,
        _dispatch=old.dispatch,
    )
    old.dispose()


def pool_description(engine: Engine, users: int) -> str:
    pool = engine.pool
    kept, overflow = pool.size(), getattr(pool, "_max_overflow", 0)
    total = kept + max(overflow, 0)
    people = f"{users} user" + ("" if users == 1 else "s")
    text_ = f"pool: {kept} kept + {overflow} overflow = {total} connections for {people}"
    if total < users:
        text_ += f" (when all are busy, {users - total} wait for a connection)"
    return text_


@dataclass
class Result:
    tally: Tally = field(default_factory=Tally)
    seconds: float = 0.0
    #: Seconds of each checkout from the pool during the windows.
    checkouts: list[float] = field(default_factory=list)
    #: Editing sessions each user finished, over all rounds.
    per_user: list[int] = field(default_factory=list)


def run_phase(
    engine: Engine,
    people: list[Person],
    impl: str,
    seconds: float,
    args: argparse.Namespace,
    checkouts: CheckoutTimer,
) -> Result:
    """Every person in their own thread: one uncounted session each, then ``seconds`` counted."""
    window = Window()
    users = [
        User(engine, person, args, window, seed=args.seed * 1000 + index)
        for index, person in enumerate(people)
    ]
    ready = threading.Barrier(len(users), action=lambda: window.open(seconds))
    threads = [threading.Thread(target=user.run, args=(impl, ready), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = Result(seconds=time.perf_counter() - window.start, checkouts=checkouts.take(window))
    for user in users:
        result.tally.merge(user.tally)
        result.per_user.append(user.tally.sessions)
    return result


def measure_backend(url: str, args: argparse.Namespace) -> dict[str, Result]:
    engine = engine_for(url)  # creates the schema
    try:
        if args.pool_size:
            pool_size(engine, args.pool_size)
        print(f"  {pool_description(engine, args.users)}")
        began = time.perf_counter()
        people, flows = populate(engine, args)
        print(
            f"  {len(people)} users, {flows} flows, set up in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        checkouts = CheckoutTimer(engine)
        count_statements(engine)
        results = {impl: Result(per_user=[0] * len(people)) for impl in IMPLS}
        slice_s = args.seconds / args.rounds
        for round_ in range(args.rounds):
            order = IMPLS if round_ % 2 == 0 else tuple(reversed(IMPLS))
            for impl in order:
                phase = run_phase(engine, people, impl, slice_s, args, checkouts)
                total = results[impl]
                total.tally.merge(phase.tally)
                total.seconds += phase.seconds
                total.checkouts += phase.checkouts
                total.per_user = [
                    a + b for a, b in zip(total.per_user, phase.per_user, strict=True)
                ]
                print(f"  round {round_ + 1}: {impl} {phase.tally.sessions} sessions", flush=True)
        return results
    finally:
        dispose_engine(url)


# --- databases ---------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="store-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'designer.db'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database, made and dropped as the store tests do."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    import pytest

    from tests.fixtures import databases

    try:
        with databases.postgres_database() as url:
            yield url
    except pytest.fail.Exception as exc:  # the server is not there: say so plainly
        raise SystemExit(exc.msg) from None


def postgres_version(url: str) -> str:
    engine = engine_for(url)
    with engine.connect() as connection:
        return str(connection.execute(text("SHOW server_version")).scalar_one())


# --- the report --------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (seconds), in milliseconds."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1] * 1000


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values) * 1000,
    }


def print_backend(backend: str, results: dict[str, Result]) -> list[list[str]]:
    """The backend's table; returns its lines of the ratio table."""
    rows = []
    figures = {(impl, op): stats(results[impl].tally.latencies[op]) for impl in IMPLS for op in OPS}
    for op in OPS:
        for impl in IMPLS:
            result = results[impl]
            values = result.tally.latencies[op]
            figure = figures[impl, op]
            conflicts = result.tally.conflicts if impl == "ours" else "-"
            lost = result.tally.lost_updates if impl == "plain" else "-"
            if op != "save":
                conflicts = lost = ""
            rows.append(
                [
                    op,
                    impl,
                    len(values),
                    *(f"{figure[key]:.1f}" if figure else "-" for key in ("p50", "p95", "p99")),
                    f"{figure['max']:.0f}" if figure else "-",
                    f"{len(values) / result.seconds:.0f}" if result.seconds else "-",
                    f"{result.tally.statements[op] / len(values):.1f}" if values else "-",
                    conflicts,
                    lost,
                ]
            )
    print()
    print(f"{backend}: latency per request (ms), all users together")
    print_table(
        [
            "op",
            "impl",
            "count",
            "p50",
            "p95",
            "p99",
            "max",
            "ops/s",
            "stmts",
            "conflicts",
            "lost updates",
        ],
        rows,
    )
    for impl in IMPLS:
        result = results[impl]
        tally = result.tally
        waits = stats(result.checkouts)
        per_user = sorted(result.per_user)
        print(
            f"  {impl}: {tally.sessions} editing sessions in {result.seconds:.1f} s, per user "
            f"min {per_user[0]} / median {per_user[len(per_user) // 2]} / max {per_user[-1]}; "
            f"taking a pooled connection p50 {waits.get('p50', 0):.1f} ms, "
            f"p99 {waits.get('p99', 0):.1f} ms, max {waits.get('max', 0):.0f} ms"
        )
        for message, count in tally.errors.most_common():
            print(f"  {impl} ERROR x{count}: {message}")
    ratios = []
    for op in OPS:
        ours, plain = figures["ours", op], figures["plain", op]
        if ours and plain:
            ratios.append(
                [
                    backend,
                    op,
                    f"{ours['p50'] / plain['p50']:.1f}",
                    f"{ours['p95'] / plain['p95']:.1f}",
                ]
            )
    return ratios


def command_line(args: argparse.Namespace) -> str:
    words = [
        ".venv/bin/python bench/store_bench.py",
        f"--users {args.users}",
        f"--seconds {args.seconds:g}",
        f"--backend {args.backend}",
        f"--nodes {args.nodes}",
        f"--flows {args.flows}",
        f"--group {args.group}",
        f"--autosaves {args.autosaves}",
        f"--team-share {args.team_share:g}",
        f"--think-ms {args.think_ms:g}",
        f"--rounds {args.rounds}",
        f"--pool-size {args.pool_size}",
        f"--seed {args.seed}",
    ]
    return " ".join(words)


def _now() -> datetime:
    return datetime.now(UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users, one thread each")
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="measured seconds per backend for ours, and as many for plain",
    )
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--nodes", type=int, default=20, help="typical flow size (0.6x to 1.5x)")
    parser.add_argument("--flows", type=int, default=3, help="flows each user owns")
    parser.add_argument(
        "--group", type=int, default=5, help="users editing one shared flow together"
    )
    parser.add_argument("--autosaves", type=int, default=3, help="autosaves before each save")
    parser.add_argument(
        "--team-share",
        type=float,
        default=0.5,
        help="fraction of editing sessions on the group's shared flow (the rest on own flows)",
    )
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="mean pause before each request (0: none)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="ours and plain alternate this many times"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=0,
        help="give the engine a pool of this many connections (0: the store's own pool)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.users < 1 or args.flows < 1 or args.group < 1 or args.rounds < 1:
        parser.error("--users, --flows, --group and --rounds must be at least 1")

    print_header("store benchmark", packages=("sqlalchemy", "sqlmodel", "psycopg2-binary"))
    print(f"command: {command_line(args)}")
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    ratios: list[list[str]] = []
    for backend in backends:
        print()
        if backend == "sqlite":
            print(f"## sqlite {sqlite3.sqlite_version}, a file in a temporary folder", flush=True)
            database = sqlite_database()
        else:
            database = postgres_database()
        with database as url:
            if backend == "postgresql":
                print(f"## postgresql {postgres_version(url)}, a throwaway database", flush=True)
            results = measure_backend(url, args)
        ratios += print_backend(backend, results)
    print()
    print("stmts: SQL statements sent per request, on average (COMMIT and ROLLBACK not counted).")
    print("conflicts: saves refused with VersionConflict (nothing written; the person reloads).")
    print("lost updates: plain saves that silently overwrote a version saved after their open.")
    print()
    print("ours / plain")
    print_table(["backend", "op", "p50", "p95"], ratios)


if __name__ == "__main__":
    main()
