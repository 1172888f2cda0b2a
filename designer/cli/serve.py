"""``designer serve``: start the web app (the database is migrated first); ``--build-only``
builds its frontend and stops (what an image runs at build time)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from designer.cli.common import UsageError
from designer.cli.db import upgrade_database
from designer.settings import load_settings


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("serve", help="start the designer web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--dev", action="store_true", help="development mode with hot reload")
    p.add_argument(
        "--build-only",
        action="store_true",
        help="install the frontend packages and build the production bundle for --port in "
        "the app folder (DESIGNER_APP_DIR), then exit; a later serve on that port uses it",
    )
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from designer.server import build_only, serve

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: a port is a number from 1 to 65535")
    if args.build_only:
        if args.dev:
            raise UsageError("--build-only builds the production bundle: drop --dev")
        return build_only(args.port)  # no database: an image build has none to reach
    # Migrate before the web app starts, so a database that cannot be reached is said now,
    # in one line, rather than on the first page someone opens.
    if upgrade_database() != 0:
        return 1
    say_how_runs_are_isolated()
    return serve(args.host, args.port, prod=not args.dev)


def say_how_runs_are_isolated() -> None:
    """One line for the operator: whether local runs are sandboxed, and if not, what to do.

    (The web app itself marks runs a previous server left unfinished as interrupted.)
    """
    from designer.runs.sandbox import sandbox_status

    print(f"designer: {sandbox_status(load_settings())}", file=sys.stderr)
