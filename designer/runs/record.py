"""The record of one run: its overall status and, for every node of the flow, what happened.

Both engines (local and Kubeflow) fill the same record, so the CLI and the canvas show runs the
same way wherever they ran.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

#: Why a local run failed when the process following it stopped before it finished (a server
#: restart or crash, a killed ``designer run``): nobody is left to see how it ends.
INTERRUPTED = "interrupted: the designer stopped while this run was going"


class Status(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    #: The node did not run: an earlier run's result for the same block, settings and inputs
    #: was reused (``NodeRun.cached_from`` names that run).
    CACHED = "cached"

    @property
    def finished(self) -> bool:
        return self in (
            Status.SUCCEEDED,
            Status.FAILED,
            Status.SKIPPED,
            Status.CANCELLED,
            Status.CACHED,
        )

    @property
    def done(self) -> bool:
        """The node has its outputs: it ran and succeeded, or reused an earlier result."""
        return self in (Status.SUCCEEDED, Status.CACHED)


@dataclass
class StoredOutput:
    """Where an output was kept in object storage once its run finished (designer.runs.artifacts).

    The engine's own folders are temporary; these objects are what downloads read.
    """

    #: The key prefix of the output's objects: ``runs/<run>/<node>/<port>/``.
    prefix: str
    #: True when the output is a folder (downloaded as a .zip), False for a single file.
    folder: bool = False
    #: Each file's path as the block wrote it (relative to the folder, or the file's name) and
    #: the key it was stored under; names people or blocks chose are encoded in keys, kept here.
    files: dict[str, str] = field(default_factory=dict)
    #: Bytes stored, all files added up.
    size: int = 0


@dataclass
class OutputRecord:
    """One output artifact of a node: where it is and the metadata the block attached."""

    uri: str
    type: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Its copy in object storage, None until the run finished (or when it has no file, or the
    #: copy failed: the run's ``artifacts_error`` says why).
    stored: StoredOutput | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutputRecord:
        stored = data.get("stored")
        return cls(**{**data, "stored": StoredOutput(**stored) if stored else None})


@dataclass
class NodeRun:
    status: Status = Status.PENDING
    #: KFP task name that ran this node.
    task: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    log: str = ""
    #: The error in one line when the node failed (the exception the block raised).
    error: str = ""
    outputs: dict[str, OutputRecord] = field(default_factory=dict)
    #: Scalar metrics the node logged (accuracy, rmse, ...).
    metrics: dict[str, float] = field(default_factory=dict)
    #: The pod that ran the node on a cluster ("" for a local run): where its log is read.
    pod: str = ""
    #: The run whose result this node reused, when its status is "cached".
    cached_from: str = ""


@dataclass
class RunRecord:
    run_id: str
    flow_name: str
    engine: str
    status: Status = Status.PENDING
    nodes: dict[str, NodeRun] = field(default_factory=dict)
    started_at: float | None = None
    finished_at: float | None = None
    #: Folder or URL under which the run's artifacts live.
    artifacts_root: str = ""
    #: Why the run as a whole failed when no single node explains it (engine could not start...).
    error: str = ""
    #: Link to the run in the engine's own UI, where there is one.
    url: str = ""
    #: Why the run's outputs could not (all) be kept in object storage; "" when they were or
    #: there was nothing to keep. Never fails the run: downloads read the engine's folder then.
    artifacts_error: str = ""
    #: The key of the run's console output in object storage, "" when it was not kept.
    console_key: str = ""
    #: The process following a local run (``designer.runs.supervisor``), "" elsewhere: while
    #: the run is unfinished, a record whose supervisor is gone will never finish on its own.
    supervisor: str = ""
    #: The flow-parameter values the run used, defaults included.
    arguments: dict[str, Any] = field(default_factory=dict)
    #: False when the run was started with caching off: every node ran.
    cache: bool = True
    #: The node a "rerun from here" started from ("" otherwise): it and what is downstream ran
    #: again, the rest could reuse earlier results.
    rerun_from: str = ""
    #: Plain sentences about the run as a whole that are not errors (the cache was unusable...).
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        nodes = {
            node_id: NodeRun(
                **{
                    **raw,
                    "status": Status(raw["status"]),
                    "outputs": {
                        k: OutputRecord.from_dict(v) for k, v in raw.get("outputs", {}).items()
                    },
                }
            )
            for node_id, raw in data.get("nodes", {}).items()
        }
        return cls(**{**data, "status": Status(data["status"]), "nodes": nodes})

    def interrupt(self, at: float, reason: str = INTERRUPTED) -> None:
        """End an unfinished run nobody follows any more: failed, with ``reason``.

        Its running blocks failed and its pending ones were skipped for the same reason, so
        the canvas shows where it stopped and the flow can run again.
        """
        self.status = Status.FAILED
        self.error = reason
        self.finished_at = at
        for node in self.nodes.values():
            if node.status is Status.RUNNING:
                node.status, node.finished_at = Status.FAILED, at
                node.error = node.error or reason
            elif node.status is Status.PENDING:
                node.status, node.error = Status.SKIPPED, reason

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RunRecord:
        return cls.from_dict(json.loads(path.read_text()))

    def summary(self) -> dict[str, Any]:
        """The short form printed by ``designer run --json``."""
        return {
            "run_id": self.run_id,
            "status": str(self.status),
            "error": self.error,
            "nodes": {
                node_id: {
                    "status": str(n.status),
                    "metrics": n.metrics,
                    "error": n.error,
                    **({"cached_from": n.cached_from} if n.cached_from else {}),
                }
                for node_id, n in self.nodes.items()
            },
        }
