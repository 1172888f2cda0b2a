"""Edits to a node's resources, as the editor's Resources section makes them.

Each function takes the flow and returns a changed copy (the flow passed in is never changed),
or raises ``EditRejected`` saying why the edit cannot apply. What a person typed is kept as
typed, trimmed of surrounding spaces: a value Kubernetes would refuse stays in the flow and
``resource_problems`` reports it, as block settings are kept and reported. An emptied box
clears its field, and a node whose resources are all empty loses them altogether, so a flow
file only says ``resources`` where something was set.
"""

from __future__ import annotations

from typing import Any, Literal

from designer.flow.document import Flow, Node
from designer.flow.edit import EditRejected
from designer.flow.resources import MAX_ENTRIES, TITLES, NodeResources, Toleration

#: The fields one box sets; the node selector and tolerations have their own edits.
QUANTITY_FIELDS = ("cpu_request", "cpu_limit", "memory_request", "memory_limit", "gpu", "gpu_type")
TOLERATION_PARTS = ("key", "operator", "value", "effect")
SelectorPart = Literal["key", "value"]
#: Longer text than any valid value (a label key is at most 317 characters) is cut here.
MAX_TYPED = 400


def set_resource(flow: Flow, node_id: str, name: str, raw: Any) -> Flow:
    """Set one of ``QUANTITY_FIELDS`` to what was typed; empty clears it."""
    if name not in QUANTITY_FIELDS:
        raise EditRejected(
            f"there is no resource setting {name!r}; settings: {', '.join(QUANTITY_FIELDS)}"
        )
    return _change(flow, node_id, lambda r: setattr(r, name, _typed(raw)))


def set_selector(flow: Flow, node_id: str, index: int, part: SelectorPart, raw: Any) -> Flow:
    """Change the key or the value of the node selector's label number ``index``."""

    def change(resources: NodeResources) -> None:
        labels = list((resources.node_selector or {}).items())
        _check_index(index, labels, "node selector label")
        key, value = labels[index]
        text = _typed(raw) or ""
        if part == "key":
            taken = {k for i, (k, _v) in enumerate(labels) if i != index}
            if text in taken:
                raise EditRejected(_taken(text))
            key = text
        elif part == "value":
            value = text
        else:
            raise EditRejected(f"a node selector label has a key and a value, not {part!r}")
        labels[index] = (key, value)
        resources.node_selector = dict(labels)

    return _change(flow, node_id, change)


def add_selector(flow: Flow, node_id: str) -> Flow:
    """Add an empty label to the node selector, for the person to fill in."""

    def change(resources: NodeResources) -> None:
        labels = dict(resources.node_selector or {})
        if "" in labels:
            raise EditRejected(_taken(""))
        if len(labels) >= MAX_ENTRIES:
            raise EditRejected(f"a node selector holds at most {MAX_ENTRIES} labels")
        resources.node_selector = {**labels, "": ""}

    return _change(flow, node_id, change)


def remove_selector(flow: Flow, node_id: str, index: int) -> Flow:
    def change(resources: NodeResources) -> None:
        labels = list((resources.node_selector or {}).items())
        _check_index(index, labels, "node selector label")
        del labels[index]
        resources.node_selector = dict(labels) or None

    return _change(flow, node_id, change)


def set_toleration(flow: Flow, node_id: str, index: int, part: str, raw: Any) -> Flow:
    """Change the key, operator, value or effect of toleration number ``index``."""
    if part not in TOLERATION_PARTS:
        raise EditRejected(
            f"a toleration has a {', '.join(TOLERATION_PARTS)}; there is no {part!r}"
        )

    def change(resources: NodeResources) -> None:
        tolerations = list(resources.tolerations or [])
        _check_index(index, tolerations, "toleration")
        tolerations[index] = tolerations[index].model_copy(update={part: _typed(raw)})
        resources.tolerations = tolerations

    return _change(flow, node_id, change)


def add_toleration(flow: Flow, node_id: str) -> Flow:
    """Add a toleration (operator Equal, the rest empty) for the person to fill in."""

    def change(resources: NodeResources) -> None:
        tolerations = list(resources.tolerations or [])
        if len(tolerations) >= MAX_ENTRIES:
            raise EditRejected(f"a node takes at most {MAX_ENTRIES} tolerations")
        resources.tolerations = [*tolerations, Toleration(operator="Equal")]

    return _change(flow, node_id, change)


def remove_toleration(flow: Flow, node_id: str, index: int) -> Flow:
    def change(resources: NodeResources) -> None:
        tolerations = list(resources.tolerations or [])
        _check_index(index, tolerations, "toleration")
        del tolerations[index]
        resources.tolerations = tolerations or None

    return _change(flow, node_id, change)


def describe(name: str) -> str:
    """A few words for the undo button's tooltip ("Change CPU limit")."""
    return f"Change {TITLES.get(name, 'resources')}"


def _change(flow: Flow, node_id: str, change: Any) -> Flow:
    result = flow.model_copy(deep=True)
    node = _node(result, node_id)
    resources = node.resources.model_copy(deep=True) if node.resources else NodeResources()
    change(resources)
    node.resources = None if resources.is_empty() else resources
    return result


def _node(flow: Flow, node_id: str) -> Node:
    node = flow.node(node_id)
    if node is None:
        raise EditRejected(f"there is no node {node_id!r} in the flow; it may have been deleted")
    return node


def _typed(raw: Any) -> str | None:
    """What a box sent, trimmed; None for an emptied box."""
    if raw is None:
        return None
    text = str(raw).strip()[:MAX_TYPED]
    return text or None


def _check_index(index: int, items: list[Any], what: str) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(items):
        raise EditRejected(f"there is no {what} {index!r}; it may have been removed")


def _taken(key: str) -> str:
    if not key:
        return "the node selector already has a label with no key; fill that one in first"
    return f"the node selector already has a label {key!r}; change that one instead"
