"""The Blocks page (``/blocks``): the person's own blocks first, then every built-in block,
grouped by palette category, each with its typed ports; one search box filters them all.

"New block" opens the block editor (``/blocks/new``); "Import component" reads a KFP
component file into a block (``designer.ui.blocks.importing``).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.components.lucide.icon import LUCIDE_ICON_LIST
from reflex.utils.format import to_snake_case

from blocks import CATALOGUE
from designer.ui.blocks.catalogue_state import BlocksState
from designer.ui.blocks.importing import ImportState, import_dialog
from designer.ui.blocks.parts import (
    DOT,
    block_heading,
    card_head,
    icon_tile,
    kubeflow_badge,
    ports_lines,
    ref_code,
    small_note,
)
from designer.ui.shell import app_header

#: How long the search box waits after the last key before it filters.
SEARCH_DEBOUNCE_MS = 250

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


def block_card(block: dict[str, Any], tint: str) -> rx.Component:
    """A built-in block's card, hidden while the search box filters it out."""
    return rx.card(
        rx.flex(
            card_head(
                icon_tile(icon_name(block["icon"]), tint),
                block_heading(block["title"]),
                ref_code(block["id"]),
            ),
            rx.text(block["description"], as_="p", size="2", color_scheme="gray"),
            rx.spacer(),
            ports_lines(rx.Var.create(block["inputs"]), rx.Var.create(block["outputs"])),
            direction="column",
            spacing="3",
            height="100%",
        ),
        size="2",
        class_name=rx.cond(
            BlocksState.builtin_shown.contains(block["id"]), "block-card", "block-card bc-hidden"
        ),
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
        class_name=rx.cond(BlocksState.categories_shown.contains(category), "", "bc-hidden"),
        custom_attrs={"data-testid": "category", "data-category": category},
    )


def my_block_card(card: rx.Var) -> rx.Component:
    """A block of the person's own, or shared with them: it opens in the block editor."""
    packages = card["packages"].to(str)
    return rx.card(
        rx.flex(
            card_head(
                icon_tile(rx.cond(card["kind"] == "Component", "package", "code")),
                rx.link(
                    block_heading(card["title"].to(str)),
                    href=card["href"].to(str),
                    color_scheme="gray",
                    high_contrast=True,
                    custom_attrs={"data-testid": "open-block"},
                ),
                ref_code(card["ref"].to(str)),
            ),
            rx.flex(
                rx.badge(card["version"].to(str), variant="soft", color_scheme="gray", size="1"),
                rx.badge(
                    card["kind"].to(str),
                    variant="soft",
                    color_scheme="iris",
                    size="1",
                    custom_attrs={"data-testid": "block-kind"},
                ),
                rx.badge(
                    card["category"].to(str), variant="outline", color_scheme="gray", size="1"
                ),
                kubeflow_badge(card["kubeflow_only"].to(bool)),
                small_note(card["owner"].to(str), card["owner"].to(str) != "", "block-owner"),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                card["description"].to(str) != "",
                rx.text(
                    card["description"].to(str),
                    as_="p",
                    size="2",
                    color_scheme="gray",
                    class_name="clamped",
                ),
            ),
            rx.spacer(),
            ports_lines(card["inputs"], card["outputs"]),
            small_note("Installs " + packages, packages != "", "block-packages"),
            direction="column",
            spacing="3",
            height="100%",
        ),
        size="2",
        class_name="block-card",
        custom_attrs={"data-testid": "my-block-card", "data-block-id": card["id"].to(str)},
    )


def my_blocks_section() -> rx.Component:
    searching = BlocksState.query != ""
    return rx.el.section(
        rx.flex(
            rx.heading("My blocks", as_="h2", size="5", weight="bold"),
            rx.badge(
                BlocksState.mine_shown.length().to(str),
                variant="soft",
                radius="full",
                color_scheme="iris",
            ),
            align="center",
            spacing="2",
            margin_bottom="16px",
        ),
        rx.cond(
            BlocksState.error != "",
            rx.callout(BlocksState.error, icon="triangle_alert", color_scheme="red"),
            rx.cond(
                ~BlocksState.loaded,
                rx.center(rx.spinner(size="3"), padding="32px"),
                rx.cond(
                    BlocksState.mine_shown.length() > 0,
                    rx.grid(
                        rx.foreach(BlocksState.mine_shown, my_block_card),
                        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                        spacing="4",
                    ),
                    rx.card(
                        rx.text(
                            rx.cond(
                                searching,
                                "None of your blocks matches “" + BlocksState.query + "”.",
                                "You have no blocks of your own yet. “New block” writes one as a "
                                "Python function; “Import component” brings a Kubeflow Pipelines "
                                "component file. Blocks shared with you show here too.",
                            ),
                            size="2",
                            color_scheme="gray",
                        ),
                        size="2",
                        custom_attrs={"data-testid": "no-my-blocks"},
                    ),
                ),
            ),
        ),
        custom_attrs={"data-testid": "my-blocks"},
    )


def toolbar() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=15)),
            value=BlocksState.query,
            on_change=BlocksState.search,
            debounce_timeout=SEARCH_DEBOUNCE_MS,
            placeholder="Search blocks, ports, packages",
            max_length=200,
            width="300px",
            custom_attrs={"data-testid": "block-search", "type": "search"},
        ),
        rx.flex(
            rx.button(
                rx.icon("file_up", size=15),
                "Import component",
                variant="soft",
                color_scheme="gray",
                on_click=ImportState.open_dialog,
                custom_attrs={"data-testid": "import-component"},
            ),
            rx.link(
                rx.button(rx.icon("plus", size=15), "New block"),
                href="/blocks/new",
                custom_attrs={"data-testid": "new-block"},
            ),
            spacing="2",
            align="center",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="12px",
        margin_bottom="28px",
    )


def page() -> rx.Component:
    described = [block.describe() for block in CATALOGUE]
    groups = categories(described)
    return rx.box(
        app_header(),
        rx.el.main(
            rx.flex(
                rx.heading("Blocks", as_="h2", size="8", weight="bold"),
                rx.text(
                    f"{plural(len(described), 'built-in block')} in "
                    f"{plural(len(groups), 'category')}, and the blocks you write or import. "
                    "Each block takes typed inputs and produces typed outputs; connect an "
                    "output to an input of the same colour to build a flow.",
                    size="3",
                    color_scheme="gray",
                    max_width="640px",
                ),
                direction="column",
                spacing="2",
                margin_bottom="24px",
            ),
            toolbar(),
            rx.flex(
                my_blocks_section(),
                rx.flex(
                    rx.heading("Built-in blocks", as_="h2", size="6", weight="bold"),
                    *[
                        category_section(c, bs, CATEGORY_COLORS[i % len(CATEGORY_COLORS)])
                        for i, (c, bs) in enumerate(groups)
                    ],
                    rx.cond(
                        BlocksState.builtin_shown.length() == 0,
                        rx.text(
                            "No built-in block matches “" + BlocksState.query + "”.",
                            size="2",
                            color_scheme="gray",
                            custom_attrs={"data-testid": "no-builtin-blocks"},
                        ),
                    ),
                    direction="column",
                    spacing="6",
                ),
                direction="column",
                spacing="8",
            ),
            import_dialog(),
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
    # The editor's properties panel draws its ports' dots by this rule.
    ".port-dot": DOT,
    # A card or category the search box filtered out.
    ".bc-hidden": {"display": "none !important"},
    ".clamped": {
        "display": "-webkit-box",
        "-webkit-line-clamp": "3",
        "-webkit-box-orient": "vertical",
        "overflow": "hidden",
    },
}
