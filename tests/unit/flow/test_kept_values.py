"""Settings kept as typed: a value the form cannot use is stored as it is, never replaced.

The properties form keeps what a person typed when it is not a valid value (``typed_value``),
so the flow holds it, the form shows it, and the check reports it on the node, in the
Problems tab and in front of Run. The check is the same function for the editor, a flow file
(`designer validate`, `designer run`) and a document fetched from the REST API, so they all
say the same thing about it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from designer.cli import main
from designer.flow.document import Flow
from designer.flow.edit import apply_edit
from designer.flow.param_form import BadValue, FormField, read_value, typed_value
from designer.flow.validate import check_flow, check_text
from designer.ui.editor import views
from tests.fixtures.flow_files import fixture_flow

#: (node of the iris flow, setting, what was typed, what the flow keeps, what the check says)
TYPED = [
    (
        "split",
        "test_size",
        "1.5",
        1.5,
        "Test share must be a number from 0.05 to 0.95; found 1.5",
    ),
    ("split", "test_size", "", "", "Test share is empty; enter a number from 0.05 to 0.95"),
    ("split", "test_size", "  ", "", "Test share is empty; enter a number from 0.05 to 0.95"),
    (
        "split",
        "test_size",
        "lots",
        "lots",
        "Test share must be a number from 0.05 to 0.95; found 'lots'",
    ),
    (
        "split",
        "test_size",
        "inf",
        "inf",
        "Test share must be a number from 0.05 to 0.95; found 'inf'",
    ),
    (
        "train",
        "n_estimators",
        "2.5",
        2.5,
        "Number of trees must be a whole number from 1 to 2000; found 2.5",
    ),
    (
        "train",
        "n_estimators",
        "0",
        0,
        "Number of trees must be a whole number from 1 to 2000; found 0",
    ),
    (
        "train",
        "n_estimators",
        "",
        "",
        "Number of trees is empty; enter a whole number from 1 to 2000",
    ),
    (
        "load",
        "dataset",
        "mnist",
        "mnist",
        "Dataset must be one of iris, wine, breast_cancer, diabetes, digits; found 'mnist'",
    ),
]


def field_of(flow: Flow, node_id: str, name: str) -> FormField:
    node = flow.node(node_id)
    assert node is not None
    return next(f for f in views.block_fields(node.block) if f.name == name)


def kept(field: FormField, raw: Any) -> Any:
    """What the editor stores for ``raw`` (as ``PropertiesState.set_param`` does)."""
    try:
        return read_value(field, raw)
    except BadValue:
        return typed_value(field, raw)


def typed_into(flow: Flow, node_id: str, name: str, raw: Any) -> Flow:
    value = kept(field_of(flow, node_id, name), raw)
    return apply_edit(flow, {"kind": "params", "node": node_id, "params": {name: value}})


@pytest.fixture
def iris() -> Flow:
    return Flow.model_validate(fixture_flow("iris_classification"))


@pytest.mark.parametrize(("node", "name", "raw", "stored", "message"), TYPED)
def test_a_bad_value_is_kept_as_typed_and_reported(
    iris: Flow, node: str, name: str, raw: str, stored: Any, message: str
) -> None:
    flow = typed_into(iris, node, name, raw)
    params = flow.node(node).params  # type: ignore[union-attr]
    assert params[name] == stored and type(params[name]) is type(stored)
    errors = [(d.node, d.param, d.message) for d in check_flow(flow).diagnostics]
    assert errors == [(node, name, message)]


@pytest.mark.parametrize(("node", "name", "raw", "stored", "message"), TYPED)
def test_the_form_shows_it_and_the_run_waits(
    iris: Flow, node: str, name: str, raw: str, stored: Any, message: str
) -> None:
    flow = typed_into(iris, node, name, raw)
    diagnostics = check_flow(flow).diagnostics
    fields = {f["name"]: f for f in views.properties_view(flow, node, diagnostics)["fields"]}
    # What was typed stays in the box (trimmed), with the check's own words under it.
    assert (fields[name]["value"], fields[name]["error"]) == (raw.strip(), message)
    assert views.problems_by_node(diagnostics) == {node: [message]}
    assert views.run_blocker(diagnostics) == f"Fix first: {node}: {message}"


@pytest.mark.parametrize(
    ("node", "name", "where"),
    [
        ("split", "test_size", "Train/test split (split) · Test share"),
        ("train", "n_estimators", "Random forest (train) · Number of trees"),
    ],
)
def test_the_problems_tab_names_the_block_and_the_setting(
    iris: Flow, node: str, name: str, where: str
) -> None:
    flow = typed_into(iris, node, name, "")
    (row,) = views.diagnostics_view(check_flow(flow).diagnostics, flow)
    assert (row["where"], row["node"], row["param"]) == (where, node, name)


def test_a_renamed_block_is_named_as_the_canvas_shows_it(iris: Flow) -> None:
    flow = apply_edit(iris, {"kind": "label", "node": "split", "label": "Hold out a fifth"})
    flow = typed_into(flow, "split", "test_size", "1.5")
    (row,) = views.diagnostics_view(check_flow(flow).diagnostics, flow)
    assert row["where"] == "Hold out a fifth (split) · Test share"


def test_an_emptied_model_name_is_kept_empty_and_reported(iris: Flow) -> None:
    flow = typed_into(iris, "deploy", "model_name", " ")
    assert flow.node("deploy").params["model_name"] == ""  # type: ignore[union-attr]
    problems = [(d.node, d.param) for d in check_flow(flow).diagnostics]
    assert problems == [("deploy", "model_name")]


def test_fixing_the_value_clears_the_problem(iris: Flow) -> None:
    flow = typed_into(typed_into(iris, "split", "test_size", "1.5"), "split", "test_size", "0.25")
    check = check_flow(flow)
    assert check.valid and views.run_blocker(check.diagnostics) == ""


def test_the_file_and_the_commands_say_what_the_editor_says(
    iris: Flow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = typed_into(iris, "split", "test_size", "1.5")
    flow = typed_into(flow, "train", "n_estimators", "")
    editor = views.diagnostics_view(check_flow(flow).diagnostics, flow)
    path = tmp_path / "typed.json"
    path.write_text(flow.to_json())

    # The file keeps the values as typed, and reading it back finds the same problems.
    stored = json.loads(path.read_text())
    assert [n["params"].get("test_size") for n in stored["nodes"] if n["id"] == "split"] == [1.5]
    assert [n["params"].get("n_estimators") for n in stored["nodes"] if n["id"] == "train"] == [""]
    assert check_text(path.read_text()).diagnostics == check_flow(flow).diagnostics

    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    said = [(d["node"], d["param"], d["message"]) for d in report["diagnostics"]]
    assert said == [(row["node"], row["param"], row["message"]) for row in editor]

    # `designer run` refuses before running anything, with the same lines as `validate`.
    assert main(["validate", str(path)]) == 1
    checked = capsys.readouterr().err
    assert main(["run", str(path)]) == 1
    assert capsys.readouterr().err == checked
    for row in editor:
        assert f"node {row['node']}, param {row['param']}: {row['message']}" in checked


@pytest.mark.parametrize(
    ("block", "name", "raw", "value"),
    [
        ("deploy.local_model", "model_name", "", ""),
        ("deploy.local_model", "description", "  ", ""),
        ("preprocess.prepare_columns", "drop_columns", "", []),
        ("load.dataset", "target", "__none__", None),
        ("load.dataset", "version", "__none__", None),
    ],
)
def test_an_emptied_box_that_may_be_empty_stays_empty(
    block: str, name: str, raw: str, value: Any
) -> None:
    field = next(f for f in views.block_fields(block) if f.name == name)
    assert read_value(field, raw) == value
