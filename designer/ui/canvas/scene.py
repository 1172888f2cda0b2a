"""The flow as the canvas draws it: React Flow nodes and edges, in the shapes of docs/canvas.md.

Pure conversion, no Reflex: the editor state builds the canvas's ``scene`` and ``ops`` from
these, and the tests check them without a browser.
"""

from __future__ import annotations

from typing import Any

from blocks.base import PORT_TYPES
from blocks.catalogue import CATALOGUE
from designer.flow.document import Edge, Flow, Node, Note

#: React Flow's node type for every block (the custom node in assets/canvas/BlockNode.jsx).
NODE_TYPE = "block"
#: React Flow's node type for a sticky note (assets/canvas/NoteNode.jsx).
NOTE_TYPE = "note"


def canvas_node(node: Node) -> dict[str, Any]:
    """One document node as a React Flow node."""
    return {
        "id": node.id,
        "type": NODE_TYPE,
        "position": {"x": node.position.x, "y": node.position.y},
        "data": {
            "block": node.block,
            "label": node.label,
            "params": dict(node.params),
            # Carried so a copied or duplicated block keeps its resources.
            **({"resources": node.resources.model_dump(mode="json")} if node.resources else {}),
        },
    }


def canvas_note(note: Note) -> dict[str, Any]:
    """One sticky note as a React Flow node: its box is the node's size."""
    return {
        "id": note.id,
        "type": NOTE_TYPE,
        "position": {"x": note.position.x, "y": note.position.y},
        "width": note.size.width,
        "height": note.size.height,
        "data": {"text": note.text, "color": note.color},
    }


def canvas_edge(edge: Edge) -> dict[str, Any]:
    """One document edge as a React Flow edge: handles are port names, the id is ``Edge.key``."""
    return {
        "id": edge.key,
        "source": edge.source,
        "sourceHandle": edge.source_port,
        "target": edge.target,
        "targetHandle": edge.target_port,
    }


def scene_nodes(flow: Flow) -> list[dict[str, Any]]:
    """The canvas's nodes: the notes first, so blocks are drawn over them where they overlap."""
    return [
        *(canvas_note(note) for note in flow.notes),
        *(canvas_node(node) for node in flow.nodes),
    ]


def scene_edges(flow: Flow) -> list[dict[str, Any]]:
    return [canvas_edge(edge) for edge in flow.edges]


def scene(flow: Flow, seq: int = 0) -> dict[str, Any]:
    """The canvas's ``scene`` prop: the flow as it is when ``seq`` is the latest op."""
    return {"seq": seq, "nodes": scene_nodes(flow), "edges": scene_edges(flow)}


def accepts_table() -> dict[str, list[str]]:
    """Input port type -> the output port types it accepts (``PortType.accepts``)."""
    return {
        name: [other for other, candidate in PORT_TYPES.items() if port.accepts(candidate)]
        for name, port in PORT_TYPES.items()
    }


def block_descriptions() -> list[dict[str, Any]]:
    """``Block.describe()`` for every catalogue block, in palette order."""
    return [block.describe() for block in CATALOGUE]
