"""Pieces the Blocks pages share: a card's icon and heading, port chips in the ports' colours,
the kind badges, and the live preview of a block (its card and its settings form, as the
properties panel draws it).

They render rows shaped by ``designer.ui.blocks.views`` or ``Block.describe()`` (as ``rx.Var``
dicts), so one look serves the built-in cards, the "My blocks" cards, the editor's preview and
the import dialog's. Their looks are inline, not the app's class rules: a dialog is drawn
outside the app's root, where those do not reach.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.blocks.views import KUBEFLOW_ONLY

#: A port's badge, its dot (the editor's properties panel draws the dot too, by the class rule
#: ``designer.ui.blocks.catalogue.STYLE`` makes of it) and a row's label.
BADGE = {
    "display": "inline-flex",
    "align_items": "center",
    "gap": "6px",
    "padding": "2px 10px",
    "border_radius": "9999px",
    "font_size": "12px",
    "line_height": "20px",
}
DOT = {"width": "8px", "height": "8px", "border_radius": "9999px", "flex_shrink": "0"}
ROW_LABEL = {
    "flex_shrink": "0",
    "width": "28px",
    "line_height": "26px",
    "text_transform": "uppercase",
    "letter_spacing": "0.04em",
}
#: The square a card's icon sits in, tinted by the card's colour scale.
ICON_TILE = {
    "width": "40px",
    "height": "40px",
    "flex_shrink": "0",
    "border_radius": "var(--radius-3)",
}
SUBTITLE = {
    "font_size": "11px",
    "font_weight": "600",
    "letter_spacing": "0.06em",
    "text_transform": "uppercase",
    "color": "var(--gray-10)",
    "margin_bottom": "6px",
}


# -- a block's card ----------------------------------------------------------------------------


def icon_tile(icon: str | rx.Var, tint: str = "iris", size: int = 20) -> rx.Component:
    return rx.center(
        rx.icon(icon, size=size),
        style={**ICON_TILE, "background": f"var(--{tint}-3)", "color": f"var(--{tint}-11)"},
    )


def block_heading(title: str | rx.Var, **props: object) -> rx.Component:
    return rx.heading(title, as_="h3", size="3", weight="bold", **props)


def ref_code(text: str | rx.Var) -> rx.Component:
    """A block's id or ``owner/name`` under its title."""
    return rx.code(text, size="1", variant="ghost", color_scheme="gray")


def card_head(icon: rx.Component, title: rx.Component, below: rx.Component) -> rx.Component:
    """The top of a block's card: its icon beside its title and what stands under it."""
    return rx.flex(
        icon,
        rx.flex(title, below, direction="column", spacing="1", min_width="0"),
        align="center",
        spacing="3",
    )


def small_note(text: rx.Var, when: rx.Var, testid: str | None = None) -> rx.Component:
    """A line of small grey text under a card ("Installs pandas"), shown while ``when`` holds."""
    attrs = {"data-testid": testid} if testid else {}
    return rx.cond(when, rx.text(text, size="1", color_scheme="gray", custom_attrs=attrs))


def port_chip(port: rx.Var, direction: str) -> rx.Component:
    """A port: a dot and the name in the port type's colour, its description on hover."""
    color = port["color"].to(str)
    description = port["description"].to(str)
    return rx.el.span(
        rx.el.span(style={**DOT, "background": color}),
        rx.el.span(port["name"].to(str), style={"font_weight": "600"}),
        rx.el.span(port["type"].to(str), style={"opacity": "0.75"}),
        title=rx.cond(description != "", description, port["type"].to(str))
        + rx.cond(port["optional"].to(bool), " (optional)", ""),
        style={
            **BADGE,
            "color": color,
            "background": f"color-mix(in srgb, {color} 10%, transparent)",
            "border": rx.cond(port["optional"].to(bool), "1px dashed ", "1px solid ")
            + f"color-mix(in srgb, {color} 35%, transparent)",
        },
        custom_attrs={
            "data-testid": "port",
            "data-direction": direction,
            "data-port": port["name"].to(str),
            "data-port-type": port["type"].to(str),
        },
    )


def ports_line(label: str, ports: rx.Var, direction: str) -> rx.Component:
    return rx.cond(
        ports.to(list).length() > 0,
        rx.flex(
            rx.text(label, size="1", weight="medium", color_scheme="gray", style=ROW_LABEL),
            rx.flex(
                rx.foreach(ports.to(list[dict]), lambda port: port_chip(port, direction)),
                spacing="2",
                wrap="wrap",
            ),
            align="start",
            spacing="3",
        ),
    )


def ports_lines(inputs: rx.Var, outputs: rx.Var) -> rx.Component:
    """A block's inputs, then its outputs, each line only if it has any."""
    return rx.flex(
        ports_line("In", inputs, "input"),
        ports_line("Out", outputs, "output"),
        direction="column",
        spacing="2",
        class_name="block-ports",
    )


