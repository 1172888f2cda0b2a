"""``designer serve``: start the web app (the database is migrated first)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from designer.cli.db import upgrade_database
from designer.settings import load_settings


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("serve", help="start the designer web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--dev", action="store_true", help="development mode with hot reload")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from designer.server import serve

    # Migrate before the web app starts, so a database that cannot be reached is said now,
    # in one line, rather than on the first page someone opens.
    if upgrade_database() != 0:
        return 1
    settle_runs()
    return serve(args.host, args.port, prod=not args.dev)


def settle_runs() -> None:
    """Say how local runs are isolated, and fail the runs a previous server left "running"."""
    from designer.runs.interrupted import mark_interrupted_runs
    from designer.runs.sandbox import sandbox_status
    from designer.store.db import StoreError, engine_for

    settings = load_settings()
    print(f"designer: {sandbox_status(settings)}", file=sys.stderr)
    try:
        engine = engine_for(settings.database_url)
    except StoreError:
        engine = None  # upgrade_database has just reached it; a blip only skips the table
    marked = mark_interrupted_runs(settings, engine)
    if marked:
        print(
            f"designer: {len(marked)} run(s) the last server left unfinished are marked "
            "failed (interrupted)",
            file=sys.stderr,
        )
