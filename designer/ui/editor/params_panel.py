"""The Parameters tab: the flow's parameters, each a small card to name, type, default,
describe or delete it, with the settings that take their value from it."""

from __future__ import annotations

import reflex as rx

from designer.flow.param_edits import PARAM_TYPES, TYPE_TITLES
from designer.ui.editor.params_state import ParamsState
from designer.ui.editor.state import EditorState

#: How long a box waits after the last key before the change is applied.
TYPING_DEBOUNCE_MS = 350


def _label(text: str) -> rx.Component:
    return rx.text(text, size="1", weight="medium", color_scheme="gray")


def _name_box(param: rx.Var) -> rx.Component:
    problem = ParamsState.name_problem
    refused = problem["param"].to(str) == param["name"].to(str)
    return rx.box(
        _label("Name"),
        rx.input(
            # Renamed when the box is left: a half-typed name is no name to refuse.
            default_value=param["name"].to(str),
            key="param-name." + param["name"].to(str),
            on_blur=lambda value: ParamsState.rename_flow_param(param["name"], value),
            color_scheme=rx.cond(refused, "red", "gray"),
            custom_attrs={"data-testid": "flow-param-name", "data-name": param["name"]},
        ),
        rx.cond(
            refused,
            rx.text(
                problem["message"].to(str),
                size="1",
                color_scheme="red",
                custom_attrs={"data-testid": "flow-param-name-error"},
            ),
        ),
        flex_grow="1",
    )


def _type_select(param: rx.Var) -> rx.Component:
    return rx.box(
        _label("Type"),
        rx.select.root(
            rx.select.trigger(
                width="140px",
                custom_attrs={"data-testid": "flow-param-type", "data-name": param["name"]},
            ),
            rx.select.content(
                *[rx.select.item(TYPE_TITLES[kind], value=kind) for kind in PARAM_TYPES]
            ),
            value=param["type"].to(str),
            on_change=lambda value: ParamsState.set_flow_param_type(param["name"], value),
            disabled=EditorState.read_only,
        ),
    )


def _default_box(param: rx.Var) -> rx.Component:
    box = rx.cond(
        param["type"] == "boolean",
        rx.select(
            ["true", "false"],
            value=param["default"].to(str),
            placeholder="no default",
            on_change=lambda value: ParamsState.set_flow_param_default(param["name"], value),
            disabled=EditorState.read_only,
            width="100%",
            custom_attrs={"data-testid": "flow-param-default-select", "data-name": param["name"]},
        ),
        rx.input(
            value=param["default"].to(str),
            on_change=lambda value: ParamsState.set_flow_param_default(param["name"], value),
            debounce_timeout=TYPING_DEBOUNCE_MS,
            placeholder=rx.cond(
                param["type"] == "string", "empty text", "none: each run asks for a value"
            ),
            key="param-default." + param["name"].to(str),
            width="100%",
            custom_attrs={"data-testid": "flow-param-default", "data-name": param["name"]},
        ),
    )
    return rx.box(
        _label("Default"),
        rx.flex(
            box,
            rx.cond(
                param["has_default"].to(bool) & ~EditorState.read_only,
                rx.tooltip(
                    rx.icon_button(
                        rx.icon("eraser", size=14),
                        variant="ghost",
                        color_scheme="gray",
                        on_click=ParamsState.clear_flow_param_default(param["name"]),
                        aria_label="No default: each run asks for a value",
                        custom_attrs={"data-testid": "flow-param-clear-default"},
                    ),
                    content="No default: each run asks for a value",
                ),
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(
            param["error"] != "",
            rx.text(
                param["error"],
                size="1",
                color_scheme="red",
                custom_attrs={"data-testid": "flow-param-error"},
            ),
            rx.cond(
                ~param["has_default"].to(bool),
                rx.text("No default: Run asks for a value each time.", size="1", color="gray"),
            ),
        ),
    )


def param_card(param: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                _name_box(param),
                _type_select(param),
                rx.cond(
                    ~EditorState.read_only,
                    rx.tooltip(
                        rx.icon_button(
                            rx.icon("trash-2", size=14),
                            variant="ghost",
                            color_scheme="red",
                            on_click=ParamsState.delete_flow_param(param["name"]),
                            aria_label="Delete parameter",
                            custom_attrs={"data-testid": "flow-param-delete"},
                        ),
                        content="Delete parameter (settings using it keep its default)",
                    ),
                ),
                align="end",
                spacing="2",
            ),
            _default_box(param),
            rx.box(
                _label("Description"),
                rx.input(
                    value=param["description"].to(str),
                    on_change=lambda value: ParamsState.set_flow_param_description(
                        param["name"], value
                    ),
                    debounce_timeout=TYPING_DEBOUNCE_MS,
                    placeholder="What the value means, for whoever runs the flow",
                    key="param-description." + param["name"].to(str),
                    custom_attrs={"data-testid": "flow-param-description"},
                ),
            ),
            rx.text(
                rx.cond(
                    param["used_by"] != "",
                    "Used by " + param["used_by"].to(str),
                    "Not used yet: link a block setting to it with the link beside the setting.",
                ),
                size="1",
                color_scheme="gray",
                custom_attrs={"data-testid": "flow-param-used-by"},
            ),
            direction="column",
            spacing="2",
        ),
        custom_attrs={"data-testid": "flow-param", "data-name": param["name"]},
    )


def params_panel() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading("Flow parameters", size="3"),
            rx.cond(
                ~EditorState.read_only,
                rx.button(
                    rx.icon("plus", size=14),
                    "Add parameter",
                    size="1",
                    variant="soft",
                    on_click=ParamsState.add_flow_param,
                    custom_attrs={"data-testid": "add-flow-param"},
                ),
            ),
            justify="between",
            align="center",
        ),
        rx.text(
            "Values a run is given: Run asks for them, starting from the defaults. A block "
            "setting takes its value from one through the link beside the setting.",
            size="1",
            color_scheme="gray",
        ),
        rx.el.fieldset(
            rx.flex(
                rx.foreach(ParamsState.flow_params, param_card),
                direction="column",
                spacing="3",
            ),
            disabled=EditorState.read_only,
            style={"border": "none", "margin": "0", "padding": "0", "min_width": "0"},
        ),
        direction="column",
        spacing="3",
        custom_attrs={"data-testid": "params-panel"},
    )
