"""The flow canvas as a Reflex component: assets/canvas/FlowCanvas.jsx, an @xyflow/react flow.

docs/canvas.md is the contract: the props carry the flow and the server's changes to the
browser, the three events carry finished gestures back. Every event passes one JSON value
(an edit dict, a list of node ids, a command name), never a browser event.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.components.component import field
from reflex_base.event import passthrough_event_spec

from designer.ui.canvas.scene import accepts_table, block_descriptions

#: @xyflow/react and dagre versions, pinned (reflex.lock/ records what bun resolved).
REACT_FLOW = "@xyflow/react@12.12.1"
DAGRE = "@dagrejs/dagre@3.1.3"


class FlowCanvas(rx.NoSSRComponent):
    """React Flow reads the window and measures the DOM: client-only, loaded lazily."""

    # assets/ is copied to .web/public before the frontend is built.
    library: str | None = "$/public/canvas/FlowCanvas.jsx"
    tag: str | None = "FlowCanvas"
    lib_dependencies: list[str] = [REACT_FLOW, DAGRE]

    blocks: rx.Var[list[dict[str, Any]]] = field(
        doc="Block.describe() for every catalogue block (static)."
    )
    extra_blocks: rx.Var[list[dict[str, Any]]] = field(
        doc="Block.describe() of people's own blocks the page may draw (theirs, shared, pinned)."
    )
    accepts: rx.Var[dict[str, list[str]]] = field(
        doc="Input port type -> the output port types it accepts (static)."
    )
    scene: rx.Var[dict[str, Any]] = field(
        doc='{"seq", "nodes", "edges"}: the flow when the page loaded, read when mounted.'
    )
    ops: rx.Var[list[dict[str, Any]]] = field(
        doc="Server changes after the scene, each applied once in seq order."
    )
    statuses: rx.Var[dict[str, str]] = field(doc="Node id -> run status of the run on show.")
    problems: rx.Var[dict[str, list[str]]] = field(doc="Node id -> validation messages.")
    can_undo: rx.Var[bool] = field(doc="Enable the undo button.")
    can_redo: rx.Var[bool] = field(doc="Enable the redo button.")
    read_only: rx.Var[bool] = field(
        doc="Look but do not change: no dragging, connecting, deleting, dropping or pasting."
    )
    marks: rx.Var[dict[str, str]] = field(
        doc='Node id -> "added" or "changed": what differs from another version (compare page).'
    )

    on_edit: rx.EventHandler[passthrough_event_spec(dict[str, Any])] = field(
        doc="An edit dict (move, add, connect, remove) when a gesture ends."
    )
    on_select: rx.EventHandler[passthrough_event_spec(list[str])] = field(
        doc="The selected node ids, when the selection changes."
    )
    on_command: rx.EventHandler[passthrough_event_spec(str)] = field(
        doc='"undo", "redo", "save", "help" from the toolbar and shortcuts.'
    )


def flow_canvas(**props: Any) -> rx.Component:
    """The canvas; ``blocks`` and ``accepts`` default to the whole catalogue.

    The canvas fills its container, which must have a size (React Flow needs one).
    """
    props.setdefault("blocks", block_descriptions())
    props.setdefault("accepts", accepts_table())
    props.setdefault("width", "100%")
    props.setdefault("height", "100%")
    return FlowCanvas.create(**props)
