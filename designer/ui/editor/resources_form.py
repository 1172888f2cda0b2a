"""The Resources section under a block's settings: what its pod asks of a Kubeflow cluster.

Closed by default, with a one-line summary; it opens by itself while one of its values has a
problem. The header is a ``<summary>``, not a button, so a viewer (whose form is a disabled
fieldset) can still open it and read the values.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.properties import TYPING_DEBOUNCE_MS
from designer.ui.editor.resources_state import ResourcesState
from designer.ui.editor.resources_views import ANY_EFFECT, OPERATOR_CHOICES
from designer.ui.editor.state import EditorState

NOTE = "Used when the flow runs on Kubeflow; local runs ignore them."
#: The effect select's (value, caption) pairs: a select cannot send an empty value.
EFFECT_ITEMS = (
    (ANY_EFFECT, "Any effect"),
    ("NoSchedule", "NoSchedule"),
    ("PreferNoSchedule", "PreferNoSchedule"),
    ("NoExecute", "NoExecute"),
)


def _key(*parts: object) -> rx.Var:
    """A React key that changes with the selected node, so boxes never show another's value."""
    key = EditorState.panel["id"].to(str)
    for part in parts:
        key = key + "." + (part if isinstance(part, rx.Var) else str(part))
    return key


def _error(message: rx.Var, testid: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(
            message,
            size="1",
            color_scheme="red",
            class_name="field-error",
            custom_attrs={"data-testid": testid},
        ),
    )


def _box(field: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(field["title"], size="1", weight="medium"),
        rx.input(
            value=field["value"].to(str),
            placeholder=field["placeholder"].to(str),
            title=field["help"].to(str),
            on_change=lambda value: ResourcesState.set_resource(field["name"], value),
            debounce_timeout=TYPING_DEBOUNCE_MS,
            key=_key("resources", field["name"].to(str)),
            custom_attrs={"data-testid": "resource-input", "data-field": field["name"]},
        ),
        class_name="form-field",
    )


def _pair(first: int) -> rx.Component:
    """Two boxes side by side (a request beside its limit), their problems below, full width."""
    fields = ResourcesState.resource_form["fields"].to(list[dict[str, str]])
    return rx.box(
        rx.grid(_box(fields[first]), _box(fields[first + 1]), columns="2", spacing="2"),
        *(_error(fields[i]["error"].to(str), "resource-error") for i in (first, first + 1)),
    )


def _remove(on_click: rx.EventHandler, label: str, testid: str) -> rx.Component:
    return rx.icon_button(
        rx.icon("x", size=14),
        on_click=on_click,
        variant="ghost",
        color_scheme="gray",
        size="1",
        type="button",
        aria_label=label,
        title=label,
        custom_attrs={"data-testid": testid},
    )


def _selector_row(row: rx.Var) -> rx.Component:
    index = row["index"].to(int)
    return rx.box(
        rx.flex(
            rx.input(
                value=row["key"].to(str),
                placeholder="label, e.g. disktype",
                on_change=lambda value: ResourcesState.set_selector(index, "key", value),
                debounce_timeout=TYPING_DEBOUNCE_MS,
                key=_key("selector", index.to(str), "key"),
                flex="1",
                custom_attrs={"data-testid": "selector-key"},
            ),
            rx.text("=", size="2", color_scheme="gray"),
            rx.input(
                value=row["value"].to(str),
                placeholder="value, e.g. ssd",
                on_change=lambda value: ResourcesState.set_selector(index, "value", value),
                debounce_timeout=TYPING_DEBOUNCE_MS,
                key=_key("selector", index.to(str), "value"),
                flex="1",
                custom_attrs={"data-testid": "selector-value"},
            ),
            _remove(ResourcesState.remove_selector(index), "Remove label", "selector-remove"),
            align="center",
            spacing="1",
        ),
        _error(row["error"].to(str), "selector-error"),
        custom_attrs={"data-testid": "selector-row"},
    )


