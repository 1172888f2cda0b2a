"""Sign-in endpoints for the browser: form posts and OpenID Connect redirects.

The sign-in and sign-up pages post plain HTML forms here; the answer is a redirect that sets or
clears the session cookie, back to the page the person wanted (or to the form with the reason it
failed). Only this HTTP layer can set an HttpOnly cookie: the pages' websocket cannot.

The form posts are refused with a 403 page when they come from a page of another origin
(``designer.api.origins``): signing someone in to the attacker's account (to collect what they
then upload) or signing them out needs no password, only a form on another page. The address
that sign-in throttling counts is the client's, through trusted proxies only
(``designer.api.client``).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import urlencode

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from designer.api.client import client_address
from designer.api.origins import foreign_origin, refusal
from designer.api.session import (
    clear_session_cookie,
    public_url,
    request_token,
    set_session_cookie,
)
from designer.auth import signin
from designer.auth.oidc import OidcClient, OidcError, PendingLogin
from designer.auth.passwords import WeakPassword
from designer.ops import metrics
from designer.settings import Settings, load_settings
from designer.store import accounts, audit
from designer.store import signin as signin_store
from designer.store.db import StoreError, StoreUnavailable, engine_for, public_message

CALLBACK_PATH = "/auth/oidc/callback"

log = logging.getLogger(__name__)

FormHandler = Callable[[Request], Awaitable[Response]]


def same_origin_form(handler: FormHandler) -> FormHandler:
    """Answer a form posted from another origin's page with a 403 page saying why."""

    @wraps(handler)
    async def checked(request: Request) -> Response:
        origin = foreign_origin(request, load_settings())
        if origin is None:
            return await handler(request)
        log.warning("refused %s posted from another origin: %s", request.url.path, origin)
        return _refused_page(refusal(origin, "This form"))

    return checked


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site's URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@same_origin_form
async def sign_in(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))
    target = safe_next(str(form.get("next", "")))
    settings = load_settings()
    address = client_address(request, settings)
    password = str(form.get("password", ""))
    try:
        done = await run_in_threadpool(
            lambda: signin.sign_in(
                engine_for(settings.database_url), settings, username, password, address
            )
        )
    except (signin.SignInFailed, signin.TooManyAttempts, StoreError) as exc:
        metrics.sign_in("password", exc)
        return _back("/signin", _said(exc), target, username=username)
    metrics.sign_in("password")
    return _signed_in(request, settings, done.token, target)


@same_origin_form
async def sign_up(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))
    target = safe_next(str(form.get("next", "")))
    settings = load_settings()
    try:
        done = await run_in_threadpool(
            lambda: signin.sign_up(  # engine_for below runs in the threadpool too
                engine_for(settings.database_url),
                settings,
                username,
                str(form.get("password", "")),
                confirm=str(form.get("confirm", "")),
                display_name=str(form.get("display_name", "")),
            )
        )
    except (signin.SignUpRefused, WeakPassword, StoreError) as exc:
        # What was typed goes back to the form (never the passwords).
        shown = str(form.get("display_name", ""))
        return _back("/signup", _said(exc), target, username=username, display_name=shown)
    return _signed_in(request, settings, done.token, target)


@same_origin_form
async def sign_out(request: Request) -> Response:
    settings = load_settings()
    token = request_token(request)
    # The cookie goes whatever happens; a session the database could not end expires anyway.
    with contextlib.suppress(StoreError):
        await run_in_threadpool(lambda: signin.sign_out(engine_for(settings.database_url), token))
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(response, request, settings)
    return response


async def oidc_start(request: Request) -> Response:
    settings = load_settings()
    target = safe_next(request.query_params.get("next"))
    if settings.oidc is None:
        return _back("/signin", "single sign-on is not set up on this designer", target)
    client = _client(settings)
    redirect_uri = public_url(request, settings) + CALLBACK_PATH
    try:
        url, pending = await run_in_threadpool(client.begin, redirect_uri)
    except OidcError as exc:
        return _back("/signin", str(exc), target)
    saved = json.dumps({"pending": pending.to_json(), "next": target})
    try:
        await run_in_threadpool(
            lambda: signin_store.save_pending_login(
                engine_for(settings.database_url), pending.state, saved
            )
        )
    except StoreError as exc:
        return _back("/signin", _said(exc), target)
    return RedirectResponse(url, status_code=302)


