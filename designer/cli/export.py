"""``designer export``: a flow file as a Python script that builds its pipeline with the KFP SDK.

The script compiles to what ``designer compile`` writes for this machine, so someone can take
a flow from the canvas and keep working on it in code (``designer.flow.export_python``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from designer.cli.common import (
    REFUSED,
    UsageError,
    add_as_option,
    check_file,
    dataset_lookup_for,
    print_diagnostics,
)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "export", help="write a flow as a Python script that builds it with the KFP SDK"
    )
    p.add_argument("flow", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="where to write the script")
    add_as_option(p)
    p.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from designer.flow.compile import FlowInvalid
    from designer.flow.export_python import export_python

    check = check_file(args.flow, args.as_user)
    if not check.valid or check.flow is None:
        print_diagnostics(check)
        return REFUSED
    try:
        script = export_python(check.flow, check, dataset_lookup_for(args.as_user))
    except FlowInvalid as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        return REFUSED
    try:
        args.output.write_text(script, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from exc
    print(f"wrote {args.output} ({len(check.flow.nodes)} tasks)")
    return 0
