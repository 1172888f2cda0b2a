"""Flow parameters edited: declared, renamed (bound settings follow), typed, given defaults,
described and deleted; block settings bound to them and unbound; a node's caching switch."""

from __future__ import annotations

from typing import Any

import pytest

from designer.flow import param_edits as edits
from designer.flow.document import Flow
from designer.flow.edit import EditRejected, apply_edit, describe_edit
from designer.flow.param_form import FormField
from designer.flow.params import check_flow_params
from tests.fixtures.flow_files import fixture_flow

SEED = FormField(name="seed", title="Random seed", kind="integer", default=42)
TEST_SIZE = FormField(name="test_size", title="Test share", kind="number", default=0.2)
STRATIFY = FormField(name="stratify", title="Keep class balance", kind="switch", default=True)
COLUMNS = FormField(name="columns", title="Columns", kind="list")
DATASET = FormField(name="dataset", title="Dataset", kind="dataset")


@pytest.fixture
def iris() -> Flow:
    """Iris: ``seed`` (integer, default 7) bound to split's and train's seeds."""
    return Flow.model_validate(fixture_flow("iris_classification"))


def refs(flow: Flow) -> dict[str, Any]:
    return {
        f"{n.id}.{k}": v for n in flow.nodes for k, v in n.params.items() if isinstance(v, dict)
    }


def test_renaming_a_parameter_moves_every_bound_setting_and_leaves_the_original(
    iris: Flow,
) -> None:
    renamed = edits.rename_param(iris, "seed", " random_seed ")
    assert [p.name for p in renamed.params] == ["random_seed"]
    assert refs(renamed) == {
        "split.seed": {"$param": "random_seed"},
        "train.seed": {"$param": "random_seed"},
    }
    assert refs(iris)["split.seed"] == {"$param": "seed"}
    assert edits.rename_param(iris, "seed", "seed") is iris


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("2nd", "cannot be a parameter name: start with a letter"),
        ("my seed", "cannot be a parameter name"),
        ("", "cannot be a parameter name"),
        ("x" * 64, "at most 63 characters"),
        ("class", "'class' is a reserved word"),
        ("taken", "already has a parameter 'taken'"),
    ],
)
def test_a_bad_new_name_is_refused_saying_why(iris: Flow, new: str, message: str) -> None:
    flow = edits.add_param(iris, "taken")
    with pytest.raises(EditRejected, match=message):
        edits.rename_param(flow, "seed", new)


def test_new_parameters_get_unused_names_and_a_limit(iris: Flow) -> None:
    flow = edits.add_param(edits.add_param(iris))
    assert [(p.name, p.type, p.default) for p in flow.params[1:]] == [
        ("param", "string", None),
        ("param_2", "string", None),
    ]
    for _ in range(edits.MAX_PARAMS - len(flow.params)):
        flow = edits.add_param(flow)
    with pytest.raises(EditRejected, match="at most 50 parameters"):
        edits.add_param(flow)
    with pytest.raises(EditRejected, match="type is one of string, integer"):
        edits.add_param(iris, "x", "date")


@pytest.mark.parametrize(
    ("kind", "raw", "default"),
    [
        ("integer", " 12 ", 12),
        ("integer", "1e3", 1000),
        ("integer", "1.5", "1.5"),  # kept as typed: the check says what is wrong
        ("integer", "abc", "abc"),
        ("integer", "", None),  # emptied: each run must be given a value
        ("number", "0.25", 0.25),
        ("number", "3", 3),
        ("number", "inf", "inf"),
        ("boolean", "TRUE", True),
        ("boolean", False, False),
        ("boolean", "maybe", "maybe"),
        ("string", " iris ", " iris "),
        ("string", "", ""),  # empty text is text
        ("string", "x" * 5000, "x" * edits.MAX_DEFAULT_CHARS),
    ],
)
def test_a_default_is_read_as_its_type_or_kept_as_typed(kind: str, raw: Any, default: Any) -> None:
    flow = edits.add_param(Flow(name="f"), "p", kind)
    changed = edits.set_param_default(flow, "p", raw)
    assert changed.params[0].default == default
    problems = [d for d in check_flow_params(changed) if d.code == "bad_flow_param"]
    assert bool(problems) == (isinstance(default, str) and kind != "string")


def test_a_kept_bad_default_is_a_problem_until_fixed(iris: Flow) -> None:
    bad = edits.set_param_default(iris, "seed", "seven")
    assert [d.message for d in check_flow_params(bad)] == [
        "flow parameter 'seed' is declared as integer but its default is 'seven'"
    ]
    assert check_flow_params(edits.set_param_default(bad, "seed", "8")) == []
    assert edits.clear_param_default(iris, "seed").params[0].default is None


@pytest.mark.parametrize(
    ("old", "default", "new", "converted"),
    [
        ("integer", 7, "string", "7"),
        ("string", "0.3", "number", 0.3),
        ("string", "abc", "integer", "abc"),
        ("boolean", True, "string", "true"),
        ("string", "false", "boolean", False),
    ],
)
def test_a_new_type_converts_the_default_when_it_reads_as_one(
    old: str, default: Any, new: str, converted: Any
) -> None:
    flow = edits.set_param_default(edits.add_param(Flow(name="f"), "p", old), "p", default)
    assert edits.set_param_type(flow, "p", new, {}).params[0].default == converted


