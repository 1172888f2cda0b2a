"""Edits from the canvas and the properties panel, applied to real fixture flows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blocks.catalogue import get_block
from designer.flow.document import Flow
from designer.flow.edit import (
    EditRejected,
    apply_edit,
    default_params,
    describe_edit,
    new_node_id,
    parse_edit,
)
from designer.flow.validate import check_flow
from tests.fixtures.flow_files import fixture_flow


@pytest.fixture
def iris() -> Flow:
    return Flow.model_validate(fixture_flow("iris_classification"))


def test_move_rounds_positions_and_leaves_the_original_alone(iris: Flow) -> None:
    after = apply_edit(iris, {"kind": "move", "positions": {"split": [10.04, -3.96]}})
    assert after.node("split").position.model_dump() == {"x": 10.0, "y": -4.0}
    assert iris.node("split").position.model_dump() == {"x": 260.0, "y": 100.0}


def test_add_then_connect_makes_a_valid_flow(iris: Flow) -> None:
    after = apply_edit(
        iris,
        {
            "kind": "add",
            "nodes": [
                {
                    "id": "boost",
                    "block": "train.gradient_boosting",
                    "position": [520, 220],
                    "params": {"n_estimators": 20},
                },
                {"id": "score", "block": "evaluate.classification", "position": [780, 400]},
            ],
            "edges": [
                {
                    "source": "boost",
                    "source_port": "model",
                    "target": "score",
                    "target_port": "model",
                }
            ],
        },
    )
    after = apply_edit(
        after,
        {
            "kind": "connect",
            "edge": {
                "source": "split",
                "source_port": "train",
                "target": "boost",
                "target_port": "train",
            },
        },
    )
    after = apply_edit(
        after,
        {
            "kind": "connect",
            "edge": {
                "source": "split",
                "source_port": "test",
                "target": "score",
                "target_port": "test",
            },
        },
    )
    assert check_flow(after).valid
    assert len(after.nodes) == len(iris.nodes) + 2


def test_remove_takes_the_node_edges_with_it(iris: Flow) -> None:
    after = apply_edit(iris, {"kind": "remove", "nodes": ["train"], "edges": []})
    assert after.node("train") is None
    assert all("train" not in (e.source, e.target) for e in after.edges)


def test_remove_an_edge_by_key(iris: Flow) -> None:
    key = "split.test->evaluate.test"
    after = apply_edit(iris, {"kind": "remove", "edges": [key]})
    assert key not in {e.key for e in after.edges}
    assert len(after.nodes) == len(iris.nodes)


def test_params_merge_and_none_resets_to_default(iris: Flow) -> None:
    after = apply_edit(iris, {"kind": "params", "node": "split", "params": {"test_size": 0.4}})
    assert after.node("split").params["test_size"] == 0.4
    assert after.node("split").params["stratify"] is True
    after = apply_edit(after, {"kind": "params", "node": "split", "params": {"test_size": None}})
    assert "test_size" not in after.node("split").params


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"kind": "teleport"}, "unknown edit 'teleport'"),
        ("move", "unknown edit None"),
        ({"kind": "move", "positions": {"ghost": [0, 0]}}, "no such node"),
        ({"kind": "move", "positions": {"split": [float("nan"), 0]}}, "malformed move edit"),
        ({"kind": "move", "positions": {"split": [1e9, 0]}}, "malformed move edit"),
        (
            {"kind": "add", "nodes": [{"id": "split", "block": "split.train_test"}]},
            "already exists",
        ),
        ({"kind": "add", "nodes": [{"id": "bad id!", "block": "x"}]}, "malformed add edit"),
        (
            {
                "kind": "connect",
                "edge": {
                    "source": "load",
                    "source_port": "data",
                    "target": "split",
                    "target_port": "data",
                },
            },
            "already connected",
        ),
        (
            {
                "kind": "connect",
                "edge": {
                    "source": "nope",
                    "source_port": "data",
                    "target": "split",
                    "target_port": "data",
                },
            },
            "there is no node 'nope'",
        ),
        ({"kind": "remove", "nodes": ["ghost"]}, "no such node"),
        ({"kind": "params", "node": "ghost", "params": {}}, "no node 'ghost'"),
        ({"kind": "rename", "name": "   "}, "needs a name"),
        ({"kind": "rename", "name": ""}, "malformed rename edit"),
        ({"kind": "label", "node": "split", "label": "x" * 201}, "malformed label edit"),
    ],
)
def test_bad_edits_are_rejected_with_a_reason(iris: Flow, edit: Any, message: str) -> None:
    before = iris.model_dump()
    with pytest.raises(EditRejected, match=message.replace("(", r"\(")):
        apply_edit(iris, edit)
    assert iris.model_dump() == before


@pytest.mark.parametrize(
    ("edit", "label"),
    [
        ({"kind": "move", "positions": {"a": [0, 0], "b": [1, 1]}}, "Move 2 blocks"),
        ({"kind": "add", "nodes": [{}]}, "Add 1 block"),
        ({"kind": "connect"}, "Connect"),
        ({"kind": "remove", "nodes": [], "edges": ["x"]}, "Delete 1 item"),
        ({"kind": "params", "params": {"seed": 1}}, "Change seed"),
        ({"kind": "rename"}, "Rename flow"),
    ],
)
def test_describe_edit(edit: dict[str, Any], label: str) -> None:
    assert describe_edit(edit) == label


@pytest.mark.parametrize(
    ("block", "taken", "expected"),
    [
        ("train.random_forest", set(), "random_forest"),
        ("train.random_forest", {"random_forest"}, "random_forest_2"),
        ("train.random_forest", {"random_forest", "random_forest_2"}, "random_forest_3"),
    ],
)
def test_new_node_id(block: str, taken: set[str], expected: str) -> None:
    assert new_node_id(block, taken) == expected


def test_default_params_are_valid_for_every_block() -> None:
    flow = Flow(name="defaults")
    for block_id in ("split.train_test", "train.random_forest", "preprocess.prepare_columns"):
        block = get_block(block_id)
        flow = apply_edit(
            flow,
            {
                "kind": "add",
                "nodes": [
                    {
                        "id": new_node_id(block_id, {n.id for n in flow.nodes}),
                        "block": block_id,
                        "params": default_params(block.params_schema()),
                    }
                ],
            },
        )
    codes = {d.code for d in check_flow(flow).diagnostics}
    assert not codes & {"bad_param", "missing_param", "unknown_param"}


_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_edits = st.fixed_dictionaries(
    {"kind": st.sampled_from(["move", "add", "connect", "remove", "params", "label", "rename"])},
    optional={
        "positions": _json,
        "nodes": _json,
        "edges": _json,
        "edge": _json,
        "node": _json,
        "params": _json,
        "label": _json,
        "name": _json,
    },
)


@settings(max_examples=300, deadline=None)
@given(edit=_edits | _json)
def test_any_json_either_applies_or_is_rejected_cleanly(edit: Any) -> None:
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    try:
        after = apply_edit(flow, edit)
    except EditRejected as exc:
        assert str(exc)
        return
    parse_edit(edit)
    # Whatever applied is still a document the checker can read without crashing.
    assert not any(d.code == "internal" for d in check_flow(after).diagnostics)


def test_a_pasted_block_keeps_its_resources_as_they_came(iris: Flow) -> None:
    resources = {"cpu_limit": "2", "memory_limit": "2 gigs", "tolerations": [{"key": "gpu"}]}
    after = apply_edit(
        iris,
        {
            "kind": "add",
            "nodes": [{"id": "train-2", "block": "train.random_forest", "resources": resources}],
        },
    )
    pasted = next(n for n in after.nodes if n.id == "train-2")
    assert pasted.resources is not None
    assert pasted.resources.cpu_limit == "2"
    assert pasted.resources.memory_limit == "2 gigs"  # kept as typed; validation reports it


def test_deleting_a_node_others_wait_for_leaves_them_waiting_for_nothing() -> None:
    flow = Flow.model_validate(
        {
            "name": "Ordered",
            "nodes": [
                {"id": "a", "block": "load.sklearn_dataset"},
                {"id": "b", "block": "load.sklearn_dataset", "after": ["a"]},
                {"id": "c", "block": "load.sklearn_dataset", "after": ["a", "b"]},
            ],
        }
    )
    after = apply_edit(flow, {"kind": "remove", "nodes": ["a"]})
    assert {n.id: n.after for n in after.nodes} == {"b": [], "c": ["b"]}
