"""A tidy left-to-right layout for a flow made from a pipeline, as the canvas lays one out.

Each weakly connected piece is laid out in layers (networkx's topological generations: a node
sits one column right of the furthest node it waits for), each column ordered by where the
nodes feeding it sit (so lines cross less) and centred on the tallest one. Pieces are packed in
rows aiming at a landscape screen. The sizes and gaps are the canvas's own auto-layout's
(``assets/canvas/layout.js``), so pressing auto-layout after an import moves little.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import networkx as nx

#: A block's box on the canvas before it is measured, and the gaps the canvas lays out with.
NODE_WIDTH, NODE_HEIGHT = 220, 125
#: A block's header and each row of its ports, as the canvas draws them (about).
HEADER_HEIGHT, ROW_HEIGHT = 68, 21
RANK_GAP, NODE_GAP = 90, 36
#: Between pieces of the flow, and the width-to-height ratio their rows aim at.
PIECE_GAP = 80
ASPECT = 1.6


def node_height(rows: int) -> float:
    """About how tall the canvas draws a block with ``rows`` port rows (its header, then a row
    for each input beside each output), at least its default size."""
    return max(NODE_HEIGHT, HEADER_HEIGHT + rows * ROW_HEIGHT)


def layered_positions(
    nodes: Iterable[str],
    edges: Iterable[tuple[str, str]],
    heights: Mapping[str, float] | None = None,
) -> dict[str, tuple[float, float]]:
    """Top-left canvas positions of ``nodes`` joined by ``edges`` (which form no cycle), each
    node as tall as ``heights`` says (NODE_HEIGHT when it does not).

    >>> layered_positions(["a", "b"], [("a", "b")])
    {'a': (0, 0), 'b': (310, 0)}
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((u, v) for u, v in edges if u in graph and v in graph)
    tall = {node: (heights or {}).get(node, NODE_HEIGHT) for node in graph}
    pieces = [_piece(graph.subgraph(ids), tall) for ids in _pieces(graph)]
    area = sum((w + PIECE_GAP) * (h + PIECE_GAP) for _, w, h in pieces)
    row_width = max([w for _, w, _ in pieces] + [math.sqrt(area * ASPECT)])
    positions: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for placed, width, height in pieces:
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y + row_height + PIECE_GAP, 0.0
        for node, (px, py) in placed.items():
            positions[node] = (round(x + px), round(y + py))
        x += width + PIECE_GAP
        row_height = max(row_height, height)
    return positions


def _pieces(graph: nx.DiGraph) -> list[list[str]]:
    """Weakly connected pieces, in the order their first nodes come."""
    order = {node: index for index, node in enumerate(graph)}
    pieces = [sorted(ids, key=order.__getitem__) for ids in nx.weakly_connected_components(graph)]
    return sorted(pieces, key=lambda ids: order[ids[0]])


def _piece(
    graph: nx.DiGraph, tall: Mapping[str, float]
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """One piece laid out in columns: positions relative to its top left, width and height."""
    order = {node: index for index, node in enumerate(graph)}
    columns = [sorted(layer, key=order.__getitem__) for layer in nx.topological_generations(graph)]
    rows: dict[str, float] = {}
    for column in columns:
        # Each node goes near the mean row of the nodes it waits for (the first column keeps
        # the file's order).
        def mean_row(node: str) -> float:
            fed = [rows[p] for p in graph.predecessors(node) if p in rows]
            return sum(fed) / len(fed) if fed else float(order[node])

        column.sort(key=lambda node: (mean_row(node), order[node]))
        for index, node in enumerate(column):
            rows[node] = float(index)

    def column_height(column: list[str]) -> float:
        return sum(tall[node] for node in column) + (len(column) - 1) * NODE_GAP

    height = max(column_height(column) for column in columns)
    positions: dict[str, tuple[float, float]] = {}
    for index, column in enumerate(columns):
        y = (height - column_height(column)) / 2
        for node in column:
            positions[node] = (index * (NODE_WIDTH + RANK_GAP), y)
            y += tall[node] + NODE_GAP
    width = len(columns) * NODE_WIDTH + (len(columns) - 1) * RANK_GAP
    return positions, width, height
