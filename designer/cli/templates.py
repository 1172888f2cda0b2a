"""``designer templates ...`` and ``designer start``: the template gallery and the guided start
from the command line.

Built-in templates and the sample datasets need no database: ``list``, ``show`` and ``start``
work on a machine where the designer was never served. ``--as USER`` adds that person's team
templates, and is needed wherever something is saved in their flows (``use``, ``start --save``).
Flows are printed in the flow document format, so they pipe into ``designer validate`` and
``designer run``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from designer.cli.common import UNAVAILABLE, UsageError, engine_and_actor

if TYPE_CHECKING:
    from designer.datasets.profile import TableProfile
    from designer.store.flows import StoredFlow
    from designer.templates.gallery import Template
    from designer.templates.guided import Proposal
    from designer.templates.samples import TableSource

#: Where the web app opens a flow; printed so a script can link to what it made.
FLOW_PAGE = "/flows/{id}"


def add_parsers(sub: Any) -> None:
    from designer.templates.gallery import DIFFICULTY_LABELS, TASK_LABELS

    p = sub.add_parser("templates", help="list, show and use the template gallery")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    a = actions.add_parser("list", help="the built-in templates, and a user's team templates")
    a.add_argument("--task", choices=list(TASK_LABELS), default="")
    a.add_argument("--difficulty", choices=list(DIFFICULTY_LABELS), default="")
    a.add_argument("--search", default="", metavar="WORDS", help="only templates with all words")
    _as_option(a, "also list the templates of this user's teams")
    a.add_argument("--json", action="store_true")

    a = actions.add_parser("show", help="print a template's flow document (JSON)")
    a.add_argument("template", help="template id")
    _as_option(a, "a team template of this user's teams")

    a = actions.add_parser("use", help="copy a template into a user's flows")
    a.add_argument("template", help="template id")
    _as_option(a, "whose flows get the copy", required=True)
    a.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_templates)

    p = sub.add_parser("start", help="propose a flow for a sample dataset or a table file")
    p.add_argument("data", metavar="SAMPLE_OR_FILE", help="a sample name or a CSV/Parquet file")
    p.add_argument("--target", metavar="COLUMN", help="column to predict (default: the likely one)")
    _as_option(p, "whose flows --save adds it to")
    p.add_argument("--save", action="store_true", help="save it as a new flow (needs --as)")
    p.set_defaults(handler=cmd_start)


def _as_option(parser: argparse.ArgumentParser, text: str, *, required: bool = False) -> None:
    parser.add_argument("--as", dest="as_user", metavar="USER", required=required, help=text)


def cmd_templates(args: argparse.Namespace) -> int:
    return _guarded(_ACTIONS[args.action], args)


def cmd_start(args: argparse.Namespace) -> int:
    return _guarded(_start, args)


def _guarded(action: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``action``, turning what the core raises into the command's exit codes."""
    from designer.datasets.sniff import DatasetProblem
    from designer.store.db import StoreError, StoreUnavailable
    from designer.templates.samples import CannotPropose

    try:
        return int(action(args))
    except StoreUnavailable as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except DatasetProblem as exc:  # a file that is not a usable table, as for datasets upload
        print(f"designer: {args.data}: {exc}", file=sys.stderr)
        return 1
    except (StoreError, CannotPropose) as exc:  # no such user or template, a bad column...
        raise UsageError(str(exc)) from exc


