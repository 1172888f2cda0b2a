"""The entry point of a block's container on a Kubeflow cluster.

    python3 -m blocks.runtime.kfp_task --module blocks.train.random_forest \\
        --function_to_execute train_random_forest --executor_input '{...}'

or, for a person's own block, whose source the task wrote to a file first
(``designer.userblocks.components``), ``--component_module_path FILE`` instead of ``--module``.

Kubeflow's launcher substitutes the executor input, runs this, then uploads each output
artifact's file to its URI. This does what ``kfp.dsl.executor_main`` does (the block image
holds the blocks, so the function is imported rather than written out from the pipeline), and
one thing more: it writes the task's report, ``designer-task.json``, beside its outputs in the
storage. The report holds each output's URI, type and metadata (the metrics, the confusion
matrix, a dataset's row count...), which Kubeflow keeps only in its metadata store, out of reach
of its REST API; the designer reads the report to show a cluster run as it shows a local one.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import posixpath
import sys
from collections.abc import Sequence
from typing import Any

#: The report's name, in the folder of the task's outputs.
REPORT_NAME = "designer-task.json"
#: Only block modules are imported by --module (a person's block comes as a file it wrote).
MODULE_PREFIX = "blocks."

log = logging.getLogger("designer.task")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one block of a designer flow.")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--module")
    where.add_argument("--component_module_path")
    parser.add_argument("--function_to_execute", required=True)
    parser.add_argument("--executor_input", required=True)
    args, _unknown = parser.parse_known_args(argv)
    if args.module is not None and not args.module.startswith(MODULE_PREFIX):
        parser.error(f"--module must name a block module ({MODULE_PREFIX}...)")
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    executor_input = json.loads(args.executor_input)

    from kfp.dsl import executor

    module = (
        importlib.import_module(args.module)
        if args.module is not None
        else _load_program(args.component_module_path)
    )
    function = getattr(module, args.function_to_execute)
    try:
        executor.Executor(executor_input=executor_input, function_to_execute=function).execute()
    except BaseException as exc:
        _report(executor_input, error=f"{type(exc).__name__}: {exc}")
        raise
    _report(executor_input)
    return 0


def _load_program(path: str) -> Any:
    """The module of a person's block, from the file its task wrote the source to."""
    spec = importlib.util.spec_from_file_location("block_program", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the block's program from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def report_uri(executor_input: dict[str, Any]) -> str | None:
    """Where the report goes: the folder of the task's first output artifact."""
    for listed in (executor_input.get("outputs", {}).get("artifacts") or {}).values():
        for artifact in listed.get("artifacts") or []:
            if uri := artifact.get("uri"):
                return posixpath.join(posixpath.dirname(uri.rstrip("/")), REPORT_NAME)
    return None


def task_report(executor_input: dict[str, Any], error: str = "") -> dict[str, Any]:
    """Each output artifact's URI, type and metadata, read back from the executor output."""
    outputs = executor_input.get("outputs", {})
    written = _executor_output(outputs.get("outputFile"))
    report: dict[str, Any] = {"format": 1, "outputs": {}, "error": error}
    for name, listed in (outputs.get("artifacts") or {}).items():
        artifacts = listed.get("artifacts") or []
        if not artifacts:
            continue
        artifact = artifacts[0]
        done = (written.get("artifacts", {}).get(name, {}).get("artifacts") or [{}])[0]
        report["outputs"][name] = {
            "uri": artifact.get("uri", ""),
            "type": artifact.get("type", {}).get("schemaTitle", ""),
            "metadata": done.get("metadata") or artifact.get("metadata") or {},
        }
    return report


def _report(executor_input: dict[str, Any], error: str = "") -> None:
    """Write the report; a storage failure is logged, never hides the block's own outcome."""
    uri = report_uri(executor_input)
    if uri is None:
        return
    from blocks.runtime import pod_storage

    try:
        pod_storage.write_json(uri, task_report(executor_input, error))
    except Exception as exc:  # the designer then shows statuses and logs only
        log.warning("could not write the task report to %s: %s", uri, exc)


def _executor_output(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path) as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


if __name__ == "__main__":
    sys.exit(main())
