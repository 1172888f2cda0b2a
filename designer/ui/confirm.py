"""The one confirmation dialog for actions that cannot be undone (delete a flow or a dataset,
remove a team template): what will happen, Cancel, and a red button that does it."""

from __future__ import annotations

from typing import Any

import reflex as rx


def confirm_dialog(
    *,
    title: str,
    description: rx.Var | str,
    confirm: rx.Var | str,
    on_confirm: Any,
    on_cancel: Any,
    open: rx.Var,
    testid: str,
    extra: tuple[rx.Component, ...] = (),
) -> rx.Component:
    """Open while ``open`` holds; ``extra`` goes between the description and the buttons."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            *extra,
            rx.flex(
                rx.button(
                    "Cancel",
                    variant="soft",
                    color_scheme="gray",
                    on_click=on_cancel,
                    custom_attrs={"data-testid": f"{testid}-cancel"},
                ),
                rx.button(
                    confirm,
                    color_scheme="red",
                    on_click=on_confirm,
                    custom_attrs={"data-testid": testid},
                ),
                justify="end",
                spacing="2",
                margin_top="16px",
            ),
            max_width="460px",
        ),
        open=open,
    )
