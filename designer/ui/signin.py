"""The sign-in and sign-up pages (``/signin``, ``/signup``).

Both are plain HTML forms posted to ``/auth/...`` (designer/api/auth.py), not websocket events:
only an HTTP response can set the HttpOnly session cookie. A failed attempt comes back as a
redirect to the form with the reason and the typed user name in the query string.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

from designer.ui.session import SessionState


class PostedForm(BaseHTML):
    """A plain HTML form that the browser posts itself.

    ``rx.el.form`` always handles submit in the page (it prevents the default even without an
    ``on_submit``); these forms must reach the server as a real navigation, whose response sets
    the HttpOnly cookie.
    """

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


class SignInFormState(rx.State):
    #: Every reason the last attempt failed, one a line (a sign-up reports all at once).
    error: str = ""
    username: str = ""
    display_name: str = ""
    next_path: str = ""

    @rx.event
    def load(self) -> None:
        query = self.router.url.query_parameters
        self.error = "\n".join(sentence(line) for line in query.get("error", "").splitlines())
        self.username = query.get("username", "")
        self.display_name = query.get("display_name", "")
        self.next_path = query.get("next", "")


def sentence(text: str) -> str:
    """``text`` with a capital first letter (the server's reasons start in lower case)."""
    return text[:1].upper() + text[1:]


def _field(label: str, name: str, kind: str = "text", **props: object) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="2", weight="medium"),
        rx.input(name=name, type=kind, size="3", width="100%", **props),
        display="flex",
        flex_direction="column",
        gap="6px",
        width="100%",
    )


def _card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.flex(
                rx.flex(
                    rx.image(src="/logo.svg", alt="", width="36px", height="36px"),
                    rx.heading(title, as_="h1", size="6"),
                    rx.text(subtitle, size="2", color_scheme="gray"),
                    direction="column",
                    align="center",
                    spacing="2",
                ),
                rx.cond(
                    SignInFormState.error != "",
                    rx.callout(
                        SignInFormState.error,
                        icon="circle_alert",
                        color_scheme="red",
                        size="1",
                        width="100%",
                        white_space="pre-line",
                        custom_attrs={"data-testid": "signin-error"},
                    ),
                ),
                *children,
                direction="column",
                align="center",
                spacing="4",
                width="100%",
            ),
            size="4",
            width="400px",
            max_width="calc(100vw - 32px)",
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )


def _username_field(test_id: str) -> rx.Component:
    return _field(
        "User name",
        "username",
        default_value=SignInFormState.username,
        auto_complete="username",
        required=True,
        auto_focus=True,
        custom_attrs={"data-testid": test_id},
    )


def _account_form(action: str, submit: str, test_id: str, *fields: rx.Component) -> rx.Component:
    """A form posted to ``action``, carrying where to go afterwards, with its submit button."""
    return PostedForm.create(
        *fields,
        rx.el.input(type="hidden", name="next", value=SignInFormState.next_path),
        rx.button(
            submit, type="submit", size="3", width="100%", custom_attrs={"data-testid": test_id}
        ),
        action=action,
        method="post",
        style={"display": "flex", "flexDirection": "column", "gap": "14px", "width": "100%"},
    )


def sign_in_page() -> rx.Component:
    return _card(
        "Sign in",
        "to your machine-learning flows",
        _account_form(
            "/auth/sign-in",
            "Sign in",
            "signin-submit",
            _username_field("signin-username"),
            _field(
                "Password",
                "password",
                "password",
                auto_complete="current-password",
                required=True,
                custom_attrs={"data-testid": "signin-password"},
            ),
        ),
        rx.cond(
            SessionState.sso_name != "",
            rx.flex(
                rx.separator(size="4"),
                rx.link(
                    rx.button(
                        "Sign in with " + SessionState.sso_name,
                        variant="outline",
                        size="3",
                        width="100%",
                        type="button",
                    ),
                    href="/auth/oidc/start?next=" + SignInFormState.next_path,
                    width="100%",
                    custom_attrs={"data-testid": "signin-sso"},
                ),
                direction="column",
                spacing="3",
                width="100%",
            ),
        ),
        rx.text(
            "New here? ",
            rx.link("Create an account", href="/signup", custom_attrs={"data-testid": "to-signup"}),
            size="2",
        ),
    )


def sign_up_page() -> rx.Component:
    return _card(
        "Create an account",
        "The first account on a new designer becomes its admin.",
        _account_form(
            "/auth/sign-up",
            "Create account",
            "signup-submit",
            _username_field("signup-username"),
            _field(
                "Your name (shown to teammates)",
                "display_name",
                default_value=SignInFormState.display_name,
                auto_complete="name",
                custom_attrs={"data-testid": "signup-name"},
            ),
            _field(
                "Password (8 characters or more)",
                "password",
                "password",
                auto_complete="new-password",
                required=True,
                custom_attrs={"data-testid": "signup-password"},
            ),
            _field(
                "Password again",
                "confirm",
                "password",
                auto_complete="new-password",
                required=True,
                custom_attrs={"data-testid": "signup-confirm"},
            ),
        ),
        rx.text("Have an account? ", rx.link("Sign in", href="/signin"), size="2"),
    )
