"""Rerun from here: which nodes run again."""

from __future__ import annotations

import json

import pytest

from designer.flow.document import Flow
from designer.runs.rerun import UnknownNode, downstream, rerun_flow
from tests.fixtures.flow_files import FLOWS

IRIS = Flow.model_validate(json.loads((FLOWS / "iris_classification.json").read_text()))


@pytest.mark.parametrize(
    ("node", "fresh"),
    [
        ("load", {"load", "split", "train", "evaluate", "deploy"}),
        ("train", {"train", "evaluate", "deploy"}),
        ("evaluate", {"evaluate"}),
        ("deploy", {"deploy"}),
    ],
)
def test_a_node_and_everything_downstream_run_again(node: str, fresh: set[str]) -> None:
    assert downstream(IRIS, node) == fresh
    rerun = rerun_flow(IRIS, node)
    before = {n.id: n.cache for n in IRIS.nodes}
    assert {n.id: n.cache for n in rerun.nodes} == {
        n: False if n in fresh else cache for n, cache in before.items()
    }


def test_an_ordering_counts_as_downstream() -> None:
    nodes = [
        n.model_copy(update={"after": ["evaluate"]}) if n.id == "deploy" else n for n in IRIS.nodes
    ]
    flow = IRIS.model_copy(update={"nodes": nodes})
    assert downstream(flow, "evaluate") == {"evaluate", "deploy"}


def test_a_node_the_flow_does_not_have_is_named() -> None:
    with pytest.raises(UnknownNode, match="no node 'gone'"):
        downstream(IRIS, "gone")