def _toleration_row(row: rx.Var) -> rx.Component:
    index = row["index"].to(int)
    return rx.box(
        rx.flex(
            rx.input(
                value=row["key"].to(str),
                placeholder="taint key, e.g. gpu",
                on_change=lambda value: ResourcesState.set_toleration(index, "key", value),
                debounce_timeout=TYPING_DEBOUNCE_MS,
                key=_key("toleration", index.to(str), "key"),
                flex="1",
                custom_attrs={"data-testid": "toleration-key"},
            ),
            rx.select(
                list(OPERATOR_CHOICES),
                value=row["operator"].to(str),
                on_change=lambda value: ResourcesState.set_toleration(index, "operator", value),
                disabled=EditorState.read_only,
                custom_attrs={"data-testid": "toleration-operator"},
            ),
            _remove(
                ResourcesState.remove_toleration(index), "Remove toleration", "toleration-remove"
            ),
            align="center",
            spacing="1",
        ),
        rx.flex(
            rx.input(
                value=row["value"].to(str),
                placeholder=rx.cond(row["operator"] == "Exists", "any value", "value, e.g. true"),
                on_change=lambda value: ResourcesState.set_toleration(index, "value", value),
                debounce_timeout=TYPING_DEBOUNCE_MS,
                key=_key("toleration", index.to(str), "value"),
                flex="1",
                custom_attrs={"data-testid": "toleration-value"},
            ),
            rx.select.root(
                rx.select.trigger(custom_attrs={"data-testid": "toleration-effect"}),
                rx.select.content(
                    *(rx.select.item(label, value=value) for value, label in EFFECT_ITEMS)
                ),
                value=row["effect"].to(str),
                on_change=lambda value: ResourcesState.set_toleration(index, "effect", value),
                disabled=EditorState.read_only,
            ),
            align="center",
            spacing="1",
            margin_top="4px",
        ),
        _error(row["error"].to(str), "toleration-error"),
        border="1px solid var(--gray-a5)",
        border_radius="6px",
        padding="6px",
        custom_attrs={"data-testid": "toleration-row"},
    )


def _list(title: str, rows: rx.Component, add: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(title, size="1", weight="medium"), rows, add, direction="column", spacing="2"
    )


def _add(caption: str, on_click: rx.EventHandler, testid: str) -> rx.Component:
    return rx.button(
        rx.icon("plus", size=14),
        caption,
        on_click=on_click,
        variant="soft",
        size="1",
        type="button",
        align_self="start",
        custom_attrs={"data-testid": testid},
    )


def resources_body() -> rx.Component:
    form = ResourcesState.resource_form
    return rx.flex(
        rx.text(NOTE, size="1", color_scheme="gray"),
        rx.foreach(
            form["general"].to(list[str]),
            lambda message: rx.text(
                message, size="1", color_scheme="red", class_name="field-error"
            ),
        ),
        _pair(0),
        _pair(2),
        _pair(4),
        _list(
            "Node selector (run only on machines with these labels)",
            rx.foreach(form["selectors"].to(list[dict]), _selector_row),
            _add("Add label", ResourcesState.add_selector, "resources-add-selector"),
        ),
        _list(
            "Tolerations (may run on machines tainted this way)",
            rx.foreach(form["tolerations"].to(list[dict]), _toleration_row),
            _add("Add toleration", ResourcesState.add_toleration, "resources-add-toleration"),
        ),
        direction="column",
        spacing="3",
        padding_top="8px",
    )


def resources_section() -> rx.Component:
    form = ResourcesState.resource_form
    problems = form["problems"].to(int)
    is_open = ResourcesState.show_resources | (problems > 0)
    return rx.el.details(
        rx.el.summary(
            rx.cond(
                is_open,
                rx.icon("chevron-down", size=14, flex_shrink="0"),
                rx.icon("chevron-right", size=14, flex_shrink="0"),
            ),
            rx.text("Resources (Kubeflow)", size="2", weight="medium", white_space="nowrap"),
            rx.spacer(),
            rx.cond(
                problems > 0,
                rx.badge(
                    problems.to(str) + rx.cond(problems == 1, " problem", " problems"),
                    color_scheme="red",
                    variant="soft",
                ),
                rx.text(
                    form["summary"].to(str),
                    size="1",
                    color_scheme="gray",
                    title=form["summary"].to(str),
                    min_width="0",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                ),
            ),
            # The state decides: the browser's own toggle would drift from it.
            on_click=ResourcesState.toggle_resources.prevent_default,
            title=rx.cond(problems > 0, "Stays open until its problems are fixed", ""),
            custom_attrs={"data-testid": "resources-toggle"},
            style={
                "display": "flex",
                "align_items": "center",
                "gap": "6px",
                "cursor": "pointer",
                "list_style": "none",
                "user_select": "none",
                "padding": "2px 0",
                "&::-webkit-details-marker": {"display": "none"},
            },
        ),
        rx.cond(is_open, resources_body()),
        open=is_open,
        custom_attrs={"data-testid": "resources-section"},
    )
