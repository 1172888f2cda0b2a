"""A run's flow-parameter values, checked and converted to the declared types."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from designer.flow.arguments import MAX_TEXT, BadArguments, check_arguments
from designer.flow.document import Flow, FlowParam

FLOW = Flow(
    name="p",
    params=[
        FlowParam(name="trees", type="integer", default=10),
        FlowParam(name="share", type="number", default=0.2),
        FlowParam(name="scale", type="boolean", default=True),
        FlowParam(name="target", type="string"),
    ],
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"trees": 50}, {"trees": 50}),
        ({"trees": "50"}, {"trees": 50}),
        ({"trees": 50.0}, {"trees": 50}),
        ({"share": "0.5"}, {"share": 0.5}),
        ({"share": 1}, {"share": 1}),
        ({"scale": "False"}, {"scale": False}),
        ({"scale": True}, {"scale": True}),
        ({"target": "species"}, {"target": "species"}),
        ({"target": ""}, {"target": ""}),
        ({"trees": "", "share": None}, {}),
    ],
)
def test_values_are_converted_to_their_parameter_types(raw: dict, expected: dict) -> None:
    assert check_arguments(FLOW, raw) == expected


@pytest.mark.parametrize(
    ("raw", "name", "words"),
    [
        ({"trees": "many"}, "trees", "expects a whole number; found 'many'"),
        ({"trees": 2.5}, "trees", "whole number"),
        ({"trees": True}, "trees", "whole number"),
        ({"share": "nan"}, "share", "expects a number"),
        ({"share": "1e999"}, "share", "expects a number"),
        ({"share": [1]}, "share", "expects a number"),
        ({"scale": "yes"}, "scale", "true or false"),
        ({"scale": 1}, "scale", "true or false"),
        ({"target": 3}, "target", "expects text"),
        ({"target": "x" * (MAX_TEXT + 1)}, "target", "expects text"),
        ({"tres": 3}, "tres", "the flow has no parameter 'tres' (its parameters: trees, share"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_naming_its_parameter(
    raw: dict, name: str, words: str
) -> None:
    with pytest.raises(BadArguments) as refused:
        check_arguments(FLOW, raw)
    assert list(refused.value.problems) == [name]
    assert words in refused.value.problems[name]


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(BadArguments) as refused:
        check_arguments(FLOW, {"trees": "x", "share": "y", "nope": 1})
    assert set(refused.value.problems) == {"trees", "share", "nope"}


@given(
    st.dictionaries(
        st.sampled_from(["trees", "share", "scale", "target", "x"]),
        st.from_type(type(None))
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=20),
    )
)
def test_any_value_is_converted_or_refused_never_raises_otherwise(raw: dict[str, Any]) -> None:
    try:
        values = check_arguments(FLOW, raw)
    except BadArguments as exc:
        assert exc.problems and str(exc)
    else:
        for name, value in values.items():
            kind = FLOW.param(name).type  # type: ignore[union-attr]
            expected = {"integer": int, "number": (int, float), "boolean": bool, "string": str}
            assert isinstance(value, expected[kind])
