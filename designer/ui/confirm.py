"""The one confirmation dialog for actions that cannot be undone (delete a flow, a dataset or a
block, remove a team template): what will happen, Cancel, and a red button that does it.

Deleting a dataset or a block that flows use asks twice: the first "Delete" comes back with
the flows it would leave without it, shown by ``confirm_note``, and the button turns into
"Delete anyway" (``delete_label``).
"""

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


def confirm_note(message: rx.Var, testid: str, color: str = "amber") -> rx.Component:
    """A callout for ``extra``, shown while ``message`` holds text: why the action wants a
    second yes (flows use the thing), or why it failed."""
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle_alert",
            color_scheme=color,
            size="1",
            margin_top="12px",
            custom_attrs={"data-testid": testid},
        ),
    )


def delete_label(in_use: rx.Var) -> rx.Var:
    """ "Delete", or "Delete anyway" once the first try said what uses the thing."""
    return rx.cond(in_use != "", "Delete anyway", "Delete")
