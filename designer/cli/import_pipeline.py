"""``designer import PIPELINE.yaml -o FLOW.json --as USER``: a compiled KFP pipeline as a flow.

The pipeline (IR YAML compiled by the KFP SDK, by the designer or anyone) is read as data,
never run: each task becomes a node, its component the person's block (so ``--as`` is needed:
the blocks are saved as theirs), each data dependency an edge (``designer.userblocks.
pipeline_import``). Exit 0 with the flow written; 1 when the pipeline holds what a flow cannot
hold yet (each problem printed with its line and task); 2 for an unreadable file or a usage
error; 3 when the database cannot be reached.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from designer.cli.common import REFUSED, UNAVAILABLE, UsageError, engine_and_actor, read_text

#: Why ``--as`` is needed, said when it is missing.
NEEDS_A_PERSON = (
    "designer import needs --as USER: the pipeline's components are saved as that person's "
    "blocks, which the flow's nodes then use"
)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "import", help="import a compiled KFP pipeline (IR YAML) as a flow file, as a person"
    )
    p.add_argument("pipeline", type=Path, help="the pipeline YAML (compiled by KFP)")
    p.add_argument("-o", "--output", type=Path, required=True, help="where to write the flow")
    p.add_argument(
        "--as", dest="as_user", metavar="USER", help="whose blocks the components become"
    )
    p.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    from designer.store.db import StoreError, StoreUnavailable
    from designer.userblocks.pipeline_saving import import_pipeline_as

    if not args.as_user:
        raise UsageError(NEEDS_A_PERSON)
    text = read_text(args.pipeline)
    try:
        engine, actor = engine_and_actor(args.as_user)
        result = import_pipeline_as(engine, actor, text, file_name=args.pipeline.name)
    except StoreUnavailable as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except LookupError as exc:  # nobody of that name
        raise UsageError(str(exc).strip("'\"")) from exc
    except StoreError as exc:
        print(f"designer: {args.pipeline}: {str(exc).strip(chr(39) + chr(34))}", file=sys.stderr)
        return REFUSED
    if result.flow is None:
        for problem in result.problems:
            where = f"{args.pipeline}:{problem.line}" if problem.line else str(args.pipeline)
            print(f"{where}: {problem.message}", file=sys.stderr)
        return REFUSED
    try:
        args.output.write_text(result.flow.to_json() + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    for note in result.notes:
        print(f"note: {note}")
    flow = result.flow
    print(
        f"imported {len(flow.nodes)} tasks of {flow.name!r} into {args.output}, using "
        f"{len(result.blocks)} blocks: {', '.join(result.blocks)}"
    )
    return 0
