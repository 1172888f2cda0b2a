"""The block catalogue page: every block, grouped by palette category, with its typed ports."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.components.lucide.icon import LUCIDE_ICON_LIST
from reflex.utils.format import to_snake_case

from blocks import CATALOGUE
from designer.ui.shell import app_header

#: Shown when a block names an icon that lucide does not have.
FALLBACK_ICON = "box"
_LUCIDE = frozenset(LUCIDE_ICON_LIST)
#: Radix colour scales that tint each category's icons, handed out in palette order.
CATEGORY_COLORS = ("indigo", "cyan", "amber", "grass", "crimson", "violet", "teal", "orange")


def icon_name(name: str) -> str:
    """The lucide icon to draw for ``name``: itself when lucide knows it, else a generic box.

    ``rx.icon`` accepts any spelling that snake-cases to a known tag ("chart-bar",
    "chart_bar") and only warns at compile time about an unknown one, so check first.
    """
    tag = to_snake_case(name.strip().lower())
    return tag if tag in _LUCIDE else FALLBACK_ICON


def categories(described: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Blocks grouped by category, categories in the order they first appear in the palette."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for block in described:
        groups.setdefault(block["category"], []).append(block)
    return list(groups.items())


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def category_label(category: str) -> str:
    return category.replace("_", " ").replace(".", " ").strip().capitalize()


def port_badge(port: dict[str, Any], direction: str) -> rx.Component:
    color = port["color"]
    optional = bool(port.get("optional"))
    hint = port.get("description") or port["type"]
    return rx.el.span(
        rx.el.span(
            class_name="port-dot",
            style={"background": color},
        ),
        rx.el.span(port["name"], style={"font_weight": "600"}),
        rx.el.span(port["type"], style={"opacity": "0.75"}),
        class_name="port-badge",
        title=f"{hint} (optional)" if optional else hint,
        style={
            "color": color,
            "background": f"color-mix(in srgb, {color} 10%, transparent)",
            "border": f"1px {'dashed' if optional else 'solid'} "
            f"color-mix(in srgb, {color} 35%, transparent)",
        },
        custom_attrs={
            "data-testid": "port",
            "data-direction": direction,
            "data-port": port["name"],
            "data-port-type": port["type"],
        },
    )


def ports_row(label: str, ports: list[dict[str, Any]], direction: str) -> rx.Component:
    return rx.flex(
        rx.text(label, size="1", weight="medium", color_scheme="gray", class_name="ports-label"),
        rx.flex(*[port_badge(p, direction) for p in ports], spacing="2", wrap="wrap"),
        align="start",
        spacing="3",
    )


def block_card(block: dict[str, Any], tint: str) -> rx.Component:
    rows = []
    if block["inputs"]:
        rows.append(ports_row("In", block["inputs"], "input"))
    if block["outputs"]:
        rows.append(ports_row("Out", block["outputs"], "output"))
    return rx.card(
        rx.flex(
            rx.flex(
                rx.center(
                    rx.icon(icon_name(block["icon"]), size=20),
                    class_name="block-icon",
                    style={"background": f"var(--{tint}-3)", "color": f"var(--{tint}-11)"},
                ),
                rx.flex(
                    rx.heading(block["title"], as_="h3", size="3", weight="bold"),
                    rx.code(block["id"], size="1", variant="ghost", color_scheme="gray"),
                    direction="column",
                    spacing="1",
                ),
                align="center",
                spacing="3",
            ),
            rx.text(block["description"], as_="p", size="2", color_scheme="gray"),
            rx.spacer(),
            rx.flex(*rows, direction="column", spacing="2", class_name="block-ports"),
            direction="column",
            spacing="3",
            height="100%",
        ),
        size="2",
        class_name="block-card",
        custom_attrs={"data-testid": "block-card", "data-block-id": block["id"]},
    )


def category_section(category: str, blocks: list[dict[str, Any]], tint: str) -> rx.Component:
    return rx.el.section(
        rx.flex(
            rx.heading(category_label(category), as_="h2", size="5", weight="bold"),
            rx.badge(str(len(blocks)), variant="soft", radius="full", color_scheme=tint),
            align="center",
            spacing="2",
            margin_bottom="16px",
        ),
        rx.grid(
            *[block_card(b, tint) for b in blocks],
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
        ),
        custom_attrs={"data-testid": "category", "data-category": category},
    )


def page() -> rx.Component:
    described = [block.describe() for block in CATALOGUE]
    groups = categories(described)
    return rx.box(
        app_header(),
        rx.el.main(
            rx.flex(
                rx.heading("Block catalogue", as_="h2", size="8", weight="bold"),
                rx.text(
                    f"{plural(len(described), 'block')} in {plural(len(groups), 'category')}. "
                    "Each block takes typed inputs and produces typed outputs; connect an "
                    "output to an input of the same colour to build a flow.",
                    size="3",
                    color_scheme="gray",
                    max_width="640px",
                ),
                direction="column",
                spacing="2",
                margin_bottom="32px",
            ),
            rx.flex(
                *[
                    category_section(c, bs, CATEGORY_COLORS[i % len(CATEGORY_COLORS)])
                    for i, (c, bs) in enumerate(groups)
                ],
                direction="column",
                spacing="8",
            ),
            max_width="1136px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )


STYLE: dict[str, Any] = {
    ".app": {"min_height": "100vh", "background": "var(--gray-2)"},
    ".app-header": {
        "position": "sticky",
        "top": "0",
        "z_index": "10",
        "background": "color-mix(in srgb, var(--color-panel-solid) 85%, transparent)",
        "backdrop_filter": "blur(8px)",
        "border_bottom": "1px solid var(--gray-a4)",
    },
    ".block-card": {"transition": "box-shadow 120ms ease, transform 120ms ease"},
    ".block-card:hover": {"box_shadow": "var(--shadow-3)", "transform": "translateY(-1px)"},
    ".block-icon": {
        "width": "40px",
        "height": "40px",
        "flex_shrink": "0",
        "border_radius": "var(--radius-3)",
    },
    ".ports-label": {
        "flex_shrink": "0",
        "width": "28px",
        "line_height": "26px",
        "text_transform": "uppercase",
        "letter_spacing": "0.04em",
    },
    ".port-badge": {
        "display": "inline-flex",
        "align_items": "center",
        "gap": "6px",
        "padding": "2px 10px",
        "border_radius": "9999px",
        "font_size": "12px",
        "line_height": "20px",
    },
    ".port-dot": {"width": "8px", "height": "8px", "border_radius": "9999px"},
}
