"""Property tests: no document, however broken, makes validation or compilation raise."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.flow.compile import FlowInvalid, compile_flow
from designer.flow.document import parse_flow_bytes
from designer.flow.validate import check_data, check_text
from tests.fixtures.flow_files import fixture_flow, flow_names

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

FIELD_NAMES = [
    "schema_version", "name", "nodes", "edges", "params", "id", "block", "position",
    "source", "source_port", "target", "target_port", "default", "type", "$param",
    "dataset", "test_size", "seed", "model_name", "drop_columns", "cache", "x",
]  # fmt: skip


@st.composite
def mutated_flows(draw: st.DrawFn) -> dict[str, Any]:
    """A fixture flow with a few random edits: fields dropped, replaced or added anywhere."""
    doc = fixture_flow(draw(st.sampled_from(flow_names())))
    for _ in range(draw(st.integers(1, 4))):
        container = draw(st.sampled_from(_containers(doc)))
        action = draw(st.sampled_from(["drop", "replace", "add", "duplicate"]))
        if isinstance(container, dict):
            keys = list(container)
            if action == "drop" and keys:
                del container[draw(st.sampled_from(keys))]
            elif action == "replace" and keys:
                container[draw(st.sampled_from(keys))] = draw(json_values)
            else:
                container[draw(st.sampled_from(FIELD_NAMES))] = draw(json_values)
        elif container:
            index = draw(st.integers(0, len(container) - 1))
            if action == "drop":
                container.pop(index)
            elif action == "duplicate":
                container.append(container[index])
            else:
                container[index] = draw(json_values)
    return doc


def _containers(value: Any) -> list[Any]:
    found = []
    if isinstance(value, dict | list):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            found.extend(_containers(child))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_gets_diagnostics_not_a_traceback(value: Any) -> None:
    check = check_data(value)
    assert isinstance(check.valid, bool)
    assert not check.valid or check.flow is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_diagnostics_not_a_traceback(text: str) -> None:
    check = check_text(text)
    assert not check.valid
    assert check.diagnostics


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_flows())
def test_mutated_flows_validate_and_valid_ones_compile(doc: dict[str, Any]) -> None:
    check = check_data(doc)
    assert all(d.message for d in check.diagnostics)
    assert all(d.code != "internal" for d in check.diagnostics), check.diagnostics
    if check.valid:
        assert check.flow is not None
        compiled = compile_flow(check.flow, check)
        assert set(compiled.task_to_node.values()) == {n.id for n in check.flow.nodes}
    elif check.flow is not None:
        try:
            compile_flow(check.flow, check)
        except FlowInvalid as exc:
            assert exc.diagnostics
        else:
            raise AssertionError("an invalid flow compiled")


scalars = (
    st.integers(-5, 300)
    | st.floats(0, 1)
    | st.booleans()
    | st.sampled_from(["iris", "wine", "diabetes", "median", "standard", "none", "x", ""])
)


@st.composite
def reparametrised_flows(draw: st.DrawFn) -> dict[str, Any]:
    """A fixture flow whose parameters take plausible values: often valid, sometimes not."""
    doc = fixture_flow(draw(st.sampled_from(flow_names())))
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(doc["nodes"]))
        names = [*node["params"], "seed", "test_size", "dataset", "n_estimators", "scale"]
        node["params"][draw(st.sampled_from(names))] = draw(scalars)
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reparametrised_flows())
def test_flows_with_plausible_params_compile_exactly_when_valid(doc: dict[str, Any]) -> None:
    check = check_data(doc)
    assert check.flow is not None
    if check.valid:
        compiled = compile_flow(check.flow, check)
        assert compiled.ir_yaml.startswith("# PIPELINE DEFINITION")
    else:
        assert any(d.node for d in check.diagnostics if d.severity == "error")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(lambda t: t.encode("utf-16")))
def test_any_uploaded_bytes_get_diagnostics_not_a_traceback(data: bytes) -> None:
    flow, diagnostics = parse_flow_bytes(data)
    assert flow is not None or diagnostics
    assert all(d.message for d in diagnostics)


def test_an_uploaded_fixture_reads_back_with_a_byte_order_mark() -> None:
    raw = json.dumps(fixture_flow("iris_classification")).encode("utf-8-sig")
    flow, diagnostics = parse_flow_bytes(raw)
    assert flow is not None and diagnostics == []
