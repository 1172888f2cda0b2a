"""The flow document: the public JSON file format people export, import and share.

A flow is a list of nodes (each an instance of a catalogue block with its parameters and a
position on the canvas) and a list of edges joining an output port of one node to an input port
of another, plus sticky notes: text people put on the canvas to explain the flow, which nothing
but the canvas reads. See docs/flow-format.md for the format in prose.

Reading is tolerant: ``parse_flow`` never raises on bad input. It keeps every well-formed node and
edge, and reports each malformed one as a diagnostic, so one typo does not hide every other
problem in the file.
"""

from __future__ import annotations

import json
import keyword
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from designer.flow.diagnostics import Diagnostic, error
from designer.flow.resources import NodeResources

#: The format version this designer writes. It reads this version and every older one.
SCHEMA_VERSION = 1

#: How a node parameter refers to a flow parameter: ``{"$param": "seed"}``.
PARAM_REF = "$param"

ParamType = Literal["string", "integer", "number", "boolean"]
#: The colours a sticky note can take, in the words the canvas shows.
NoteColor = Literal["yellow", "blue", "green", "pink", "gray"]
NOTE_COLORS: tuple[str, ...] = ("yellow", "blue", "green", "pink", "gray")
#: The most text one note holds: a few paragraphs, not a manual.
MAX_NOTE_CHARS = 2000
#: The most notes one flow keeps; more are dropped on reading, with a diagnostic.
MAX_NOTES = 200
_Item = TypeVar("_Item", bound=BaseModel)


class Position(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x: float = 0.0
    y: float = 0.0


class FlowParam(BaseModel):
    """A flow-level parameter: becomes a pipeline parameter that node parameters may use."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    type: ParamType
    default: str | int | float | bool | None = None
    description: str = ""

    @field_validator("name")
    @classmethod
    def _not_a_keyword(cls, value: str) -> str:
        if keyword.iskeyword(value):
            raise ValueError(f"{value!r} is a reserved word; choose another name")
        return value


class Node(BaseModel):
    """One block placed on the canvas."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=128)]
    block: Annotated[str, Field(min_length=1)]
    params: dict[str, Any] = Field(default_factory=dict)
    position: Position = Field(default_factory=Position)
    #: A name for the node shown on the canvas; the block title when empty.
    label: str = ""
    #: Whether the engine may reuse an earlier result of this node for the same inputs.
    cache: bool = True
    #: CPU, memory, GPUs and scheduling on a Kubeflow cluster (local runs ignore them); kept
    #: as written and checked by validation, like ``params``.
    # Left out of the document when unset, so flows without resources read as they always did.
    resources: NodeResources | None = Field(None, exclude_if=lambda value: value is None)
    #: Ids of the nodes this one runs after although no edge brings it their outputs (KFP's
    #: ``task.after``): an order, not data. Left out of the document when empty.
    after: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, exclude_if=lambda value: not value
    )


class Edge(BaseModel):
    """An output port of one node feeding an input port of another."""

    model_config = ConfigDict(extra="forbid")

    source: str
    source_port: str
    target: str
    target_port: str
    #: Optional stable id (the canvas sets one); see ``edge_key``.
    id: str | None = None

    @property
    def key(self) -> str:
        return self.id or f"{self.source}.{self.source_port}->{self.target}.{self.target_port}"


class NoteSize(BaseModel):
    """A note's box on the canvas, in pixels."""

    model_config = ConfigDict(extra="forbid")

    width: Annotated[float, Field(ge=80, le=2000, allow_inf_nan=False)] = 240.0
    height: Annotated[float, Field(ge=40, le=2000, allow_inf_nan=False)] = 120.0


class Note(BaseModel):
    """A sticky note on the canvas: plain text (never markup) for the people reading the flow.

    Notes take no part in validation, compiling or running; ids are unique among nodes and
    notes together, since the canvas draws both as its nodes.
    """

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
    text: Annotated[str, Field(max_length=MAX_NOTE_CHARS)] = ""
    position: Position = Field(default_factory=Position)
    size: NoteSize = Field(default_factory=NoteSize)
    color: NoteColor = "yellow"


class Flow(BaseModel):
    """A whole flow document."""

    model_config = ConfigDict(extra="forbid", title="Designer flow document")

    schema_version: Literal[1] = SCHEMA_VERSION
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    params: list[FlowParam] = Field(default_factory=list)
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list, max_length=MAX_NOTES)

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def note(self, note_id: str) -> Note | None:
        return next((n for n in self.notes if n.id == note_id), None)

    def param(self, name: str) -> FlowParam | None:
        return next((p for p in self.params if p.name == name), None)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True)


def flow_json_schema() -> dict[str, Any]:
    """The JSON Schema of the flow document (``designer schema``)."""
    schema = Flow.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


#: The largest flow file accepted on import (a 2000-node flow is about 0.5 MB).
MAX_FLOW_BYTES = 20 * 1024 * 1024


