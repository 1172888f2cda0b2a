"""What changed between two versions of a flow: the sentences, the counts, the JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.flow.diff import FlowDiff, diff_flows
from designer.flow.document import Edge, Flow, FlowParam, Node, Position
from designer.flow.edit import apply_edit
from designer.flow.resources import NodeResources
from tests.fixtures.flow_files import fixture_flow


def edge(source: str, target: str, **fields: Any) -> Edge:
    """``edge("load.data", "split.data")``: node.port to node.port."""
    (s, sp), (t, tp) = source.split("."), target.split(".")
    return Edge(source=s, source_port=sp, target=t, target_port=tp, **fields)


BASE = Flow(
    name="Iris",
    params=[FlowParam(name="seed", type="integer", default=7)],
    nodes=[
        Node(
            id="load", block="load.sklearn_dataset", label="Load data", params={"dataset": "iris"}
        ),
        Node(
            id="split",
            block="split.train_test",
            label="Split data",
            params={"test_size": 0.3, "stratify": True, "drop": ["a"], "opts": {"x": 1, "y": 2}},
        ),
        Node(id="train", block="train.random_forest", params={"n_estimators": 100}),
    ],
    edges=[edge("load.data", "split.data"), edge("split.train", "train.train")],
)


def changed(mutate: Callable[[Flow], Any]) -> Flow:
    flow = BASE.model_copy(deep=True)
    mutate(flow)
    return flow


def node(flow: Flow, node_id: str) -> Node:
    found = flow.node(node_id)
    assert found is not None
    return found


def _drop_train(f: Flow) -> None:
    f.nodes = [n for n in f.nodes if n.id != "train"]
    f.edges = [e for e in f.edges if e.target != "train"]


def _move_all(f: Flow) -> None:
    for n in f.nodes:
        n.position = Position(x=n.position.x + 10, y=5)


CASES: list[tuple[str, Callable[[Flow], Any], list[str], dict[str, int]]] = [
    ("identical", lambda f: None, [], {}),
    ("list order", lambda f: (f.nodes.reverse(), f.edges.reverse()), [], {}),
    ("edge id only", lambda f: setattr(f.edges[0], "id", "e1"), [], {}),
    (
        "object key order",
        lambda f: node(f, "split").params.update(opts={"y": 2, "x": 1}),
        [],
        {},
    ),
    (
        "flow renamed",
        lambda f: setattr(f, "name", "Iris v2"),
        ["Renamed the flow 'Iris' → 'Iris v2'"],
        {"renamed": 1},
    ),
    (
        "description",
        lambda f: setattr(f, "description", "Now with boosting"),
        ['Changed the flow description: "" → "Now with boosting"'],
        {"description_changed": 1},
    ),
    (
        "flow param added",
        lambda f: f.params.append(FlowParam(name="ratio", type="number", default=0.25)),
        ["Added flow parameter ratio (number, default 0.25)"],
        {"params_added": 1},
    ),
    (
        "flow param added without default",
        lambda f: f.params.append(FlowParam(name="tag", type="string")),
        ["Added flow parameter tag (string)"],
        {"params_added": 1},
    ),
    (
        "flow param removed",
        lambda f: f.params.clear(),
        ["Removed flow parameter seed"],
        {"params_removed": 1},
    ),
    (
        "flow param changed",
        lambda f: setattr(f, "params", [FlowParam(name="seed", type="number", default=7.5)]),
        [
            'Changed flow parameter seed type: "integer" → "number"',
            "Changed flow parameter seed default: 7 → 7.5",
        ],
        {"params_changed": 1},
    ),
    (
        "node added with label",
        lambda f: f.nodes.append(Node(id="score", block="evaluate.classification", label="Score")),
        ["Added block 'Score' (evaluate.classification)"],
        {"nodes_added": 1},
    ),
    (
        "node added without label",
        lambda f: f.nodes.append(Node(id="score", block="evaluate.classification")),
        ["Added block 'score' (evaluate.classification)"],
        {"nodes_added": 1},
    ),
    (
        "node removed with its edge",
        _drop_train,
        [
            "Removed block 'train' (train.random_forest)",
            "Removed connection Split data.train → train.train",
        ],
        {"nodes_removed": 1, "edges_removed": 1},
    ),
    (
        "order added",
        lambda f: setattr(node(f, "train"), "after", ["load", "split"]),
        ["Made 'train' run after 'Load data'", "Made 'train' run after 'Split data'"],
        {"nodes_changed": 1},
    ),
    (
        "edge added",
        lambda f: f.edges.append(edge("load.data", "train.train")),
        ["Added connection Load data.data → train.train"],
        {"edges_added": 1},
    ),
    (
        "edge rewired",
        lambda f: setattr(f, "edges", [edge("load.data", "split.data", id="x")]),
        ["Removed connection Split data.train → train.train"],
        {"edges_removed": 1},
    ),
    (
        "block changed",
        lambda f: setattr(node(f, "train"), "block", "train.gradient_boosting"),
        ["Changed 'train' block train.random_forest → train.gradient_boosting"],
        {"nodes_changed": 1},
    ),
    (
        "label set",
        lambda f: setattr(node(f, "train"), "label", "Train"),
        ["Renamed block 'train' → 'Train'"],
        {"nodes_changed": 1},
    ),
    (
        "label cleared",
        lambda f: setattr(node(f, "load"), "label", ""),
        ["Renamed block 'Load data' → 'load'"],
        {"nodes_changed": 1},
    ),
    (
        "cache off",
        lambda f: setattr(node(f, "train"), "cache", False),
        ["Turned caching off for 'train'"],
        {"nodes_changed": 1},
    ),
    (
        "param changed",
        lambda f: node(f, "train").params.update(n_estimators=200),
        ["Changed 'train' parameter n_estimators: 100 → 200"],
        {"nodes_changed": 1},
    ),
    (
        "param set",
        lambda f: node(f, "train").params.update(max_depth=5),
        ["Set 'train' parameter max_depth to 5"],
        {"nodes_changed": 1},
    ),
    (
        "param cleared",
        lambda f: node(f, "split").params.pop("test_size"),
        ["Reset 'Split data' parameter test_size to its default (was 0.3)"],
        {"nodes_changed": 1},
    ),
    (
        "int to float is a change",
        lambda f: node(f, "train").params.update(n_estimators=100.0),
        ["Changed 'train' parameter n_estimators: 100 → 100.0"],
        {"nodes_changed": 1},
    ),
    (
        "bool to int is a change",
        lambda f: node(f, "split").params.update(stratify=1),
        ["Changed 'Split data' parameter stratify: true → 1"],
        {"nodes_changed": 1},
    ),
    (
        "list value",
        lambda f: node(f, "split").params.update(drop=["a", "b"]),
        ['Changed \'Split data\' parameter drop: ["a"] → ["a", "b"]'],
        {"nodes_changed": 1},
    ),
    (
        "nested value",
        lambda f: node(f, "split").params.update(opts={"x": [1, {"z": None}], "y": 2}),
        [
            "Changed 'Split data' parameter opts: "
            '{"x": 1, "y": 2} → {"x": [1, {"z": null}], "y": 2}'
        ],
        {"nodes_changed": 1},
    ),
    (
        "flow parameter reference",
        lambda f: node(f, "split").params.update(test_size={"$param": "ratio"}),
        ['Changed \'Split data\' parameter test_size: 0.3 → {"$param": "ratio"}'],
        {"nodes_changed": 1},
    ),
    (
        "long value shortened",
        lambda f: node(f, "load").params.update(dataset="x" * 60),
        ['Changed \'Load data\' parameter dataset: "iris" → "' + "x" * 38 + "…"],
        {"nodes_changed": 1},
    ),
    (
        "one move",
        lambda f: setattr(node(f, "train"), "position", Position(x=280, y=40)),
        ["Moved 1 block"],
        {"moved": 1},
    ),
    ("three moves", _move_all, ["Moved 3 blocks"], {"moved": 3}),
    (
        "resources",
        lambda f: setattr(
            node(f, "train"),
            "resources",
            NodeResources.model_validate({"cpu_limit": "2", "memory_request": "1Gi"}),
        ),
        ["Changed 'train' resources: Not set → CPU up to 2 · memory 1Gi"],
        {"nodes_changed": 1},
    ),
    (
        "several changes on one node, in order",
        lambda f: f.nodes.__setitem__(
            2,
            Node(
                id="train",
                block="train.gradient_boosting",
                label="Boost",
                cache=False,
                params={"n_estimators": 20, "rate": 0.1},
                position=Position(x=1, y=1),
            ),
        ),
        [
            "Renamed block 'train' → 'Boost'",
            "Changed 'Boost' block train.random_forest → train.gradient_boosting",
            "Turned caching off for 'Boost'",
            "Set 'Boost' parameter rate to 0.1",
            "Changed 'Boost' parameter n_estimators: 100 → 20",
            "Moved 1 block",
        ],
        {"nodes_changed": 1, "moved": 1},
    ),
]


@pytest.mark.parametrize(
    ("mutate", "lines", "counts"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_kind_of_change(
    mutate: Callable[[Flow], Any], lines: list[str], counts: dict[str, int]
) -> None:
    diff = diff_flows(BASE, changed(mutate))
    assert diff.lines() == lines
    assert {k: n for k, n in diff.counts().items() if n} == counts
    assert diff.is_empty == (not counts)
    assert diff.only_moves == (set(counts) == {"moved"})


def test_an_order_changed_says_what_a_node_waits_for_now() -> None:
    old = changed(lambda f: setattr(node(f, "train"), "after", ["load"]))
    new = changed(lambda f: setattr(node(f, "train"), "after", ["split"]))
    diff = diff_flows(old, new)
    assert diff.lines() == [
        "Made 'train' run after 'Split data'",
        "Made 'train' no longer wait for 'Load data'",
    ]
    [change] = diff.nodes_changed
    assert (change.after_added, change.after_removed) == (("Split data",), ("Load data",))
    # The order in the list does not count.
    again = changed(lambda f: setattr(node(f, "train"), "after", ["split", "load"]))
    same = changed(lambda f: setattr(node(f, "train"), "after", ["load", "split"]))
    assert diff_flows(again, same).is_empty


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        (1, 1.0, False),  # equal in Python, not as JSON: the saved document differs
        (1, True, False),
        (0, False, False),
        ("1", 1, False),
        (1.5, 1.5, True),
        (None, None, True),
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, True),
        ([1, 2], [2, 1], False),
        ([{"a": 1}], [{"a": 1.0}], False),
    ],
)
def test_values_are_equal_only_when_equal_as_json(old: Any, new: Any, same: bool) -> None:
    a = Flow(name="f", nodes=[Node(id="n", block="b", params={"v": old})])
    b = Flow(name="f", nodes=[Node(id="n", block="b", params={"v": new})])
    assert diff_flows(a, b).is_empty == same


def test_the_whole_diff_in_stable_order() -> None:
    new = changed(lambda f: None)
    new.nodes = [Node(id=i, block="x.y") for i in ("zeta", "alpha", "mid")] + new.nodes[:1]
    new.edges = [edge("zeta.o", "alpha.i"), edge("alpha.o", "mid.i")]
    diff = diff_flows(BASE, new)
    assert [n.id for n in diff.nodes_added] == ["alpha", "mid", "zeta"]
    assert [n.id for n in diff.nodes_removed] == ["split", "train"]
    assert [(e.source, e.target) for e in diff.edges_added] == [("alpha", "mid"), ("zeta", "alpha")]
    assert [(e.source, e.target) for e in diff.edges_removed] == [
        ("load", "split"),
        ("split", "train"),
    ]


def test_edges_are_a_multiset_and_dangling_ends_show_their_ids() -> None:
    one = Flow(name="f", edges=[edge("ghost.o", "n.i")])
    two = Flow(name="f", edges=[edge("ghost.o", "n.i"), edge("ghost.o", "n.i", id="dup")])
    diff = diff_flows(two, one)
    assert diff.counts()["edges_removed"] == 1
    assert diff.lines() == ["Removed connection ghost.o → n.i"]


def test_to_dict_is_plain_json_with_counts_and_lines() -> None:
    new = changed(lambda f: (node(f, "train").params.update(n_estimators=200), _move_all(f)))
    data = diff_flows(BASE, new).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["counts"]["moved"] == 3
    assert data["moved"] == ["load", "split", "train"]
    assert data["nodes_changed"] == [
        {
            "id": "train",
            "name": "train",
            "block": None,
            "label": None,
            "cache": None,
            "params_added": [],
            "params_removed": [],
            "params_changed": [{"name": "n_estimators", "old": 100, "new": 200}],
            "resources": None,
            "after_added": [],
            "after_removed": [],
        }
    ]
    assert data["lines"][-1] == "Moved 3 blocks"


def test_the_diff_shares_nothing_mutable_with_the_flows() -> None:
    new = changed(lambda f: node(f, "split").params.update(drop=["a", "b"]))
    diff = diff_flows(BASE, new)
    node(new, "split").params["drop"].append("c")
    assert diff.nodes_changed[0].params_changed[0].new == ["a", "b"]


def test_canvas_edits_on_a_fixture_flow() -> None:
    iris = Flow.model_validate(fixture_flow("iris_classification"))
    moved = apply_edit(iris, {"kind": "move", "positions": {"split": [1, 2], "train": [3, 4]}})
    assert diff_flows(iris, moved).only_moves
    edited = apply_edit(moved, {"kind": "params", "node": "train", "params": {"seed": None}})
    edited = apply_edit(edited, {"kind": "label", "node": "train", "label": "Forest"})
    assert diff_flows(moved, edited).lines() == [
        "Renamed block 'train' → 'Forest'",
        'Reset \'Forest\' parameter seed to its default (was {"$param": "seed"})',
    ]
    assert diff_flows(iris, edited).counts() == {
        **FlowDiff().counts(),
        "nodes_changed": 1,
        "moved": 2,
    }


# Small pools so that two independently drawn flows share ids, ports and values often.
values = st.sampled_from([0, 1, 1.0, True, False, None, "x", [1], [1.0], {"k": 1}, {"k": [None]}])
nodes = st.builds(
    Node,
    id=st.sampled_from(["a", "b", "c", "d"]),
    block=st.sampled_from(["load.csv", "train.forest"]),
    params=st.dictionaries(st.sampled_from(["p", "q", "r"]), values, max_size=3),
    position=st.builds(Position, x=st.sampled_from([0.0, 10.0]), y=st.just(0.0)),
    label=st.sampled_from(["", "A", "B"]),
    cache=st.booleans(),
)
edges = st.builds(
    Edge,
    source=st.sampled_from(["a", "b", "z"]),
    source_port=st.sampled_from(["out", "model"]),
    target=st.sampled_from(["c", "d"]),
    target_port=st.just("in"),
    id=st.none() | st.just("e"),
)
flow_params = st.builds(
    FlowParam,
    name=st.sampled_from(["seed", "ratio"]),
    type=st.sampled_from(["integer", "number"]),
    default=st.sampled_from([None, 1, 1.0, True]),
)
flows = st.builds(
    Flow,
    name=st.sampled_from(["one", "two"]),
    description=st.sampled_from(["", "d"]),
    params=st.lists(flow_params, max_size=2, unique_by=lambda p: p.name),
    nodes=st.lists(nodes, max_size=4, unique_by=lambda n: n.id),
    edges=st.lists(edges, max_size=4),
)


@st.composite
def versions(draw: st.DrawFn) -> tuple[Flow, Flow]:
    """A flow and a next version of it: a few fields of it or of its nodes redrawn."""
    old, other = draw(flows), draw(flows)
    new = old.model_copy(deep=True)
    for field in ("name", "description", "params", "edges"):
        if draw(st.integers(0, 3)) == 0:
            setattr(new, field, getattr(other, field))
    for n in new.nodes:
        twin = draw(nodes)
        for field in ("block", "params", "position", "label", "cache"):
            if draw(st.integers(0, 5)) == 0:
                setattr(n, field, getattr(twin, field))
    if draw(st.booleans()):
        new.nodes = draw(st.permutations(new.nodes))[draw(st.integers(0, 1)) :]
    return old, new


pairs = st.tuples(flows, flows) | versions()


def _canonical(flow: Flow) -> str:
    """The document with list order and edge ids left out: what the diff compares."""
    data = flow.model_dump(exclude={"edges"})
    data["nodes"] = sorted(data["nodes"], key=lambda n: n["id"])
    data["params"] = sorted(data["params"], key=lambda p: p["name"])
    data["edges"] = sorted(sorted(e.model_dump(exclude={"id"}).items()) for e in flow.edges)
    return json.dumps(data, sort_keys=True)


@settings(max_examples=300, deadline=None)
@given(flows)
def test_a_flow_has_no_diff_with_itself_or_its_saved_copy(a: Flow) -> None:
    assert diff_flows(a, a).is_empty
    assert diff_flows(a, Flow.model_validate_json(a.to_json())).is_empty
    assert diff_flows(a, a).lines() == []


@settings(max_examples=500, deadline=None)
@given(pairs)
def test_a_diff_backwards_swaps_added_and_removed(pair: tuple[Flow, Flow]) -> None:
    a, b = pair
    forward, backward = diff_flows(a, b).counts(), diff_flows(b, a).counts()
    for kind in ("nodes", "edges", "params"):
        assert forward[f"{kind}_added"] == backward[f"{kind}_removed"]
        assert forward[f"{kind}_removed"] == backward[f"{kind}_added"]
    for key in ("nodes_changed", "params_changed", "renamed", "description_changed", "moved"):
        assert forward[key] == backward[key]


@settings(max_examples=500, deadline=None)
@given(pairs)
def test_empty_exactly_when_the_documents_mean_the_same(pair: tuple[Flow, Flow]) -> None:
    a, b = pair
    diff = diff_flows(a, b)
    assert diff.is_empty == (_canonical(a) == _canonical(b))
    assert bool(diff.lines()) == (not diff.is_empty)
    assert json.loads(json.dumps(diff.to_dict())) == diff.to_dict()
