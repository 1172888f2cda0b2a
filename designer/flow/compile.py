"""Compiling a checked flow into a Kubeflow Pipelines v2 pipeline (IR YAML).

The flow is walked in topological order and each node becomes a KFP task, built in-process
inside a function handed to ``dsl.pipeline``; KFP's own compiler then writes the IR. No Python
source is generated or executed.
"""

from __future__ import annotations

import inspect
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from kfp import compiler, dsl

from blocks.base import DatasetLookup
from blocks.catalogue import BlockLookup
from blocks.runtime.read_settings import GRANTS_VAR
from designer.flow.cluster import ClusterTarget, cluster_component, cluster_target, prepare_task
from designer.flow.diagnostics import Diagnostic, error
from designer.flow.document import Flow, FlowParam
from designer.flow.params import param_reference
from designer.flow.reads import RunReads, plan_reads
from designer.flow.resources import apply_resources, local_resource_note
from designer.flow.validate import FlowCheck, ModelNameCheck, check_flow
from designer.objects.base import ObjectStore
from designer.settings import ENGINE_NAMES, Settings, load_settings

_PARAM_TYPES: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}
#: Where a compiled pipeline can run: this machine (kfp.local) or a Kubeflow cluster.
ENGINES = ENGINE_NAMES


class MissingArguments(ValueError):
    """A run asked for without a value for each flow parameter that has no default."""

    def __init__(self, names: list[str]) -> None:
        listed = ", ".join(repr(n) for n in names)
        super().__init__(
            f"flow parameter{'s' if len(names) > 1 else ''} {listed} "
            f"{'have' if len(names) > 1 else 'has'} no default and no value for this run: "
            "give each a value (designer run -p NAME=VALUE), or a default in the flow"
        )
        self.names = names


def require_arguments(compiled: CompiledFlow, arguments: dict[str, Any] | None) -> None:
    """Raise MissingArguments unless ``arguments`` cover every parameter without a default."""
    missing = compiled.missing_arguments(arguments)
    if missing:
        raise MissingArguments(missing)


class FlowInvalid(Exception):
    """Raised when asked to compile a flow that has errors; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        lines = "\n".join(f"  {d}" for d in diagnostics)
        super().__init__(f"the flow has {len(diagnostics)} problem(s):\n{lines}")


@dataclass(frozen=True)
class CompiledFlow:
    """A compiled pipeline and the map between its KFP tasks and the flow's nodes."""

    ir_yaml: str
    pipeline_name: str
    #: KFP task name -> node id.
    task_to_node: dict[str, str]
    #: Default value of each pipeline parameter (the flow parameters).
    parameters: dict[str, Any]
    #: What the designer let this run read beyond the administrator's data folders and public
    #: addresses: local files of library datasets (mounted read-only into a sandboxed run) and
    #: exact URLs it signed for the run (presigned S3 objects). The worker gets them as
    #: ``DESIGNER_READ_GRANTS`` (a JSON list) and refuses anything else.
    reads: tuple[str, ...] = ()
    #: Whether any block reaches the network (an http(s) or s3 address, or an address fed by a
    #: flow parameter); a run that does not is cut off from the network entirely.
    needs_network: bool = False
    #: The engine it was compiled for (``ENGINES``): a cluster pipeline cannot run locally.
    engine: str = "local"
    #: Where a cluster run writes its outputs (``s3://bucket/kfp``); "" for a local one.
    pipeline_root: str = ""
    #: What the person should know about this run before it starts (a local run ignores the
    #: blocks' CPU and memory settings, say).
    notes: tuple[str, ...] = ()
    #: Flow parameters without a default: every run must be given a value for each.
    required: tuple[str, ...] = ()
    #: Whether any block is a person's own (code the designer did not ship): a local run of it
    #: keeps its cached results to whoever ran it (``designer.runs.cache_plan``).
    person_code: bool = False

    def missing_arguments(self, arguments: dict[str, Any] | None) -> list[str]:
        """The parameters a run with ``arguments`` would start without (it would crash)."""
        return [name for name in self.required if name not in (arguments or {})]

    @property
    def node_to_task(self) -> dict[str, str]:
        return {node: task for task, node in self.task_to_node.items()}

    def write(self, path: Path) -> None:
        path.write_text(self.ir_yaml)


def pipeline_name(flow_name: str) -> str:
    """A KFP-safe pipeline name (lower case, digits and dashes) derived from the flow name."""
    name = re.sub(r"[^a-z0-9]+", "-", flow_name.lower()).strip("-")
    return (name or "flow")[:100]


