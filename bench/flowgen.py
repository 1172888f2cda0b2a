"""Generated flows of any size, made of real catalogue blocks, for the canvas benchmark.

A flow of ``n`` nodes is a run of complete 5-block chains

    load.sklearn_dataset -> split.train_test -> preprocess.prepare_columns
        -> train.random_forest -> evaluate.classification

plus one shorter chain at the end when ``n`` is not a multiple of 5. Each chain sits on one row
of a grid (280 px between columns, 160 px between rows), and the chains fill the grid so that
the whole flow is about as wide as tall on a 1280x800 screen: fitting it in view shrinks
every size by the same factor both ways. ``canvas_graph`` gives the same flow in React Flow's
shape, as the designer's canvas receives it, for the plain React Flow page.
"""

from __future__ import annotations

import math
from typing import Any

from blocks.catalogue import CATALOGUE
from designer.flow.document import Edge

X_SPACING = 280
Y_SPACING = 160
#: The shape of the screen the flow is laid out for (1280x800).
SCREEN_ASPECT = 1280 / 800

#: One chain: (block id, parameters). Every parameter left at its default except the dataset.
CHAIN: tuple[tuple[str, dict[str, Any]], ...] = (
    ("load.sklearn_dataset", {"dataset": "iris"}),
    ("split.train_test", {}),
    ("preprocess.prepare_columns", {}),
    ("train.random_forest", {}),
    ("evaluate.classification", {}),
)
#: The edges of one chain, by position in CHAIN: (source, source port, target, target port).
CHAIN_EDGES: tuple[tuple[int, str, int, str], ...] = (
    (0, "data", 1, "data"),
    (1, "train", 2, "train"),
    (1, "test", 2, "test"),
    (2, "prepared_train", 3, "train"),
    (3, "model", 4, "model"),
    (2, "prepared_test", 4, "test"),
)
_SHORT_NAMES = ("load", "split", "prepare", "train", "evaluate")


def chains_per_row(n: int) -> int:
    """How many chains side by side make the grid about the shape of the screen."""
    chains = max(1, math.ceil(n / len(CHAIN)))
    chain_width = len(CHAIN) * X_SPACING
    # width / height = (k * chain_width) / ((chains / k) * Y_SPACING) = SCREEN_ASPECT
    k = math.sqrt(SCREEN_ASPECT * chains * Y_SPACING / chain_width)
    return max(1, min(chains, round(k)))


def node_id(chain: int, step: int) -> str:
    return f"{_SHORT_NAMES[step]}{chain}"


def _chain_nodes(chain: int, length: int, per_row: int) -> list[dict[str, Any]]:
    row, slot = divmod(chain, per_row)
    nodes = []
    for step in range(length):
        block, params = CHAIN[step]
        column = slot * len(CHAIN) + step
        nodes.append(
            {
                "id": node_id(chain, step),
                "block": block,
                "params": dict(params),
                "position": {"x": column * X_SPACING, "y": row * Y_SPACING},
            }
        )
    return nodes


def _chain_edges(chain: int, length: int) -> list[dict[str, Any]]:
    return [
        {
            "source": node_id(chain, source),
            "source_port": source_port,
            "target": node_id(chain, target),
            "target_port": target_port,
        }
        for source, source_port, target, target_port in CHAIN_EDGES
        if target < length
    ]


def generated_flow(n: int) -> dict[str, Any]:
    """A valid flow document (schema_version 1) of ``n`` nodes laid out on a grid.

    >>> doc = generated_flow(7)
    >>> len(doc["nodes"]), len(doc["edges"])
    (7, 7)
    """
    if n < 1:
        raise ValueError(f"a generated flow needs at least 1 node; asked for {n}")
    per_row = chains_per_row(n)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for chain in range(math.ceil(n / len(CHAIN))):
        length = min(len(CHAIN), n - chain * len(CHAIN))
        nodes.extend(_chain_nodes(chain, length, per_row))
        edges.extend(_chain_edges(chain, length))
    return {
        "schema_version": 1,
        "name": f"Generated flow of {n} nodes",
        "description": "Repeated load, split, prepare, train and evaluate chains (canvas bench).",
        "nodes": nodes,
        "edges": edges,
    }


def canvas_graph(flow: dict[str, Any]) -> dict[str, Any]:
    """Nodes and edges as the canvas gets them (docs/canvas.md), plus each block's ports."""
    nodes = [
        {
            "id": node["id"],
            "type": "block",
            "position": node["position"],
            "data": {"block": node["block"], "label": "", "params": node["params"]},
        }
        for node in flow["nodes"]
    ]
    edges = []
    for raw in flow["edges"]:
        edge = Edge.model_validate(raw)
        edges.append(
            {
                "id": edge.key,
                "source": edge.source,
                "sourceHandle": edge.source_port,
                "target": edge.target,
                "targetHandle": edge.target_port,
            }
        )
    blocks = {
        block.id: {
            "title": block.title,
            "inputs": [port.name for port in block.inputs],
            "outputs": [port.name for port in block.outputs],
        }
        for block in CATALOGUE
    }
    return {"nodes": nodes, "edges": edges, "blocks": blocks}
