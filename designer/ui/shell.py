"""The header shared by every page but the editor (which has its own bar): the way around,
the appearance menu, and who is signed in."""

from __future__ import annotations

import reflex as rx

from designer.ui.session import SessionState
from designer.ui.signin import PostedForm
from designer.ui.theme_menu import theme_menu

NAV = (
    ("Flows", "/"),
    ("Templates", "/gallery"),
    ("Datasets", "/datasets"),
    ("Models", "/models"),
    ("Teams", "/teams"),
    ("Blocks", "/blocks"),
    ("Audit", "/audit"),
)


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
            rx.flex(theme_menu(), user_menu(), align="center", spacing="4"),
            justify="between",
            align="center",
            max_width="1136px",
            margin="0 auto",
            padding_x="24px",
            height="60px",
        ),
        class_name="app-header",
    )


def user_menu() -> rx.Component:
    """Who is signed in, and the way out (a form post: signing out changes server state)."""
    return rx.cond(
        SessionState.user_name != "",
        rx.flex(
            rx.cond(SessionState.is_admin, rx.badge("admin", color_scheme="amber", size="1")),
            rx.text(
                SessionState.display_name,
                size="2",
                weight="medium",
                custom_attrs={"data-testid": "signed-in-as"},
            ),
            PostedForm.create(
                rx.button(
                    "Sign out",
                    type="submit",
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                    custom_attrs={"data-testid": "sign-out"},
                ),
                action="/auth/sign-out",
                method="post",
            ),
            align="center",
            spacing="3",
        ),
    )
