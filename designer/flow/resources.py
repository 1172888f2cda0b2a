"""What one node asks of a Kubeflow cluster: CPU, memory, GPUs and which machines may run it.

A node's ``resources`` hold CPU and memory requests and limits, a GPU count (and the device's
resource name), a node selector and tolerations. They only mean something on a cluster: the
compiler hands them to kfp (``apply_resources``) when it compiles for Kubeflow, and a local run
ignores them, saying so in its log (``local_resource_note``).

A flow file keeps these values as they were written, like block settings: a value the cluster
would refuse still loads, and ``resource_problems`` reports it on its node and field (in the
editor that holds the run back until it is fixed), so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from designer.flow.diagnostics import Diagnostic, Severity, choices, error, warning
from designer.flow.k8s_names import label_key_problem, label_value_problem, resource_name_problem
from designer.flow.quantities import (
    QuantityError,
    cpu_millicores,
    cpu_quantity,
    found,
    gpu_count,
    memory_bytes,
    memory_quantity,
)

if TYPE_CHECKING:
    from designer.flow.document import Flow

#: A resource value as a flow file holds it: any JSON scalar, kept as written.
Scalar = StrictStr | StrictInt | StrictFloat | StrictBool

#: The device a GPU count asks for when no type is given.
DEFAULT_GPU_TYPE = "nvidia.com/gpu"
#: The most node selector labels, and the most tolerations, one node may carry.
MAX_ENTRIES = 32
OPERATORS = ("Equal", "Exists")
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
#: The setting names and titles, in the order the form shows them.
TITLES = {
    "cpu_request": "CPU request",
    "cpu_limit": "CPU limit",
    "memory_request": "Memory request",
    "memory_limit": "Memory limit",
    "gpu": "GPU count",
    "gpu_type": "GPU type",
    "node_selector": "Node selector",
    "tolerations": "Tolerations",
}
#: Where a resource problem sits, as ``Diagnostic.param``: ``resources.cpu_limit``,
#: ``resources.node_selector.0.key``, ``resources.tolerations.1.effect``.
PARAM_PREFIX = "resources"
CODE = "bad_resource"
#: Unknown keys are kept (and reported), not refused: the schema still says which are valid.
_CLOSED = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False})


class Toleration(BaseModel):
    """Lets the node's pods run on machines tainted ``key=value:effect`` (see Kubernetes'
    taints and tolerations)."""

    model_config = _CLOSED

    key: Scalar | None = Field(None, description="The taint's key; empty only with Exists.")
    operator: Scalar | None = Field(None, description="Equal (the default) or Exists.")
    value: Scalar | None = Field(None, description="The taint's value; empty with Exists.")
    effect: Scalar | None = Field(
        None, description="NoSchedule, PreferNoSchedule or NoExecute; empty matches all."
    )


class NodeResources(BaseModel):
    """What the node's pod asks of a Kubeflow cluster; local runs ignore it."""

    model_config = ConfigDict(**_CLOSED, title="Node resources")

    cpu_request: Scalar | None = Field(
        None, description="CPUs the pod is guaranteed.", examples=["500m", "0.5", "2"]
    )
    cpu_limit: Scalar | None = Field(None, description="CPUs the pod may use at most.")
    memory_request: Scalar | None = Field(
        None, description="Memory the pod is guaranteed.", examples=["512Mi", "2Gi", "1G", "1e9"]
    )
    memory_limit: Scalar | None = Field(None, description="Memory the pod may use at most.")
    gpu: Scalar | None = Field(None, description="Whole number of GPUs, 0 to 16.")
    gpu_type: Scalar | None = Field(
        None, description=f"The device's resource name; {DEFAULT_GPU_TYPE} when not given."
    )
    node_selector: dict[str, Scalar | None] | None = Field(
        None, description="Labels a machine must carry to run the pod."
    )
    tolerations: list[Toleration] | None = None

    def is_empty(self) -> bool:
        """Whether nothing at all is set (an empty section of the form)."""
        return all(value in ("", {}, []) for value in self.model_dump(exclude_none=True).values())


