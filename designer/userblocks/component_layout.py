"""Which KFP format a component file is in, and where its parts are.

A component file is a KFP v1 ``component.yaml`` (``name``, ``inputs``, ``outputs``,
``implementation: container: ...``) or a component compiled by the KFP v2 SDK (pipeline IR
holding one task, optionally with a second YAML document of platform settings). ``Layout``
holds the loaded file with its YAML nodes, so every problem can name the line it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from kfp.dsl import utils

from designer.userblocks.component_yaml_scan import (
    Refused,
    at,
    kind_of,
    load_documents,
    node_line,
    path_line,
)
from designer.userblocks.spec import SourceProblem


@dataclass(frozen=True)
class Layout:
    """The file as loaded: its first document, which KFP format it is in, and where its parts
    are (the YAML's nodes keep their line numbers)."""

    document: dict[Any, Any]
    node: yaml.Node
    #: 1 (``implementation:``) or 2 (compiled IR).
    version: int
    #: v2: the path of the component's own definitions (``components/comp-x`` or ``root``).
    component_path: tuple[str, ...] = ()
    #: v2: the file carries KFP platform settings (a second document), which are not kept.
    platform: bool = False

    @classmethod
    def of(cls, text: str) -> Layout:
        documents, nodes = load_documents(text)
        first = documents[0] if documents else None
        if not isinstance(first, dict):
            raise Refused(
                SourceProblem(
                    "a component file is a YAML mapping: name, inputs, outputs and "
                    "implementation (KFP v1), or pipelineInfo, components, deploymentSpec and "
                    f"root (compiled by KFP v2); this file holds {kind_of(first)}",
                    node_line(nodes[0]) if nodes else 1,
                )
            )
        if len(documents) == 2 and documents[1] is not None and not isinstance(documents[1], dict):
            raise Refused(
                SourceProblem(
                    "the second YAML document of a compiled component holds its platform "
                    f"settings, a mapping; this one holds {kind_of(documents[1])}",
                    node_line(nodes[1]),
                )
            )
        if "implementation" in first:
            check_v1_container(first, nodes[0])
            return cls(first, nodes[0], 1)
        missing = [
            key
            for key in ("pipelineInfo", "components", "deploymentSpec", "root")
            if key not in first
        ]
        if missing:
            raise Refused(
                SourceProblem(
                    "this is not a KFP component: a KFP v1 component.yaml has implementation: "
                    "and a component compiled by KFP v2 has pipelineInfo:, components:, "
                    f"deploymentSpec: and root:; this file lacks {', '.join(missing)}",
                    node_line(nodes[0]),
                )
            )
        if task_count(first) > 1:
            raise Refused(pipeline_problem(path_line(nodes[0], ("root", "dag", "tasks"))))
        platform = len(documents) == 2 and bool(documents[1])
        return cls(first, nodes[0], 2, component_path(first), platform)

    def line(self, *path: str | int) -> int:
        return path_line(self.node, path)

    @property
    def image(self) -> int:
        if self.version == 1:
            return self.line("implementation", "container", "image")
        return self.line("deploymentSpec")

    def _v1_index(self, direction: str, name: str) -> int | None:
        entries = self.document.get(direction)
        if not isinstance(entries, list):
            return None
        for index, entry in enumerate(entries):
            if (
                isinstance(entry, dict)
                and utils.sanitize_input_name(str(entry.get("name"))) == name
            ):
                return index
        return None

    def _v2_definition(self, direction: str, name: str) -> tuple[str | int, ...]:
        definitions = at(self.document, *self.component_path, f"{direction[:-1]}Definitions")
        for group in ("parameters", "artifacts"):
            if isinstance(at(definitions, group, name), dict):
                return (*self.component_path, f"{direction[:-1]}Definitions", group, name)
        return self.component_path

    def where(self, direction: str, name: str) -> tuple[int, str]:
        """The line of input or output ``name`` and the description the file gives it."""
        if self.version == 1:
            index = self._v1_index(direction, name)
            if index is None:
                return self.line(direction), ""
            described = self.document[direction][index].get("description")
            return self.line(direction, index), described if isinstance(described, str) else ""
        path = self._v2_definition(direction, name)
        described = at(self.document, *path, "description")
        return self.line(*path), described if isinstance(described, str) else ""

    def v1_types(self, direction: str) -> dict[str, str]:
        """v1 only: the type each input or output is written with ("" when it has none)."""
        entries = self.document.get(direction) if self.version == 1 else None
        found: dict[str, str] = {}
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict):
                written = entry.get("type")
                kind = written if isinstance(written, str) else (str(written) if written else "")
                found[utils.sanitize_input_name(str(entry.get("name")))] = kind
        return found

    def clashes(self, direction: str) -> list[SourceProblem]:
        """v1 only: names KFP turns into the same one (``Learning rate`` and ``learning_rate``),
        which it merges without a word."""
        entries = self.document.get(direction) if self.version == 1 else None
        seen: dict[str, str] = {}
        problems = []
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            if not isinstance(entry, dict):
                continue
            written = str(entry.get("name"))
            name = utils.sanitize_input_name(written)
            if name in seen:
                problems.append(
                    SourceProblem(
                        f"{direction[:-1]}s {seen[name]!r} and {written!r} both become {name!r} "
                        "in KFP; rename one",
                        self.line(direction, index),
                    )
                )
            seen.setdefault(name, written)
        return problems


def check_v1_container(document: dict[Any, Any], node: yaml.Node) -> None:
    """A v1 component runs a container with an image (KFP says so too, less plainly)."""
    implementation = document["implementation"]
    if isinstance(implementation, dict) and "graph" in implementation:
        raise Refused(pipeline_problem(path_line(node, ("implementation", "graph"))))
    container = at(implementation, "container")
    if not isinstance(container, dict):
        raise Refused(
            SourceProblem(
                "implementation: must hold a container: with its image, command and args",
                path_line(node, ("implementation",)),
            )
        )
    image = container.get("image")
    if not isinstance(image, str) or not image.strip():
        raise Refused(
            SourceProblem(
                "the component's container names no image",
                path_line(node, ("implementation", "container", "image")),
            )
        )


def task_count(document: dict[Any, Any]) -> int:
    tasks = at(document, "root", "dag", "tasks")
    return len(tasks) if isinstance(tasks, dict) else 0


def component_path(document: dict[Any, Any]) -> tuple[str, ...]:
    """Where kfp finds the component's inputs and outputs in compiled IR (``from_ir_dicts``)."""
    name = at(document, "pipelineInfo", "name")
    key = utils.sanitize_component_name(name) if isinstance(name, str) else ""
    components_ = document.get("components")
    if isinstance(components_, dict) and key in components_:
        return ("components", key)
    return ("root",)


def pipeline_problem(line: int) -> SourceProblem:
    return SourceProblem(
        "this is a pipeline, not a single component: import it as a flow instead", line
    )
