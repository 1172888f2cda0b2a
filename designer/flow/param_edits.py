"""Edits to a flow's parameters, as the editor's Parameters tab and settings form make them.

A flow parameter is a value a run is given (``designer run -p seed=3``, or the Run dialog);
a block setting bound to it holds ``{"$param": "seed"}`` instead of a value of its own. Each
function here takes the flow and returns a changed copy (the flow passed in is never changed),
or raises ``EditRejected`` saying why the edit cannot apply.

A default typed into a box is kept as typed when it is not a value of the parameter's type, as
block settings are: the flow's check reports it (``check_flow_params``) and holds the run back
until it is fixed, and nothing the person typed is lost.
"""

from __future__ import annotations

import keyword
import math
import re
from typing import Any, get_args

from designer.flow.document import PARAM_REF, Flow, FlowParam, Node, ParamType
from designer.flow.edit import EditRejected
from designer.flow.param_form import FormField
from designer.flow.params import param_reference

#: The types a flow parameter can have, in the words the form shows them.
PARAM_TYPES: tuple[str, ...] = get_args(ParamType)
TYPE_TITLES = {
    "string": "Text",
    "integer": "Whole number",
    "number": "Number",
    "boolean": "Yes/no",
}
#: The most parameters one flow declares: a run form, not a database.
MAX_PARAMS = 50
MAX_DESCRIPTION = 500
#: The longest default kept; a default is one short value, not a document.
MAX_DEFAULT_CHARS = 1000
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
#: The settings form's kinds a parameter of each type can stand in for.
_FIELD_TYPES: dict[str, ParamType] = {
    "integer": "integer",
    "number": "number",
    "switch": "boolean",
    "text": "string",
    "select": "string",
}


def add_param(flow: Flow, name: str = "", type_: str = "string") -> Flow:
    """Declare a new parameter (named ``param``, ``param_2``... when no name is given)."""
    if len(flow.params) >= MAX_PARAMS:
        raise EditRejected(f"a flow declares at most {MAX_PARAMS} parameters")
    chosen = name.strip() or unused_name(flow, "param")
    _check_name(flow, chosen)
    result = flow.model_copy(deep=True)
    result.params.append(FlowParam(name=chosen, type=_type(type_)))
    return result


def rename_param(flow: Flow, old: str, new: str) -> Flow:
    """Rename a parameter; every setting bound to it follows the new name."""
    _param(flow, old)
    new = new.strip()
    if new == old:
        return flow
    _check_name(flow, new)
    result = flow.model_copy(deep=True)
    _param(result, old).name = new
    for node in result.nodes:
        for setting, value in node.params.items():
            if param_reference(value) == old:
                node.params[setting] = {PARAM_REF: new}
    return result


def set_param_type(flow: Flow, name: str, type_: str, bound_kinds: dict[str, str]) -> Flow:
    """Change a parameter's type, turning its default into a value of the new type when it
    reads as one (``"0.3"`` as a number, ``7`` as text).

    ``bound_kinds`` maps each setting bound to the parameter (``"node.setting"``) to its form
    kind (see ``bound_settings``): a type those settings cannot take is refused, naming them.
    """
    new_type = _type(type_)
    param = _param(flow, name)
    if param.type == new_type:
        return flow
    refusing = [where for where, kind in bound_kinds.items() if _FIELD_TYPES.get(kind) != new_type]
    if refusing:
        raise EditRejected(
            f"{', '.join(refusing)} cannot take {TYPE_TITLES[new_type].lower()} values; "
            f"unlink {'them' if len(refusing) > 1 else 'it'} from {name!r} first"
        )
    result = flow.model_copy(deep=True)
    changed = _param(result, name)
    changed.type = new_type
    if changed.default is not None:
        changed.default = read_default(new_type, _as_text(changed.default))
    return result


def set_param_default(flow: Flow, name: str, raw: Any) -> Flow:
    """Set a parameter's default from what a box sent; an emptied box (for a type other than
    text) leaves it without one, so every run must be given a value."""
    param = _param(flow, name)
    result = flow.model_copy(deep=True)
    _param(result, name).default = read_default(param.type, raw)
    return result


def clear_param_default(flow: Flow, name: str) -> Flow:
    """Leave a parameter without a default: every run must be given a value."""
    _param(flow, name)
    result = flow.model_copy(deep=True)
    _param(result, name).default = None
    return result


def set_param_description(flow: Flow, name: str, text: Any) -> Flow:
    _param(flow, name)
    result = flow.model_copy(deep=True)
    _param(result, name).description = " ".join(str(text or "").split())[:MAX_DESCRIPTION]
    return result


def delete_param(flow: Flow, name: str) -> Flow:
    """Delete a parameter; each setting bound to it keeps the parameter's default as its own
    value (or goes back to the block's default when the parameter had none)."""
    param = _param(flow, name)
    result = flow.model_copy(deep=True)
    result.params = [p for p in result.params if p.name != name]
    for node in result.nodes:
        for setting in [s for s, v in node.params.items() if param_reference(v) == name]:
            _unbind(node, setting, param)
    return result