@dataclass(frozen=True)
class ClusterResources:
    """Checked resources, normalised to what kfp and Kubernetes both accept."""

    cpu_request: str | None = None
    cpu_limit: str | None = None
    memory_request: str | None = None
    memory_limit: str | None = None
    gpu: int = 0
    gpu_type: str = DEFAULT_GPU_TYPE
    node_selector: dict[str, str] = field(default_factory=dict)
    #: (key, operator, value, effect), each None when left empty.
    tolerations: tuple[tuple[str | None, str, str | None, str | None], ...] = ()


class ResourcesInvalid(ValueError):
    """Resources that cannot go to a cluster; the message is the first problem."""


def resource_problems(flow: Flow) -> list[Diagnostic]:
    """Every problem with every node's resources, each naming its node and field."""
    problems: list[Diagnostic] = []
    for node in flow.nodes:
        if node.resources is not None:
            problems.extend(node_resource_problems(node.id, node.resources))
    return problems


def node_resource_problems(node_id: str, resources: NodeResources) -> list[Diagnostic]:
    """The problems of one node's resources: one error per bad field (``param`` names it)."""
    spotted: list[tuple[str, str]] = []
    for name in resources.model_extra or {}:
        spotted.append(("", f"Resources have no setting {name!r}; valid: {choices(TITLES)}"))
    for kind, read in (("cpu", cpu_millicores), ("memory", memory_bytes)):
        spotted.extend(_request_and_limit(resources, kind, read))
    spotted.extend(_gpu_problems(resources))
    spotted.extend(_selector_problems(resources.node_selector or {}))
    for index, toleration in enumerate(resources.tolerations or []):
        spotted.extend(_toleration_problems(index, toleration))
    if len(resources.tolerations or []) > MAX_ENTRIES:
        spotted.append(("tolerations", f"A node takes at most {MAX_ENTRIES} tolerations"))
    problems = [
        error(CODE, message, node=node_id, param=_param(where)) for where, message in spotted
    ]
    asks_for_gpus = _set(resources.gpu) and not problems and gpu_count(resources.gpu) > 0
    if _set(resources.gpu_type) and not problems and not asks_for_gpus:
        problems.append(
            warning(
                "unused_resource",
                "GPU type is set but the GPU count is 0, so no GPU is asked for; "
                "set a GPU count or clear the type",
                node=node_id,
                param=_param("gpu_type"),
            )
        )
    return problems


def cluster_resources(resources: NodeResources) -> ClusterResources:
    """``resources`` checked and normalised; raises ResourcesInvalid when they have an error."""
    errors = [d for d in node_resource_problems("", resources) if d.severity is Severity.ERROR]
    if errors:
        raise ResourcesInvalid(errors[0].message)
    r = resources
    return ClusterResources(
        cpu_request=cpu_quantity(r.cpu_request) if _set(r.cpu_request) else None,
        cpu_limit=cpu_quantity(r.cpu_limit) if _set(r.cpu_limit) else None,
        memory_request=memory_quantity(r.memory_request) if _set(r.memory_request) else None,
        memory_limit=memory_quantity(r.memory_limit) if _set(r.memory_limit) else None,
        gpu=gpu_count(r.gpu) if _set(r.gpu) else 0,
        gpu_type=str(r.gpu_type) if _set(r.gpu_type) else DEFAULT_GPU_TYPE,
        node_selector={str(k): str(v) for k, v in (r.node_selector or {}).items()},
        tolerations=tuple(
            (
                _text_or_none(t.key),
                _text_or_none(t.operator) or "Equal",
                _text_or_none(t.value),
                _text_or_none(t.effect),
            )
            for t in r.tolerations or []
        ),
    )


