"""``designer blocks [add FILE]``: the block catalogue, and people's own blocks kept in files.

``designer blocks`` lists the built-in blocks and, with ``--as``, that person's own blocks and
those shared with them (newest versions). ``designer blocks add FILE --as USER`` reads a Python
source (``.py``) or a KFP component file (``.yaml``) and saves it as a new version of the
person's block of that name, so blocks can live in git and be added by a script. The file is
only read, never run: one that does not make a block is exit 1 with each problem and its line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from designer.cli.common import (
    UNAVAILABLE,
    UsageError,
    add_as_option,
    blocks_for,
    engine_and_actor,
    message_of,
    print_json,
    read_text,
)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "blocks", help="list the blocks (built-in, and with --as a person's own); add one"
    )
    p.add_argument("--json", action="store_true", help="print the blocks as JSON")
    add_as_option(p)
    p.set_defaults(handler=cmd_blocks)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser(
        "add", help="add a block (or a new version of it) from a .py or component .yaml file"
    )
    a.add_argument("file", type=Path)
    a.add_argument("--as", dest="as_user", metavar="USER", required=True, help="whose block")
    a.add_argument("--json", action="store_true", help='print {"id", "version"}')
    a.add_argument("-m", "--message", default="", help="what changed in this version")
    a.set_defaults(handler=cmd_add)


def cmd_blocks(args: argparse.Namespace) -> int:
    from designer.store.db import StoreError, StoreUnavailable

    try:
        found = blocks_for(args.as_user).palette()
    except StoreUnavailable as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except (StoreError, LookupError) as exc:
        raise UsageError(message_of(exc)) from exc
    if args.json:
        print_json([block.describe() for block in found])
        return 0
    for block in found:
        ins = ", ".join(f"{p.name}:{p.type.name}" for p in block.inputs) or "-"
        outs = ", ".join(f"{p.name}:{p.type.name}" for p in block.outputs) or "-"
        where = "" if "local" in block.engines else "  (runs on Kubeflow only)"
        print(f"{block.id:<32} {block.title}{where}\n{'':<32} in [{ins}]  out [{outs}]")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from designer.store.accounts import UserNotFound
    from designer.store.db import StoreError, StoreUnavailable
    from designer.userblocks.saving import kind_of_file, save_block_text
    from designer.userblocks.spec import BlockSourceError

    kind = kind_of_file(args.file.name)
    if kind is None:
        raise UsageError(
            f"cannot read {args.file}: a block is a Python file (.py) or a KFP component "
            "file (.yaml or .yml)"
        )
    text = read_text(args.file)
    try:
        engine, actor = engine_and_actor(args.as_user)
        saved = save_block_text(engine, actor, text, kind, message=args.message)
    except BlockSourceError as exc:
        for problem in exc.problems:
            where = f"{args.file}:{problem.line}" if problem.line else str(args.file)
            print(f"{where}: {problem.message}", file=sys.stderr)
        return 1
    except StoreUnavailable as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except UserNotFound as exc:
        raise UsageError(message_of(exc)) from exc
    except (StoreError, LookupError) as exc:
        print(f"designer: {args.file}: {message_of(exc)}", file=sys.stderr)
        return 1
    if args.json:
        print_json({"id": saved.block.ref, "version": saved.number})
    else:
        print(f"added {saved.id}: {saved.spec.title}")
    return 0
