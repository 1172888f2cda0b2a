"""Light, dark or the computer's setting: the appearance menu in every page's top bar.

Reflex keeps the choice in the browser (``localStorage["theme"]``) and puts ``light`` or
``dark`` on the page's root, which switches every Radix colour (``var(--gray-*)``,
``var(--accent-*)``...) the pages and the canvas are drawn with. "Match the computer" follows
the system's ``prefers-color-scheme``, also when it changes while the page is open.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.style import set_color_mode

#: (mode, label, icon) in the menu's order.
MODES = (
    ("light", "Light", "sun"),
    ("dark", "Dark", "moon"),
    ("system", "Match the computer", "monitor"),
)


def _item(mode: str, label: str, icon: str) -> rx.Component:
    return rx.dropdown_menu.item(
        rx.flex(
            rx.icon(icon, size=15),
            rx.text(label, size="2"),
            rx.spacer(),
            rx.cond(rx.color_mode == mode, rx.icon("check", size=15)),
            align="center",
            spacing="2",
            width="100%",
        ),
        on_click=set_color_mode(mode),  # type: ignore[arg-type]
        custom_attrs={"data-testid": f"theme-{mode}", "data-mode": mode},
    )


def theme_menu() -> rx.Component:
    """An icon button (sun, moon or screen: what is chosen) opening the three choices."""
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.match(
                    rx.color_mode,
                    ("light", rx.icon("sun", size=16)),
                    ("dark", rx.icon("moon", size=16)),
                    rx.icon("monitor", size=16),
                ),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label="Appearance: light, dark or match the computer",
                title="Appearance",
                custom_attrs={"data-testid": "theme-menu", "data-mode": rx.color_mode},
            )
        ),
        rx.dropdown_menu.content(
            *[_item(mode, label, icon) for mode, label, icon in MODES],
            align="end",
        ),
    )
