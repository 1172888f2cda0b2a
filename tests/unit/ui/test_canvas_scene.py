"""The canvas scene: document nodes and edges become React Flow ones and back, losslessly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from blocks.catalogue import CATALOGUE
from designer.flow.document import Edge, Flow, Node, Position, parse_flow
from designer.ui.canvas.scene import (
    accepts_table,
    block_descriptions,
    canvas_edge,
    canvas_node,
    scene,
    scene_edges,
    scene_nodes,
)
from designer.userblocks.blocks import ICONS as OWN_BLOCK_ICONS
from tests.fixtures.flow_files import fixture_flow, flow_names


def load(name: str) -> Flow:
    flow, diagnostics = parse_flow(fixture_flow(name))
    assert flow is not None and not diagnostics
    return flow


def node_back(item: dict[str, Any], original: Node) -> Node:
    """What the browser's add edit rebuilds from a canvas node (cache is not the canvas's)."""
    data = item["data"]
    return Node(
        id=item["id"],
        block=data["block"],
        params=data["params"],
        position=Position(**item["position"]),
        label=data["label"],
        cache=original.cache,
    )


def edge_back(item: dict[str, Any]) -> Edge:
    return Edge(
        source=item["source"],
        source_port=item["sourceHandle"],
        target=item["target"],
        target_port=item["targetHandle"],
    )


@pytest.mark.parametrize("name", flow_names())
def test_scene_round_trips_every_fixture(name: str) -> None:
    flow = load(name)
    nodes = json.loads(json.dumps(scene_nodes(flow)))
    edges = json.loads(json.dumps(scene_edges(flow)))

    assert [node_back(item, n) for item, n in zip(nodes, flow.nodes, strict=True)] == flow.nodes
    assert [edge_back(item) for item in edges] == flow.edges
    assert [item["id"] for item in edges] == [edge.key for edge in flow.edges]
    assert {item["type"] for item in nodes} <= {"block"}


def test_canvas_node_shape() -> None:
    node = Node(
        id="split",
        block="split.train_test",
        params={"test_size": 0.25, "seed": {"$param": "seed"}},
        position=Position(x=280, y=40),
    )
    assert canvas_node(node) == {
        "id": "split",
        "type": "block",
        "position": {"x": 280, "y": 40},
        "data": {
            "block": "split.train_test",
            "label": "",
            "params": {"test_size": 0.25, "seed": {"$param": "seed"}},
        },
    }


@pytest.mark.parametrize(
    ("edge", "key"),
    [
        (Edge(source="data", source_port="data", target="split", target_port="data"), None),
        (Edge(source="a", source_port="out", target="b", target_port="in", id="e1"), "e1"),
    ],
)
def test_canvas_edge_id_is_the_edge_key(edge: Edge, key: str | None) -> None:
    item = canvas_edge(edge)
    assert item == {
        "id": key or "data.data->split.data",
        "source": edge.source,
        "sourceHandle": edge.source_port,
        "target": edge.target,
        "targetHandle": edge.target_port,
    }


def test_scene_carries_its_seq() -> None:
    flow = load("iris_classification")
    built = scene(flow, seq=7)
    assert built["seq"] == 7
    assert built["nodes"] == scene_nodes(flow)
    assert built["edges"] == scene_edges(flow)


@pytest.mark.parametrize(
    ("port_type", "accepted", "refused"),
    [
        ("Model", {"Model", "Classifier", "Regressor"}, {"Dataset", "Metrics"}),
        ("Classifier", {"Classifier"}, {"Regressor", "Model"}),
        ("Regressor", {"Regressor"}, {"Classifier"}),
        ("Dataset", {"Dataset"}, set()),
    ],
)
def test_accepts_table(port_type: str, accepted: set[str], refused: set[str]) -> None:
    table = accepts_table()
    assert accepted <= set(table[port_type])
    assert not refused & set(table[port_type])


def test_dataset_accepts_only_dataset() -> None:
    assert accepts_table()["Dataset"] == ["Dataset"]


def test_every_port_type_of_the_catalogue_is_in_the_accepts_table() -> None:
    table = accepts_table()
    described = block_descriptions()
    port_types = {p["type"] for b in described for p in [*b["inputs"], *b["outputs"]]}
    assert port_types <= set(table)
    assert all(name in accepted for name, accepted in table.items())


def test_block_descriptions_follow_the_catalogue() -> None:
    described = block_descriptions()
    assert [b["id"] for b in described] == [b.id for b in CATALOGUE]
    assert described == json.loads(json.dumps(described))
    for block in described:
        assert {"id", "title", "icon", "inputs", "outputs", "params"} <= set(block)
        assert all("color" in p for p in [*block["inputs"], *block["outputs"]])


def test_every_catalogue_icon_is_drawn_on_the_canvas() -> None:
    """assets/canvas/icons.js lists its icons explicitly; a block whose icon is missing there
    would show a plain box on the canvas while the palette shows its real icon."""
    icons_js = (Path(__file__).resolve().parents[3] / "assets" / "canvas" / "icons.js").read_text()
    listed = set(re.findall(r"^  '?([a-z0-9-]+)'?: [A-Z]\w+,$", icons_js, flags=re.MULTILINE))
    wanted = {block.icon.strip().lower().replace("_", "-") for block in CATALOGUE}
    wanted |= set(OWN_BLOCK_ICONS.values())
    assert wanted <= listed, f"add to assets/canvas/icons.js: {sorted(wanted - listed)}"
