"""What a cluster run produced, read back so it shows in the designer like a local run.

Kubeflow's REST API reports statuses only: outputs' metadata (metrics, the confusion matrix)
stays in its metadata store, and logs stay with the pods. So, each time the designer looks at
a cluster run:

- every task that finished has written a report beside its outputs in the designer's storage
  (``blocks.runtime.kfp_task``): the outputs' addresses, types and metadata. They become the
  node's outputs and metrics, and the outputs' objects are listed so downloads read them;
- each node's log is its pod's log, read through the Kubernetes API when the designer may use
  it (``designer.cluster.kube``); a failed node's error is the exception line of that log.

What was read once is kept in the saved record (``carry_over``), so a finished node is not read
again. Nothing here fails the run: a report or log that cannot be read leaves the node as
Kubeflow reported it, and the record's ``artifacts_error`` says why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from blocks.runtime.kfp_task import REPORT_NAME
from designer.objects.base import ObjectStore, ObjectStoreError
from designer.runs.local_log import error_line
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status, StoredOutput

#: ``pod_log(pod) -> text``; raises for a log that cannot be read.
PodLog = Callable[[str], str]
#: Output types that carry only metadata (no file): nothing to list for downloads.
_METADATA_ONLY = frozenset({"system.Metrics", "system.ClassificationMetrics"})

log = logging.getLogger(__name__)


def carry_over(saved: RunRecord, fresh: RunRecord) -> None:
    """Keep in ``fresh`` (as Kubeflow reports it now) what was read before for each node."""
    for node_id, node in fresh.nodes.items():
        before = saved.nodes.get(node_id)
        if before is None:
            continue
        node.outputs = node.outputs or before.outputs
        node.metrics = node.metrics or before.metrics
        # A log read while the node ran is read again once it has ended (its last lines say
        # why it failed); one read after it ended is final.
        if before.status.finished:
            node.log = node.log or before.log
        node.pod = node.pod or before.pod
        if before.error and node.status is Status.FAILED:
            node.error = before.error
    fresh.artifacts_error = fresh.artifacts_error or saved.artifacts_error
    # What the designer chose when it started the run; the cluster does not say it back.
    fresh.arguments, fresh.cache, fresh.rerun_from = saved.arguments, saved.cache, saved.rerun_from
    fresh.notes = fresh.notes or saved.notes


def read_results(
    record: RunRecord,
    *,
    store: ObjectStore | None,
    pipeline: str,
    pod_log: PodLog | None,
    namespace: str = "",
) -> None:
    """Fill ``record``'s nodes from the task reports and pod logs (see the module's doc);
    without ``pod_log``, each node's log says which pod (in ``namespace``) holds it."""
    problems: list[str] = []
    wanted = [n for n in record.nodes.values() if n.status.finished and not n.outputs]
    if wanted and store is not None and record.artifacts_root:
        try:
            root, objects = _run_objects(store, record, pipeline)
            reports = _reports(store, root, objects, {node.task for node in wanted})
            for node in wanted:
                if node.task in reports:
                    _apply_report(store, node, reports[node.task], objects)
        except (ObjectStoreError, ValueError) as exc:
            problems.append(f"the run's outputs could not be read from storage: {exc}")
    for node in record.nodes.values():
        if pod_log is None and node.pod and not node.log:
            node.log = _where_the_log_is(node.pod, namespace)
        if pod_log is None or not node.pod or (node.log and node.status.finished):
            continue
        try:
            node.log = pod_log(node.pod)
        except Exception as exc:  # the cluster's own message: one line for the person
            problems.append(f"the log of {node.task} could not be read: {exc}")
            continue
        if node.status is Status.FAILED and node.log:
            node.error = error_line(node.log)
    if problems:
        record.artifacts_error = "; ".join(dict.fromkeys(problems))


def _where_the_log_is(pod: str, namespace: str) -> str:
    return (
        f"This block ran in pod {pod} (namespace {namespace}). The designer shows pod logs "
        "when it may use the Kubernetes API: an administrator can set DESIGNER_K8S_HOST and "
        "DESIGNER_K8S_TOKEN, or DESIGNER_K8S_IN_CLUSTER=true.\n"
    )


def object_key(store: ObjectStore, uri: str) -> str | None:
    """The key of ``uri`` in ``store``, or None when the address is elsewhere."""
    prefix = store.location("x")[:-1]  # the address of the store's root, ending in "/"
    return uri[len(prefix) :] if uri.startswith(prefix) and len(uri) > len(prefix) else None


def _run_objects(
    store: ObjectStore, record: RunRecord, pipeline: str
) -> tuple[str, dict[str, int]]:
    """The run's key prefix, ``<root>/<pipeline>/<run>/``, and every object the run wrote
    under it (key -> size)."""
    root = object_key(store, f"{record.artifacts_root.rstrip('/')}/{pipeline}/{record.run_id}/")
    if root is None:
        raise ValueError(
            f"outputs are written to {record.artifacts_root}, outside the designer's storage "
            f"({store.location('x')[:-1]})"
        )
    return root, {info.key: info.size for info in store.list(root)}


def _reports(
    store: ObjectStore, root: str, objects: dict[str, int], tasks: set[str]
) -> dict[str, dict[str, Any]]:
    """The reports of ``tasks``, by task name: each sits under ``<root><task>/`` (with or
    without the salt folder newer Kubeflow versions add), so only those are read."""
    found: dict[str, dict[str, Any]] = {}
    for key in objects:
        task = key[len(root) :].split("/", 1)[0]
        if task not in tasks or not key.endswith(f"/{REPORT_NAME}"):
            continue
        try:
            report = json.loads(store.read_bytes(key))
        except ValueError:
            continue
        if isinstance(report, dict):
            found[task] = report
    return found


def _apply_report(
    store: ObjectStore, node: NodeRun, report: dict[str, Any], objects: dict[str, int]
) -> None:
    for port, output in (report.get("outputs") or {}).items():
        if not isinstance(output, dict):
            continue
        kind, metadata = str(output.get("type", "")), output.get("metadata") or {}
        uri = str(output.get("uri", ""))
        record = OutputRecord(uri, kind, metadata if isinstance(metadata, dict) else {})
        if kind not in _METADATA_ONLY:
            record.stored = _stored(store, uri, objects)
        node.outputs[port] = record
        if kind == "system.Metrics":
            node.metrics.update(
                {
                    k: float(v)
                    for k, v in record.metadata.items()
                    if isinstance(v, int | float) and not isinstance(v, bool)
                }
            )


def _stored(store: ObjectStore, uri: str, objects: dict[str, int]) -> StoredOutput | None:
    """The output's objects: one file at its key, or a folder of files under it."""
    key = object_key(store, uri)
    if key is None:
        return None
    if key in objects:
        name = urlsplit(uri).path.rsplit("/", 1)[-1]
        return StoredOutput(prefix=key, files={name: key}, size=objects[key])
    inside = {k[len(key) + 1 :]: k for k in objects if k.startswith(f"{key}/")}
    if not inside:
        return None
    size = sum(objects[k] for k in inside.values())
    return StoredOutput(prefix=f"{key}/", folder=True, files=inside, size=size)