def bind_setting(flow: Flow, node_id: str, field: FormField, name: str) -> Flow:
    """Make the node's setting ``field`` take its value from parameter ``name``."""
    param = _param(flow, name)
    if not compatible(field, param):
        wanted = _FIELD_TYPES.get(field.kind)
        raise EditRejected(
            f"{field.title} cannot take its value from {name!r}, a "
            f"{TYPE_TITLES[param.type].lower()} parameter; "
            + (
                f"it takes a {TYPE_TITLES[wanted].lower()} parameter"
                if wanted
                else "this setting cannot come from a flow parameter"
            )
        )
    result = flow.model_copy(deep=True)
    _node(result, node_id).params[field.name] = {PARAM_REF: name}
    return result


def unbind_setting(flow: Flow, node_id: str, setting: str) -> Flow:
    """The setting takes a value of its own again: the parameter's default, if it has one."""
    name = param_reference(_node(flow, node_id).params.get(setting))
    if name is None:
        raise EditRejected(f"{setting!r} of {node_id!r} is not linked to a flow parameter")
    result = flow.model_copy(deep=True)
    _unbind(_node(result, node_id), setting, result.param(name))
    return result


def param_from_setting(flow: Flow, node_id: str, field: FormField) -> Flow:
    """Declare a new parameter for the node's setting (its name, type, current value as the
    default, its title as the description) and bind the setting to it."""
    kind = _FIELD_TYPES.get(field.kind)
    if kind is None:
        raise EditRejected(f"{field.title} cannot come from a flow parameter")
    node = _node(flow, node_id)
    value = node.params.get(field.name, field.default)
    if param_reference(value) is not None:
        raise EditRejected(f"{field.title} is already linked to a flow parameter")
    name = unused_name(flow, field.name)
    added = add_param(flow, name, kind)
    default = None if value is None else read_default(kind, _as_text(value))
    param = _param(added, name)
    param.default = default
    param.description = field.title
    return bind_setting(added, node_id, field, name)


def compatible(field: FormField, param: FlowParam) -> bool:
    """Can the setting ``field`` take its value from ``param``?"""
    return _FIELD_TYPES.get(field.kind) == param.type


def param_type_of(field: FormField) -> str | None:
    """The parameter type a setting takes, or None when it cannot come from a parameter."""
    return _FIELD_TYPES.get(field.kind)


def bound_settings(flow: Flow, name: str) -> list[tuple[Node, str]]:
    """Every (node, setting) bound to parameter ``name``, in flow order."""
    return [
        (node, setting)
        for node in flow.nodes
        for setting, value in node.params.items()
        if param_reference(value) == name
    ]


def read_default(kind: str, raw: Any) -> str | int | float | bool | None:
    """A default of type ``kind`` for what a box sent; what cannot be one is kept as typed."""
    if raw is None:
        return None
    if isinstance(raw, bool) and kind == "boolean":
        return raw
    text = str(raw) if kind == "string" else str(raw).strip()
    text = text[:MAX_DEFAULT_CHARS]
    if kind == "string":
        return text
    if not text:
        return None
    if kind == "boolean":
        lowered = text.lower()
        return {"true": True, "false": False}.get(lowered, text)
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    if kind == "integer":
        return int(number) if number.is_integer() else text
    return int(number) if number.is_integer() and "." not in text and "e" not in text else number


def unused_name(flow: Flow, base: str) -> str:
    """``base`` made a valid parameter name no parameter has yet: ``seed``, ``seed_2``..."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", base)[:56] or "param"
    if not re.match(r"[A-Za-z_]", name) or keyword.iskeyword(name):
        name = f"p_{name}"
    taken = {p.name for p in flow.params}
    if name not in taken:
        return name
    n = 2
    while f"{name}_{n}" in taken:
        n += 1
    return f"{name}_{n}"


def _check_name(flow: Flow, name: str) -> None:
    if not _NAME.match(name):
        raise EditRejected(
            f"{name[:70]!r} cannot be a parameter name: start with a letter or _, then use "
            "letters, digits and _ only (at most 63 characters, no spaces)"
        )
    if keyword.iskeyword(name):
        raise EditRejected(f"{name!r} is a reserved word; choose another name")
    if flow.param(name) is not None:
        raise EditRejected(f"the flow already has a parameter {name!r}; choose another name")


def _unbind(node: Node, setting: str, param: FlowParam | None) -> None:
    if param is None or param.default is None:
        node.params.pop(setting, None)
    else:
        node.params[setting] = param.default


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _type(type_: str) -> ParamType:
    if type_ not in PARAM_TYPES:
        raise EditRejected(
            f"a parameter's type is one of {', '.join(PARAM_TYPES)}; found {str(type_)[:40]!r}"
        )
    return type_  # type: ignore[return-value]


def _param(flow: Flow, name: str) -> FlowParam:
    param = flow.param(name)
    if param is None:
        raise EditRejected(f"the flow has no parameter {name!r}; it may have been deleted")
    return param


def _node(flow: Flow, node_id: str) -> Node:
    node = flow.node(node_id)
    if node is None:
        raise EditRejected(f"there is no node {node_id!r} in the flow; it may have been deleted")
    return node
