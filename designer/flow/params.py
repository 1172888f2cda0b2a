"""Checking a node's parameters against its block's parameter model.

Node parameters are plain JSON values, or a reference ``{"$param": "name"}`` to a flow
parameter. A reference is checked with the flow parameter's default standing in for the value,
so a default of the wrong type is caught before the run.

A parameter can also be fed by an edge (a block from a KFP component file has an input port
for each of its parameters): the value then comes from the upstream task when the flow runs, so
the form's value for it is neither required nor checked, and the compiler passes the edge's.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from blocks.base import Block
from designer.flow.diagnostics import Diagnostic, choices, error, warning
from designer.flow.document import PARAM_REF, Flow, Node
from designer.models.name_rules import MODEL_NAME_PATTERN, model_name_problem

#: What a flow parameter type means as a JSON value, for messages.
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def param_reference(value: Any) -> str | None:
    """The flow parameter name when ``value`` is a reference to one, else None."""
    if isinstance(value, dict) and set(value) == {PARAM_REF} and isinstance(value[PARAM_REF], str):
        return value[PARAM_REF]
    return None


def check_flow_params(flow: Flow) -> list[Diagnostic]:
    """Flow parameters must have unique names and defaults of their declared type."""
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for param in flow.params:
        if param.name in seen:
            problems.append(
                error("duplicate_param", f"flow parameter {param.name!r} is declared twice")
            )
        seen.add(param.name)
        if param.default is None:
            problems.append(
                warning(
                    "param_without_default",
                    f"flow parameter {param.name!r} has no default: every run must be given a "
                    f"value (designer run -p {param.name}=...)",
                )
            )
            continue
        allowed = _PYTHON_TYPES[param.type]
        is_bool = isinstance(param.default, bool)
        if not isinstance(param.default, allowed) or (is_bool and param.type != "boolean"):
            problems.append(
                error(
                    "bad_flow_param",
                    f"flow parameter {param.name!r} is declared as {param.type} but its "
                    f"default is {param.default!r}",
                )
            )
        elif isinstance(param.default, str) and not _one_line(param.default):
            # KFP writes string defaults unescaped into the comment heading the compiled
            # pipeline: a line break there would add YAML of the person's own making.
            problems.append(
                error(
                    "bad_flow_param",
                    f"flow parameter {param.name!r} has a default of more than one line (or "
                    "with control characters); a default is one line of text",
                )
            )
    return problems


def _one_line(text: str) -> bool:
    """No line break of any kind (YAML's or Unicode's) and no control character."""
    return not any(
        unicodedata.category(char) in ("Cc", "Zl", "Zp") or char == "\ufeff" for char in text
    )


def check_node_params(
    flow: Flow, node: Node, block: Block, fed: Collection[str] = ()
) -> tuple[BaseModel | None, list[Diagnostic]]:
    """Validate a node's parameters; return the parsed model (None when invalid) and problems.

    ``fed`` names the parameters an edge feeds: they are not required, any form value they
    have is left unchecked, and the model holds None for them (the compiler passes the edge's
    value instead).
    """
    problems: list[Diagnostic] = []
    resolved: dict[str, Any] = {}
    fed_params = frozenset(name for name in fed if name in block.params.model_fields)
    for name, value in node.params.items():
        if name in fed_params:
            continue
        ref = param_reference(value)
        if ref is None:
            resolved[name] = value
            continue
        flow_param = flow.param(ref)
        if flow_param is None:
            problems.append(
                error(
                    "unknown_flow_param",
                    f"parameter {name!r} refers to flow parameter {ref!r}, which the flow does "
                    f"not declare; declared: {choices(p.name for p in flow.params)}",
                    node=node.id,
                    param=name,
                )
            )
        elif flow_param.default is not None:
            resolved[name] = flow_param.default
        # A reference with no default is supplied at run time: nothing to check yet.
    params = _fed_model(block.params, fed_params) if fed_params else block.params
    try:
        model = params.model_validate(resolved, strict=True)
    except ValidationError as exc:
        problems.extend(_field_problems(exc, node, block))
        return None, problems
    return (model if not problems else None), problems


@functools.lru_cache(maxsize=256)
def _fed_model(params: type[BaseModel], fed: frozenset[str]) -> type[BaseModel]:
    """``params`` with the ``fed`` fields made optional and unchecked (None unless given)."""
    fields: dict[str, Any] = {name: (Any, None) for name in sorted(fed)}
    return create_model(  # type: ignore[call-overload,no-any-return]
        params.__name__, __base__=params, **fields
    )


def _field_problems(exc: ValidationError, node: Node, block: Block) -> list[Diagnostic]:
    properties = block.params_schema().get("properties", {})
    problems = []
    for err in exc.errors():
        loc = err.get("loc", ())
        name = str(loc[0]) if loc else ""
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            code, message = (
                "unknown_param",
                f"block {block.id} has no parameter {name!r}; valid parameters: "
                f"{choices(properties)}",
            )
        elif kind == "missing":
            schema = properties.get(name, {})
            code, message = (
                "missing_param",
                f"{_title(name, schema)} is required but not set; "
                f"{_ask(schema)} {_expected(schema)}",
            )
        else:
            code, message = "bad_param", _bad_value_message(name, err, properties.get(name, {}))
        problems.append(error(code, message, node=node.id, param=name or None))
    return problems


def _title(name: str, schema: dict[str, Any]) -> str:
    """The setting's name as the properties form shows it ("Test share", not "test_size")."""
    return str(schema.get("title") or name.replace("_", " ").capitalize())