async def oidc_callback(request: Request) -> Response:
    settings = load_settings()
    if settings.oidc is None:
        return _back("/signin", "single sign-on is not set up on this designer", "/")
    state = request.query_params.get("state", "")
    try:
        engine = await run_in_threadpool(engine_for, settings.database_url)
        saved = await run_in_threadpool(signin_store.take_pending_login, engine, state)
    except StoreError as exc:
        return _back("/signin", _said(exc), "/")
    if saved is None:
        return _back(
            "/signin", "that sign-in took too long or was already used: please sign in again", "/"
        )
    data = json.loads(saved)
    target = safe_next(data.get("next"))
    try:
        identity = await run_in_threadpool(
            _client(settings).finish,
            PendingLogin.from_json(data["pending"]),
            dict(request.query_params),
        )
        actor = await run_in_threadpool(
            lambda: accounts.user_for_oidc(
                engine,
                identity.issuer,
                identity.subject,
                username_hint=identity.preferred_username,
                display_name=identity.name,
                email=identity.email,
            )
        )
        done = await run_in_threadpool(signin.start_session, engine, settings, actor)
    except (OidcError, StoreError) as exc:
        metrics.sign_in("oidc", exc)
        await run_in_threadpool(_note_oidc_refusal, engine, client_address(request, settings), exc)
        return _back("/signin", _said(exc), target)
    metrics.sign_in("oidc")
    return _signed_in(request, settings, done.token, target)


def _note_oidc_refusal(engine: Engine, address: str, exc: Exception) -> None:
    """Put a refused single sign-on in the audit log (who it was is often unknown by then)."""
    reason = "".join(c for c in _said(exc) if c.isprintable())[:200]
    detail = {"method": "oidc", "address": address[:90], "reason": reason}
    try:
        audit.record_event(engine, None, "sign_in_refused", "user", "oidc", "", detail=detail)
    except StoreError:
        log.warning("could not put a refused single sign-on in the audit log")


_clients: dict[object, OidcClient] = {}


def _client(settings: Settings) -> OidcClient:
    """One client per provider configuration, so its discovery document is cached."""
    assert settings.oidc is not None
    client = _clients.get(settings.oidc)
    if client is None:
        client = _clients[settings.oidc] = OidcClient(settings.oidc)
    return client


def _signed_in(request: Request, settings: Settings, token: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token, settings)
    return response


def _said(exc: Exception) -> str:
    """What the form shows for ``exc``; where the database is stays in the log."""
    if isinstance(exc, StoreUnavailable):
        log.warning("sign-in cannot reach the database: %s", exc)
    return public_message(exc) if isinstance(exc, StoreError) else str(exc)


def _refused_page(message: str) -> Response:
    """A plain page (no script, nothing from the request but the escaped origin)."""
    body = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Refused</title></head>'
        '<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">'
        f"<h1>Refused</h1><p>{html.escape(message)}.</p>"
        '<p><a href="/signin">Go to the sign-in page</a></p></body></html>'
    )
    return HTMLResponse(body, status_code=403)


def _back(page: str, error: str, target: str, **fields: str) -> Response:
    query = {"error": error, **({"next": target} if target != "/" else {}), **fields}
    return RedirectResponse(f"{page}?{urlencode(query)}", status_code=303)


ROUTES = [
    Route("/auth/sign-in", sign_in, methods=["POST"]),
    Route("/auth/sign-up", sign_up, methods=["POST"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
    Route("/auth/oidc/start", oidc_start, methods=["GET"]),
    Route(CALLBACK_PATH, oidc_callback, methods=["GET"]),
]
