"""A block's parameter schema as form fields, and reading what a person typed into them.

The properties panel draws one control per field: a number box with its bounds, a select for
a fixed set of choices, a switch for yes/no, a text box otherwise. Reading a value back turns
the text of a number box into a number and says plainly what is wrong when it cannot.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from designer.flow.params import param_reference

#: Fields whose choices come from the dataset library, named by the ``widget`` their schema
#: carries: which dataset, which of its versions, which of its columns.
LIBRARY_KINDS = ("dataset", "dataset_version", "dataset_column")
#: What a library select sends for "none" (a select cannot send an empty value).
NO_CHOICE = "__none__"
_NUMERIC = ("integer", "number", "dataset_version")

#: Which control a field gets.
KINDS = ("integer", "number", "select", "switch", "text", "list", "reference", *LIBRARY_KINDS)


class BadValue(ValueError):
    """What a person typed cannot be this field's value; the message says what would be."""


@dataclass(frozen=True)
class FormField:
    name: str
    title: str
    kind: str
    help: str = ""
    default: Any = None
    required: bool = False
    #: Bounds of a number field (inclusive), when the schema gives them.
    minimum: float | None = None
    maximum: float | None = None
    #: Choices of a select.
    options: tuple[str, ...] = ()
    #: May the field be left empty (the schema allows null)?
    nullable: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["options"] = list(self.options)
        return data


def form_fields(schema: dict[str, Any]) -> list[FormField]:
    """One field per property of a pydantic JSON schema, in declaration order."""
    required = set(schema.get("required", []))
    defs = schema.get("$defs", {})
    return [
        _field(name, _resolve(prop, defs), name in required, defs)
        for name, prop in schema.get("properties", {}).items()
    ]


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return {
            **defs.get(ref.removeprefix("#/$defs/"), {}),
            **{k: v for k, v in prop.items() if k != "$ref"},
        }
    return prop


def _field(name: str, prop: dict[str, Any], required: bool, defs: dict[str, Any]) -> FormField:
    nullable = False
    options = prop.get("anyOf") or prop.get("oneOf")
    base = prop
    if options:
        non_null = [_resolve(o, defs) for o in options if o.get("type") != "null"]
        nullable = len(non_null) < len(options)
        base = {**prop, **(non_null[0] if len(non_null) == 1 else {})}
    widget = prop.get("widget")
    kind = widget if widget in LIBRARY_KINDS else _kind(base)
    bounds = {
        "minimum": base.get("minimum", base.get("exclusiveMinimum")),
        "maximum": base.get("maximum", base.get("exclusiveMaximum")),
    }
    return FormField(
        name=name,
        title=prop.get("title") or name.replace("_", " ").capitalize(),
        kind=kind,
        help=prop.get("description", ""),
        default=prop.get("default"),
        required=required,
        minimum=bounds["minimum"] if kind in _NUMERIC else None,
        maximum=bounds["maximum"] if kind in _NUMERIC else None,
        options=tuple(str(v) for v in base.get("enum", ())),
        nullable=nullable,
    )


def _kind(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "select"
    kind = schema.get("type")
    if kind == "boolean":
        return "switch"
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "array":
        return "list"
    return "text"


def read_value(field: FormField, raw: Any) -> Any:
    """The parameter value for what the form sent; None means "use the block's default".

    Raises BadValue with a message for the person when ``raw`` cannot be this field's value.
    """
    if param_reference(raw) is not None:
        return raw
    if raw == NO_CHOICE:
        raw = ""
    if field.kind == "switch":
        return _read_switch(raw)
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in ("", None):
        # An emptied box stays empty rather than quietly showing the default again: empty text
        # or an empty list may be what the person means (the flow's check says if not), an
        # empty number never is.
        if field.nullable or (field.kind in LIBRARY_KINDS and not field.required):
            return None
        if field.kind == "list":
            return []
        if field.kind == "text" and not field.required:
            return ""
        raise BadValue(f"{field.title} is empty")
    if field.kind in _NUMERIC:
        return _read_number(field, raw)
    if field.kind == "select":
        if str(raw) not in field.options:
            raise BadValue(f"{field.title} must be one of {', '.join(field.options)}")
        return str(raw)
    if field.kind == "list":
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return [str(item).strip() for item in items if str(item).strip()]
    return str(raw)


def typed_value(field: FormField, raw: Any) -> Any:
    """What to keep in the flow when ``read_value`` refused ``raw``: what the person typed.

    The form goes on showing it and the flow's check reports it (and holds the run back) until
    it is fixed, instead of the old value quietly coming back. A number stays a number, so the
    check says "found 1.5", not "found '1.5'".
    """
    if raw == NO_CHOICE or raw is None:
        return ""
    text = raw.strip() if isinstance(raw, str) else raw
    if field.kind in _NUMERIC and isinstance(text, str):
        try:
            number = float(text)
        except ValueError:
            return text
        if not math.isfinite(number):
            return text
        return int(number) if number.is_integer() and field.kind != "number" else number
    return text


def _read_switch(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if str(raw).strip().lower() in ("true", "on", "1", "yes"):
        return True
    if str(raw).strip().lower() in ("false", "off", "0", "no", ""):
        return False
    raise BadValue(f"expected on or off; found {raw!r}")


def _read_number(field: FormField, raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise BadValue(f"{field.title} must be a number")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise BadValue(f"{field.title} must be a number; found {raw!r}") from None
    if not math.isfinite(number):
        raise BadValue(f"{field.title} must be a finite number")
    if field.kind != "number":
        if not number.is_integer():
            raise BadValue(f"{field.title} must be a whole number; found {raw}")
        value: int | float = int(number)
    else:
        value = number
    if field.minimum is not None and value < field.minimum:
        raise BadValue(f"{field.title} must be at least {_show(field.minimum)}; found {raw}")
    if field.maximum is not None and value > field.maximum:
        raise BadValue(f"{field.title} must be at most {_show(field.maximum)}; found {raw}")
    return value


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
