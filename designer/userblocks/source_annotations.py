"""What an argument of a block's function is, told by its annotation: a port or a setting.

``Input[T]`` and ``Output[T]`` (also spelled ``dsl.Input[T]``, ``kfp.dsl.Input[T]``) are ports,
T one of ``PORT_ANNOTATIONS``. Every other argument is a setting in the block's form, typed
with one of ``PARAM_ANNOTATIONS``, a ``list[...]``/``dict[...]`` of anything, a
``Literal[...]`` of strings or of whole numbers, or ``Optional[X]`` / ``X | None`` of one.
A setting's default is a plain value of its type, written out. Each refusal says what to write
instead.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from designer.userblocks.source_docstring import words
from designer.userblocks.source_problems import Problems
from designer.userblocks.source_syntax import (
    KFP_PREFIXES,
    TYPING_PREFIXES,
    dotted,
    is_none,
    literal_value,
    strip_prefix,
)
from designer.userblocks.spec import ParamSpec, ParamType, PortSpec

#: Longest name of a block, port or setting.
MAX_NAME_CHARS = 64
#: Most choices a ``Literal[...]`` setting may offer (a form's drop-down, not a data set).
MAX_CHOICES = 100
#: Largest whole number a default may be: the browser's form holds numbers as doubles.
MAX_SAFE_INTEGER = 2**53 - 1

#: The artifact classes a port may be typed with, and the port type each makes: ours by name,
#: or for a generic port the KFP schema title.
PORT_ANNOTATIONS: dict[str, str] = {
    "Dataset": "Dataset",
    "Model": "Model",
    "Classifier": "Classifier",
    "Regressor": "Regressor",
    "Clusterer": "Clusterer",
    "Preprocessor": "Preprocessor",
    "Metrics": "Metrics",
    "ClassificationMetrics": "ClassificationMetrics",
    "Artifact": "system.Artifact",
    "HTML": "system.HTML",
    "Markdown": "system.Markdown",
    "SlicedClassificationMetrics": "system.SlicedClassificationMetrics",
}
#: The plain types a setting may have, and the JSON Schema type each makes.
PARAM_ANNOTATIONS: dict[str, ParamType] = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}

_LISTS = {"list", "List", "typing.List"}
_DICTS = {"dict", "Dict", "typing.Dict"}
_ACCEPTED_PORTS = ", ".join(PORT_ANNOTATIONS)
_ACCEPTED_SETTINGS = 'str, int, float, bool, list, dict, Literal["a", "b"] or Optional[...] of one'
_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (float,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_KIND_OF_TYPE = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "True or False",
    "array": "a list",
    "object": "a dict",
}


def argument_name_ok(argument: ast.arg, problems: Problems) -> bool:
    """Whether an argument's name can name a port or setting (a problem is added if not)."""
    name = argument.arg
    if name.startswith("_"):
        problems.at(argument, f"`{name}`: port and setting names cannot start with `_`; rename it")
        return False
    if not name.isascii():
        problems.at(
            argument,
            f"`{name}`: port and setting names use plain letters (a-z, A-Z), digits and "
            "underscores; rename it",
        )
        return False
    if len(name) > MAX_NAME_CHARS:
        problems.at(
            argument,
            f"`{name[:20]}...` is {len(name)} characters long; a port or setting name has "
            f"at most {MAX_NAME_CHARS}",
        )
        return False
    return True


def read_port(
    argument: ast.arg,
    annotation: ast.expr,
    optional: bool,
    default: ast.expr | None,
    help_text: str,
    problems: Problems,
) -> tuple[str, PortSpec | None] | None:
    """("input" or "output", its port) for an ``Input[T]``/``Output[T]`` argument; the port is
    None when it has problems. None when the argument is not typed as a port.

    ``annotation`` is the argument's type with any ``Optional[...]`` taken off (``optional``
    says whether it was there)."""
    if not isinstance(annotation, ast.Subscript):
        return None
    direction = strip_prefix(dotted(annotation.value), KFP_PREFIXES)
    if direction not in ("Input", "Output"):
        return None
    side = "input" if direction == "Input" else "output"
    name = argument.arg
    type_name = strip_prefix(dotted(annotation.slice), KFP_PREFIXES)
    port_type = PORT_ANNOTATIONS.get(type_name or "")
    ok = port_type is not None
    if port_type is None:
        problems.at(
            annotation.slice,
            f"`{direction}[{problems.quote(annotation.slice)}]` is not a port type; write "
            f"{direction}[T] with T one of {_ACCEPTED_PORTS}",
        )
    defaults_to_none = is_none(default)
    if side == "output" and (default is not None or optional):
        ok = False
        problems.at(
            default or argument,
            f"output `{name}` cannot be optional or have a default; the block always writes it",
        )
    elif side == "input" and default is not None and not defaults_to_none:
        ok = False
        problems.at(
            default,
            f"input `{name}` can only default to None (which makes it optional: nothing "
            "need be connected)",
        )
    elif side == "input" and optional and default is None:
        ok = False
        problems.at(
            argument,
            f"input `{name}` may be left unconnected, so it needs `= None` as its default",
        )
    if not ok or port_type is None:
        return side, None
    return side, PortSpec(name, port_type, help_text, optional=side == "input" and defaults_to_none)


