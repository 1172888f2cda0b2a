"""Importing a compiled KFP v2 pipeline (IR YAML), one the designer did not make, as a flow.

Each task becomes a node running its component, imported as the person's block; each data
dependency an edge (an artifact into an artifact port, a value into the parameter's port);
an order without data (``.after()``) the node's ``after``; the pipeline's parameters the flow's
parameters, which node parameters refer to (``{"$param": name}``); a constant the node's own
setting. Node ids come from the task names, labels from their display names; the nodes are
laid out left to right (``pipeline_layout``). Compiling the flow gives a pipeline with the same
tasks, dependencies, executor images and commands.

What the canvas cannot hold yet is refused by ``pipeline_ir`` (conditions, loops, exit
handlers, nested pipelines, importers), each problem naming the construct and the task. The
import is all or nothing: a refused pipeline saves no block.

Saving is the caller's (``save_block``: a component's YAML in, the saved block's id out), so
this module needs no database; ``pipeline_saving`` gives the usual one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from designer.flow.document import PARAM_REF, Edge, Flow, Node, Position
from designer.flow.resources import NodeResources
from designer.userblocks.blocks import port_type
from designer.userblocks.component_ports import is_parameter_port
from designer.userblocks.component_yaml_scan import said
from designer.userblocks.pipeline_components import TaskComponent, task_components
from designer.userblocks.pipeline_file import ImportProblem, PipelineRefused
from designer.userblocks.pipeline_ir import TaskRead, read_pipeline
from designer.userblocks.pipeline_layout import layered_positions, node_height
from designer.userblocks.spec import BlockSourceError, PortSpec

#: Saves a component (its compiled YAML) as the person's block; returns ``owner/name@N``.
SaveBlock = Callable[[str], str]
#: Longest node id made from a task name.
MAX_NODE_ID_CHARS = 64


@dataclass(frozen=True)
class ImportResult:
    """The flow a pipeline makes, or the problems why it makes none (never both)."""

    flow: Flow | None
    problems: tuple[ImportProblem, ...] = ()
    #: What the person should know of what was not kept as it was (platform settings...).
    notes: tuple[str, ...] = ()
    #: The ids of the blocks the flow's nodes run, as saved.
    blocks: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.flow is not None

    def reasons(self, limit: int = 3) -> str:
        """The first ``limit`` problems on one line, for a message that has room for few."""
        said = "; ".join(str(p) for p in self.problems[:limit])
        more = len(self.problems) - limit
        return said + (f" (and {more} more)" if more > 0 else "")


def import_pipeline(text: str, *, save_block: SaveBlock) -> ImportResult:
    """The flow compiled pipeline ``text`` makes, each task's component saved with
    ``save_block``; or, saving nothing, every problem that keeps it from making one.

    Never raises for any text; what ``save_block`` raises (the store's errors) it lets through.
    """
    try:
        read = read_pipeline(text)
    except PipelineRefused as refused:
        return ImportResult(None, refused.problems)
    components, problems = task_components(read.tasks)
    if problems:
        return ImportResult(None, tuple(problems), read.notes)
    ids = _node_ids(read.tasks)
    wired = _Wiring(read.tasks, components, ids, {p.name for p in read.params})
    try:
        nodes = [wired.node(task) for task in read.tasks]
    except (ValidationError, ValueError) as exc:  # a value a node cannot hold (resources...)
        return ImportResult(None, (ImportProblem(f"the flow cannot hold this: {said(exc)}"),))
    if wired.problems:
        return ImportResult(None, tuple(wired.problems), read.notes)
    saved: dict[int, str] = {}
    for task in read.tasks:
        component = components[task.name]
        if id(component) not in saved:
            try:
                saved[id(component)] = save_block(component.text)
            except BlockSourceError as exc:
                problem = f"task {task.name!r}: its component cannot be saved as a block: {exc}"
                return ImportResult(None, (ImportProblem(problem, task.name, task.line),))
    for task, node in zip(read.tasks, nodes, strict=True):
        node.block = saved[id(components[task.name])]
    _lay_out(nodes, wired.edges, {t.name: components[t.name] for t in read.tasks}, ids)
    try:
        flow = Flow(
            name=read.name,
            description=read.description,
            params=list(read.params),
            nodes=nodes,
            edges=wired.edges,
        )
    except ValidationError as exc:
        return ImportResult(None, (ImportProblem(f"the flow cannot hold this: {said(exc)}"),))
    return ImportResult(flow, (), read.notes, tuple(dict.fromkeys(saved.values())))


def _node_ids(tasks: tuple[TaskRead, ...]) -> dict[str, str]:
    """Task name -> node id: the name in ASCII with anything but letters, digits, ``_.-``
    made a dash, cut to MAX_NODE_ID_CHARS, made unique with ``-2``, ``-3``..."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for task in tasks:
        ascii_ = unicodedata.normalize("NFKD", task.name).encode("ascii", "ignore").decode()
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_)
        base = safe.strip("-")[:MAX_NODE_ID_CHARS] or "task"
        node_id, n = base, 1
        while node_id in taken:
            n += 1
            node_id = f"{base[: MAX_NODE_ID_CHARS - len(str(n)) - 1]}-{n}"
        taken.add(node_id)
        ids[task.name] = node_id
    return ids


