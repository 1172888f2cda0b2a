"""Reading a Kubeflow Pipelines run (v2beta1 API) into the designer's RunRecord."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import kfp_server_api

from designer.runs.kfp_transport import one_line
from designer.runs.record import NodeRun, RunRecord, Status

ENGINE = "kubeflow"

#: KFP runtime states (V2beta1RuntimeState) as the designer shows them. CANCELING and PAUSED
#: are not over yet, so they count as running and ``wait`` keeps polling.
KFP_STATES: dict[str, Status] = {
    "RUNTIME_STATE_UNSPECIFIED": Status.PENDING,
    "PENDING": Status.PENDING,
    "RUNNING": Status.RUNNING,
    "PAUSED": Status.RUNNING,
    "CANCELING": Status.RUNNING,
    "SUCCEEDED": Status.SUCCEEDED,
    "SKIPPED": Status.SKIPPED,
    "FAILED": Status.FAILED,
    "CANCELED": Status.CANCELLED,
}

#: When several task details map to one node (loop iterations), the one that says most wins.
_STATUS_WEIGHT = {
    Status.FAILED: 5,
    Status.RUNNING: 4,
    Status.PENDING: 3,
    Status.CANCELLED: 2,
    Status.SUCCEEDED: 1,
    Status.CACHED: 1,
    Status.SKIPPED: 0,
}
#: Entries KFP lists for its own root DAG and executor pods, never a flow's task.
_SYSTEM_TASKS = frozenset({"root", "root-driver", "executor"})


def kfp_status(state: str | None) -> Status:
    """The designer status for a KFP runtime state; unknown or missing states read as pending."""
    return KFP_STATES.get(state or "", Status.PENDING)


def run_name(flow_name: str, now: datetime | None = None) -> str:
    """Flow name plus a UTC timestamp, so runs of one flow sort and read well in the KFP UI."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{flow_name} {moment:%Y-%m-%d %H:%M:%S} UTC"


def record_from_kfp_run(
    run: kfp_server_api.V2beta1Run,
    *,
    flow_name: str,
    task_to_node: Mapping[str, str],
    url: str = "",
) -> RunRecord:
    """The designer's record of a KFP run; nodes without a task detail yet stay pending."""
    status = kfp_status(run.state)
    details = list(run.run_details.task_details or []) if run.run_details else []
    by_task = _details_by_task(details, task_to_node)
    nodes = {node_id: NodeRun(task=task) for task, node_id in task_to_node.items()}
    for task, node_id in task_to_node.items():
        if mine := by_task.get(task):
            nodes[node_id] = _node_from_details(task, mine, details)
        elif status.finished:
            nodes[node_id].status = Status.SKIPPED
    runtime = run.runtime_config
    return RunRecord(
        run_id=run.run_id or "",
        flow_name=flow_name,
        engine=ENGINE,
        status=status,
        nodes=nodes,
        started_at=_epoch(run.created_at),
        finished_at=_epoch(run.finished_at) if status.finished else None,
        artifacts_root=(runtime.pipeline_root or "") if runtime else "",
        error=_rpc_message(run.error),
        url=url,
    )


def _details_by_task(
    details: list[kfp_server_api.V2beta1PipelineTaskDetail], tasks: Mapping[str, str]
) -> dict[str, list[kfp_server_api.V2beta1PipelineTaskDetail]]:
    """The details of each flow task, in one pass; KFP's own entries (root DAG, drivers,
    executor pods) never carry a flow task's name, so they fall out by the name lookup."""
    grouped: dict[str, list[kfp_server_api.V2beta1PipelineTaskDetail]] = {}
    for detail in details:
        name = detail.display_name or ""
        if name in tasks and name not in _SYSTEM_TASKS:
            grouped.setdefault(name, []).append(detail)
    return grouped


def _node_from_details(
    task: str,
    mine: list[kfp_server_api.V2beta1PipelineTaskDetail],
    everything: list[kfp_server_api.V2beta1PipelineTaskDetail],
) -> NodeRun:
    """Fold one task's details (several for loop iterations) into a NodeRun."""
    worst = max(mine, key=lambda d: _STATUS_WEIGHT[kfp_status(d.state)])
    status = kfp_status(worst.state)
    starts = [t for d in mine if (t := _epoch(d.start_time)) is not None]
    ends = [t for d in mine if (t := _epoch(d.end_time)) is not None]
    return NodeRun(
        status=status,
        task=task,
        started_at=min(starts, default=None),
        finished_at=max(ends, default=None) if status.finished else None,
        error=_task_error(mine, everything) if status is Status.FAILED else "",
        pod=_pod(worst, everything),
    )


def _pod(
    detail: kfp_server_api.V2beta1PipelineTaskDetail,
    everything: list[kfp_server_api.V2beta1PipelineTaskDetail],
) -> str:
    """The executor pod of a task: listed among its child tasks, or on a child detail."""
    for child in detail.child_tasks or []:
        if child.pod_name:
            return str(child.pod_name)
    for other in everything:
        if other.parent_task_id == detail.task_id and other.pod_name:
            return str(other.pod_name)
    return str(detail.pod_name or "")


def _task_error(
    mine: list[kfp_server_api.V2beta1PipelineTaskDetail],
    everything: list[kfp_server_api.V2beta1PipelineTaskDetail],
) -> str:
    """The task's own error, else one reported on its executor pod (listed as a child)."""
    for detail in mine:
        if message := _rpc_message(detail.error):
            return message
    ids = {d.task_id for d in mine if d.task_id}
    for detail in everything:
        if detail.parent_task_id in ids and (message := _rpc_message(detail.error)):
            return message
    return ""


def _rpc_message(status: kfp_server_api.GoogleRpcStatus | None) -> str:
    return one_line(status.message or "") if status is not None else ""


def _epoch(moment: datetime | None) -> float | None:
    """Seconds since the epoch; the API writes 1970-01-01 for times that have not happened."""
    if moment is None:
        return None
    stamp = moment.timestamp()
    return stamp if stamp > 0 else None
