"""Loading a compiled KFP v2 pipeline file as data, bounded and strictly typed.

The file is a person's: it is loaded as bounded YAML (``component_yaml_scan``: size, nesting,
documents, aliases), then parsed strictly as kfp's own ``PipelineSpec`` protobuf (its
deployment part as ``PipelineDeploymentConfig``), so a file is read only when KFP would read
it, and every field of what comes back has the type KFP gives it. A problem is an
``ImportProblem``: in words, with its task and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from designer.userblocks.component_yaml_scan import (
    MAX_COMPONENT_CHARS,
    MAX_VALUES,
    Refused,
    kind_of,
    load_documents,
    node_line,
    said,
)

#: Longest pipeline file read: a few components' worth (each may embed a program).
MAX_PIPELINE_CHARS = MAX_COMPONENT_CHARS * 4


@dataclass(frozen=True)
class PipelineFile:
    """A loaded pipeline file."""

    #: The pipeline as the proto's JSON form: every field of its type, maps in no order.
    document: dict[str, Any]
    #: The pipeline as written (for the order of its maps).
    written: dict[Any, Any]
    #: Its YAML node, which keeps the lines.
    node: yaml.Node
    #: The file carries platform settings (a second YAML document), which are not imported.
    platform: bool


@dataclass(frozen=True)
class ImportProblem:
    """Why a pipeline cannot be imported: said in words, with the task it concerns ("" for the
    pipeline as a whole) and its line in the file (0 when not one line)."""

    message: str
    task: str = ""
    line: int = 0

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class PipelineRefused(Exception):
    """The pipeline cannot be imported; ``problems`` say why, every one at once."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = tuple(problems)


def refuse(message: str, line: int = 0) -> PipelineRefused:
    return PipelineRefused([ImportProblem(message, "", line)])


def load_pipeline(text: str) -> PipelineFile:
    """The pipeline file ``text``; PipelineRefused saying why it is none (kfp's, protobuf's
    and PyYAML's errors among them)."""
    if not isinstance(text, str):
        raise refuse("a pipeline file is text (YAML)")
    if len(text) > MAX_PIPELINE_CHARS:
        raise refuse(
            f"the file has {len(text):,} characters; a pipeline file may have at most "
            f"{MAX_PIPELINE_CHARS:,}"
        )
    if not text.strip():
        raise refuse("the file is empty; choose a pipeline compiled by KFP (IR YAML)")
    try:
        documents, nodes = load_documents(text, what="pipeline file", max_values=MAX_VALUES * 4)
    except Refused as refused:
        problems = [ImportProblem(p.message, "", p.line) for p in refused.problems]
        raise PipelineRefused(problems) from None
    first = documents[0] if documents else None
    if not isinstance(first, dict):
        raise refuse(
            "a compiled pipeline is a YAML mapping of pipelineInfo, components, deploymentSpec "
            f"and root; this file holds {kind_of(first)}",
            node_line(nodes[0]) if nodes else 1,
        )
    if len(documents) == 2 and documents[1] is not None and not isinstance(documents[1], dict):
        raise refuse(
            "the second YAML document of a compiled pipeline holds its platform settings, a "
            f"mapping; this one holds {kind_of(documents[1])}",
            node_line(nodes[1]),
        )
    if "implementation" in first:
        raise refuse(
            "this is a KFP v1 component, not a pipeline: add it as a block instead",
            node_line(nodes[0]),
        )
    missing = [
        k for k in ("pipelineInfo", "components", "deploymentSpec", "root") if k not in first
    ]
    if missing:
        raise refuse(
            "this is not a compiled KFP pipeline: one has pipelineInfo:, components:, "
            f"deploymentSpec: and root:; this file lacks {', '.join(missing)}",
            node_line(nodes[0]),
        )
    try:
        spec = json_format.ParseDict(first, pipeline_spec_pb2.PipelineSpec())
        deployment = json_format.ParseDict(
            first["deploymentSpec"], pipeline_spec_pb2.PipelineDeploymentConfig()
        )
    except Exception as exc:
        raise refuse(f"KFP cannot read this pipeline: {said(exc)}") from None
    document = json_format.MessageToDict(spec)
    document["deploymentSpec"] = json_format.MessageToDict(deployment)
    platform = len(documents) == 2 and bool(documents[1])
    return PipelineFile(document, first, nodes[0], platform)


def in_order(mapping: dict[str, Any], written: Any) -> dict[str, Any]:
    """``mapping`` (read through the proto, which forgets order) in the order of the file."""
    order = [str(key) for key in written] if isinstance(written, dict) else []
    ordered = {key: mapping[key] for key in order if key in mapping}
    return ordered | {key: value for key, value in mapping.items() if key not in ordered}