class _Wiring:
    """Turns each task's inputs into node settings and edges, checking that each fits."""

    def __init__(
        self,
        tasks: tuple[TaskRead, ...],
        components: dict[str, TaskComponent],
        ids: dict[str, str],
        flow_params: set[str],
    ) -> None:
        self.components = components
        self.ids = ids
        self.flow_params = flow_params
        self.edges: list[Edge] = []
        self.problems: list[ImportProblem] = []
        self._task = {task.name: task for task in tasks}

    def problem(self, task: TaskRead, message: str) -> None:
        self.problems.append(ImportProblem(f"task {task.name!r} {message}", task.name, task.line))

    def node(self, task: TaskRead) -> Node:
        """The task's node (its block is set once the component is saved)."""
        spec = self.components[task.name].spec
        params: dict[str, Any] = {}
        fed_by: set[str] = set()
        kinds = {param.name: param.type for param in spec.params}
        for name, given in task.parameters.items():
            kind = kinds.get(name)
            if kind is None:
                self.problem(task, f"sets {name!r}, which is not a value its component takes")
            elif "componentInputParameter" in given:
                params[name] = self._flow_param(task, name, given["componentInputParameter"])
            elif "runtimeValue" in given:
                value = _constant(given["runtimeValue"].get("constant"), kind)
                if value is not None:
                    params[name] = value
            elif "taskOutputParameter" in given:
                source = given["taskOutputParameter"]
                fed_by.add(source.get("producerTask", ""))
                self._edge(
                    task, name, source.get("producerTask", ""), source.get("outputParameterKey", "")
                )
            else:
                self.problem(task, f"takes {name!r} {_how(given)}, which cannot be imported")
        for name, given in task.artifacts.items():
            if "taskOutputArtifact" in given:
                source = given["taskOutputArtifact"]
                fed_by.add(source.get("producerTask", ""))
                self._edge(
                    task, name, source.get("producerTask", ""), source.get("outputArtifactKey", "")
                )
            elif "componentInputArtifact" in given:
                self.problem(
                    task,
                    f"takes {name!r} from the pipeline's artifact input "
                    f"{given['componentInputArtifact']!r}, which a flow cannot have",
                )
            else:
                self.problem(task, f"takes {name!r} {_how(given)}, which cannot be imported")
        after = [
            self.ids[d] for d in dict.fromkeys(task.dependent) if d not in fed_by and d in self.ids
        ]
        return Node(
            id=self.ids[task.name],
            block="-",
            params=params,
            label=task.label,
            cache=task.cache,
            resources=_resources(task.container.get("resources", {})),
            after=after,
        )

    def _flow_param(self, task: TaskRead, name: str, flow_param: str) -> dict[str, str]:
        if flow_param not in self.flow_params:
            self.problem(
                task,
                f"takes {name!r} from the pipeline parameter {flow_param!r}, which the "
                "pipeline does not declare",
            )
        return {PARAM_REF: flow_param}

    def _edge(self, task: TaskRead, name: str, producer: str, output: str) -> None:
        """An edge from ``producer``'s ``output`` into ``task``'s input ``name``."""
        target = _port(self.components[task.name].spec.inputs, name)
        source_task = self._task.get(producer)
        if target is None:
            self.problem(task, f"feeds {name!r}, which is not an input of its component")
            return
        if source_task is None:
            self.problem(
                task, f"takes {name!r} from {producer!r}, which is not a task of the pipeline"
            )
            return
        source = _port(self.components[producer].spec.outputs, output)
        if source is None:
            self.problem(
                task,
                f"takes {name!r} from output {output!r} of task {producer!r}, which its "
                "component does not make",
            )
            return
        if not port_type(target.type).accepts(port_type(source.type)):
            self.problem(
                task,
                f"takes {name!r}, a {_shown(target)}, from output {output!r} of task "
                f"{producer!r}, a {_shown(source)}: the designer connects only ports of one "
                "type",
            )
            return
        self.edges.append(
            Edge(
                source=self.ids[producer],
                source_port=output,
                target=self.ids[task.name],
                target_port=name,
            )
        )