# --- templates ----------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    from designer.templates.gallery import card, filter_templates

    found = filter_templates(
        _templates(args.as_user), task=args.task, difficulty=args.difficulty, query=args.search
    )
    if args.json:
        print(json.dumps([card(template) for template in found], indent=2))
    elif found:
        _print_table(found)
    else:
        print("no templates match", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    print(_find(args.template, args.as_user).flow.to_json())
    return 0


def _use(args: argparse.Namespace) -> int:
    from designer.store.templates import TeamTemplateNotFound
    from designer.templates.use import use_template

    engine, actor = engine_and_actor(args.as_user)
    try:
        created = use_template(engine, actor, args.template)
    except TeamTemplateNotFound as exc:
        raise _not_found(args.template, team=True) from exc
    _print_created(created, as_json=args.json)
    return 0


_ACTIONS = {"list": _list, "show": _show, "use": _use}


def _templates(username: str | None) -> list[Template]:
    """The built-in templates, and the person's team templates when there is one."""
    from designer.templates.gallery import builtin_templates
    from designer.templates.use import all_templates

    if not username:
        return list(builtin_templates())
    return all_templates(*engine_and_actor(username))


def _find(template_id: str, username: str | None) -> Template:
    from designer.store.templates import TeamTemplateNotFound
    from designer.templates.gallery import get_builtin
    from designer.templates.use import find_template

    found = get_builtin(template_id)
    if found is not None:
        return found
    if not username:
        raise _not_found(template_id)
    try:
        return find_template(*engine_and_actor(username), template_id)
    except TeamTemplateNotFound as exc:
        raise _not_found(template_id, team=True) from exc


def _not_found(template_id: str, *, team: bool = False) -> Exception:
    from designer.templates.gallery import builtin_templates

    # Team templates of other teams read exactly like ids nobody ever had, as in the web app.
    where = "and no team template of yours has that id" if team else "(team templates need --as)"
    ids = ", ".join(t.id for t in builtin_templates())
    return UsageError(f"no template {template_id!r} {where}; the built-in templates are: {ids}")


def _print_table(found: list[Template]) -> None:
    """One row a template, in columns; the block count right-aligned so it reads as a number."""
    from designer.templates.gallery import DIFFICULTY_LABELS, TASK_LABELS

    rows = [("ID", "TITLE", "TASK", "LEVEL", "BLOCKS", "EXPECTED RUN")]
    rows += [
        (
            t.id,
            t.title,
            TASK_LABELS.get(t.task, t.task),
            DIFFICULTY_LABELS.get(t.difficulty, t.difficulty),
            str(len(t.flow.nodes)),
            t.expected_run or "-",
        )
        for t in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [text.ljust(width) for text, width in zip(row, widths, strict=True)]
        cells[4] = row[4].rjust(widths[4])
        print("  ".join(cells).rstrip())


def _print_created(created: StoredFlow, *, as_json: bool) -> None:
    path = FLOW_PAGE.format(id=created.id)
    if as_json:
        shown = {"id": created.id, "name": created.flow.name, "version": created.version}
        print(json.dumps({**shown, "path": path}, indent=2))
    else:
        print(f"created flow {created.flow.name!r} ({created.id}): open {path}")


# --- the guided start ---------------------------------------------------------------------------


def _start(args: argparse.Namespace) -> int:
    from designer.templates.use import create_guided_flow

    if args.save and not args.as_user:
        raise UsageError("--save needs --as USER: whose flows to save it in")
    proposal = _propose(args.data, args.target)
    if not args.save:
        # The explanation is for the person, the flow for the pipe: `start ... > flow.json`.
        print(_explanation(proposal), file=sys.stderr)
        print(proposal.flow.to_json())
        return 0
    engine, actor = engine_and_actor(args.as_user)
    created = create_guided_flow(engine, actor, proposal.flow)
    print(_explanation(proposal))
    _print_created(created, as_json=False)
    return 0


def _propose(data: str, target: str | None) -> Proposal:
    """The guided start's proposal for a sample dataset, a shipped sample table or a file."""
    from designer.templates.guided import propose_sample, propose_table
    from designer.templates.samples import SAMPLE_TABLES, SAMPLES, CannotPropose, sample_table

    if data in {s.name for s in SAMPLES}:
        from blocks.runtime.sklearn_data import target_column

        if target not in (None, target_column(data)):
            raise CannotPropose(
                f"the column to predict in the sample {data!r} is “{target_column(data)}”; "
                "--target picks a column of your own table files"
            )
        return propose_sample(data)
    if data in {t.name for t in SAMPLE_TABLES}:
        source, profile = sample_table(data)
    else:
        source, profile = _table_file(data)
    chosen = target or profile.suggested_target
    if not chosen:
        columns = ", ".join(profile.column_names())
        raise CannotPropose(
            f"no column looks like the one to predict; pass --target, one of: {columns}"
        )
    return propose_table(source, profile, chosen)


def _table_file(data: str) -> tuple[TableSource, TableProfile]:
    """The table file ``data`` names, read by a Table file block from its full path (so the
    flow runs from any folder), and its profile."""
    from blocks.runtime.read_policy import ReadRefused, check_address
    from designer.datasets.profile import inspect_file
    from designer.templates.samples import SAMPLE_TABLES, SAMPLES, TableSource

    path = Path(data)
    if path.is_dir():
        raise UsageError(f"cannot read {data}: it is a folder")
    if not path.is_file():
        names = ", ".join([*(s.name for s in SAMPLES), *(t.name for t in SAMPLE_TABLES)])
        raise UsageError(
            f"{data} is neither a sample ({names}) nor a CSV or Parquet file on this computer"
        )
    try:
        check_address(str(path.resolve()))
    except ReadRefused as exc:  # the flow's Table file block could not read it either
        raise UsageError(
            f"{exc}; or upload it to the library (designer datasets upload {data} --as USER) "
            "and start from the library dataset"
        ) from exc
    try:
        profile = inspect_file(path, path.name)
    except OSError as exc:  # unreadable (permissions); a file that is no table is DatasetProblem
        raise UsageError(f"cannot read {data}: {exc.strerror}") from exc
    return TableSource.file(str(path.resolve()), path.name), profile


def _explanation(proposal: Proposal) -> str:
    lines = [f"Task: {proposal.task}, predicting “{proposal.target}”", proposal.reason, "Steps:"]
    lines += [
        f"  {number}. {step.title}: {step.explanation}"
        for number, step in enumerate(proposal.steps, 1)
    ]
    lines += [f"Note: {note}" for note in proposal.notes]
    return "\n".join(lines)
