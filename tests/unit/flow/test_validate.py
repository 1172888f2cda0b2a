"""Validation: each kind of problem is found, pinned to the right node/edge, and explained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from designer.flow.validate import check_data, check_text
from tests.fixtures.flow_files import fixture_flow, flow_names

Doc = dict[str, Any]


def _node(doc: Doc, node_id: str) -> Doc:
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def _edge(doc: Doc, target: str, port: str) -> Doc:
    return next(e for e in doc["edges"] if e["target"] == target and e["target_port"] == port)


def _node_field(node_id: str, field: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        _node(doc, node_id)[field] = value

    return change


def _seed_default(value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc["params"][0]["default"] = value

    return change


def _text_default(value: str) -> Callable[[Doc], None]:
    """A string flow parameter with this default (KFP writes it into the IR's header)."""

    def change(doc: Doc) -> None:
        doc["params"].append({"name": "label", "type": "string", "default": value})

    return change


def _param(node_id: str, name: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        _node(doc, node_id)["params"][name] = value

    return change


def _add_edge(
    source: str, source_port: str, target: str, target_port: str
) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc["edges"].append(
            {
                "source": source,
                "source_port": source_port,
                "target": target,
                "target_port": target_port,
            }
        )

    return change


def _drop_edge(target: str, port: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc["edges"].remove(_edge(doc, target, port))

    return change


def _add_node(node_id: str, block: str, **params: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc["nodes"].append({"id": node_id, "block": block, "params": params})

    return change


def _rewire(target: str, port: str, **fields: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        _edge(doc, target, port).update(fields)

    return change


# (case, change to the iris flow, expected code, node, edge-or-None, words the message must hold)
CASES = [
    (
        "unknown block",
        _node_field("train", "block", "train.random_forrest"),
        "unknown_block",
        "train",
        None,
        ["train.random_forrest", "did you mean train.random_forest"],
    ),
    (
        "unknown output port",
        _rewire("split", "data", source_port="rows"),
        "unknown_port",
        "load",
        "load.rows->split.data",
        ["'rows'", "data"],
    ),
    (
        "unknown input port",
        _rewire("split", "data", target_port="table"),
        "unknown_port",
        "split",
        "load.data->split.table",
        ["'table'", "its inputs: data"],
    ),
    (
        "type mismatch",
        _rewire("evaluate", "test", source="train", source_port="model"),
        "type_mismatch",
        "evaluate",
        "train.model->evaluate.test",
        ["expects Dataset", "found Classifier"],
    ),
    (
        "required input left open",
        _drop_edge("evaluate", "test"),
        "missing_input",
        "evaluate",
        None,
        ["'test'", "Dataset", "split.test"],
    ),
    (
        "input fed twice",
        _add_edge("split", "train", "evaluate", "test"),
        "input_fed_twice",
        "evaluate",
        "split.train->evaluate.test",
        ["found 2", "split.test", "split.train"],
    ),
    (
        "edge to a missing node",
        _add_edge("ghost", "data", "split", "data"),
        "missing_node",
        None,
        "ghost.data->split.data",
        ["'ghost'", "load"],
    ),
    (
        "metrics into a model port",
        _add_edge("evaluate", "metrics", "evaluate", "model"),
        "type_mismatch",
        "evaluate",
        None,
        ["expects Classifier", "found Metrics"],
    ),
    (
        "param of wrong type",
        _param("split", "test_size", "a lot"),
        "bad_param",
        "split",
        None,
        ["Test share", "found 'a lot'", "a number"],
    ),
    (
        "param out of bounds",
        _param("split", "test_size", 1.5),
        "bad_param",
        "split",
        None,
        ["a number from 0.05 to 0.95", "found 1.5"],
    ),
    (
        "param not in enum",
        _param("load", "dataset", "titanic"),
        "bad_param",
        "load",
        None,
        ["iris", "wine", "'titanic'"],
    ),
    (
        "unknown param",
        _param("train", "trees", 10),
        "unknown_param",
        "train",
        None,
        ["'trees'", "n_estimators"],
    ),
    (
        "unknown flow param",
        _param("train", "seed", {"$param": "sede"}),
        "unknown_flow_param",
        "train",
        None,
        ["'sede'", "seed"],
    ),
    (
        "flow param default of wrong type",
        _seed_default("seven"),
        "bad_flow_param",
        None,
        None,
        ["integer", "'seven'"],
    ),
    *[
        (
            f"flow param default holding {shown}",
            _text_default(text),
            "bad_flow_param",
            None,
            None,
            ["one line"],
        )
        for shown, text in [
            ("a line break", "a\nextraKey: injected #"),
            ("a carriage return", "a\rb"),
            ("a NUL", "a\x00b"),
            ("a Unicode line separator", "a\u2028b"),
        ]
    ],
    (
        "duplicate node id",
        _add_node("split", "split.train_test"),
        "duplicate_node",
        "split",
        None,
        ["'split'", "unique"],
    ),
    (
        "isolated node",
        _add_node("lonely", "load.sklearn_dataset"),
        "isolated_node",
        "lonely",
        None,
        ["not connected"],
    ),
    (
        "model fed to wrong task",
        _node_field("load", "params", {"dataset": "diabetes"}),
        "bad_column",
        "train",
        None,
        ["regression"],
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "node", "edge", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_problem_is_found_and_explained(
    change: Callable[[Doc], None], code: str, node: str | None, edge: str | None, words: list[str]
) -> None:
    doc = fixture_flow("iris_classification")
    change(doc)
    check = check_data(doc)
    found = [d for d in check.diagnostics if d.code == code and d.node == node]
    assert found, f"expected {code} on {node}; got {[str(d) for d in check.diagnostics]}"
    diagnostic = found[0]
    if edge is not None:
        assert diagnostic.edge == edge
    for word in words:
        assert word in diagnostic.message, diagnostic.message


def test_cycle_names_the_nodes_on_it() -> None:
    doc = fixture_flow("diabetes_regression")
    doc["nodes"].append({"id": "again", "block": "split.train_test", "params": {"stratify": False}})
    doc["edges"] += [
        {
            "source": "prepare",
            "source_port": "prepared_train",
            "target": "again",
            "target_port": "data",
        },
        {"source": "again", "source_port": "train", "target": "prepare", "target_port": "train"},
    ]
    check = check_data(doc)
    cycles = [d for d in check.diagnostics if d.code == "cycle"]
    assert len(cycles) == 1
    assert set(cycles[0].related) == {"prepare", "again"}
    assert "prepare -> again -> prepare" in cycles[0].message or "again -> prepare -> again" in (
        cycles[0].message
    )


@pytest.mark.parametrize("name", flow_names())
def test_fixture_flows_are_valid(name: str) -> None:
    check = check_data(fixture_flow(name))
    assert check.valid, [str(d) for d in check.diagnostics]
    assert check.diagnostics == []


def test_every_problem_is_reported_at_once() -> None:
    doc = fixture_flow("iris_classification")
    for change in (
        _node_field("train", "block", "nope"),
        _param("split", "test_size", 3),
        _drop_edge("evaluate", "test"),
    ):
        change(doc)
    codes = {d.code for d in check_data(doc).diagnostics}
    assert {"unknown_block", "bad_param", "missing_input"} <= codes


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "malformed", ["not valid JSON"]),
        ("{", "malformed", ["line 1"]),
        ("[]", "malformed", ["JSON object", "a list"]),
        ('{"name": "x"}', "malformed", ["no schema_version"]),
        ('{"schema_version": "1", "name": "x"}', "malformed", ["whole number"]),
        ('{"schema_version": 2, "name": "x"}', "unsupported_version", ["newer", "upgrade"]),
        ('{"schema_version": 0, "name": "x"}', "unsupported_version", ["start at 1"]),
        ('{"schema_version": 1, "name": "x"}', "empty_flow", ["no nodes"]),
        ('{"schema_version": 1}', "malformed", ["name", "required"]),
        (
            '{"schema_version": 1, "name": "x", "nodes": {}}',
            "malformed",
            ["'nodes' must be a list"],
        ),
        (
            '{"schema_version": 1, "name": "x", "nodes": [{"id": "a"}]}',
            "malformed",
            ["nodes[0].block", "required"],
        ),
        ('{"schema_version": 1, "name": "x", "colour": 1}', "malformed", ["colour", "unknown"]),
    ],
)
def test_malformed_documents_get_a_clear_message(text: str, code: str, words: list[str]) -> None:
    check = check_text(text)
    assert not check.valid
    messages = [d.message for d in check.diagnostics if d.code == code]
    assert messages, [str(d) for d in check.diagnostics]
    for word in words:
        assert any(word in m for m in messages), messages


def test_malformed_node_does_not_hide_other_problems() -> None:
    doc = fixture_flow("iris_classification")
    doc["nodes"].append({"id": 5, "block": "x"})
    doc["nodes"][1]["params"]["test_size"] = -1
    codes = {d.code for d in check_data(doc).diagnostics}
    assert {"malformed", "bad_param"} <= codes


def test_column_names_are_checked_when_the_schema_is_known() -> None:
    doc = fixture_flow("diabetes_regression")
    doc["nodes"][2]["params"]["drop_columns"] = ["sex", "shoe_size"]
    problems = [d for d in check_data(doc).diagnostics if d.code == "bad_column"]
    assert problems and problems[0].node == "prepare"
    assert "shoe_size" in problems[0].message and "bmi" in problems[0].message


# -- orders without data (``after``) and values fed by edges -----------------------------------


def _after(node_id: str, *waited: str) -> Callable[[Doc], None]:
    return _node_field(node_id, "after", list(waited))


@pytest.mark.parametrize(
    ("change", "code", "node", "said"),
    [
        (_after("train", "ghost"), "bad_after", "train", "'ghost', which is not a node"),
        (_after("train", "train"), "bad_after", "train", "set to run after itself"),
        (_after("split", "evaluate"), "cycle", "split", "run-after orders (evaluate -> split)"),
    ],
    ids=["an unknown node", "itself", "a loop through an order"],
)
def test_a_bad_order_is_reported_on_its_node(
    change: Callable[[Doc], None], code: str, node: str, said: str
) -> None:
    doc = fixture_flow("iris_classification")
    change(doc)
    [problem] = [d for d in check_data(doc).diagnostics if d.code == code]
    assert problem.node == node or node in problem.related
    assert said in problem.message, problem.message


def test_an_order_joins_nodes_without_data() -> None:
    doc = fixture_flow("iris_classification")
    doc["nodes"].append({"id": "other", "block": "load.sklearn_dataset", "after": ["evaluate"]})
    check = check_data(doc)
    assert check.valid, [str(d) for d in check.diagnostics]
    assert not [d for d in check.diagnostics if d.code == "isolated_node"]
    assert check.graph.has_edge("evaluate", "other")
    assert [data.get("after") for *_, data in check.graph.in_edges("other", data=True)] == [True]


def _component_lookup() -> Any:
    """count_rows from a KFP component file (rows: int, required; Output: int) as a person's
    block, beside the built-in blocks."""
    from pathlib import Path

    from blocks.catalogue import get_block
    from designer.userblocks.blocks import BlockRef, make_block
    from designer.userblocks.component_file import read_component

    path = Path(__file__).parents[2] / "fixtures" / "components" / "python_count_rows.yaml"
    read = read_component(path.read_text())
    assert read.check.spec is not None
    block = make_block(BlockRef("ana", "count_rows", 1), read.check.spec, read.component_yaml, True)
    return lambda block_id: block if block_id == block.id else get_block(block_id)


def _counting(**second: Any) -> Doc:
    return {
        "schema_version": 1,
        "name": "Count twice",
        "nodes": [
            {"id": "first", "block": "ana/count_rows@1", "params": {"rows": 3}},
            {"id": "second", "block": "ana/count_rows@1", **second},
        ],
        "edges": [
            {"source": "first", "source_port": "Output", "target": "second", "target_port": "rows"}
        ],
    }


@pytest.mark.parametrize(
    "params",
    [{}, {"rows": 5}, {"rows": "not a number"}, {"rows": {"$param": "undeclared"}}],
    ids=["unset", "set", "a bad value", "a reference"],
)
def test_a_parameter_fed_by_an_edge_is_neither_required_nor_checked(params: Doc) -> None:
    check = check_data(_counting(params=params), blocks=_component_lookup())
    assert check.valid, [str(d) for d in check.diagnostics]
    assert check.params["second"].model_dump()["rows"] is None
    # The other settings are checked as ever.
    bad = _counting(params={**params, "start": "high"})
    [problem] = check_data(bad, blocks=_component_lookup()).diagnostics
    assert (problem.code, problem.node, problem.param) == ("bad_param", "second", "start")


def test_a_required_parameter_not_fed_is_still_missing() -> None:
    doc = _counting(params={})
    doc["edges"] = []
    problems = [d for d in check_data(doc, blocks=_component_lookup()).diagnostics]
    assert [(d.code, d.node, d.param) for d in problems if d.code == "missing_param"] == [
        ("missing_param", "second", "rows")
    ]


def test_a_value_feeds_only_a_parameter_of_its_own_type() -> None:
    doc = _counting(params={})
    doc["edges"][0]["target_port"] = "start"  # a NUMBER_DOUBLE, fed a NUMBER_INTEGER
    problems = check_data(doc, blocks=_component_lookup()).diagnostics
    mismatch = next(d for d in problems if d.code == "type_mismatch")
    assert "expects parameter:NUMBER_DOUBLE; found parameter:NUMBER_INTEGER" in mismatch.message
    assert any(d.code == "missing_param" and d.param == "rows" for d in problems)
