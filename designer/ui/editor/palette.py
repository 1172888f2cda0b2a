"""The palette: blocks grouped by category, with a search box; drag one out or click it.

By keyboard (assets/canvas/palette.js): Tab or the arrow keys move between the blocks, Enter
or Space adds the focused one to the middle of the canvas's view, and Enter in the search box
adds the first block that matches.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from designer.ui.blocks.catalogue import category_label, icon_name
from designer.ui.editor.state import EditorState
from designer.ui.editor.views import palette_groups

GROUPS = palette_groups()


class PaletteState(rx.State):
    """The palette's search box; the blocks themselves are static."""

    query: str = ""

    @rx.event
    def set_query(self, value: str) -> None:
        self.query = value[:100]

    @rx.var
    def hidden(self) -> list[str]:
        """Ids of blocks that do not match the search."""
        words = self.query.lower().split()
        if not words:
            return []
        return [
            block["id"]
            for group in GROUPS
            for block in group["blocks"]
            if not all(word in block["search"] for word in words)
        ]

    @rx.var
    def empty_categories(self) -> list[str]:
        hidden = set(self.hidden)
        return [g["category"] for g in GROUPS if all(b["id"] in hidden for b in g["blocks"])]


#: A focused palette item shows a ring, for people moving through the palette by keyboard.
FOCUS_RING = {
    "&:focus-visible": {
        "outline": "2px solid var(--accent-8)",
        "outline_offset": "-2px",
        "background": "var(--accent-3)",
    }
}


def _item(block: Any, icon: rx.Component, aria_label: Any, display: Any) -> rx.Component:
    """One palette entry; ``block`` is a palette dict (a built-in block's) or a Var of one (a
    person's block, from the state)."""
    return rx.tooltip(
        rx.el.div(
            rx.center(icon, class_name="palette-icon"),
            rx.text(block["title"], size="2", weight="medium", trim="both"),
            class_name="palette-item",
            draggable=True,
            tab_index=0,
            role="button",
            aria_label=aria_label,
            on_click=EditorState.add_block(block["id"]),
            display=display,
            style=FOCUS_RING,
            custom_attrs={
                "data-block-id": block["id"],
                "data-testid": "palette-item",
                # The search box's Enter picks the first match in the browser, by this text.
                "data-search": block["search"],
            },
        ),
        content=block["description"],
        side="right",
        delay_duration=400,
    )


def palette_item(block: dict[str, Any]) -> rx.Component:
    return _item(
        block,
        rx.icon(icon_name(block["icon"]), size=16),
        f"Add {block['title']}",
        rx.cond(PaletteState.hidden.contains(block["id"]), "none", "flex"),
    )


def palette_group(group: dict[str, Any]) -> rx.Component:
    return rx.box(
        rx.text(category_label(group["category"]), class_name="palette-category"),
        *[palette_item(b) for b in group["blocks"]],
        display=rx.cond(PaletteState.empty_categories.contains(group["category"]), "none", "block"),
    )


def own_item(block: rx.Var) -> rx.Component:
    """A person's block in the palette: as ``palette_item`` draws a built-in one."""
    return _item(
        block,
        rx.cond(block["icon"] == "code", rx.icon("code", size=16), rx.icon("package", size=16)),
        "Add " + block["title"].to(str),
        rx.cond(
            block["search"].to(str).contains(PaletteState.query.lower().strip()), "flex", "none"
        ),
    )


def own_group(group: rx.Var) -> rx.Component:
    """People's own blocks: "My blocks", each team's, "Shared with me"."""
    return rx.box(
        rx.text(group["group"], class_name="palette-category"),
        rx.foreach(group["blocks"].to(list[dict[str, Any]]), own_item),
        custom_attrs={"data-testid": "palette-own-group", "data-group": group["group"]},
    )


def palette() -> rx.Component:
    return rx.el.aside(
        rx.box(
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                placeholder="Search blocks",
                value=PaletteState.query,
                on_change=PaletteState.set_query,
                size="2",
                custom_attrs={"data-testid": "palette-search"},
            ),
            padding="12px",
        ),
        rx.scroll_area(
            rx.box(
                rx.foreach(EditorState.own_palette, own_group),
                *[palette_group(g) for g in GROUPS],
                padding="0 12px 16px",
            ),
            type="hover",
            scrollbars="vertical",
            style={"flex": "1", "min_height": "0"},
        ),
        rx.cond(
            PaletteState.hidden.length() == sum(len(g["blocks"]) for g in GROUPS),
            rx.text("No block matches.", size="2", color_scheme="gray", padding="0 16px"),
        ),
        rx.text(
            "Drag a block onto the canvas, or click it (or press Enter on it) to add it. Hover "
            "a block or a port to see what it does; new words are in the ",
            rx.link("glossary", href="/glossary", target="_blank"),
            ".",
            size="1",
            color_scheme="gray",
            class_name="palette-hint",
        ),
        class_name="editor-palette",
    )
