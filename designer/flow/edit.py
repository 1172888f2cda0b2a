"""Edits to a flow document: what the canvas and the properties panel send, applied here.

An edit is a small JSON object (see docs/canvas.md) such as ``{"kind": "move", "positions":
{"split": [280, 40]}}``. ``apply_edit`` checks its shape, applies it to a copy of the flow and
returns the copy; an edit that cannot apply raises ``EditRejected`` with the reason and leaves
the flow untouched. Graph rules (port types, cycles) are the validator's business: a document
may be drawn into an invalid state and the diagnostics say what to fix.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from designer.flow.document import Edge, Flow, Node, Position
from designer.flow.resources import NodeResources

NodeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-1e7, le=1e7)]


class EditRejected(ValueError):
    """An edit that cannot apply to the flow; the message says why."""


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EdgeSpec(_Edit):
    source: NodeId
    source_port: Annotated[str, Field(min_length=1, max_length=128)]
    target: NodeId
    target_port: Annotated[str, Field(min_length=1, max_length=128)]

    def edge(self) -> Edge:
        return Edge(**self.model_dump())


class NodeSpec(_Edit):
    id: NodeId
    block: Annotated[str, Field(min_length=1, max_length=128)]
    params: dict[str, Any] = Field(default_factory=dict)
    position: tuple[Coordinate, Coordinate] = (0.0, 0.0)
    label: Annotated[str, Field(max_length=200)] = ""
    #: Kept as they came (checked by validation, as the block's settings are).
    resources: NodeResources | None = None

    def node(self) -> Node:
        x, y = self.position
        return Node(
            id=self.id,
            block=self.block,
            params=self.params,
            position=Position(x=x, y=y),
            label=self.label,
            resources=self.resources,
        )


class Move(_Edit):
    kind: Literal["move"]
    positions: dict[NodeId, tuple[Coordinate, Coordinate]]


class Add(_Edit):
    kind: Literal["add"]
    nodes: list[NodeSpec] = Field(default_factory=list)
    edges: list[EdgeSpec] = Field(default_factory=list)


class Connect(_Edit):
    kind: Literal["connect"]
    edge: EdgeSpec


class Remove(_Edit):
    kind: Literal["remove"]
    nodes: list[str] = Field(default_factory=list)
    edges: list[str] = Field(default_factory=list)


class SetParams(_Edit):
    kind: Literal["params"]
    node: str
    params: dict[str, Any]


class SetLabel(_Edit):
    kind: Literal["label"]
    node: str
    label: Annotated[str, Field(max_length=200)]


class Rename(_Edit):
    kind: Literal["rename"]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class SetBlock(_Edit):
    """A node moves to another version of its block (a person's block, updated); its values
    become ``params``, those the new version still has."""

    kind: Literal["block"]
    node: str
    block: Annotated[str, Field(min_length=1, max_length=300)]
    params: dict[str, Any]


class SetCache(_Edit):
    """Whether a run may reuse the node's earlier result for the same inputs."""

    kind: Literal["cache"]
    node: str
    cache: bool


Edit = Annotated[
    Move | Add | Connect | Remove | SetParams | SetLabel | Rename | SetBlock | SetCache,
    Field(discriminator="kind"),
]
_EDIT = TypeAdapter(Edit)
KINDS = ("move", "add", "connect", "remove", "params", "label", "rename", "block", "cache")


def parse_edit(data: Any) -> Edit:
    """Read an edit sent by the browser; a malformed one raises EditRejected."""
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        kind = data.get("kind") if isinstance(data, dict) else None
        raise EditRejected(f"unknown edit {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        return _EDIT.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:])
        raise EditRejected(f"malformed {data['kind']} edit: {where}: {first['msg']}") from None


def apply_edit(flow: Flow, data: Any) -> Flow:
    """The flow after ``data``; ``flow`` itself is never changed."""
    edit = parse_edit(data)
    result = flow.model_copy(deep=True)
    _APPLY[type(edit)](result, edit)
    return result


def describe_edit(data: dict[str, Any]) -> str:
    """A few words for the undo button's tooltip ("Move 3 blocks")."""
    kind = data.get("kind")
    if kind == "move":
        return f"Move {_count(len(data.get('positions', {})), 'block')}"
    if kind == "add":
        return f"Add {_count(len(data.get('nodes', [])), 'block')}"
    if kind == "connect":
        return "Connect"
    if kind == "remove":
        return f"Delete {_count(len(data.get('nodes', [])) or len(data.get('edges', [])), 'item')}"
    if kind == "params":
        names = ", ".join(sorted(data.get("params", {})))
        return f"Change {names}" if names else "Change parameters"
    if kind == "label":
        return "Rename block"
    if kind == "block":
        return "Update block"
    if kind == "cache":
        return "Reuse earlier results" if data.get("cache") else "Always run again"
    return "Rename flow"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _move(flow: Flow, edit: Move) -> None:
    nodes = {n.id: n for n in flow.nodes}
    missing = [node_id for node_id in edit.positions if node_id not in nodes]
    if missing:
        raise EditRejected(f"cannot move {', '.join(missing)}: no such node in the flow")
    for node_id, (x, y) in edit.positions.items():
        nodes[node_id].position = Position(x=_round(x), y=_round(y))


def _add(flow: Flow, edit: Add) -> None:
    taken = {n.id for n in flow.nodes}
    for spec in edit.nodes:
        if spec.id in taken:
            raise EditRejected(f"a node with id {spec.id!r} already exists; ids must be unique")
        taken.add(spec.id)
        node = spec.node()
        node.position = Position(x=_round(node.position.x), y=_round(node.position.y))
        flow.nodes.append(node)
    for spec in edit.edges:
        _connect_one(flow, spec.edge(), taken)


def _connect(flow: Flow, edit: Connect) -> None:
    _connect_one(flow, edit.edge.edge(), {n.id for n in flow.nodes})


def _connect_one(flow: Flow, edge: Edge, node_ids: set[str]) -> None:
    for end in (edge.source, edge.target):
        if end not in node_ids:
            raise EditRejected(f"cannot connect {edge.key}: there is no node {end!r}")
    if any(e.key == edge.key for e in flow.edges):
        raise EditRejected(f"{edge.key} is already connected")
    flow.edges.append(edge)


def _remove(flow: Flow, edit: Remove) -> None:
    gone = set(edit.nodes)
    unknown = gone - {n.id for n in flow.nodes}
    if unknown:
        raise EditRejected(f"cannot delete {', '.join(sorted(unknown))}: no such node")
    keys = set(edit.edges)
    flow.nodes = [n for n in flow.nodes if n.id not in gone]
    for node in flow.nodes:  # waiting for a node that is gone means waiting for nothing
        node.after = [other for other in node.after if other not in gone]
    flow.edges = [
        e for e in flow.edges if e.key not in keys and e.source not in gone and e.target not in gone
    ]


def _set_params(flow: Flow, edit: SetParams) -> None:
    node = _node(flow, edit.node)
    # ``None`` clears a parameter back to the block's default.
    merged = {**node.params, **edit.params}
    node.params = {k: v for k, v in merged.items() if v is not None}


def _set_label(flow: Flow, edit: SetLabel) -> None:
    _node(flow, edit.node).label = edit.label.strip()


def _rename(flow: Flow, edit: Rename) -> None:
    name = edit.name.strip()
    if not name:
        raise EditRejected("a flow needs a name")
    flow.name = name


def _set_block(flow: Flow, edit: SetBlock) -> None:
    node = _node(flow, edit.node)
    node.block = edit.block
    node.params = {k: v for k, v in edit.params.items() if v is not None}


def _set_cache(flow: Flow, edit: SetCache) -> None:
    _node(flow, edit.node).cache = edit.cache


def _node(flow: Flow, node_id: str) -> Node:
    node = flow.node(node_id)
    if node is None:
        raise EditRejected(f"there is no node {node_id!r} in the flow")
    return node


def _round(value: float) -> float:
    # Positions to a tenth of a pixel: enough for the canvas, and JSON stays short.
    rounded = round(value, 1)
    return 0.0 if math.isclose(rounded, 0.0) else rounded


_APPLY: dict[type[BaseModel], Any] = {
    Move: _move,
    Add: _add,
    Connect: _connect,
    Remove: _remove,
    SetParams: _set_params,
    SetLabel: _set_label,
    Rename: _rename,
    SetBlock: _set_block,
    SetCache: _set_cache,
}


def new_node_id(block_id: str, taken: set[str]) -> str:
    """A readable id for a new node of ``block_id``: ``random_forest``, ``random_forest_2``...
    (a person's block ``ana/clean_rows@2`` gives ``clean_rows``)."""
    name = block_id.rsplit("/", 1)[-1].split("@", 1)[0]
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", name.rsplit(".", 1)[-1])[:100] or "node"
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def default_params(block_schema: dict[str, Any]) -> dict[str, Any]:
    """A new node's parameters: every default the block's schema declares."""
    return {
        name: prop["default"]
        for name, prop in block_schema.get("properties", {}).items()
        if "default" in prop
    }
