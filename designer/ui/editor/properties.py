"""The properties panel: the selected block's settings as a form, its ports and problems."""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.properties_state import PropertiesState
from designer.ui.editor.setting_links import cache_switch, link_menu
from designer.ui.editor.state import EditorState
from designer.ui.editor.template_about import template_about

#: How long a text or number box waits after the last key before the change is applied.
TYPING_DEBOUNCE_MS = 350


def _input(field: rx.Var, **props: object) -> rx.Component:
    return rx.input(
        value=field["value"],
        on_change=lambda value: PropertiesState.set_param(field["name"], value),
        debounce_timeout=TYPING_DEBOUNCE_MS,
        width="100%",
        key=EditorState.panel["id"].to(str) + "." + field["name"].to(str),
        custom_attrs={"data-testid": "param-input", "data-param": field["name"]},
        **props,
    )


def library_select(field: rx.Var) -> rx.Component:
    """A select whose options come from the dataset library (value and label differ)."""
    return rx.select.root(
        # The root renders no element of its own: the test hooks go on the trigger.
        rx.select.trigger(
            placeholder="Choose a dataset",
            width="100%",
            custom_attrs={"data-testid": "param-library", "data-param": field["name"]},
        ),
        rx.select.content(
            rx.foreach(
                field["choices"].to(list[dict[str, str]]),
                lambda choice: rx.select.item(choice["label"], value=choice["value"]),
            )
        ),
        value=field["value"].to(str),
        on_change=lambda value: PropertiesState.set_param(field["name"], value),
        # Said outright, not only through the disabled fieldset, so it also looks disabled.
        disabled=EditorState.read_only,
    )


def dataset_control(field: rx.Var) -> rx.Component:
    return rx.flex(
        library_select(field),
        rx.link(
            rx.cond(
                field["choices"].to(list).length() > 0,
                "Upload or look at datasets",
                "No datasets yet: upload one on the Datasets page",
            ),
            href="/datasets",
            is_external=True,
            size="1",
        ),
        direction="column",
        spacing="1",
    )


def field_control(field: rx.Var) -> rx.Component:
    return rx.match(
        field["kind"],
        ("dataset", dataset_control(field)),
        ("dataset_version", library_select(field)),
        ("dataset_column", library_select(field)),
        ("number", _input(field, type="number", min=field["min"], max=field["max"], step="any")),
        ("integer", _input(field, type="number", min=field["min"], max=field["max"], step="1")),
        (
            "select",
            rx.select(
                field["options"].to(list[str]),
                value=field["value"].to(str),
                on_change=lambda value: PropertiesState.set_param(field["name"], value),
                disabled=EditorState.read_only,
                width="100%",
                custom_attrs={"data-testid": "param-select", "data-param": field["name"]},
            ),
        ),
        (
            "switch",
            rx.switch(
                checked=field["checked"].to(bool),
                on_change=lambda value: PropertiesState.set_param(field["name"], value),
                disabled=EditorState.read_only,
                custom_attrs={"data-testid": "param-switch", "data-param": field["name"]},
            ),
        ),
        (
            "reference",
            rx.badge(rx.icon("link", size=12), field["value"], variant="soft", color_scheme="gray"),
        ),
        _input(field, placeholder=rx.cond(field["kind"] == "list", "a, b, c", "")),
    )


def form_field(field: rx.Var) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.flex(
                rx.text(field["title"], size="2", weight="medium"),
                link_menu(field),
                align="center",
                spacing="2",
            ),
            rx.cond(
                field["bounds"] != "",
                rx.text(field["bounds"], size="1", color_scheme="gray"),
            ),
            justify="between",
            align="baseline",
            margin_bottom="4px",
        ),
        field_control(field),
        rx.cond(
            field["error"] != "",
            rx.text(
                field["error"],
                size="1",
                color_scheme="red",
                class_name="field-error",
                custom_attrs={"data-testid": "param-error"},
            ),
        ),
        rx.cond(field["help"] != "", rx.text(field["help"], size="1", color_scheme="gray")),
        class_name="form-field",
    )


def port_row(port: rx.Var) -> rx.Component:
    return rx.flex(
        rx.box(class_name="port-dot", background=port["color"]),
        rx.text(port["name"], size="1", weight="medium"),
        rx.text(port["type"], size="1", color_scheme="gray"),
        rx.spacer(),
        rx.text(port["link"], size="1", color_scheme="gray", trim="both", class_name="port-link"),
        align="center",
        spacing="2",
    )


