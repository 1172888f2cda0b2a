"""The ``designer`` command. Its output and exit codes are a contract scripts depend on.

Exit codes: 0 success, 1 the flow (or run, or file) has problems, 2 usage errors and unreadable
files, 3 the database or object storage cannot be reached.
Every subcommand calls the same core functions as the web app.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from designer import __version__
from designer.cli_datasets import add_as_option, add_parsers, dataset_lookup_for
from designer.cli_templates import add_parsers as add_template_parsers
from designer.flow.document import Flow, flow_json_schema
from designer.flow.validate import FlowCheck, check_text
from designer.runs.compare import Comparison, compare_models, model_names
from designer.runs.record import RunRecord, Status
from designer.settings import KubeflowSettings, load_settings

if TYPE_CHECKING:
    from designer.flow.compile import CompiledFlow


class UsageError(Exception):
    """A problem with how the command was called: exit 2 with one line."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="designer", description="Build, check, compile and run machine-learning flows."
    )
    parser.add_argument("--version", action="version", version=f"designer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("blocks", help="list the block catalogue")
    p.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    p.set_defaults(handler=cmd_blocks)

    p = sub.add_parser("validate", help="check a flow and list its problems")
    p.add_argument("flow", type=Path)
    p.add_argument("--json", action="store_true")
    add_as_option(p)
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("compile", help="compile a flow to Kubeflow Pipelines IR YAML")
    p.add_argument("flow", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="where to write the YAML")
    add_as_option(p)
    p.set_defaults(handler=cmd_compile)

    p = sub.add_parser("run", help="run a flow on this machine (kfp.local)")
    p.add_argument("flow", type=Path)
    p.add_argument("--json", action="store_true")
    _add_param_option(p)
    add_as_option(p)
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

    p = sub.add_parser("schema", help="print the JSON Schema of the flow document")
    p.set_defaults(handler=cmd_schema)

    p = sub.add_parser("models", help="list the models deployed on this machine")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_models)

    p = sub.add_parser("predict", help="predict with a deployed model")
    p.add_argument("model", help="model name")
    p.add_argument("input", type=Path, help="rows to predict: a CSV file or a JSON list of objects")
    p.add_argument("--version", type=int, help="model version (default: the latest)")
    p.set_defaults(handler=cmd_predict)

    p = sub.add_parser("db", help="bring the database up to date (Alembic migrations)")
    p.add_argument("action", choices=("upgrade",), help="apply the migrations it lacks")
    p.set_defaults(handler=cmd_db)

    add_parsers(sub)
    add_template_parsers(sub)

    p = sub.add_parser("serve", help="start the designer web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--dev", action="store_true", help="development mode with hot reload")
    p.set_defaults(handler=cmd_serve)
    return parser


def _add_param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a flow parameter for this run (repeatable)",
    )


# --- subcommands ------------------------------------------------------------------------------


def cmd_blocks(args: argparse.Namespace) -> int:
    from blocks.catalogue import CATALOGUE

    if args.json:
        _print_json([block.describe() for block in CATALOGUE])
        return 0
    for block in CATALOGUE:
        ins = ", ".join(f"{p.name}:{p.type.name}" for p in block.inputs) or "-"
        outs = ", ".join(f"{p.name}:{p.type.name}" for p in block.outputs) or "-"
        print(f"{block.id:<32} {block.title}\n{'':<32} in [{ins}]  out [{outs}]")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    check = _check_file(args.flow, args.as_user)
    if args.json:
        _print_json(check.to_dict())
    else:
        _print_diagnostics(check)
        if check.valid:
            print(f"{args.flow}: valid")
    return 0 if check.valid else 1