def apply_resources(task: Any, resources: NodeResources | None, *, cluster: bool) -> None:
    """Put a node's resources on its kfp ``PipelineTask`` when compiling for a cluster.

    CPU, memory and GPUs go into the task's container resources in the IR; the node selector
    and tolerations into the Kubernetes platform spec (``kfp.kubernetes``). For a local run
    (``cluster`` False) nothing is touched, so the local engine's IR stays one YAML document.
    Raises ResourcesInvalid for resources the flow's check would report.
    """
    if not cluster or resources is None or resources.is_empty():
        return
    plan = cluster_resources(resources)
    if plan.cpu_request:
        task.set_cpu_request(plan.cpu_request)
    if plan.cpu_limit:
        task.set_cpu_limit(plan.cpu_limit)
    if plan.memory_request:
        task.set_memory_request(plan.memory_request)
    if plan.memory_limit:
        task.set_memory_limit(plan.memory_limit)
    if plan.gpu:
        task.set_accelerator_type(plan.gpu_type)
        task.set_accelerator_limit(plan.gpu)
    if plan.node_selector or plan.tolerations:
        from kfp import kubernetes

        for key, value in plan.node_selector.items():
            kubernetes.add_node_selector(task, label_key=key, label_value=value)
        for key, operator, value, effect in plan.tolerations:
            kubernetes.add_toleration(task, key=key, operator=operator, value=value, effect=effect)


def local_resource_note(flow: Flow) -> str | None:
    """The line a local run's log starts with when nodes ask for resources, else None."""
    names = [n.id for n in flow.nodes if n.resources is not None and not n.resources.is_empty()]
    if not names:
        return None
    listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"Note: the resources set on {listed} (CPU, memory, GPUs, node selector, tolerations) "
        "apply only when the flow runs on Kubeflow; this local run ignores them."
    )


def setting_title(param: str) -> str | None:
    """How the Problems tab names a resource field: ``resources.tolerations.1.effect`` →
    "Resources: toleration 2"; None for a parameter that is not a resource field."""
    head, _dot, rest = param.partition(".")
    if head != PARAM_PREFIX:
        return None
    name, _dot, place = rest.partition(".")
    index = place.partition(".")[0]
    if name in ("node_selector", "tolerations") and index.isdigit():
        item = "node selector label" if name == "node_selector" else "toleration"
        return f"Resources: {item} {int(index) + 1}"
    return f"Resources: {TITLES[name]}" if name in TITLES else "Resources"


def _request_and_limit(resources: NodeResources, kind: str, read: Any) -> list[tuple[str, str]]:
    """Each of the request and the limit is readable, and the request is at most the limit."""
    problems: list[tuple[str, str]] = []
    amounts: dict[str, int] = {}
    for part in ("request", "limit"):
        name = f"{kind}_{part}"
        value = getattr(resources, name)
        if not _set(value):
            continue
        try:
            amounts[part] = read(value, TITLES[name])
        except QuantityError as exc:
            problems.append((name, str(exc)))
    if len(amounts) == 2 and amounts["request"] > amounts["limit"]:
        request, limit = (getattr(resources, f"{kind}_{part}") for part in ("request", "limit"))
        limit_title = "CPU limit" if kind == "cpu" else "memory limit"
        problems.append(
            (
                f"{kind}_request",
                f"{TITLES[f'{kind}_request']} ({request}) is more than the {limit_title} "
                f"({limit}); a request must be at most its limit",
            )
        )
    return problems


def _gpu_problems(resources: NodeResources) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if _set(resources.gpu):
        try:
            gpu_count(resources.gpu, TITLES["gpu"])
        except QuantityError as exc:
            problems.append(("gpu", str(exc)))
    gpu_type = resources.gpu_type
    if _set(gpu_type):
        reason = resource_name_problem(gpu_type) if isinstance(gpu_type, str) else "it is not text"
        if reason:
            problems.append(
                (
                    "gpu_type",
                    f"GPU type must be a device's resource name like nvidia.com/gpu or "
                    f"amd.com/gpu; found {found(gpu_type)} ({reason})",
                )
            )
    return problems