def _bad_value_message(name: str, err: dict[str, Any], schema: dict[str, Any]) -> str:
    found = err.get("input")
    if schema.get("pattern") == MODEL_NAME_PATTERN and isinstance(found, str):
        # Said in words with a name that would do, not as a regular expression.
        problem = model_name_problem(found, _title(name, schema))
        if problem:
            return problem
    expected = _expected(schema) or err.get("msg", "a valid value")
    title = _title(name, schema)
    # An emptied field is kept as "" so the form still shows it empty: say so, not "found ''".
    if isinstance(found, str) and not found.strip():
        return f"{title} is empty; {_ask(schema)} {expected}"
    return f"{title} must be {expected}; found {found!r}"


def _expected(schema: dict[str, Any]) -> str:
    """Say in words what a JSON Schema property accepts ("a number from 0.05 to 0.95")."""
    if "enum" in schema:
        return f"one of {choices(schema['enum'])}"
    if "const" in schema:
        return f"{schema['const']!r}"
    if schema.get("widget") == "dataset":
        return "a dataset from your library"
    kind = schema.get("type")
    if kind is None and "anyOf" in schema:
        return " or ".join(filter(None, (_expected(s) for s in schema["anyOf"])))
    words = {
        "integer": "a whole number",
        "number": "a number",
        "string": "text",
        "boolean": "true or false",
        "array": "a list",
        "null": "nothing",
    }
    text = words.get(str(kind), str(kind) if kind else "")
    if kind == "array" and "items" in schema:
        item = _expected(schema["items"])
        text = f"a list of {item}" if item else text
    limits = [_range(schema)] if kind in ("integer", "number") else []
    if schema.get("minLength", 0) > 1:
        limits.append(f"of at least {schema['minLength']} characters")
    if "pattern" in schema:
        limits.append(f"matching {schema['pattern']}")
    return " ".join(filter(None, (text, *limits)))


def _ask(schema: dict[str, Any]) -> str:
    """The verb for putting the value in: a choice is chosen, anything else entered."""
    return "choose" if "enum" in schema or "widget" in schema else "enter"


def _range(schema: dict[str, Any]) -> str:
    """A number's bounds in words: "from 0 to 1", "of at least 1", "above 0 and at most 1"."""
    low, high = schema.get("minimum"), schema.get("maximum")
    above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if low is not None and high is not None:
        return f"from {_number(low)} to {_number(high)}"
    lower = f"at least {_number(low)}" if low is not None else ""
    lower = lower or (f"above {_number(above)}" if above is not None else "")
    upper = f"at most {_number(high)}" if high is not None else ""
    upper = upper or (f"below {_number(below)}" if below is not None else "")
    if lower and upper:
        return f"{lower} and {upper}"
    bound = lower or upper
    return f"of {bound}" if bound.startswith("at ") else bound


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