def cmd_compile(args: argparse.Namespace) -> int:
    check = _check_file(args.flow, args.as_user)
    if not check.valid:
        _print_diagnostics(check)
        return 1
    compiled = _compile(check)
    try:
        compiled.write(args.output)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from exc
    print(f"wrote {args.output} ({len(compiled.task_to_node)} tasks)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from designer.runs.local import LocalEngine

    checked = _checked_and_compiled(args.flow, args.as_user)
    if checked is None:
        return 1
    flow, compiled = checked
    from designer.objects.configured import open_store

    settings = load_settings()
    engine = LocalEngine(settings.runs_dir, store=open_store(settings))
    run = engine.start(compiled, flow_name=flow.name, arguments=_param_values(flow, args.param))
    if not args.json:
        print(f"run {run.run_id} started; artifacts in {run.run_dir}", file=sys.stderr)
    record = run.wait()
    _print_record(record, as_json=args.json, flow=flow)
    return 0 if record.status is Status.SUCCEEDED else 1


def cmd_submit(args: argparse.Namespace) -> int:
    from designer.runs.kubeflow import KubeflowEngine, KubeflowError

    settings = _kubeflow_settings(args)
    checked = _checked_and_compiled(args.flow, args.as_user)
    if checked is None:
        return 1
    flow, compiled = checked
    arguments = _param_values(flow, args.param)
    engine = KubeflowEngine(settings)
    try:
        record = engine.submit_compiled(compiled, flow_name=flow.name, arguments=arguments)
        if args.wait:
            record = engine.wait(
                record.run_id,
                flow_name=flow.name,
                task_to_node=compiled.task_to_node,
                poll_interval=args.poll_interval,
            )
    except KubeflowError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    _print_record(record, as_json=args.json, flow=flow)
    if args.wait:
        return 0 if record.status is Status.SUCCEEDED else 1
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    _print_json(flow_json_schema())
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from blocks.runtime.model_registry import list_models

    models = list_models(load_settings().models_dir)
    if args.json:
        _print_json(models)
        return 0
    if not models:
        print("no models deployed yet; add a 'Deploy locally' block to a flow and run it")
    for model in models:
        print(f"{model['name']:<24} v{model['version']:<4} {model.get('task', '')}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from blocks.runtime.model_registry import predict

    rows = _read_rows(args.input, pd)
    try:
        predictions = predict(load_settings().models_dir, args.model, rows, version=args.version)
    except (LookupError, ValueError) as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    _print_json({"model": args.model, "predictions": predictions})
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """``designer db upgrade``: apply every migration the database lacks (safe to rerun)."""
    return _upgrade_database()


def _upgrade_database() -> int:
    from designer.store.db import StoreError, engine_for, safe_url
    from designer.store.migrate import current_revision, head_revision

    url = load_settings().database_url
    try:
        engine = engine_for(url)  # migrates on first use
        current = current_revision(engine)
    except StoreError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return 1
    state = "up to date" if current == head_revision() else f"behind {head_revision()}"
    print(f"{safe_url(url)}: schema revision {current} ({state})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from designer.server import serve

    # Migrate before the web app starts, so a database that cannot be reached is said now,
    # in one line, rather than on the first page someone opens.
    if _upgrade_database() != 0:
        return 1
    return serve(args.host, args.port, prod=not args.dev)


# --- helpers ----------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"cannot read {path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"cannot read {path}: it is a folder") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read {path}: not UTF-8 text") from exc
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc


def _check_file(path: Path, as_user: str | None = None) -> FlowCheck:
    text = _read_text(path)
    try:
        return check_text(text, dataset_lookup_for(as_user))
    except LookupError as exc:  # no such user
        raise UsageError(str(exc).strip("'\"")) from exc


def _compile(check: FlowCheck) -> CompiledFlow:
    from designer.flow.compile import compile_flow

    assert check.flow is not None
    return compile_flow(check.flow, check)


def _checked_and_compiled(
    path: Path, as_user: str | None = None
) -> tuple[Flow, CompiledFlow] | None:
    """The flow and its pipeline, or None (with the problems printed) when it has errors."""
    check = _check_file(path, as_user)
    if not check.valid or check.flow is None:
        _print_diagnostics(check)
        return None
    return check.flow, _compile(check)


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
    return KubeflowSettings(
        host=host,
        namespace=args.namespace or (configured.namespace if configured else "kubeflow"),
        token=args.token or (configured.token if configured else None),
    )


def _read_rows(path: Path, pd: Any) -> Any:
    text = _read_text(path)
    if path.suffix.lower() == ".json":
        try:
            return pd.DataFrame(json.loads(text))
        except ValueError as exc:
            raise UsageError(
                f"cannot read {path}: expected a JSON list of objects ({exc})"
            ) from exc
    try:
        return pd.read_csv(path)
    except ValueError as exc:
        raise UsageError(f"cannot read {path} as CSV: {exc}") from exc


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _print_diagnostics(check: FlowCheck) -> None:
    for diagnostic in check.diagnostics:
        print(diagnostic, file=sys.stderr)


def _print_record(record: RunRecord, *, as_json: bool, flow: Flow | None = None) -> None:
    if as_json:
        _print_json(record.summary())
        return
    print(f"run {record.run_id}: {record.status}")
    for node_id, node in record.nodes.items():
        metrics = "  ".join(f"{k}={v:.4g}" for k, v in sorted(node.metrics.items()))
        print(f"  {node_id:<24} {node.status!s:<10} {metrics}")
        if node.error:
            print(f"  {'':<24} {node.error}")
    for table in compare_models(record, model_names(flow) if flow is not None else None):
        _print_comparison(table)
    if record.error:
        print(record.error)
    if record.url:
        print(record.url)


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