def read_param(
    argument: ast.arg,
    annotation: ast.expr,
    optional: bool,
    default: ast.expr | None,
    help_text: str,
    decorated: bool,
    problems: Problems,
) -> ParamSpec | None:
    """The setting a plainly typed argument is (None, with a problem, when it is not).

    ``decorated``: the function is marked ``@dsl.component``, under which KFP refuses
    ``Literal[...]`` when the task starts."""
    name = argument.arg
    reported = len(problems.found)
    kind = _param_type(annotation, problems)
    if kind is None and len(problems.found) > reported:
        return None
    if kind is None:
        problems.at(
            annotation,
            f"`{name}: {problems.quote(argument.annotation or annotation)}` is neither a port "
            f"nor a setting; a setting is {_ACCEPTED_SETTINGS} of them, a port Input[T] or "
            f"Output[T] with T one of {_ACCEPTED_PORTS}",
        )
        return None
    param_type, choices = kind
    if choices and decorated:
        problems.at(
            annotation,
            f"`{name}`: under @dsl.component KFP refuses Literal[...] when the task starts; "
            "remove the decorator (keep it only to install packages) or type it `str`",
        )
    title = words(name)
    if default is None:
        if optional:
            problems.at(
                argument,
                f"`{name}` may be left empty, so it needs a default: write "
                f"`{name}: {problems.quote(argument.annotation or annotation)} = None`",
            )
        return ParamSpec(
            name,
            param_type,
            required=True,
            title=title,
            description=help_text,
            choices=choices,
        )
    value = _default(name, default, param_type, choices, optional, problems)
    return ParamSpec(
        name, param_type, default=value, title=title, description=help_text, choices=choices
    )


def _param_type(node: ast.expr, problems: Problems) -> tuple[ParamType, tuple[Any, ...]] | None:
    """The JSON Schema type (and choices) of a setting's annotation; None if not one (or,
    after adding a problem, when its ``Literal[...]`` choices are wrong)."""
    plain = PARAM_ANNOTATIONS.get(dotted(node) or "")
    if plain is not None:
        return plain, ()
    name = dotted(node)
    if name in _LISTS:
        return "array", ()
    if name in _DICTS:
        return "object", ()
    if not isinstance(node, ast.Subscript):
        return None
    base = dotted(node.value)
    if base in _LISTS:
        return "array", ()
    if base in _DICTS:
        return "object", ()
    if strip_prefix(base, TYPING_PREFIXES) == "Literal":
        return _choices(node, problems)
    return None


def _choices(node: ast.Subscript, problems: Problems) -> tuple[ParamType, tuple[Any, ...]] | None:
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    values: list[Any] = []
    for item in items:
        ok, value = literal_value(item)
        if not ok or type(value) not in (str, int) or not _json_safe(value):
            problems.at(
                item,
                f"`{problems.quote(item)}`: the choices of Literal[...] are quoted strings or "
                "whole numbers",
            )
            return None
        if value in values:
            problems.at(item, f"{value!r} is offered twice in Literal[...]")
        values.append(value)
    if not values or len({type(v) for v in values}) > 1:
        problems.at(node, "the choices of Literal[...] are all strings or all whole numbers")
        return None
    if len(values) > MAX_CHOICES:
        problems.at(node, f"{len(values)} choices; a setting offers at most {MAX_CHOICES}")
    kind: ParamType = "string" if isinstance(values[0], str) else "integer"
    return kind, tuple(dict.fromkeys(values))


def _default(
    name: str,
    node: ast.expr,
    param_type: ParamType,
    choices: tuple[Any, ...],
    optional: bool,
    problems: Problems,
) -> Any:
    """The default of a setting, checked against its type (None, with a problem, if bad)."""
    ok, value = literal_value(node)
    if not ok:
        problems.at(
            node,
            f"the default of `{name}` must be a value written out, such as 5, 0.5, "
            f'"text", True, [1, 2] or {{"key": 1}}, not `{problems.quote(node)}`',
        )
        return None
    if value is None:
        if not optional:
            problems.at(
                node,
                f"`{name}` defaults to None but its type does not allow it; write "
                f"Optional[...] around the type",
            )
        return None
    expected = _DEFAULT_TYPES[param_type]
    if param_type == "number" and type(value) is int:
        value = float(value)
    if type(value) not in expected:
        problems.at(
            node,
            f"the default of `{name}` is {_kind_of(value)}, but the setting holds "
            f"{_KIND_OF_TYPE[param_type]}",
        )
        return None
    if not _json_safe(value):
        problems.at(
            node,
            f"the default of `{name}` holds something a form cannot keep (only text, "
            "numbers up to 2**53, true/false, lists, and dicts with text keys)",
        )
        return None
    if choices and value not in choices:
        problems.at(
            node,
            f"the default of `{name}` is {value!r}, not one of its choices: "
            f"{', '.join(map(repr, choices))}",
        )
        return None
    return value


def _kind_of(value: Any) -> str:
    kinds = {str: "text", int: "a whole number", float: "a number", bool: "True or False"}
    kinds |= {list: "a list", dict: "a dict", tuple: "a tuple", set: "a set", bytes: "bytes"}
    return kinds.get(type(value), type(value).__name__)


def _json_safe(value: Any) -> bool:
    """Whether a value survives JSON and the browser's form as it is."""
    pending = [value]
    while pending:
        item = pending.pop()
        if item is None or isinstance(item, bool | str):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                return False
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            pending += item.values()
        else:
            return False
    return True
