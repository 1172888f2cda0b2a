"""The ``designer`` command. Its output and exit codes are a contract scripts depend on.

Exit codes: 0 success, 1 the flow (or run, or file, or the change asked for) has problems or
was refused, 2 usage errors and unreadable files, 3 the database or object storage cannot be
reached. Every subcommand calls the same core functions as the web app. One module per command
group; each adds its subcommands to the parser and handles them.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import NoReturn

from designer import __version__, kfp_sdk

__all__ = ["console", "main"]


def console() -> NoReturn:
    """The ``designer`` command itself (and ``python -m designer.cli``): ``main``, then exit."""
    code = main()
    # As Python exits, a last garbage collection would sweep everything the command loaded
    # (kfp, pandas, scikit-learn...): about half a second, for memory the process gives back
    # anyway. Frozen objects are left out of it; files are still flushed and closed.
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["run"] and not {"-h", "--help"} & set(arguments):
        _prestart()
    # Imported only now: a run's worker is already starting while this loads.
    kfp_sdk.import_without_client()  # no command here needs kfp's client before it loads it
    from designer.cli.common import USAGE, UsageError

    parser = _parser()
    args = parser.parse_args(arguments)
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130


def _prestart() -> None:
    """Start a local run's worker before anything else (``designer.runs.prestart``): it
    imports what blocks need while this process reads, checks and compiles the flow."""
    from designer.runs import prestart
    from designer.settings import load_settings

    try:
        settings = load_settings()
    except ValueError:  # a bad setting: the command itself says so
        return
    prestart.begin(settings)


def _parser() -> argparse.ArgumentParser:
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
