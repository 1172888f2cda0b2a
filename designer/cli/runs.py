"""``designer run|submit``: run a flow on this machine, or submit it to Kubeflow Pipelines."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from designer.cli.common import (
    UsageError,
    add_as_option,
    checked_and_compiled,
    engine_and_actor,
    print_json,
)
from designer.cli.stored_runs import cmd_run_stored, wants_stored_flow
from designer.flow.document import Flow
from designer.runs.compare import Comparison, compare_models, model_names
from designer.runs.record import RunRecord, Status
from designer.runs.report import NodeReport, average_words, run_report
from designer.settings import KubeflowSettings, Settings, load_settings

if TYPE_CHECKING:
    from designer.runs.local import AfterRun


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a flow on this machine (kfp.local): a flow file, or with --as a stored flow",
    )
    p.add_argument(
        "flow",
        nargs="?",
        metavar="FLOW",
        help="a flow file; with --as also a stored flow's id or name (recorded in its history)",
    )
    p.add_argument("--json", action="store_true")
    _add_param_option(p)
    add_as_option(p)
    p.add_argument(
        "--no-cache", action="store_true", help="run every block: reuse no earlier result"
    )
    p.add_argument(
        "--rerun",
        metavar="RUN_ID",
        help="rerun this stored run's version with its parameter values (needs --from, --as)",
    )
    p.add_argument(
        "--from",
        dest="from_node",
        metavar="NODE",
        help="with --rerun: the block to run again, with every block after it",
    )
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("submit", help="submit a flow to a Kubeflow Pipelines cluster")
    p.add_argument("flow", type=Path)
    p.add_argument("--host", help="KFP API URL (default: $DESIGNER_KFP_HOST)")
    p.add_argument("--namespace", help="Kubeflow namespace (default: $DESIGNER_KFP_NAMESPACE)")
    p.add_argument("--token", help="bearer token (default: $DESIGNER_KFP_TOKEN)")
    p.add_argument("--wait", action="store_true", help="poll until the run finishes")
    p.add_argument("--poll-interval", type=float, default=5.0, help="seconds between polls")
    p.add_argument("--json", action="store_true")
    _add_param_option(p)
    add_as_option(p)
    p.set_defaults(handler=cmd_submit)


def _add_param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a flow parameter for this run (repeatable)",
    )


def cmd_run(args: argparse.Namespace) -> int:
    from designer.flow.compile import MissingArguments
    from designer.runs import prestart
    from designer.runs.local import LocalEngine
    from designer.runs.sandbox import SandboxUnavailable

    if wants_stored_flow(args):
        return cmd_run_stored(args, _param_pairs(args.param))
    checked = checked_and_compiled(Path(args.flow), args.as_user)
    if checked is None:
        return 1
    flow, compiled = checked
    from designer.objects.configured import open_store

    settings = load_settings()
    engine = LocalEngine(
        settings.runs_dir,
        settings=settings,
        store=open_store(settings),
        after_run=_publisher(settings, args.as_user),
    )
    try:
        run = engine.start(
            compiled,
            flow_name=flow.name,
            arguments=_param_values(flow, args.param),
            cache=not args.no_cache,
            prestarted=prestart.take(),  # started by designer.cli.main for this run
        )
    except MissingArguments as exc:
        raise UsageError(str(exc)) from exc
    except SandboxUnavailable as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    if not args.json:
        print(f"run {run.run_id} started; artifacts in {run.run_dir}", file=sys.stderr)
    for note in compiled.notes:
        print(note, file=sys.stderr)
    record = run.wait()
    print_record(record, as_json=args.json, flow=flow)
    return 0 if record.status is Status.SUCCEEDED else 1


def _publisher(settings: Settings, as_user: str | None) -> AfterRun:
    """Publish the run's deployed models for ``--as`` (without it: the machine's operator).

    What publishing needs (pandas among it) is imported in the background while the run goes,
    not before it starts, nor after it ends.
    """
    threading.Thread(target=_import_publishing, name="import-publishing", daemon=True).start()

    def publish(record: RunRecord, run_dir: Path) -> None:
        from blocks.runtime.model_bundle import BUNDLE_KIND
        from designer.models.publish import publish_deployments
        from designer.store.db import engine_for

        outputs = (out for node in record.nodes.values() for out in node.outputs.values())
        if not any(out.metadata.get("kind") == BUNDLE_KIND for out in outputs):
            return  # no model to deploy: no need for the database
        if as_user:
            database, actor = engine_and_actor(as_user)
            owner = actor.id
        else:
            database, owner = engine_for(settings.database_url), None
        publish_deployments(
            database, settings.models_dir, record, run_dir, owner_id=owner, flow_id=None
        )

    return publish


def _import_publishing() -> None:
    import designer.models.publish  # noqa: F401


def cmd_submit(args: argparse.Namespace) -> int:
    from designer.models.publishing import publishing_launcher
    from designer.runs.launcher import LaunchError

    settings = dataclasses.replace(load_settings(), kubeflow=_kubeflow_settings(args))
    checked = checked_and_compiled(args.flow, args.as_user, engine="kubeflow", settings=settings)
    if checked is None:
        return 1
    flow, compiled = checked
    owner = engine_and_actor(args.as_user)[1].id if args.as_user else None
    launcher = publishing_launcher(settings)
    try:
        record = launcher.start(
            compiled,
            flow_name=flow.name,
            arguments=_param_values(flow, args.param),
            owner_id=owner,
        )
        while args.wait and not record.status.finished:
            time.sleep(args.poll_interval)
            record = launcher.snapshot(record.run_id)
    except LaunchError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    print_record(record, as_json=args.json, flow=flow)
    if args.wait:
        return 0 if record.status is Status.SUCCEEDED else 1
    return 0


def _param_pairs(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` overrides as text, for a stored flow (its version checks the types)."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param expects NAME=VALUE; found {pair!r}")
        values[name] = raw
    return values


def _param_values(flow: Flow, pairs: list[str]) -> dict[str, Any]:
    """Parse ``NAME=VALUE`` overrides into values of each flow parameter's declared type."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        param = flow.param(name)
        if not sep or param is None:
            declared = ", ".join(p.name for p in flow.params) or "(none)"
            raise UsageError(f"--param expects NAME=VALUE with NAME one of: {declared}")
        values[name] = _convert(param.type, raw, name)
    return values


