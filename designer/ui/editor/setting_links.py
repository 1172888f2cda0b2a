"""Beside a block's settings: the link that lets a flow parameter give a setting its value,
and the switch that lets runs reuse the block's earlier result."""

from __future__ import annotations

import reflex as rx

from designer.ui.editor.properties_state import PropertiesState
from designer.ui.editor.state import EditorState


def link_menu(field: rx.Var) -> rx.Component:
    """The link beside a setting: take its value from a flow parameter, or stop doing so."""
    links = PropertiesState.param_links[field["name"].to(str)]
    linked = links["linked"].to(str)
    return rx.cond(
        links["linkable"].to(bool) & ~EditorState.read_only,
        rx.dropdown_menu.root(
            rx.dropdown_menu.trigger(
                rx.icon_button(
                    rx.icon("link", size=12),
                    size="1",
                    variant=rx.cond(linked != "", "soft", "ghost"),
                    color_scheme=rx.cond(linked != "", "blue", "gray"),
                    aria_label="Link to a flow parameter",
                    title="Link to a flow parameter",
                    custom_attrs={"data-testid": "param-link", "data-param": field["name"]},
                )
            ),
            rx.dropdown_menu.content(
                rx.cond(
                    linked != "",
                    rx.dropdown_menu.item(
                        "Unlink from " + linked,
                        on_click=PropertiesState.unlink_setting(field["name"]),
                        custom_attrs={"data-testid": "unlink-setting"},
                    ),
                    rx.fragment(
                        rx.foreach(
                            links["params"].to(list[str]),
                            lambda name: rx.dropdown_menu.item(
                                "Use parameter " + name,
                                on_click=PropertiesState.link_setting(field["name"], name),
                                custom_attrs={"data-testid": "link-param", "data-name": name},
                            ),
                        ),
                        rx.dropdown_menu.item(
                            "New parameter from this setting",
                            on_click=PropertiesState.new_param_from_setting(field["name"]),
                            custom_attrs={"data-testid": "new-param-from-setting"},
                        ),
                    ),
                ),
            ),
        ),
    )


def cache_switch() -> rx.Component:
    """Whether runs may reuse this block's earlier result (``Node.cache``): a run option, not
    one of the block's settings, so it stands apart from them."""
    return rx.box(
        rx.separator(size="4", margin_bottom="12px"),
        rx.flex(
            rx.text("Reuse earlier results (cache)", size="2", weight="medium"),
            rx.switch(
                checked=PropertiesState.node_cache,
                on_change=PropertiesState.set_node_cache,
                disabled=EditorState.read_only,
                custom_attrs={"data-testid": "node-cache"},
            ),
            justify="between",
            align="center",
            margin_bottom="4px",
        ),
        rx.text(
            "When a run gives this block the same inputs and settings as an earlier run, the "
            "earlier result is used instead of running it again. Turn off for a block that must "
            "run every time.",
            size="1",
            color_scheme="gray",
        ),
    )