def _port(ports: tuple[PortSpec, ...], name: str) -> PortSpec | None:
    return next((p for p in ports if p.name == name), None)


def _shown(port: PortSpec) -> str:
    if is_parameter_port(port):
        return f"value of type {port.type.removeprefix('parameter:')}"
    return f"{port.type} artifact"


def _how(given: dict[str, Any]) -> str:
    """How a task input is fed, named by the IR's own field ("from taskFinalStatus")."""
    return f"from {next(iter(given), 'nothing')}"


def _constant(value: Any, kind: str) -> Any:
    """A constant as the form holds it: IR writes every number as a double."""
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _resources(given: dict[str, Any]) -> NodeResources | None:
    """What the task's container asks of a cluster, as the node's resources."""
    accelerator = given.get("accelerator", {})
    gpu = accelerator.get("resourceCount") or accelerator.get("count")
    found = {
        "cpu_request": given.get("resourceCpuRequest") or _number(given.get("cpuRequest")),
        "cpu_limit": given.get("resourceCpuLimit") or _number(given.get("cpuLimit")),
        "memory_request": given.get("resourceMemoryRequest")
        or _gigabytes(given.get("memoryRequest")),
        "memory_limit": given.get("resourceMemoryLimit") or _gigabytes(given.get("memoryLimit")),
        "gpu": int(gpu) if isinstance(gpu, str) and gpu.isdigit() else gpu,
        "gpu_type": accelerator.get("resourceType") or accelerator.get("type"),
    }
    found = {k: v for k, v in found.items() if v not in (None, "", 0)}
    return NodeResources(**found) if found else None


def _number(value: Any) -> str | None:
    """An older kfp's CPU number (2.0) as a quantity ("2")."""
    if isinstance(value, int | float) and value > 0:
        return f"{value:g}"
    return None


def _gigabytes(value: Any) -> str | None:
    """An older kfp's memory number (in gigabytes) as a quantity."""
    number = _number(value)
    return f"{number}G" if number else None


def _lay_out(
    nodes: list[Node],
    edges: list[Edge],
    components: dict[str, TaskComponent],
    ids: dict[str, str],
) -> None:
    links = [(e.source, e.target) for e in edges]
    links += [(waited, node.id) for node in nodes for waited in node.after]
    heights = {
        ids[task]: node_height(max(len(c.spec.inputs), len(c.spec.outputs)))
        for task, c in components.items()
    }
    positions = layered_positions([n.id for n in nodes], links, heights)
    for node in nodes:
        x, y = positions[node.id]
        node.position = Position(x=x, y=y)


__all__ = ["ImportProblem", "ImportResult", "SaveBlock", "import_pipeline"]
