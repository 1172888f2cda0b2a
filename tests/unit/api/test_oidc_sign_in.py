"""Single sign-on through the designer's own endpoints, against a real OIDC provider on loopback.

The provider (tests/fixtures/oidc_provider.py) checks PKCE, the client secret and the redirect
address, and signs real ID tokens; the designer's /auth/oidc/start and /auth/oidc/callback
routes run for real against a SQLite database. Only the browser is played by the test: it
follows the redirects by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from designer.api.app import build_app
from designer.api.session import SESSION_COOKIE
from designer.auth import signin
from designer.settings import load_settings
from designer.store.access import Actor
from designer.store.audit import AuditFilter, list_events
from designer.store.db import engine_for
from tests.fixtures.oidc_provider import OidcProvider

CALLBACK = "http://testserver/auth/oidc/callback"
SECRET = "a-client-secret-for-tests-0123456789"


@pytest.fixture
def provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcProvider]:
    with OidcProvider(client_id="designer", client_secret=SECRET, redirect_uris=[CALLBACK]) as idp:
        monkeypatch.setenv("DESIGNER_HOME", str(tmp_path))
        monkeypatch.delenv("DESIGNER_DATABASE_URL", raising=False)
        monkeypatch.delenv("DESIGNER_PUBLIC_URL", raising=False)
        monkeypatch.setenv("DESIGNER_OIDC_ISSUER", idp.issuer)
        monkeypatch.setenv("DESIGNER_OIDC_CLIENT_ID", "designer")
        monkeypatch.setenv("DESIGNER_OIDC_CLIENT_SECRET", SECRET)
        idp.user = {
            "sub": "subject-42",
            "email": "grace@example.com",
            "email_verified": True,
            "name": "Grace Hopper",
            "preferred_username": "grace",
        }
        yield idp


def sign_in_through(
    provider: OidcProvider, client: TestClient, next_path: str = "/"
) -> httpx.Response:
    """Go to /auth/oidc/start, let the provider approve, come back to the callback."""
    start = client.get("/auth/oidc/start", params={"next": next_path}, follow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(provider.issuer)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    approved = httpx.get(authorize, follow_redirects=False)
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_first_sign_in_creates_the_account_and_a_session(provider: OidcProvider) -> None:
    client = TestClient(build_app())
    done = sign_in_through(provider, client, next_path="/flows/abc")
    assert done.status_code == 303
    assert done.headers["location"] == "/flows/abc"
    cookie = done.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = done.cookies[SESSION_COOKIE]
    engine = engine_for(load_settings().database_url)
    actor = signin.actor_for(engine, token)
    assert actor is not None
    assert (actor.username, actor.display_name) == ("grace", "Grace Hopper")
    # The token exchange really carried the PKCE verifier.
    assert provider.last_token_request is not None
    assert provider.last_token_request.form.get("code_verifier")

    again = sign_in_through(provider, TestClient(build_app()))
    second = signin.actor_for(engine, again.cookies[SESSION_COOKIE])
    assert second is not None and second.id == actor.id  # the same person, not a new account


def test_a_callback_cannot_be_replayed(provider: OidcProvider) -> None:
    client = TestClient(build_app())
    start = client.get("/auth/oidc/start", follow_redirects=False)
    approved = httpx.get(start.headers["location"], follow_redirects=False)
    back = urlsplit(approved.headers["location"])
    first = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert first.status_code == 303 and SESSION_COOKIE in first.cookies
    replay = TestClient(build_app()).get(f"{back.path}?{back.query}", follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/signin?error=")
    assert SESSION_COOKIE not in replay.cookies


def test_a_refusal_at_the_provider_comes_back_as_a_message(provider: OidcProvider) -> None:
    provider.user = None  # the person declines at the provider
    done = sign_in_through(provider, TestClient(build_app()))
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith("/signin?error=")
    assert "access_denied" in parse_qs(urlsplit(location).query)["error"][0]
    # The refusal is in the audit log, with the provider's reason and never the secret.
    engine = engine_for(load_settings().database_url)
    admin = Actor(id="a", username="admin", display_name="Admin", is_admin=True)
    [event] = list_events(engine, admin, AuditFilter(action="sign_in_refused")).events
    assert event.detail["method"] == "oidc"
    assert "access_denied" in event.detail["reason"]
    assert SECRET not in str(event.detail)


def test_a_provider_that_is_down_is_reported(
    provider: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_OIDC_ISSUER", "http://127.0.0.1:9")  # nothing listens there
    start = TestClient(build_app()).get("/auth/oidc/start", follow_redirects=False)
    assert start.status_code == 303
    message = parse_qs(urlsplit(start.headers["location"]).query)["error"][0]
    assert "127.0.0.1:9" in message
