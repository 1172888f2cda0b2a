"""The ``designer`` command. Its output and exit codes are a contract scripts depend on.

Exit codes: 0 success, 1 the flow (or run, or file, or the change asked for) has problems or
was refused, 2 usage errors and unreadable files, 3 the database or object storage cannot be
reached. Every subcommand calls the same core functions as the web app. One module per command
group; each adds its subcommands to the parser and handles them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from designer import __version__
from designer.cli import (
    blocks,
    datasets,
    db,
    export,
    flows,
    import_pipeline,
    models,
    runs,
    schedules,
    serve,
    templates,
    users,
)
from designer.cli.common import USAGE, UsageError

__all__ = ["UsageError", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="designer", description="Build, check, compile and run machine-learning flows."
    )
    parser.add_argument("--version", action="version", version=f"designer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    blocks.add_parsers(sub)
    flows.add_parsers(sub)
    export.add_parsers(sub)
    import_pipeline.add_parsers(sub)
    runs.add_parsers(sub)
    flows.add_schema_parser(sub)
    models.add_parsers(sub)
    db.add_parsers(sub)
    datasets.add_parsers(sub)
    templates.add_parsers(sub)
    schedules.add_parsers(sub)
    users.add_parsers(sub)
    serve.add_parsers(sub)
    return parser
