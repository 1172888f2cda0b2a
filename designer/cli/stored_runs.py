"""``designer run FLOW --as USER`` for a stored flow, and ``--rerun RUN_ID --from NODE``.

Started exactly as Run on the page starts one (``designer.runs.stored_runs``): as the person,
their latest saved version, recorded in the flow's run history, then followed to its end here
with every change recorded, as the page follows it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from designer.cli.common import REFUSED, UNAVAILABLE, UsageError, engine_and_actor, message_of
from designer.runs.record import RunRecord, Status
from designer.settings import load_settings

#: Seconds between two looks at the run being followed: a local record is read from memory, a
#: Kubeflow one is a request to the cluster's API.
POLL_S = {"local": 0.5, "kubeflow": 3.0}


def wants_stored_flow(args: argparse.Namespace) -> bool:
    """Whether ``run`` names a stored flow (or a stored run) rather than a flow file.

    A path to an existing file always means the file; anything else with ``--as`` is looked up
    among the person's flows. ``--from`` only makes sense with ``--rerun``, which needs ``--as``.
    """
    if args.from_node and not args.rerun:
        raise UsageError("--from NODE reruns a stored run: give --rerun RUN_ID too")
    if args.rerun:
        if not args.from_node:
            raise UsageError("--rerun RUN_ID needs --from NODE: the block to run again from")
        if not args.as_user:
            raise UsageError("--rerun RUN_ID needs --as USER: whose run history it is in")
        return True
    if args.flow is None:
        raise UsageError("name a flow: a flow file, or with --as a stored flow's id or name")
    return bool(args.as_user) and not Path(args.flow).is_file()


def cmd_run_stored(args: argparse.Namespace, pairs: dict[str, str]) -> int:
    """Start, record and follow the run; the exit code says how it ended."""
    from designer.store.db import StoreError, StoreUnavailable

    try:
        return _run_stored(args, pairs)
    except StoreUnavailable as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except StoreError as exc:
        if isinstance(exc, PermissionError):  # NotAllowed: their role, or local runs
            print(f"designer: {message_of(exc)}", file=sys.stderr)
            return REFUSED
        raise UsageError(message_of(exc)) from exc  # no such person, flow or run


def _run_stored(args: argparse.Namespace, pairs: dict[str, str]) -> int:
    from designer.cli.runs import print_record
    from designer.flow.arguments import BadArguments
    from designer.flow.compile import FlowInvalid, MissingArguments
    from designer.models.publishing import publishing_launcher
    from designer.runs.launcher import LaunchError
    from designer.runs.rerun import UnknownNode
    from designer.runs.stored_runs import start_saved_version
    from designer.store import runs as run_store
    from designer.store import versions

    database, actor = engine_and_actor(args.as_user)
    settings = load_settings()
    if args.rerun:
        stored = run_store.get_stored_run(database, actor, args.rerun)
        flow_id, version = stored.flow_id, stored.flow_version
        flow = versions.get_version(database, actor, flow_id, version)
        arguments: dict[str, Any] = {**stored.arguments_for(flow), **pairs}
    else:
        flow_id, version = find_flow(database, actor, args.flow)
        arguments = dict(pairs)
    launcher = publishing_launcher(settings)
    try:
        started = start_saved_version(
            settings,
            database,
            launcher,
            actor,
            flow_id,
            version,
            arguments=arguments,
            cache=not args.no_cache,
            rerun_from=args.from_node or None,
        )
    except (BadArguments, MissingArguments, UnknownNode) as exc:
        raise UsageError(message_of(exc)) from exc
    except FlowInvalid as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        return REFUSED
    except LaunchError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return REFUSED
    if not args.json:
        print(
            f"run {started.record.run_id} of {started.flow.name!r} version {version} started",
            file=sys.stderr,
        )
    record = follow(database, launcher, flow_id, version, started.record, actor)
    print_record(record, as_json=args.json, flow=started.flow)
    return 0 if record.status is Status.SUCCEEDED else REFUSED


def find_flow(database: Any, actor: Any, named: str) -> tuple[str, int]:
    """The stored flow ``named`` (its id, or its name among the flows the person sees) and its
    latest saved version; UsageError when none or several are."""
    from designer.store import flows
    from designer.store.access import FlowNotFound

    try:
        found = flows.get_flow(database, actor, named)
        return found.id, found.version
    except FlowNotFound:
        pass
    same = [
        f for scope in ("mine", "shared") for f in flows.list_flows(database, actor, scope)
        if f.name == named
    ]  # fmt: skip
    if not same:
        raise UsageError(
            f"no file {named} and no flow {actor.username} may see with that id or name"
        )
    if len(same) > 1:
        ids = ", ".join(f.id for f in same)
        raise UsageError(f"several flows are named {named!r}: give the id of one ({ids})")
    return same[0].id, same[0].version


def follow(
    database: Any,
    launcher: Any,
    flow_id: str,
    version: int,
    record: RunRecord,
    actor: Any = None,
) -> RunRecord:
    """Poll the run to its end, recording each change in the store as the page does.

    Ctrl+C cancels the run (for ``actor``, in the audit log) and waits for it to stop (a second
    Ctrl+C leaves it going).
    """
    from designer.store.runs import record_cancel, record_run

    last: dict[str, Any] | None = None
    while True:
        current = record.to_dict()
        if current != last:
            record_run(database, flow_id, version, record)
            last = current
        if record.status.finished:
            return record
        try:
            time.sleep(POLL_S.get(record.engine, 2.0))
        except KeyboardInterrupt:
            print(launcher.cancel(record.run_id), file=sys.stderr)
            if actor is not None:
                record_cancel(database, actor, record.run_id)
        record = launcher.snapshot(record.run_id)
