"""The values of a flow's parameters for one run, checked against the declared types.

Values come as JSON values (REST, a saved run's record) or as text (a form, ``-p NAME=VALUE``);
either way each one is converted to its parameter's type or refused with the parameter named.
A parameter left out (or given ``None``, or empty text for a non-string) keeps its default;
whether every parameter without a default got a value is the compiled flow's to say
(``require_arguments``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from designer.flow.document import Flow

#: Longest text value a parameter takes.
MAX_TEXT = 10_000
_WORDS = {"integer": "a whole number", "number": "a number", "boolean": "true or false"}


class BadArguments(ValueError):
    """A value names no parameter of the flow, or does not fit its parameter's type."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        #: Parameter name -> what is wrong with its value, one sentence each.
        self.problems = problems


def check_arguments(flow: Flow, raw: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` converted to the parameters' types; raises BadArguments listing every problem."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in raw.items():
        param = flow.param(name)
        if param is None:
            declared = ", ".join(p.name for p in flow.params) or "none"
            problems[name] = f"the flow has no parameter {name!r} (its parameters: {declared})"
            continue
        if value is None or (param.type != "string" and value == ""):
            continue
        try:
            values[name] = convert(param.type, value)
        except ValueError:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            words = _WORDS.get(param.type, f"text of at most {MAX_TEXT} characters")
            problems[name] = f"parameter {name!r} expects {words}; found {shown}"
    if problems:
        raise BadArguments(problems)
    return values


def convert(kind: str, value: Any) -> Any:
    """``value`` as a parameter of type ``kind``; ValueError when it does not fit."""
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError(value)
    if isinstance(value, bool):  # a bool is an int to Python, never a number here
        raise ValueError(value)
    if kind == "integer":
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            return int(value.strip())
        raise ValueError(value)
    if kind == "number":
        number = float(value.strip()) if isinstance(value, str) else value
        if not isinstance(number, int | float) or not math.isfinite(number):
            raise ValueError(value)
        return number
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(value)
    return value