def compile_flow(
    flow: Flow,
    check: FlowCheck | None = None,
    datasets: DatasetLookup | None = None,
    *,
    settings: Settings | None = None,
    store: ObjectStore | None = None,
    models: ModelNameCheck | None = None,
    engine: str = "local",
    blocks: BlockLookup | None = None,
) -> CompiledFlow:
    """Check ``flow`` and compile it; raise FlowInvalid listing every error if it has any.

    ``datasets`` finds the library datasets the flow reads (see ``check_flow``) and, for a
    library lookup, where a run reads them. ``settings`` (default: the environment's) and
    ``store`` (default: the configured one) decide which storage addresses are signed for the
    run (see ``designer.flow.reads``); ``models`` who may deploy under which model name;
    ``blocks`` finds the flow's blocks, people's own among them (see ``check_flow``).

    ``engine="kubeflow"`` compiles for a cluster (``designer.flow.cluster``); it raises
    ``ClusterSetupError`` when the designer is not set up for one (no S3 storage, say).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    settings = settings or load_settings()
    target = cluster_target(settings) if engine == "kubeflow" else None
    check = check or check_flow(flow, datasets, models, blocks=blocks)
    if not check.valid:
        raise FlowInvalid([d for d in check.diagnostics if d.severity == "error"])
    placed = engine_problems(check, engine, settings)
    if placed:
        raise FlowInvalid(placed)
    reads = plan_reads(flow, check, settings, datasets, store, cluster=target is not None)
    if reads.problems:
        raise FlowInvalid(reads.problems)
    # A local task installing packages needs the network (a cluster's pods have their own).
    installs = target is None and any(block.packages for block in check.blocks.values())
    task_to_node: dict[str, str] = {}
    body = _pipeline_body(flow, check, task_to_node, reads, target)
    name = pipeline_name(flow.name)
    pipeline = dsl.pipeline(
        name=name,
        description=flow.description or None,
        pipeline_root=target.pipeline_root if target else None,
    )(body)
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline, str(package))
        ir_yaml = package.read_text()
    return CompiledFlow(
        ir_yaml=ir_yaml,
        pipeline_name=name,
        task_to_node=task_to_node,
        parameters={p.name: p.default for p in flow.params if p.default is not None},
        reads=reads.grants,
        needs_network=reads.needs_network or installs,
        engine=engine,
        pipeline_root=target.pipeline_root if target else "",
        notes=tuple(n for n in [None if target else local_resource_note(flow)] if n),
        required=tuple(p.name for p in flow.params if p.default is None),
        person_code=any(block.owner for block in check.blocks.values()),
    )


def engine_problems(check: FlowCheck, engine: str, settings: Settings) -> list[Diagnostic]:
    """Why some of the flow's blocks cannot run on ``engine``: one that runs elsewhere only (a
    container component, on this machine) or one installing packages where the settings do
    not allow it (``DESIGNER_BLOCK_PACKAGES``)."""
    where = {"local": "on this machine", "kubeflow": "on Kubeflow"}
    problems = []
    for node_id, block in check.blocks.items():
        if engine not in block.engines:
            problems.append(
                error(
                    "block_engine",
                    f"block {block.title!r} runs {where[block.engines[0]]} only"
                    + (
                        " (a container component: this machine has no container engine)"
                        if engine == "local"
                        else ""
                    )
                    + f"; run the flow {where[block.engines[0]]}, or take the block out",
                    node=node_id,
                )
            )
        elif block.packages and engine not in settings.block_packages:
            problems.append(
                error(
                    "block_packages",
                    f"block {block.title!r} installs packages ({', '.join(block.packages)}), "
                    f"which this designer does not allow {where[engine]}: an administrator "
                    "can allow it with DESIGNER_BLOCK_PACKAGES (docs/blocks.md)",
                    node=node_id,
                )
            )
    return problems


def _pipeline_body(
    flow: Flow,
    check: FlowCheck,
    task_to_node: dict[str, str],
    reads: RunReads,
    target: ClusterTarget | None = None,
) -> Callable[..., None]:
    """A function whose signature is the flow's parameters and whose body adds one task per node.

    ``dsl.pipeline`` reads the signature to create pipeline parameters, then calls the function
    with one channel per parameter, in order.
    """
    # Python (and so ``dsl.pipeline``) wants parameters without a default before those with
    # one; the order only decides how the channels come in, which ``by_name`` undoes.
    params = sorted(flow.params, key=lambda p: p.default is not None)
    order = list(nx.topological_sort(check.graph))
    nodes = {node.id: node for node in flow.nodes}

    def body(*channels: Any) -> None:
        by_name = dict(zip((p.name for p in params), channels, strict=True))
        tasks: dict[str, Any] = {}
        for node_id in order:
            node = nodes[node_id]
            block = check.blocks[node_id]  # check_flow found every node's block
            arguments = _node_arguments(node.params, check.params[node_id], by_name)
            if node_id in check.tables:
                arguments.update(check.tables[node_id].arguments())
            arguments.update(reads.arguments.get(node_id, {}))
            for source, _target, data in check.graph.in_edges(node_id, data=True):
                if "edge" in data:  # else an order (``after``), which brings no data
                    edge = data["edge"]
                    # Into a parameter's port too: the edge's value replaces the form's.
                    arguments[edge.target_port] = tasks[source].outputs[edge.source_port]
            component = block.component() if target is None else cluster_component(block)
            task = component(**arguments)
            if node.after:
                task.after(*(tasks[waited] for waited in dict.fromkeys(node.after)))
            task.set_caching_options(enable_caching=node.cache)
            apply_resources(task, node.resources, cluster=target is not None)
            if target is not None:
                prepare_task(task, target)
            if node_id in reads.node_grants:
                # The task's own grants travel with it, so a Kubeflow pod has them too.
                task.set_env_variable(GRANTS_VAR, json.dumps(reads.node_grants[node_id]))
            tasks[node_id] = task
            task_to_node[task.name] = node_id

    body.__name__ = "flow"
    body.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [_signature_parameter(p) for p in params]
    )
    return body


def _signature_parameter(param: FlowParam) -> inspect.Parameter:
    return inspect.Parameter(
        param.name,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=_PARAM_TYPES[param.type],
        default=inspect.Parameter.empty if param.default is None else param.default,
    )


def _node_arguments(raw: dict[str, Any], parsed: Any, channels: dict[str, Any]) -> dict[str, Any]:
    """Every block parameter, defaults included, with flow references replaced by channels."""
    arguments = parsed.model_dump()
    for name, value in raw.items():
        ref = param_reference(value)
        if ref is not None:
            arguments[name] = channels[ref]
    return arguments
