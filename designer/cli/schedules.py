"""``designer schedules ...``: run saved flow versions on a cron schedule.

    designer schedules add FLOW_ID --cron "0 6 * * *" [--tz Europe/Paris] [--version N] --as USER
    designer schedules list [FLOW_ID] --as USER
    designer schedules pause|resume|delete SCHEDULE_ID --as USER
    designer schedules preview "0 6 * * 1-5" [--tz ZONE] [--count N]

``--as`` names the person acting (whose runs the schedule's are, for ``add``); ``preview``
needs no database. Exit codes as every command: 1 when the schedule or the change is refused
(a bad expression, no right to it, Kubeflow said no), 2 for an unknown person, flow or
schedule, 3 when the database cannot be reached. The same core functions as the web app.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from designer.cli.common import REFUSED, UNAVAILABLE, UsageError, engine_and_actor
from designer.settings import load_settings

if TYPE_CHECKING:
    from designer.store.schedules import ScheduleInfo


def add_parsers(sub: Any) -> None:
    from designer.flow.cron import PREVIEW_COUNT

    p = sub.add_parser("schedules", help="run saved flow versions on a cron schedule")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    a = actions.add_parser("add", help="schedule a saved version of a flow")
    a.add_argument("flow", metavar="FLOW_ID", help="the flow's id (as in /flows/<id>)")
    a.add_argument("--cron", required=True, help='five fields, e.g. "0 6 * * *", or @daily')
    a.add_argument("--tz", default="UTC", metavar="ZONE", help="IANA time zone (default UTC)")
    a.add_argument("--version", type=int, metavar="N", help="the version (default: the latest)")
    _as_option(a, "who schedules it: the runs are theirs")
    a.add_argument("--json", action="store_true")

    a = actions.add_parser("list", help="a flow's schedules, or all those you may see")
    a.add_argument("flow", nargs="?", metavar="FLOW_ID")
    _as_option(a, "whose view")
    a.add_argument("--json", action="store_true")

    for action, words in (
        ("pause", "stop a schedule until it is resumed"),
        ("resume", "start a paused schedule again (missed times do not run)"),
        ("delete", "delete a schedule (the runs it started stay)"),
    ):
        a = actions.add_parser(action, help=words)
        a.add_argument("schedule", metavar="SCHEDULE_ID")
        _as_option(a, "who changes it")

    a = actions.add_parser("preview", help="check a cron expression and show its next times")
    a.add_argument("cron")
    a.add_argument("--tz", default="UTC", metavar="ZONE")
    a.add_argument("--count", type=int, default=PREVIEW_COUNT, choices=range(1, 51), metavar="N")
    a.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_schedules)


def _as_option(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--as", dest="as_user", metavar="USER", required=True, help=text)


def cmd_schedules(args: argparse.Namespace) -> int:
    return _guarded(_ACTIONS[args.action], args)


def _guarded(action: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``action``, turning what the core raises into one line and the exit code."""
    from designer.flow.cron import CronProblem
    from designer.runs.schedules import ScheduleError
    from designer.store.access import NotAllowed
    from designer.store.db import StoreError, StoreUnavailable

    try:
        return int(action(args))
    except StoreUnavailable as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except (CronProblem, ScheduleError, NotAllowed) as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return REFUSED
    except StoreError as exc:  # no such person, flow, version or schedule
        raise UsageError(str(exc).strip("'\"")) from exc


def _add(args: argparse.Namespace) -> int:
    from designer.runs.schedules import add_schedule

    database, actor = engine_and_actor(args.as_user)
    made = add_schedule(
        load_settings(), database, actor, args.flow, args.cron, args.tz, version=args.version
    )
    if args.json:
        print(json.dumps(_row(made), indent=2))
    else:
        print(
            f"scheduled {made.flow_name!r} version {made.flow_version}: {_words(made)}; "
            f"next run {_when(made)} (schedule {made.id})"
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    from designer.store.schedules import list_schedules

    database, actor = engine_and_actor(args.as_user)
    found = list_schedules(database, actor, args.flow)
    if args.json:
        print(json.dumps([_row(s) for s in found], indent=2))
        return 0
    if not found:
        print("no schedules", file=sys.stderr)
        return 0
    rows = [("ID", "FLOW", "VERSION", "SCHEDULE", "NEXT RUN", "STATE", "ENGINE")]
    rows += [
        (
            s.id,
            s.flow_name,
            str(s.flow_version),
            _words(s),
            _when(s),
            "paused" if s.paused else "running",
            s.engine,
        )
        for s in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        )
    for s in found:
        if s.last_error:
            print(f"{s.id}: {s.last_error}", file=sys.stderr)
    return 0


def _change(args: argparse.Namespace) -> int:
    from designer.runs.schedules import remove_schedule, set_schedule_paused

    database, actor = engine_and_actor(args.as_user)
    settings = load_settings()
    if args.action == "delete":
        gone = remove_schedule(settings, database, actor, args.schedule)
        print(f"deleted schedule {gone.id} of {gone.flow_name!r} ({_words(gone)})")
        return 0
    changed = set_schedule_paused(settings, database, actor, args.schedule, args.action == "pause")
    state = "paused" if changed.paused else f"resumed; next run {_when(changed)}"
    print(f"schedule {changed.id} of {changed.flow_name!r} {state}")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from designer.runs.schedules import preview

    shown = preview(load_settings(), args.cron, args.tz, count=args.count)
    if args.json:
        data = {
            "cron": shown.schedule.cron,
            "time_zone": shown.schedule.time_zone,
            "words": shown.words,
            "next": [moment.isoformat() for moment in shown.times],
        }
        print(json.dumps(data, indent=2))
        return 0
    words = shown.words or "see the times below"
    print(f"{shown.schedule.cron}  ({words}, {shown.schedule.time_zone})")
    for moment in shown.times:
        print(f"  {moment:%a %Y-%m-%d %H:%M %Z}")
    return 0


_ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": _add,
    "list": _list,
    "pause": _change,
    "resume": _change,
    "delete": _change,
    "preview": _preview,
}


def _row(s: ScheduleInfo) -> dict[str, Any]:
    return {
        "id": s.id,
        "flow_id": s.flow_id,
        "flow_name": s.flow_name,
        "version": s.flow_version,
        "owner": s.owner,
        "cron": s.cron,
        "time_zone": s.time_zone,
        "words": _words(s),
        "engine": s.engine,
        "paused": s.paused,
        "next_run": s.next_at.isoformat() if s.next_at else None,
        "kubeflow_id": s.kubeflow_id,
        "last_run_id": s.last_run_id,
        "last_error": s.last_error,
    }


def _words(s: ScheduleInfo) -> str:
    return s.schedule.describe()


def _when(s: ScheduleInfo) -> str:
    """The next run by the schedule's own clock."""
    if s.next_at is None:
        return "-"
    return f"{s.next_at.astimezone(s.schedule.zone):%Y-%m-%d %H:%M} {s.time_zone}"