def kubeflow_badge(show: rx.Var) -> rx.Component:
    return rx.cond(
        show,
        rx.badge(
            rx.icon("cloud", size=11),
            KUBEFLOW_ONLY,
            color_scheme="amber",
            variant="soft",
            size="1",
            title="Its container needs a container engine: it runs on a Kubeflow cluster only.",
            custom_attrs={"data-testid": "kubeflow-only"},
        ),
    )


# -- the settings form, as the properties panel draws it -------------------------------------


def _preview_control(field: rx.Var) -> rx.Component:
    """The field's control, holding its default; trying it changes nothing on the server."""
    # Keyed by the default, so a new default from the source shows, and a tried value stays.
    key = field["name"].to(str) + ":" + field["value"].to(str)
    attrs = {"data-testid": "preview-field-control", "data-param": field["name"].to(str)}
    number = {
        "type": "number",
        "min": field["min"].to(str),
        "max": field["max"].to(str),
        "step": field["step"].to(str),
    }
    return rx.match(
        field["kind"],
        (
            "select",
            rx.select(
                field["options"].to(list[str]),
                default_value=field["value"].to(str),
                width="100%",
                key=key,
                custom_attrs=attrs,
            ),
        ),
        (
            "switch",
            rx.switch(default_checked=field["checked"].to(bool), key=key, custom_attrs=attrs),
        ),
        (
            "integer",
            rx.input(default_value=field["value"].to(str), width="100%", key=key, **number),
        ),
        (
            "number",
            rx.input(default_value=field["value"].to(str), width="100%", key=key, **number),
        ),
        rx.input(
            default_value=field["value"].to(str),
            placeholder=rx.cond(field["kind"] == "list", "a, b, c", ""),
            width="100%",
            key=key,
            custom_attrs=attrs,
        ),
    )


def preview_field(field: rx.Var) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.text(field["title"].to(str), size="2", weight="medium"),
            rx.cond(
                field["bounds"].to(str) != "",
                rx.text(field["bounds"].to(str), size="1", color_scheme="gray"),
            ),
            justify="between",
            align="baseline",
            margin_bottom="4px",
        ),
        _preview_control(field),
        rx.cond(
            field["help"].to(str) != "",
            rx.text(field["help"].to(str), size="1", color_scheme="gray"),
        ),
        display="flex",
        flex_direction="column",
        gap="2px",
        custom_attrs={"data-testid": "preview-field", "data-param": field["name"].to(str)},
    )


def block_preview(preview: rx.Var) -> rx.Component:
    """The block as it will look: its card (title, category, description, ports) and its form."""
    fields = preview["fields"].to(list[dict])
    packages = preview["packages"].to(list[str])
    image = preview["image"].to(str)
    return rx.flex(
        rx.card(
            rx.flex(
                card_head(
                    icon_tile(rx.cond(preview["kind"] == "Container", "package", "code"), size=18),
                    block_heading(
                        preview["title"].to(str), custom_attrs={"data-testid": "preview-title"}
                    ),
                    rx.flex(
                        rx.badge(
                            preview["category"].to(str),
                            variant="soft",
                            color_scheme="indigo",
                            size="1",
                            custom_attrs={"data-testid": "preview-category"},
                        ),
                        ref_code(preview["name"].to(str)),
                        kubeflow_badge(preview["kubeflow_only"].to(bool)),
                        align="center",
                        spacing="2",
                        wrap="wrap",
                    ),
                ),
                rx.cond(
                    preview["description"].to(str) != "",
                    rx.text(
                        preview["description"].to(str),
                        as_="p",
                        size="2",
                        color_scheme="gray",
                        white_space="pre-wrap",
                        custom_attrs={"data-testid": "preview-description"},
                    ),
                ),
                ports_lines(preview["inputs"], preview["outputs"]),
                small_note(
                    "Installs " + packages.join(", "), packages.length() > 0, "preview-packages"
                ),
                small_note("Image " + image, image != ""),
                direction="column",
                spacing="3",
            ),
            size="2",
            custom_attrs={"data-testid": "preview-card"},
        ),
        rx.foreach(
            preview["notes"].to(list[str]),
            lambda note: rx.callout(note, icon="info", color_scheme="gray", size="1"),
        ),
        rx.box(
            rx.text("Settings", style=SUBTITLE),
            rx.cond(
                fields.length() > 0,
                rx.flex(rx.foreach(fields, preview_field), direction="column", spacing="3"),
                rx.text("This block has no settings.", size="2", color_scheme="gray"),
            ),
            custom_attrs={"data-testid": "preview-form"},
        ),
        direction="column",
        spacing="3",
    )
