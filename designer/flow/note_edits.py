"""Edits to a flow's sticky notes, and the canvas's edits that carry notes beside blocks.

The canvas draws notes as its nodes, so one gesture can touch blocks and notes together (a drag
of a selection holding both, a delete, a paste). Such an edit is the block edit of
``designer.flow.edit`` with a ``notes`` part beside it, applied here in one step (one undo
step)::

    {"kind": "move", "positions": {"split": [280, 40]}, "notes": {"note": [0, -120]}}
    {"kind": "add", "nodes": [...], "edges": [...], "notes": [{"id", "text", "position", ...}]}
    {"kind": "remove", "nodes": [...], "edges": [...], "notes": ["note_2"]}

and one note's text, colour or box changes with ``{"kind": "note", "id": "note", "text": ...}``.
Like ``apply_edit``, ``apply_flow_edit`` returns a new flow or raises ``EditRejected``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from designer.flow.document import (
    MAX_NOTE_CHARS,
    MAX_NOTES,
    Flow,
    Note,
    NoteColor,
    NoteSize,
    Position,
)
from designer.flow.edit import Coordinate, EditRejected, NodeId, apply_edit, describe_edit

Point = tuple[Coordinate, Coordinate]
Width = Annotated[float, Field(ge=80, le=2000, allow_inf_nan=False)]
Height = Annotated[float, Field(ge=40, le=2000, allow_inf_nan=False)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteSpec(_Spec):
    """A note as the canvas sends it: positions and sizes as pairs, like block positions."""

    id: NodeId
    text: Annotated[str, Field(max_length=MAX_NOTE_CHARS)] = ""
    position: Point = (0.0, 0.0)
    size: tuple[Width, Height] = (240.0, 120.0)
    color: NoteColor = "yellow"

    def note(self) -> Note:
        (x, y), (width, height) = self.position, self.size
        return Note(
            id=self.id,
            text=self.text,
            position=Position(x=round(x), y=round(y)),
            size=NoteSize(width=round(width), height=round(height)),
            color=self.color,
        )


class NoteEdit(_Spec):
    """One note changed in place; fields left out stay as they are."""

    kind: Literal["note"]
    id: str
    text: Annotated[str, Field(max_length=MAX_NOTE_CHARS)] | None = None
    color: NoteColor | None = None
    position: Point | None = None
    size: tuple[Width, Height] | None = None


_NOTE_PARTS: dict[str, TypeAdapter[Any]] = {
    "move": TypeAdapter(dict[str, Point]),
    "add": TypeAdapter(list[NoteSpec]),
    "remove": TypeAdapter(list[str]),
}
_NOTE_EDIT = TypeAdapter(NoteEdit)


def apply_flow_edit(flow: Flow, data: Any) -> Flow:
    """The flow after a canvas edit, blocks and notes alike; ``flow`` is never changed."""
    if isinstance(data, dict) and data.get("kind") == "note":
        return _change_note(flow, _read(_NOTE_EDIT, data, "note"))
    if not isinstance(data, dict) or "notes" not in data:
        return _ids_apart(apply_edit(flow, data))
    kind = data.get("kind")
    if kind not in _NOTE_PARTS:
        raise EditRejected(
            f"a {kind!r} edit cannot carry notes; notes ride along with "
            f"{', '.join(_NOTE_PARTS)} edits only"
        )
    part = _read(_NOTE_PARTS[kind], data["notes"], kind)
    result = apply_edit(flow, {k: v for k, v in data.items() if k != "notes"})
    {"move": _move_notes, "add": _add_notes, "remove": _remove_notes}[kind](result, part)
    return _ids_apart(result)


def _ids_apart(flow: Flow) -> Flow:
    # The canvas draws blocks and notes as one list of nodes: a shared id would merge them.
    if not flow.notes:
        return flow
    shared = {n.id for n in flow.nodes} & {n.id for n in flow.notes}
    if shared:
        raise EditRejected(
            f"the id {sorted(shared)[0]!r} is taken by a note; give the block another id"
        )
    return flow


def describe_flow_edit(data: dict[str, Any]) -> str:
    """A few words for the undo button's tooltip, notes counted beside blocks."""
    kind, notes = data.get("kind"), data.get("notes")
    if kind == "note":
        return "Edit note"
    if not notes:
        return describe_edit(data)
    verb = {"move": "Move", "add": "Add", "remove": "Delete"}.get(str(kind), "Change")
    blocks = data.get("positions") if kind == "move" else data.get("nodes")
    things = [_count(len(blocks or ()), "block"), _count(len(notes), "note")]
    return f"{verb} {' and '.join(t for t in things if t)}"


def _count(n: int, noun: str) -> str:
    return "" if not n else f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _read(adapter: TypeAdapter[Any], value: Any, kind: str) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        where = f"notes.{where}" if kind != "note" else where
        raise EditRejected(f"malformed {kind} edit: {where}: {first['msg']}") from None


def _note(flow: Flow, note_id: str) -> Note:
    note = flow.note(note_id)
    if note is None:
        raise EditRejected(f"there is no note {note_id!r} in the flow; it may have been deleted")
    return note


def _change_note(flow: Flow, edit: NoteEdit) -> Flow:
    result = flow.model_copy(deep=True)
    note = _note(result, edit.id)
    if edit.text is not None:
        note.text = edit.text
    if edit.color is not None:
        note.color = edit.color
    if edit.position is not None:
        note.position = Position(x=round(edit.position[0]), y=round(edit.position[1]))
    if edit.size is not None:
        note.size = NoteSize(width=round(edit.size[0]), height=round(edit.size[1]))
    return result


def _move_notes(flow: Flow, positions: dict[str, tuple[float, float]]) -> None:
    for note_id, (x, y) in positions.items():
        _note(flow, note_id).position = Position(x=round(x), y=round(y))


def _add_notes(flow: Flow, specs: list[NoteSpec]) -> None:
    taken = {n.id for n in flow.nodes} | {n.id for n in flow.notes}
    if len(flow.notes) + len(specs) > MAX_NOTES:
        raise EditRejected(
            f"a flow holds at most {MAX_NOTES} notes; it has {len(flow.notes)}, so "
            f"{len(specs)} more do not fit (delete or merge some notes first)"
        )
    for spec in specs:
        if spec.id in taken:
            raise EditRejected(f"the id {spec.id!r} is already taken; notes need their own ids")
        taken.add(spec.id)
        flow.notes.append(spec.note())


def _remove_notes(flow: Flow, ids: list[str]) -> None:
    unknown = set(ids) - {n.id for n in flow.notes}
    if unknown:
        raise EditRejected(f"cannot delete {', '.join(sorted(unknown))}: no such note")
    gone = set(ids)
    flow.notes = [n for n in flow.notes if n.id not in gone]
