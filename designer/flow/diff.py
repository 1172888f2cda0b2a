"""What changed between two versions of a flow, said the way the history panel says it.

Versions are compared by meaning, not by text: nodes are matched by id, edges by their four ends
(the canvas's edge ``id`` is bookkeeping), flow parameters by name, and the order of the lists in
the file does not count. Values are equal only when they are equal as JSON: ``1`` and ``1.0``
differ, and so do ``1`` and ``true``, because the saved file and the compiled pipeline see the
difference (an integer parameter given ``1.0`` is a different document), so the history shows it.
Key order inside an object does not count.

Moves are kept apart from changes: they are frequent and rarely interesting, so the panel can fold
them into "Moved 3 blocks" or hide a version that only tidied the layout (``only_moves``). Sticky
notes are matched by id too; moving or resizing one is layout, like moving a block.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from designer.flow.document import Flow, FlowParam, Node, Note
from designer.flow.resources import resources_summary

#: Longest rendering of a value in a history line; longer ones end in an ellipsis.
MAX_VALUE_CHARS = 40
#: How much of a note's text names it in a history line.
NOTE_NAME_CHARS = 30


@dataclass(frozen=True)
class Value:
    """A named value in one version only: a parameter set, cleared, added or removed."""

    name: str
    value: Any


@dataclass(frozen=True)
class Change:
    """A named value in both versions that differs."""

    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class NodeRef:
    """A node added or removed; ``name`` is what the canvas shows: the label, else the id."""

    id: str
    block: str
    name: str


@dataclass(frozen=True)
class EdgeRef:
    """A connection added or removed, with the display names of its ends for the sentence."""

    source: str
    source_port: str
    target: str
    target_port: str
    source_name: str
    target_name: str


@dataclass(frozen=True)
class NodeChange:
    """What changed on a node in both versions, its position aside (see ``FlowDiff.moved``)."""

    id: str
    name: str
    block: tuple[str, str] | None = None
    label: tuple[str, str] | None = None
    cache: tuple[bool, bool] | None = None
    params_added: tuple[Value, ...] = ()
    params_removed: tuple[Value, ...] = ()
    params_changed: tuple[Change, ...] = ()
    #: The node's resources before and after, in words ("CPU up to 2 · memory 2Gi").
    resources: tuple[str, str] | None = None
    #: Nodes it now waits for, or no longer waits for, without data (``Node.after``), by the
    #: names the canvas shows them.
    after_added: tuple[str, ...] = ()
    after_removed: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        who = f"'{self.name}'"
        out = []
        if self.label:
            old, new = (label or self.id for label in self.label)
            out.append(f"Renamed block '{old}' → '{new}'")
        if self.block:
            out.append(f"Changed {who} block {self.block[0]} → {self.block[1]}")
        if self.cache:
            out.append(f"Turned caching {'on' if self.cache[1] else 'off'} for {who}")
        out += [f"Set {who} parameter {p.name} to {_show(p.value)}" for p in self.params_added]
        out += [
            f"Reset {who} parameter {p.name} to its default (was {_show(p.value)})"
            for p in self.params_removed
        ]
        out += [
            f"Changed {who} parameter {c.name}: {_show(c.old)} → {_show(c.new)}"
            for c in self.params_changed
        ]
        if self.resources:
            out.append(f"Changed {who} resources: {self.resources[0]} → {self.resources[1]}")
        out += [f"Made {who} run after '{name}'" for name in self.after_added]
        out += [f"Made {who} no longer wait for '{name}'" for name in self.after_removed]
        return out


@dataclass(frozen=True)
class NoteRef:
    """A sticky note added or removed; ``name`` is the start of its text."""

    id: str
    name: str


@dataclass(frozen=True)
class NoteChange:
    """A note in both versions whose text or colour differs (moves and resizes are layout)."""

    id: str
    name: str
    text: tuple[str, str] | None = None
    color: tuple[str, str] | None = None

    def lines(self) -> list[str]:
        out = []
        if self.text:
            out.append(f"Changed the text of note '{self.name}'")
        if self.color:
            out.append(f"Coloured note '{self.name}' {self.color[1]} (was {self.color[0]})")
        return out


@dataclass(frozen=True)
class FlowDiff:
    """Everything that changed from one version to the next, each list in a stable order.

    Nodes and moves are ordered by node id, edges by (source, source_port, target, target_port),
    parameters by name, so two diffs of the same versions read and serialise identically.
    ``params_*`` are the flow's parameters; a node's parameters are in its ``NodeChange``.
    """

    name: tuple[str, str] | None = None
    description: tuple[str, str] | None = None
    params_added: tuple[Value, ...] = ()
    params_removed: tuple[Value, ...] = ()
    params_changed: tuple[Change, ...] = ()
    nodes_added: tuple[NodeRef, ...] = ()
    nodes_removed: tuple[NodeRef, ...] = ()
    nodes_changed: tuple[NodeChange, ...] = ()
    edges_added: tuple[EdgeRef, ...] = ()
    edges_removed: tuple[EdgeRef, ...] = ()
    moved: tuple[str, ...] = ()
    notes_added: tuple[NoteRef, ...] = ()
    notes_removed: tuple[NoteRef, ...] = ()
    notes_changed: tuple[NoteChange, ...] = ()
    #: Notes moved or resized, by id.
    notes_moved: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many of each kind of change, for a compact badge (keys as the fields)."""
        counts = {field: len(getattr(self, field)) for field in _COUNTED}
        counts["renamed"] = int(self.name is not None)
        counts["description_changed"] = int(self.description is not None)
        return counts

    @property
    def is_empty(self) -> bool:
        """Nothing at all changed, not even a position."""
        return not any(self.counts().values())

    @property
    def only_moves(self) -> bool:
        """Some blocks or notes moved and nothing else changed: a layout tidy-up."""
        layout = ("moved", "notes_moved")
        return any(getattr(self, k) for k in layout) and not any(
            n for k, n in self.counts().items() if k not in layout
        )

    def lines(self) -> list[str]:
        """Short sentences for the history panel, flow-level changes first, moves last."""
        out = []
        if self.name:
            out.append(f"Renamed the flow '{self.name[0]}' → '{self.name[1]}'")
        if self.description:
            old, new = (_show(d) for d in self.description)
            out.append(f"Changed the flow description: {old} → {new}")
        for p in self.params_added:
            default = p.value.get("default")
            about = p.value["type"] + ("" if default is None else f", default {_show(default)}")
            out.append(f"Added flow parameter {p.name} ({about})")
        out += [f"Removed flow parameter {p.name}" for p in self.params_removed]
        for c in self.params_changed:
            out += [
                f"Changed flow parameter {c.name} {key}: {_show(c.old[key])} → {_show(c.new[key])}"
                for key in c.new
                if not _same(c.old[key], c.new[key])
            ]
        out += [f"Added block '{n.name}' ({n.block})" for n in self.nodes_added]
        out += [f"Removed block '{n.name}' ({n.block})" for n in self.nodes_removed]
        for change in self.nodes_changed:
            out += change.lines()
        out += [f"Added connection {_ends(e)}" for e in self.edges_added]
        out += [f"Removed connection {_ends(e)}" for e in self.edges_removed]
        out += [f"Added note '{n.name}'" for n in self.notes_added]
        out += [f"Removed note '{n.name}'" for n in self.notes_removed]
        for note in self.notes_changed:
            out += note.lines()
        if self.moved:
            count = len(self.moved)
            out.append(f"Moved {count} block" if count == 1 else f"Moved {count} blocks")
        if self.notes_moved:
            count = len(self.notes_moved)
            out.append(f"Moved or resized {count} note" + ("" if count == 1 else "s"))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (lists, not tuples) with the counts and lines, for the REST API."""
        # Every value in the diff is already plain JSON; the round trip turns tuples into lists.
        data: dict[str, Any] = json.loads(json.dumps(asdict(self)))
        return {**data, "counts": self.counts(), "lines": self.lines()}


_COUNTED = (
    "nodes_added", "nodes_removed", "nodes_changed", "edges_added", "edges_removed",
    "params_added", "params_removed", "params_changed", "moved",
    "notes_added", "notes_removed", "notes_changed", "notes_moved",
)  # fmt: skip


def diff_flows(old: Flow, new: Flow) -> FlowDiff:
    """What changed from ``old`` to ``new``; neither flow is modified."""
    old_nodes, new_nodes = _first_by_key(old.nodes, "id"), _first_by_key(new.nodes, "id")
    kept = sorted(old_nodes.keys() & new_nodes.keys())
    names = {i: _name(n) for i, n in old_nodes.items()} | {
        i: _name(n) for i, n in new_nodes.items()
    }
    node_changes = (_node_change(old_nodes[i], new_nodes[i], names) for i in kept)
    old_notes, new_notes = _first_by_key(old.notes, "id"), _first_by_key(new.notes, "id")
    kept_notes = sorted(old_notes.keys() & new_notes.keys())
    note_changes = (_note_change(old_notes[i], new_notes[i]) for i in kept_notes)
    return FlowDiff(
        _pair(old.name, new.name),
        _pair(old.description, new.description),
        *_dict_diff(_flow_params(old.params), _flow_params(new.params)),
        nodes_added=_refs(new_nodes, old_nodes),
        nodes_removed=_refs(old_nodes, new_nodes),
        nodes_changed=tuple(c for c in node_changes if c is not None),
        edges_added=_edges_only_in(new, old),
        edges_removed=_edges_only_in(old, new),
        moved=tuple(i for i in kept if old_nodes[i].position != new_nodes[i].position),
        notes_added=_note_refs(new_notes, old_notes),
        notes_removed=_note_refs(old_notes, new_notes),
        notes_changed=tuple(c for c in note_changes if c is not None),
        notes_moved=tuple(
            i
            for i in kept_notes
            if (old_notes[i].position, old_notes[i].size)
            != (new_notes[i].position, new_notes[i].size)
        ),
    )


def _note_change(old: Note, new: Note) -> NoteChange | None:
    text, color = _pair(old.text, new.text), _pair(old.color, new.color)
    return NoteChange(new.id, _note_name(new), text, color) if text or color else None


def _note_refs(notes: dict[str, Note], other: dict[str, Note]) -> tuple[NoteRef, ...]:
    return tuple(NoteRef(i, _note_name(notes[i])) for i in sorted(notes.keys() - other.keys()))


def _note_name(note: Note) -> str:
    # The start of the text on one line: what someone scanning the canvas would recognise.
    words = " ".join(note.text.split())
    if not words:
        return "empty note"
    return words if len(words) <= NOTE_NAME_CHARS else words[: NOTE_NAME_CHARS - 1] + "…"


def _node_change(old: Node, new: Node, names: dict[str, str]) -> NodeChange | None:
    fields = (_pair(old.block, new.block), _pair(old.label, new.label), _pair(old.cache, new.cache))
    params = _dict_diff(old.params, new.params)
    resources = _pair(resources_summary(old.resources), resources_summary(new.resources))
    waited, was_waited = set(new.after), set(old.after)
    after_added = tuple(names.get(i, i) for i in sorted(waited - was_waited))
    after_removed = tuple(names.get(i, i) for i in sorted(was_waited - waited))
    if not any(fields) and not any(params) and not resources and not after_added + after_removed:
        return None
    return NodeChange(
        new.id,
        _name(new),
        *fields,
        *params,
        resources=resources,
        after_added=after_added,
        after_removed=after_removed,
    )


def _dict_diff(
    old: dict[str, Any], new: dict[str, Any]
) -> tuple[tuple[Value, ...], tuple[Value, ...], tuple[Change, ...]]:
    added = tuple(Value(k, _plain_value(new[k])) for k in sorted(new.keys() - old.keys()))
    removed = tuple(Value(k, _plain_value(old[k])) for k in sorted(old.keys() - new.keys()))
    changed = tuple(
        Change(k, _plain_value(old[k]), _plain_value(new[k]))
        for k in sorted(old.keys() & new.keys())
        if not _same(old[k], new[k])
    )
    return added, removed, changed


def _flow_params(params: list[FlowParam]) -> dict[str, dict[str, Any]]:
    return {
        name: p.model_dump(exclude={"name"}) for name, p in _first_by_key(params, "name").items()
    }


def _edges_only_in(flow: Flow, other: Flow) -> tuple[EdgeRef, ...]:
    # A multiset: a version that drops one of two identical edges did remove one.
    def ends(f: Flow) -> Counter[tuple[str, str, str, str]]:
        return Counter((e.source, e.source_port, e.target, e.target_port) for e in f.edges)

    names = {node_id: _name(node) for node_id, node in _first_by_key(flow.nodes, "id").items()}
    return tuple(
        EdgeRef(s, sp, t, tp, names.get(s, s), names.get(t, t))
        for s, sp, t, tp in sorted((ends(flow) - ends(other)).elements())
    )


def _first_by_key(items: list[Any], key: str) -> dict[str, Any]:
    # The first of duplicate ids wins, as in Flow.node (the validator reports duplicates).
    return {getattr(item, key): item for item in reversed(items)}


def _refs(nodes: dict[str, Node], other: dict[str, Node]) -> tuple[NodeRef, ...]:
    only = sorted(nodes.keys() - other.keys())
    return tuple(NodeRef(i, nodes[i].block, _name(nodes[i])) for i in only)


def _name(node: Node) -> str:
    return node.label or node.id


def _pair(old: Any, new: Any) -> tuple[Any, Any] | None:
    return None if _same(old, new) else (old, new)


def _json(value: Any, **options: Any) -> str:
    try:
        return json.dumps(value, default=repr, **options)
    except (TypeError, ValueError):  # object keys of mixed types, or a cycle
        return json.dumps(repr(value))


def _same(old: Any, new: Any) -> bool:
    return _json(old, sort_keys=True) == _json(new, sort_keys=True)


def _plain_value(value: Any) -> Any:
    # A JSON copy: the diff shares nothing mutable with the flows and serialises as is.
    return json.loads(_json(value))


def _show(value: Any) -> str:
    text = _json(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _ends(edge: EdgeRef) -> str:
    return f"{edge.source_name}.{edge.source_port} → {edge.target_name}.{edge.target_port}"
