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


class Status(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (Status.SUCCEEDED, Status.FAILED, Status.SKIPPED, Status.CANCELLED)


@dataclass
class OutputRecord:
    """One output artifact of a node: where it is and the metadata the block attached."""

    uri: str
    type: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        nodes = {
            node_id: NodeRun(
                **{
                    **raw,
                    "status": Status(raw["status"]),
                    "outputs": {k: OutputRecord(**v) for k, v in raw.get("outputs", {}).items()},
                }
            )
            for node_id, raw in data.get("nodes", {}).items()
        }
        return cls(**{**data, "status": Status(data["status"]), "nodes": nodes})

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
                node_id: {"status": str(n.status), "metrics": n.metrics, "error": n.error}
                for node_id, n in self.nodes.items()
            },
        }
