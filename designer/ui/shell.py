"""The header shared by the flows list and the block catalogue."""

from __future__ import annotations

import reflex as rx

NAV = (("My flows", "/"), ("Blocks", "/blocks"))


def app_header() -> rx.Component:
    return rx.el.header(
        rx.flex(
            rx.flex(
                rx.link(
                    rx.flex(
                        rx.image(src="/logo.svg", alt="", width="28px", height="28px"),
                        rx.heading("Designer", as_="h1", size="5", weight="bold"),
                        align="center",
                        spacing="3",
                    ),
                    href="/",
                    color_scheme="gray",
                    high_contrast=True,
                    underline="none",
                ),
                rx.flex(
                    *[
                        rx.link(label, href=href, size="2", color_scheme="gray", weight="medium")
                        for label, href in NAV
                    ],
                    spacing="4",
                    margin_left="24px",
                ),
                align="center",
            ),
            rx.text(
                "Machine-learning flows from prebuilt blocks",
                size="2",
                color_scheme="gray",
                display=rx.breakpoints(initial="none", sm="block"),
            ),
            justify="between",
            align="center",
            max_width="1136px",
            margin="0 auto",
            padding_x="24px",
            height="60px",
        ),
        class_name="app-header",
    )