def node_properties() -> rx.Component:
    from designer.ui.editor.resources_form import resources_section  # it reuses this module

    panel = EditorState.panel
    return rx.flex(
        rx.flex(
            rx.heading(panel["title"], size="4"),
            rx.code(panel["id"], size="1", variant="ghost", color_scheme="gray"),
            direction="column",
            spacing="1",
        ),
        rx.text(panel["description"], size="2", color_scheme="gray"),
        own_block_note(panel),
        rx.foreach(
            panel["problems"].to(list[str]),
            lambda message: rx.callout(
                message, icon="triangle_alert", color_scheme="red", size="1"
            ),
        ),
        rx.box(
            rx.text("Name on the canvas", size="2", weight="medium", margin_bottom="4px"),
            rx.input(
                value=panel["label"].to(str),
                placeholder=panel["title"].to(str),
                on_change=PropertiesState.set_label,
                debounce_timeout=TYPING_DEBOUNCE_MS,
                custom_attrs={"data-testid": "node-label"},
                key=panel["id"].to(str) + ".label",
            ),
            class_name="form-field",
        ),
        rx.separator(size="4"),
        rx.cond(
            panel["fields"].to(list).length() > 0,
            rx.foreach(panel["fields"].to(list[dict]), form_field),
            rx.text("This block has no settings.", size="2", color_scheme="gray"),
        ),
        cache_switch(),
        resources_section(),
        rx.separator(size="4"),
        rx.text("Inputs", class_name="panel-subtitle"),
        rx.foreach(panel["inputs"].to(list[dict]), port_row),
        rx.text("Outputs", class_name="panel-subtitle"),
        rx.foreach(panel["outputs"].to(list[dict]), port_row),
        rx.cond(
            panel["after"].to(str) != "",
            rx.text(
                "Runs after " + panel["after"].to(str) + ", without taking data from it.",
                size="2",
                color_scheme="gray",
                custom_attrs={"data-testid": "runs-after"},
            ),
        ),
        delete_button(
            "Delete block", margin_top="8px", custom_attrs={"data-testid": "delete-block"}
        ),
        direction="column",
        spacing="3",
        custom_attrs={"data-testid": "properties"},
    )


def own_block_note(panel: rx.Var) -> rx.Component:
    """A person's block: whose, which version the node uses, a newer one to move to, and
    what only its owner's block can say (runs on Kubeflow only, installs packages)."""
    return rx.cond(
        panel["owner"].to(str) != "",
        rx.flex(
            rx.flex(
                rx.badge(
                    "Version " + panel["version"].to(str),
                    color_scheme="gray",
                    variant="soft",
                    custom_attrs={"data-testid": "block-version"},
                ),
                rx.text("by " + panel["owner"].to(str), size="1", color_scheme="gray"),
                rx.cond(
                    panel["kubeflow_only"].to(bool),
                    rx.badge("Runs on Kubeflow only", color_scheme="amber", variant="soft"),
                ),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                panel["packages"].to(str) != "",
                rx.text("Installs " + panel["packages"].to(str), size="1", color_scheme="gray"),
            ),
            rx.cond(
                panel["newer"].to(str) != "",
                rx.callout.root(
                    rx.callout.icon(rx.icon("circle_arrow_up")),
                    rx.callout.text(
                        "Version " + panel["newer_version"].to(str) + " of this block is out. ",
                        rx.link(
                            "Update to it",
                            href="#",
                            on_click=PropertiesState.update_block(panel["id"]).prevent_default,
                            custom_attrs={"data-testid": "update-block"},
                        ),
                    ),
                    size="1",
                    color_scheme="blue",
                ),
            ),
            direction="column",
            spacing="2",
            custom_attrs={"data-testid": "own-block"},
        ),
    )


def delete_button(caption: str, **props: object) -> rx.Component:
    """Deletes the selection; read-only flows offer nothing to delete (as the toolbar): a red
    button that cannot be pressed only looks like a trap."""
    return rx.cond(
        ~EditorState.read_only,
        rx.button(
            rx.icon("trash-2", size=14),
            caption,
            variant="soft",
            color_scheme="red",
            on_click=EditorState.delete_selected,
            **props,
        ),
    )


def properties_panel() -> rx.Component:
    return rx.cond(
        EditorState.panel.contains("id"),
        # A disabled fieldset disables every control inside it: read-only flows show their
        # settings without offering to change them.
        rx.el.fieldset(
            node_properties(),
            disabled=EditorState.read_only,
            style={
                "border": "none",
                "margin": "0",
                "padding": "0",
                "min_width": "0",
                # Radix keeps a text cursor on a disabled box: say "not here" on every control.
                "& :disabled, & [data-disabled]": {"cursor": "not-allowed"},
            },
        ),
        rx.cond(
            EditorState.selected.length() > 1,
            rx.flex(
                rx.text(f"{EditorState.selected.length()} blocks selected", size="3"),
                delete_button("Delete selected"),
                direction="column",
                spacing="3",
            ),
            rx.cond(
                EditorState.read_only,
                rx.cond(
                    EditorState.mode == "template",
                    template_about(),
                    empty_hint(
                        "mouse-pointer-click",
                        "Select a block to see its settings",
                        "Click a block on the canvas to see how it is set up.",
                    ),
                ),
                empty_hint(
                    "mouse-pointer-click",
                    "Select a block to see its settings",
                    "Click a block on the canvas. New here? Drag “Sample dataset” from the left, "
                    "then “Train/test split”, and connect them.",
                ),
            ),
        ),
    )


def empty_hint(icon: str, title: str, text: str) -> rx.Component:
    return rx.flex(
        rx.center(rx.icon(icon, size=22), class_name="empty-icon"),
        rx.text(title, size="3", weight="medium"),
        rx.text(text, size="2", color_scheme="gray", align="center"),
        direction="column",
        align="center",
        spacing="2",
        padding="32px 12px",
    )
