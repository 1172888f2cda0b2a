"""A template's picture, drawn from its own graph: each block a box where it sits on the canvas,
each connection a curve from output to input, coloured by the type it carries.

The picture is an SVG made only of numbers and colours from the catalogue (no names or other
text from the flow), so a team template cannot smuggle markup into the gallery.
"""

from __future__ import annotations

import base64
from xml.sax.saxutils import quoteattr

from blocks import get_block
from blocks.base import Block
from designer.flow.document import Edge, Flow

#: A block's size on the canvas (assets/canvas/layout.js DEFAULT_SIZE).
NODE_WIDTH, NODE_HEIGHT = 220.0, 110.0
PADDING = 40.0
UNKNOWN_COLOR = "#64748b"
#: Gap between two ports' handles down a block's side.
PORT_GAP = 26.0


def thumbnail_svg(flow: Flow, width: int = 320, height: int = 180) -> str:
    """The flow as an SVG picture of ``width`` x ``height`` pixels (the graph is scaled to fit
    and centred; an empty flow gives an empty frame)."""
    blocks = {node.id: get_block(node.block) for node in flow.nodes}
    places = {node.id: (node.position.x, node.position.y) for node in flow.nodes}
    shapes: list[str] = []
    for edge in flow.edges:
        if edge.source in places and edge.target in places:
            shapes.append(_edge(edge, places, blocks))
    for node in flow.nodes:
        shapes.append(_node(places[node.id], blocks[node.id]))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="{_view_box(list(places.values()))}" preserveAspectRatio="xMidYMid meet" '
        'role="img">' + "".join(shapes) + "</svg>"
    )


def thumbnail_data_uri(flow: Flow) -> str:
    """The picture as a ``data:`` address an <img> can show without another request."""
    encoded = base64.b64encode(thumbnail_svg(flow).encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"


def _view_box(places: list[tuple[float, float]]) -> str:
    if not places:
        return f"0 0 {NODE_WIDTH} {NODE_HEIGHT}"
    left = min(x for x, _ in places) - PADDING
    top = min(y for _, y in places) - PADDING
    right = max(x for x, _ in places) + NODE_WIDTH + PADDING
    bottom = max(y for _, y in places) + NODE_HEIGHT + PADDING
    return f"{_n(left)} {_n(top)} {_n(right - left)} {_n(bottom - top)}"


def _node(place: tuple[float, float], block: Block | None) -> str:
    x, y = place
    color = _block_color(block)
    return (
        f'<g data-block="node"><rect x="{_n(x)}" y="{_n(y)}" width="{_n(NODE_WIDTH)}" '
        f'height="{_n(NODE_HEIGHT)}" rx="14" fill="#ffffff" stroke={quoteattr(color)} '
        'stroke-width="4"/>'
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(NODE_WIDTH)}" height="30" rx="14" '
        f'fill={quoteattr(color)} opacity="0.85"/>'
        f'<rect x="{_n(x + 20)}" y="{_n(y + 50)}" width="{_n(NODE_WIDTH * 0.6)}" height="12" '
        'rx="6" fill="#cbd5e1"/>'
        f'<rect x="{_n(x + 20)}" y="{_n(y + 74)}" width="{_n(NODE_WIDTH * 0.4)}" height="12" '
        'rx="6" fill="#e2e8f0"/></g>'
    )


def _edge(
    edge: Edge, places: dict[str, tuple[float, float]], blocks: dict[str, Block | None]
) -> str:
    source, target = edge.source, edge.target
    block = blocks[source]
    port = block.output(edge.source_port) if block else None
    color = port.type.color if port else UNKNOWN_COLOR
    x1 = places[source][0] + NODE_WIDTH
    y1 = places[source][1] + _port_offset(block, edge.source_port, outputs=True)
    x2 = places[target][0]
    y2 = places[target][1] + _port_offset(blocks[target], edge.target_port, outputs=False)
    bend = max(40.0, abs(x2 - x1) / 2)
    return (
        f'<path data-block="edge" d="M{_n(x1)},{_n(y1)} C{_n(x1 + bend)},{_n(y1)} '
        f'{_n(x2 - bend)},{_n(y2)} {_n(x2)},{_n(y2)}" fill="none" stroke={quoteattr(color)} '
        'stroke-width="5" stroke-linecap="round" opacity="0.8"/>'
    )


def _port_offset(block: Block | None, port: str, *, outputs: bool) -> float:
    """How far down the block's side the port's handle sits: ports spread around the middle."""
    ports = (block.outputs if outputs else block.inputs) if block else ()
    names = [p.name for p in ports]
    index = names.index(port) if port in names else 0
    middle = (len(names) - 1) / 2 if names else 0
    return NODE_HEIGHT / 2 + (index - middle) * PORT_GAP


def _block_color(block: Block | None) -> str:
    """The colour of what the block makes (its first output), so models, data and scores read
    apart at a glance; a block with no outputs takes its first input's."""
    if block is None:
        return UNKNOWN_COLOR
    ports = block.outputs or block.inputs
    return ports[0].type.color if ports else UNKNOWN_COLOR


def _n(value: float) -> str:
    """A coordinate with at most one decimal: short, and the same on every machine."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