def _selector_problems(selector: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if len(selector) > MAX_ENTRIES:
        problems.append(("node_selector", f"A node selector holds at most {MAX_ENTRIES} labels"))
    for index, (key, value) in enumerate(selector.items()):
        where = f"node_selector.{index}"
        if not key.strip():
            problems.append(
                (
                    f"{where}.key",
                    f"Node selector label {index + 1} has no key; type one (like disktype) "
                    "or remove the label",
                )
            )
        elif reason := label_key_problem(key):
            problems.append(
                (f"{where}.key", f"Node selector key {found(key)} is not a label key: {reason}")
            )
        if not isinstance(value, str):
            problems.append(
                (
                    f"{where}.value",
                    f"Node selector value of {key!r} must be text; found {found(value)}",
                )
            )
        elif reason := label_value_problem(value):
            problems.append(
                (f"{where}.value", f"Node selector value {found(value)} of {key!r}: {reason}")
            )
    return problems


def _toleration_problems(index: int, toleration: Toleration) -> list[tuple[str, str]]:
    name, where = f"Toleration {index + 1}", f"tolerations.{index}"
    problems = [
        (f"{where}.key", f"{name} has no setting {extra!r}; valid: key, operator, value, effect")
        for extra in toleration.model_extra or {}
    ]
    parts = {p: getattr(toleration, p) for p in ("key", "operator", "value", "effect")}
    wrong = [p for p, v in parts.items() if v is not None and not isinstance(v, str)]
    problems += [
        (f"{where}.{p}", f"{name} {p} must be text; found {found(parts[p])}") for p in wrong
    ]
    if wrong:
        return problems
    key, operator, value, effect = (str(v or "").strip() for v in parts.values())
    if not any((key, operator, value, effect)):
        return [*problems, (f"{where}.key", f"{name} is empty; fill in its key or remove it")]
    if operator not in ("", *OPERATORS):
        problems.append(
            (f"{where}.operator", f"{name} operator must be Equal or Exists; found {operator!r}")
        )
    if not key and operator != "Exists":
        problems.append(
            (
                f"{where}.key",
                f"{name} needs a key (only the operator Exists may leave it empty, which "
                "tolerates every taint)",
            )
        )
    elif key and (reason := label_key_problem(key)):
        problems.append((f"{where}.key", f"{name} key {key!r} is not a taint key: {reason}"))
    if operator == "Exists" and value:
        problems.append(
            (
                f"{where}.value",
                f"{name} uses Exists, which matches any value: leave its value empty "
                f"(found {value!r})",
            )
        )
    elif reason := label_value_problem(value):
        problems.append((f"{where}.value", f"{name} value {value!r}: {reason}"))
    if effect and effect not in EFFECTS:
        problems.append(
            (
                f"{where}.effect",
                f"{name} effect must be NoSchedule, PreferNoSchedule or NoExecute (or empty "
                f"for all); found {effect!r}",
            )
        )
    return problems


def _param(where: str) -> str:
    return f"{PARAM_PREFIX}.{where}" if where else PARAM_PREFIX


def _set(value: Any) -> bool:
    """Whether a field holds anything (an emptied box is kept as nothing)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text_or_none(value: Any) -> str | None:
    """A checked text field, None when left empty."""
    text = "" if value is None else str(value).strip()
    return text or None


def resources_summary(resources: NodeResources | None) -> str:
    """One line for the closed section: "CPU 500m to 2 · memory 2Gi · 1 GPU · 1 toleration"."""
    if resources is None or resources.is_empty():
        return "Not set"
    r = resources
    parts = [
        _range("CPU", r.cpu_request, r.cpu_limit),
        _range("memory", r.memory_request, r.memory_limit),
    ]
    gpu = shown_value(r.gpu)
    if gpu and gpu != "0":
        parts.append(f"{gpu} GPU" + ("" if gpu == "1" else "s"))
    parts.append(_count(len(r.node_selector or {}), "label"))
    parts.append(_count(len(r.tolerations or []), "toleration"))
    return " · ".join(p for p in parts if p) or "Not set"


def _range(what: str, request: Any, limit: Any) -> str:
    low, high = shown_value(request), shown_value(limit)
    if low and high:
        return f"{what} {low} to {high}"
    if low or high:
        return f"{what} {low or 'up to ' + high}"
    return ""


def _count(n: int, noun: str) -> str:
    return "" if not n else f"{n} {noun}" + ("" if n == 1 else "s")


def shown_value(value: Any) -> str:
    """A setting as typed: whole floats without ".0", booleans as people write them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