def _convert(kind: str, raw: str, name: str) -> Any:
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
    except ValueError as exc:
        raise UsageError(f"--param {name} expects a {kind}; found {raw!r}") from exc
    return raw


def _kubeflow_settings(args: argparse.Namespace) -> KubeflowSettings:
    configured = load_settings().kubeflow
    host = args.host or (configured.host if configured else "")
    if not host:
        raise UsageError("no Kubeflow host: pass --host URL or set DESIGNER_KFP_HOST")
    return dataclasses.replace(
        configured or KubeflowSettings(host=host),
        host=host,
        namespace=args.namespace or (configured.namespace if configured else "kubeflow"),
        token=args.token or (configured.token if configured else None),
    )


def print_record(record: RunRecord, *, as_json: bool, flow: Flow | None = None) -> None:
    if as_json:
        print_json(record.summary())
        return
    print(f"run {record.run_id}: {record.status}")
    reports = {n["node"]: n for n in run_report(record)["nodes"]}
    for node_id, node in record.nodes.items():
        metrics = "  ".join(f"{k}={v:.4g}" for k, v in sorted(node.metrics.items()))
        print(f"  {node_id:<24} {node.status!s:<10} {metrics}")
        if node.error:
            print(f"  {'':<24} {node.error}")
        if node.cached_from:
            print(f"  {'':<24} reused the result of run {node.cached_from}")
        if node_id in reports:
            _print_classes(reports[node_id])
    for table in compare_models(record, model_names(flow) if flow is not None else None):
        _print_comparison(table)
    for note in record.notes:
        print(note)
    if record.error:
        print(record.error)
    if record.url:
        print(record.url)


def _print_classes(report: NodeReport) -> None:
    """Under a classification evaluation: how its precision, recall and F1 average the
    classes, then each class's own figures."""
    indent = " " * 27
    if report["average"]:
        print(f"{indent}precision, recall and F1 are the {average_words(report['average'])}")
    scores = report["class_scores"]
    if scores is None:
        return
    lines = [["class", "precision", "recall", "F1", "test rows"]]
    lines += [
        [
            row["category"],
            row["precision"]["text"],
            row["recall"]["text"],
            row["f1"]["text"],
            f"{row['support']:,}",
        ]
        for row in scores["rows"]
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        cells = [line[0].ljust(widths[0])]
        cells += [text.rjust(width) for text, width in zip(line[1:], widths[1:], strict=True)]
        print(indent + "  ".join(cells))


def _print_comparison(table: Comparison) -> None:
    """Models side by side in plain columns, the best value of each row starred."""
    title = f"compare {table['kind']} models"
    winner = next((c["label"] for c in table["columns"] if c["best"]), "")
    if winner:
        title += f" (best by {table['best_by_label']}: {winner})"
    lines = [["", *(c["label"] for c in table["columns"])]]
    for row in table["rows"]:
        # The star's width is kept on every cell so the numbers stay right-aligned.
        lines.append(
            [row["label"], *(c["text"] + (" *" if c["best"] else "  ") for c in row["cells"])]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    print(f"\n{title}")
    for line in lines:
        cells = [line[0].ljust(widths[0])]
        cells += [text.rjust(width) for text, width in zip(line[1:], widths[1:], strict=True)]
        print("  " + "  ".join(cells).rstrip())
