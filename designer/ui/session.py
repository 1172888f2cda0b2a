"""Who is signed in, as the pages see it: read from the session cookie on the page's websocket.

The cookie is HttpOnly, so page scripts never see it; the browser sends it with the websocket
handshake, and Reflex hands those headers to state handlers (never to the browser). Handlers
call ``actor_of(self)`` and pass the result to the store, which decides what they may do.
"""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from designer.api.session import token_from_cookie_header
from designer.auth import signin
from designer.store.access import Actor
from designer.ui.context import database, settings


def actor_of(state: rx.State) -> Actor | None:
    """The person signed in on the page ``state`` belongs to, or None."""
    token = token_from_cookie_header(state.router.headers.cookie)
    return signin.actor_for(database(), token) if token else None


def sign_in_url(path: str) -> str:
    """The sign-in page, remembering ``path`` (the static server may add a trailing slash)."""
    path = path.rstrip("/")
    return f"/signin?next={quote(path, safe='/')}" if path else "/signin"


class SessionState(rx.State):
    """The signed-in person's name for the header, and the sign-in guard of every page."""

    user_name: str = ""
    display_name: str = ""
    is_admin: bool = False
    sso_name: str = ""

    @rx.event
    def require_sign_in(self):
        """Send people who are not signed in to the sign-in page, remembering where they were."""
        actor = actor_of(self)
        if actor is None:
            self.user_name = self.display_name = ""
            return rx.redirect(sign_in_url(self.router.url.path))
        self.user_name = actor.username
        self.display_name = actor.display_name
        self.is_admin = actor.is_admin
        return None

    @rx.event
    def load_sign_in_page(self):
        """The sign-in page: straight on for someone already signed in."""
        current = settings()
        self.sso_name = current.oidc.display_name if current.oidc is not None else ""
        if actor_of(self) is not None:
            return rx.redirect("/")
        return None
