"""The component each task of an imported pipeline runs, as the block it becomes.

A compiled pipeline holds each task's component twice over: its inputs and outputs under
``components`` and its container under ``deploymentSpec.executors``. Put together they make a
single-component document laid out as the KFP SDK compiles a component
(``Compiler().compile(component)``: one task running it, fed by the pipeline's own inputs),
which ``read_component`` reads into a block like any component file a person brings.

KFP copies a component for each task that uses it (``comp-train``, ``comp-train-2``, each with
its executor): copies that are the same but for their names make one block, named after the
first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from google.protobuf import json_format
from kfp.compiler import pipeline_spec_builder
from kfp.dsl import structures

from designer.userblocks.component_file import read_component
from designer.userblocks.component_yaml_scan import said
from designer.userblocks.pipeline_file import ImportProblem
from designer.userblocks.pipeline_ir import TaskRead
from designer.userblocks.spec import BlockSpec

#: The parts of a container a block does not keep: KFP writes a task's resources (the node's
#: resources now) into its own copy of the executor, and kfp cannot read a compiled component
#: back with environment variables (``pipeline_ir`` notes both it and lifecycle hooks).
_TASK_ONLY = ("resources", "lifecycle", "env")


@dataclass(frozen=True)
class TaskComponent:
    """The block a task's component makes: its compiled component YAML and its spec."""

    #: The component's name (``train``: its key in the file without ``comp-``).
    name: str
    #: The component as KFP compiles a component on its own: what the block is saved from.
    text: str
    spec: BlockSpec


def task_components(
    tasks: tuple[TaskRead, ...],
) -> tuple[dict[str, TaskComponent], list[ImportProblem]]:
    """Task name -> the block its component makes (the same object for copies of one
    component), and the problems of the components that make none."""
    by_task: dict[str, TaskComponent] = {}
    by_content: dict[str, TaskComponent | None] = {}
    problems: list[ImportProblem] = []
    for task in tasks:
        content = _content_key(task)
        if content not in by_content:
            by_content[content] = _component(task, problems)
        made = by_content[content]
        if made is not None:
            by_task[task.name] = made
    return by_task, problems


def component_name(key: str) -> str:
    """A KFP component name (lower-case letters, digits, dashes) from its key in the file."""
    name = re.sub(r"[^a-z0-9-]+", "-", key.removeprefix("comp-").lower()).strip("-")
    return name[:100].rstrip("-") or "component"


def component_document(name: str, component: dict[str, Any], container: dict[str, Any]) -> str:
    """The single-component document of ``component`` (its IR definitions) running
    ``container``, as the KFP SDK writes a compiled component; kfp's errors as they come."""
    container = {k: v for k, v in container.items() if k not in _TASK_ONLY}
    definitions = {
        k: v for k, v in component.items() if k in ("inputDefinitions", "outputDefinitions")
    }
    ir = {
        "pipelineInfo": {"name": name},
        "components": {f"comp-{name}": {**definitions, "executorLabel": f"exec-{name}"}},
        "deploymentSpec": {"executors": {f"exec-{name}": {"container": container}}},
        "root": {"dag": {"tasks": {}}},
        "schemaVersion": "2.1.0",
    }
    spec = structures.ComponentSpec.from_ir_dicts(ir, {})
    compiled = json_format.MessageToDict(spec.to_pipeline_spec())
    # The heading names the component's inputs and outputs; its description (a program's
    # docstring) is left out of it, since comment lines cannot hold every character.
    header = pipeline_spec_builder.extract_comments_from_pipeline_spec(compiled, None)
    return header + yaml.safe_dump(compiled, sort_keys=True)


def _content_key(task: TaskRead) -> str:
    """What makes two tasks' components the same, their names aside."""
    definitions = {k: v for k, v in task.component.items() if k != "executorLabel"}
    container = {k: v for k, v in task.container.items() if k not in _TASK_ONLY}
    return json.dumps([definitions, container], sort_keys=True, default=str)


def _component(task: TaskRead, problems: list[ImportProblem]) -> TaskComponent | None:
    name = component_name(task.component_key)
    where = f"task {task.name!r} (component {task.component_key!r})"
    try:
        text = component_document(name, task.component, task.container)
    except Exception as exc:  # kfp's reader and writer raise errors of every kind
        problems.append(
            ImportProblem(
                f"{where}: KFP cannot read its component: {said(exc)}", task.name, task.line
            )
        )
        return None
    read = read_component(text)
    if read.check.spec is None:
        problems += [
            ImportProblem(f"{where}: {problem.message}", task.name, task.line)
            for problem in read.check.problems
        ]
        return None
    return TaskComponent(name, read.component_yaml, read.check.spec)
