"""Template pictures are drawn from the flow itself: one box per block, one curve per edge."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.flow.document import Flow
from designer.templates.gallery import Template, builtin_templates
from designer.templates.thumbnail import thumbnail_data_uri, thumbnail_svg

SVG = "{http://www.w3.org/2000/svg}"


def shapes(svg: str) -> tuple[int, int]:
    root = ET.fromstring(svg)
    nodes = root.findall(f"{SVG}g[@data-block='node']")
    edges = root.findall(f"{SVG}path[@data-block='edge']")
    return len(nodes), len(edges)


@pytest.mark.parametrize("template", builtin_templates(), ids=lambda t: t.id)
def test_each_template_picture_shows_its_blocks_and_connections(template: Template) -> None:
    assert shapes(thumbnail_svg(template.flow)) == (
        len(template.flow.nodes),
        len(template.flow.edges),
    )


def test_the_gallery_pictures_tell_most_templates_apart() -> None:
    """Templates of the same shape and types look alike (that is what they are); the rest
    differ."""
    assert len({thumbnail_svg(t.flow) for t in builtin_templates()}) >= 7


def test_edges_take_the_colour_of_the_type_they_carry() -> None:
    flow = Flow(
        name="x",
        nodes=[
            {"id": "a", "block": "load.sklearn_dataset", "position": {"x": 0, "y": 0}},
            {"id": "b", "block": "split.train_test", "position": {"x": 300, "y": 0}},
        ],
        edges=[{"source": "a", "source_port": "data", "target": "b", "target_port": "data"}],
    )
    path = ET.fromstring(thumbnail_svg(flow)).find(f"{SVG}path")
    assert path is not None and path.get("stroke") == "#2563eb"  # Dataset blue


def test_an_empty_flow_gives_an_empty_frame_and_unknown_blocks_are_grey() -> None:
    assert shapes(thumbnail_svg(Flow(name="x"))) == (0, 0)
    unknown = Flow(name="x", nodes=[{"id": "a", "block": "no.such"}])
    assert "#64748b" in thumbnail_svg(unknown)


def test_the_data_uri_holds_the_svg() -> None:
    flow = builtin_templates()[0].flow
    uri = thumbnail_data_uri(flow)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == thumbnail_svg(flow)


names = st.text(min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    label=st.text(max_size=50),
    x=st.floats(-1e6, 1e6, allow_nan=False),
    y=st.floats(-1e6, 1e6, allow_nan=False),
    block=names,
    port=names,
)
def test_any_flow_gives_well_formed_svg_without_its_text(
    label: str, x: float, y: float, block: str, port: str
) -> None:
    """A team template is anybody's flow: whatever it holds, the picture parses and carries
    none of its words (so no markup can get in)."""
    flow = Flow(
        name=label or "x",
        nodes=[
            {"id": "a", "block": block, "label": label, "position": {"x": x, "y": y}},
            {"id": "b", "block": "split.train_test", "label": label},
        ],
        edges=[{"source": "a", "source_port": port, "target": "b", "target_port": port}],
    )
    svg = thumbnail_svg(flow)
    assert shapes(svg) == (2, 1)
    if len(label) > 3 and label.strip():
        assert label not in svg.replace("http://www.w3.org/2000/svg", "")
