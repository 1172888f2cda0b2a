"""The frame of a page that shows one saved thing (a dataset, a block): the link back to the
list it belongs to, and the thing once read, a spinner until then, or why it could not be."""

from __future__ import annotations

import reflex as rx


def back_link(label: str, href: str, testid: str, margin_bottom: str = "16px") -> rx.Component:
    """ "← Datasets": back to the list."""
    return rx.link(
        rx.flex(rx.icon("arrow_left", size=14), label, align="center", gap="4px"),
        href=href,
        size="2",
        color_scheme="gray",
        margin_bottom=margin_bottom,
        display="inline-block",
        custom_attrs={"data-testid": testid},
    )


def once_loaded(
    view: rx.Component, *, loaded: rx.Var, error: rx.Var, error_testid: str
) -> rx.Component:
    """``view`` once ``loaded``; the reason instead while ``error`` holds one."""
    return rx.cond(
        error != "",
        rx.callout(
            error,
            icon="triangle_alert",
            color_scheme="red",
            custom_attrs={"data-testid": error_testid},
        ),
        rx.cond(loaded, view, rx.center(rx.spinner(size="3"), padding="64px")),
    )
