"""What the command groups share: the usage error and exit codes, reading the files a command
is given, printing, and checking a flow file as someone (``--as``).

Exit codes are a contract scripts depend on: 0 success, 1 the flow (or run, or file, or the
change asked for) has problems, 2 usage errors and unreadable files, 3 the database or object
storage cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from designer.flow.validate import FlowCheck, ModelNameCheck, check_text
from designer.settings import load_settings

if TYPE_CHECKING:
    from blocks.base import DatasetLookup
    from designer.flow.compile import CompiledFlow
    from designer.flow.document import Flow
    from designer.settings import Settings
    from designer.userblocks.lookup import PersonBlocks

#: Exit code when the action was refused or the flow has problems.
REFUSED = 1
#: Exit code for usage errors (``UsageError``, and argparse's own).
USAGE = 2
#: Exit code when the database or object storage cannot be reached or refuses us.
UNAVAILABLE = 3


class UsageError(Exception):
    """A problem with how the command was called: exit 2 with one line."""


def add_as_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="act as this user (whose datasets a flow may read)",
    )


def engine_and_actor(username: str) -> tuple[Any, Any]:
    """The configured database and the person called ``username`` (``--as``); the store's
    ``UserNotFound`` when nobody is, ``StoreUnavailable`` when the database cannot be reached."""
    from designer.store.accounts import actor_named
    from designer.store.db import engine_for

    engine = engine_for(load_settings().database_url)
    return engine, actor_named(engine, username)


def dataset_lookup_for(username: str | None) -> DatasetLookup | None:
    """The lookup a flow checked on the command line uses, for ``--as`` (None without it)."""
    if not username:
        return None
    from designer.datasets.library import dataset_lookup
    from designer.objects.configured import open_store

    engine, actor = engine_and_actor(username)
    return dataset_lookup(engine, open_store(load_settings()), actor)


def blocks_for(username: str | None) -> PersonBlocks:
    """The blocks a flow checked on the command line may use: ``--as``'s own and shared ones
    besides the built-in ones (only those without it)."""
    from designer.userblocks.lookup import PersonBlocks

    if not username:
        return PersonBlocks(None, None)
    engine, actor = engine_and_actor(username)
    return PersonBlocks(engine, actor)


def message_of(exc: BaseException) -> str:
    """An error's own words (``str`` of a KeyError would wrap them in quotes)."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, str) else str(exc)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"cannot read {path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"cannot read {path}: it is a folder") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read {path}: not UTF-8 text") from exc
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc


def model_names_for(username: str | None) -> ModelNameCheck:
    """Who may deploy under which model name, for ``--as`` (without it: the operator).

    The database is opened only when the flow has a Deploy block to ask about.
    """
    check: ModelNameCheck | None = None

    def lazy(name: str) -> str | None:
        nonlocal check
        if check is None:
            from designer.models.names import model_name_check
            from designer.store.db import engine_for

            if username:
                engine, actor = engine_and_actor(username)
            else:
                engine, actor = engine_for(load_settings().database_url), None
            check = model_name_check(engine, load_settings().models_dir, actor)
        return check(name)

    return lazy


def check_file(path: Path, as_user: str | None = None) -> FlowCheck:
    text = read_text(path)
    try:
        return check_text(
            text,
            dataset_lookup_for(as_user),
            model_names_for(as_user),
            # Without --as only the built-in blocks: no need to load the store to know them.
            blocks=blocks_for(as_user) if as_user else None,
        )
    except LookupError as exc:  # no such user
        raise UsageError(message_of(exc)) from exc


def compile_checked(
    check: FlowCheck,
    *,
    as_user: str | None = None,
    engine: str = "local",
    settings: Settings | None = None,
) -> CompiledFlow | None:
    """The flow's pipeline for ``engine``, or None (with the reasons printed) when the flow
    reads what that engine cannot, or the designer is not set up for it."""
    from designer.flow.cluster import ClusterSetupError
    from designer.flow.compile import FlowInvalid, compile_flow

    assert check.flow is not None
    try:
        return compile_flow(
            check.flow,
            check,
            dataset_lookup_for(as_user),
            settings=settings,
            engine=engine,
        )
    except ClusterSetupError as exc:
        print(f"designer: {exc}", file=sys.stderr)
    except FlowInvalid as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
    return None


def checked_and_compiled(
    path: Path,
    as_user: str | None = None,
    *,
    engine: str = "local",
    settings: Settings | None = None,
) -> tuple[Flow, CompiledFlow] | None:
    """The flow and its pipeline, or None (with the problems printed) when it has errors."""
    check = check_file(path, as_user)
    if not check.valid or check.flow is None:
        print_diagnostics(check)
        return None
    compiled = compile_checked(check, as_user=as_user, engine=engine, settings=settings)
    return None if compiled is None else (check.flow, compiled)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def print_diagnostics(check: FlowCheck) -> None:
    for diagnostic in check.diagnostics:
        print(diagnostic, file=sys.stderr)