def test_a_type_the_bound_settings_cannot_take_is_refused(iris: Flow) -> None:
    bound = {"split · Random seed": "integer", "train · Random seed": "integer"}
    with pytest.raises(EditRejected, match="cannot take text values; unlink them from 'seed'"):
        edits.set_param_type(iris, "seed", "string", bound)
    assert edits.set_param_type(iris, "seed", "integer", bound) is iris


def test_deleting_a_bound_parameter_leaves_its_default_in_the_settings(iris: Flow) -> None:
    assert [(n.id, s) for n, s in edits.bound_settings(iris, "seed")] == [
        ("split", "seed"),
        ("train", "seed"),
    ]
    gone = edits.delete_param(iris, "seed")
    assert gone.params == [] and refs(gone) == {}
    assert gone.node("split").params["seed"] == 7  # type: ignore[union-attr]
    without_default = edits.delete_param(edits.clear_param_default(iris, "seed"), "seed")
    assert "seed" not in without_default.node("train").params  # type: ignore[union-attr]
    with pytest.raises(EditRejected, match="no parameter 'nope'"):
        edits.delete_param(iris, "nope")


def test_binding_checks_the_kind_and_unbinding_keeps_the_default(iris: Flow) -> None:
    flow = edits.set_param_default(edits.add_param(iris, "share", "number"), "share", "0.4")
    bound = edits.bind_setting(flow, "split", TEST_SIZE, "share")
    assert refs(bound)["split.test_size"] == {"$param": "share"}
    with pytest.raises(EditRejected, match="Test share cannot take its value from 'seed'"):
        edits.bind_setting(flow, "split", TEST_SIZE, "seed")
    with pytest.raises(EditRejected, match="cannot come from a flow parameter"):
        edits.bind_setting(flow, "split", COLUMNS, "share")
    unbound = edits.unbind_setting(bound, "split", "test_size")
    assert unbound.node("split").params["test_size"] == 0.4  # type: ignore[union-attr]
    with pytest.raises(EditRejected, match="is not linked"):
        edits.unbind_setting(unbound, "split", "test_size")
    with pytest.raises(EditRejected, match="no node 'gone'"):
        edits.bind_setting(flow, "gone", TEST_SIZE, "share")


@pytest.mark.parametrize(
    ("field", "name", "kind", "default"),
    [
        (TEST_SIZE, "test_size", "number", 0.3),
        (SEED, "seed_2", "integer", None),  # split's seed is bound already: see below
        (STRATIFY, "stratify", "boolean", True),
    ],
)
def test_a_new_parameter_from_a_setting_takes_its_name_type_and_value(
    iris: Flow, field: FormField, name: str, kind: str, default: Any
) -> None:
    if field is SEED:
        iris = edits.unbind_setting(edits.clear_param_default(iris, "seed"), "train", "seed")
        with pytest.raises(EditRejected, match="already linked"):
            edits.param_from_setting(iris, "split", field)
        node = "train"
    else:
        node = "split"
    flow = edits.param_from_setting(iris, node, field)
    param = flow.param(name)
    assert param is not None
    assert (param.type, param.default, param.description) == (
        kind,
        default if field is not SEED else 42,
        field.title,
    )
    assert refs(flow)[f"{node}.{field.name}"] == {"$param": name}


def test_library_and_list_settings_cannot_come_from_a_parameter(iris: Flow) -> None:
    for field in (COLUMNS, DATASET):
        assert edits.param_type_of(field) is None
        with pytest.raises(EditRejected, match="cannot come from a flow parameter"):
            edits.param_from_setting(iris, "load", field)


def test_descriptions_are_one_line_and_bounded(iris: Flow) -> None:
    flow = edits.set_param_description(iris, "seed", "  two\nlines  " + "x" * 600)
    assert flow.params[0].description.startswith("two lines xxx")
    assert len(flow.params[0].description) == edits.MAX_DESCRIPTION


@pytest.mark.parametrize(
    ("base", "name"), [("seed", "seed_2"), ("9lives", "p_9lives"), ("a-b", "a_b"), ("", "param")]
)
def test_unused_names(iris: Flow, base: str, name: str) -> None:
    assert edits.unused_name(iris, base) == name


def test_a_nodes_caching_switch_is_one_undoable_edit(iris: Flow) -> None:
    edit = {"kind": "cache", "node": "train", "cache": False}
    off = apply_edit(iris, edit)
    assert off.node("train").cache is False and iris.node("train").cache is True  # type: ignore[union-attr]
    assert describe_edit(edit) == "Always run again"
    assert '"cache": false' in off.to_json()
    with pytest.raises(EditRejected, match="no node 'gone'"):
        apply_edit(iris, {**edit, "node": "gone"})
    with pytest.raises(EditRejected, match="malformed cache edit"):
        apply_edit(iris, {**edit, "cache": "sometimes"})
