"""The session cookie: its name and flags, and who a request is signed in as.

The cookie is HttpOnly (page scripts cannot read it), SameSite=Lax (other sites cannot make a
browser send it with their form posts) and Secure whenever the designer is reached over HTTPS:
``DESIGNER_PUBLIC_URL`` says so, or the connection is TLS, or a trusted proxy's
``X-Forwarded-Proto`` says the browser used HTTPS (``designer.api.client``). Pages of other
origins on the same site still get the cookie sent; ``designer.api.origins`` refuses them.
API clients may send the same token as ``Authorization: Bearer <token>`` instead.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from designer.api import client
from designer.auth import signin
from designer.settings import Settings, load_settings
from designer.store.access import Actor
from designer.store.db import engine_for

SESSION_COOKIE = "designer_session"


def token_from_cookie_header(header: str | None) -> str | None:
    """The session token in a raw ``Cookie:`` header (how the page's websocket sees it)."""
    if not header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed cookie header is nobody, not an error page
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def request_token(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


async def request_actor(request: Request) -> Actor | None:
    """Who sent the request, from its session cookie or bearer token; None for nobody."""
    token = request_token(request)
    if token is None:
        return None
    url = load_settings().database_url
    # engine_for may connect (and migrate) the first time: never on the event loop.
    return await run_in_threadpool(lambda: signin.actor_for(engine_for(url), token))


def set_session_cookie(
    response: Response, request: Request, token: str, settings: Settings
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_days * 86400),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, settings),
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, settings),
    )


def is_https(request: Request, settings: Settings) -> bool:
    return client.is_https(request, settings)


def public_url(request: Request, settings: Settings) -> str:
    """The address people reach the designer at: the setting, else as this request reached it
    (through a trusted proxy's forwarded scheme and host)."""
    if settings.public_url:
        return settings.public_url
    scheme = "https" if client.is_https(request, settings) else "http"
    host = client.request_host(request, settings) or request.url.netloc
    return f"{scheme}://{host}{request.base_url.path}".rstrip("/")
