"""``designer validate|compile|schema``: flow files, offline (``--as``: a person's blocks and
datasets too)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from designer.cli.common import (
    UsageError,
    add_as_option,
    check_file,
    compile_checked,
    print_diagnostics,
    print_json,
)
from designer.flow.document import flow_json_schema


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("validate", help="check a flow and list its problems")
    p.add_argument("flow", type=Path)
    p.add_argument("--json", action="store_true")
    add_as_option(p)
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("compile", help="compile a flow to Kubeflow Pipelines IR YAML")
    p.add_argument("flow", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="where to write the YAML")
    p.add_argument(
        "--engine",
        choices=("local", "kubeflow"),
        default="local",
        help="compile for this machine (default) or for the configured Kubeflow cluster: "
        "exactly what `designer submit` sends (IR and platform spec)",
    )
    add_as_option(p)
    p.set_defaults(handler=cmd_compile)


def add_schema_parser(sub: Any) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the flow document")
    p.set_defaults(handler=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    check = check_file(args.flow, args.as_user)
    if args.json:
        print_json(check.to_dict())
    else:
        print_diagnostics(check)
        if check.valid:
            print(f"{args.flow}: valid")
    return 0 if check.valid else 1


def cmd_compile(args: argparse.Namespace) -> int:
    check = check_file(args.flow, args.as_user)
    if not check.valid:
        print_diagnostics(check)
        return 1
    compiled = compile_checked(check, as_user=args.as_user, engine=args.engine)
    if compiled is None:
        return 1
    try:
        compiled.write(args.output)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from exc
    print(f"wrote {args.output} ({len(compiled.task_to_node)} tasks)")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    print_json(flow_json_schema())
    return 0