def parse_flow_bytes(data: bytes) -> tuple[Flow | None, list[Diagnostic]]:
    """Parse an uploaded flow file: UTF-8 JSON of a sane size."""
    if len(data) > MAX_FLOW_BYTES:
        return None, [
            error(
                "malformed",
                f"the file is {len(data) / 1e6:.1f} MB; a flow file is at most "
                f"{MAX_FLOW_BYTES // (1024 * 1024)} MB",
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [
            error(
                "malformed",
                f"the file is not UTF-8 text (bad byte at position {exc.start}); "
                "is it a flow exported from the designer?",
            )
        ]
    return parse_flow_text(text)


def parse_flow_text(text: str) -> tuple[Flow | None, list[Diagnostic]]:
    """Parse a flow from JSON text; a syntax error becomes a diagnostic with its line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            error(
                "malformed",
                f"the file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            )
        ]
    except (RecursionError, ValueError) as exc:
        return None, [error("malformed", f"the file is not valid JSON: {exc}")]
    return parse_flow(data)


def parse_flow(data: Any) -> tuple[Flow | None, list[Diagnostic]]:
    """Build a Flow from decoded JSON, keeping every well-formed node and edge.

    Returns ``(None, diagnostics)`` only when the document as a whole is unusable (not an
    object, an unsupported schema version, no name).
    """
    if not isinstance(data, dict):
        return None, [error("malformed", f"a flow must be a JSON object; found {_json_kind(data)}")]
    version_problem = _check_version(data.get("schema_version", _MISSING))
    if version_problem:
        return None, [version_problem]

    diagnostics: list[Diagnostic] = []
    nodes = _parse_items(data.get("nodes", []), Node, "nodes", diagnostics)
    edges = _parse_items(data.get("edges", []), Edge, "edges", diagnostics)
    params = _parse_items(data.get("params", []), FlowParam, "params", diagnostics)
    notes = _usable_notes(
        _parse_items(data.get("notes", []), Note, "notes", diagnostics), nodes, diagnostics
    )
    lists = {"nodes": nodes, "edges": edges, "params": params, "notes": notes}
    header = {k: v for k, v in data.items() if k not in lists}
    try:
        flow = Flow.model_validate({**header, **lists})
    except ValidationError as exc:
        diagnostics.extend(_document_errors(exc))
        return None, diagnostics
    return flow, diagnostics


_MISSING = object()


def _check_version(version: Any) -> Diagnostic | None:
    if version is _MISSING:
        return error(
            "malformed",
            f"the flow has no schema_version; expected schema_version {SCHEMA_VERSION}",
        )
    if isinstance(version, bool) or not isinstance(version, int):
        return error(
            "malformed",
            f"schema_version must be a whole number such as {SCHEMA_VERSION}; "
            f"found {_short(version)}",
        )
    if version > SCHEMA_VERSION:
        return error(
            "unsupported_version",
            f"this flow uses schema_version {version}, which is newer than this designer "
            f"understands (it reads versions 1 to {SCHEMA_VERSION}); upgrade the designer",
        )
    if version < 1:
        return error(
            "unsupported_version",
            f"schema_version {version} does not exist; versions start at 1 "
            f"(this designer reads 1 to {SCHEMA_VERSION})",
        )
    return None


def _parse_items(
    raw: Any, model: type[_Item], field_name: str, diagnostics: list[Diagnostic]
) -> list[_Item]:
    if not isinstance(raw, list):
        diagnostics.append(
            error("malformed", f"'{field_name}' must be a list; found {_json_kind(raw)}")
        )
        return []
    items: list[_Item] = []
    for index, item in enumerate(raw):
        try:
            items.append(model.model_validate(item))
        except ValidationError as exc:
            diagnostics.extend(_item_errors(exc, field_name, index, item))
    return items


def _usable_notes(
    notes: list[Note], nodes: list[Node], diagnostics: list[Diagnostic]
) -> list[Note]:
    """The notes a canvas can draw: ids unused by any node or earlier note, at most MAX_NOTES.

    A dropped note costs its text only; refusing the whole flow for it would cost the flow.
    """
    taken = {node.id for node in nodes}
    kept: list[Note] = []
    for note in notes:
        if note.id in taken:
            diagnostics.append(
                error(
                    "malformed",
                    f"notes: the id {note.id!r} is already used by a block or another note; "
                    "the note was left out (give every note its own id)",
                )
            )
            continue
        taken.add(note.id)
        kept.append(note)
    if len(kept) > MAX_NOTES:
        diagnostics.append(
            error(
                "malformed",
                f"notes: a flow holds at most {MAX_NOTES} notes; found {len(kept)}, "
                f"so the last {len(kept) - MAX_NOTES} were left out (merge some notes)",
            )
        )
        kept = kept[:MAX_NOTES]
    return kept


def _item_errors(exc: ValidationError, field_name: str, index: int, item: Any) -> list[Diagnostic]:
    node_id = item.get("id") if field_name == "nodes" and isinstance(item, dict) else None
    where = f"{field_name}[{index}]"
    if not isinstance(node_id, str):
        node_id = None
    return [
        error(
            "malformed",
            f"{where}{_loc(err['loc'])}: {_explain(err)}",
            node=node_id,
        )
        for err in exc.errors()
    ]


def _document_errors(exc: ValidationError) -> list[Diagnostic]:
    return [
        error("malformed", f"{_loc(err['loc'], top=True)}: {_explain(err)}") for err in exc.errors()
    ]


def _loc(loc: tuple[Any, ...], top: bool = False) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    return parts.lstrip(".") if top else parts


def _explain(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "this field is required but missing"
    if kind == "extra_forbidden":
        return f"unknown field (found {_short(err.get('input'))}); check the spelling"
    return f"{err.get('msg', 'invalid value')}; found {_short(err.get('input'))}"


def _json_kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {value}"
    return names.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
