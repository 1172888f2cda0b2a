"""A disabled account is out at once: its old token opens nothing, and it cannot sign in again.

Disabling is done as an operator does it (``designer users disable``, which calls the store);
every request here goes through the real app.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from designer.api.app import build_app
from designer.api.session import SESSION_COOKIE
from designer.settings import load_settings
from designer.store.accounts import create_user, disable_user, enable_user
from designer.store.db import engine_for
from tests.fixtures.oidc_provider import OidcProvider
from tests.unit.api import OWNER_PASSWORD, Scene, bearer, error_of, scene, template
from tests.unit.api.test_oidc_sign_in import provider, sign_in_through

__all__ = ["provider", "scene", "template"]

API = "/api/v1"
DISABLED = "this account is disabled; ask an administrator"


def test_the_old_token_of_a_disabled_account_opens_nothing(scene: Scene) -> None:
    token = scene.token("owner")
    assert scene.api.get(f"{API}/me", headers=bearer(token)).status_code == 200
    assert scene.api.get(f"{API}/flows/{scene.shared.id}", headers=bearer(token)).is_success

    disable_user(scene.world.engine, "owner")

    for path in ("/me", f"/flows/{scene.shared.id}", "/flows"):
        answer = scene.api.get(f"{API}{path}", headers=bearer(token))
        assert answer.status_code in (401, 404), (path, answer.text)
    assert error_of(scene.api.get(f"{API}/me", headers=bearer(token)))["code"] == (
        "sign_in_required"
    )
    scene.api.cookies.set(SESSION_COOKIE, token)
    assert scene.api.get(f"{API}/me").status_code == 401


@pytest.mark.parametrize(
    ("password", "status", "code", "message"),
    [
        (OWNER_PASSWORD, 403, "account_disabled", DISABLED),
        ("not the password", 401, "sign_in_failed", "the user name or password is wrong"),
    ],
    ids=["right password", "wrong password"],
)
def test_a_disabled_account_cannot_sign_in_through_the_api(
    scene: Scene, password: str, status: int, code: str, message: str
) -> None:
    """Only the right password learns that the account is disabled."""
    disable_user(scene.world.engine, "owner")

    answer = scene.api.post(f"{API}/session", json={"username": "owner", "password": password})

    assert answer.status_code == status
    assert error_of(answer)["code"] == code
    assert message in error_of(answer)["message"]
    assert "token" not in answer.json()


def test_a_disabled_account_is_told_so_on_the_sign_in_form(scene: Scene) -> None:
    disable_user(scene.world.engine, "owner")
    form = {"username": "owner", "password": OWNER_PASSWORD}

    answer = scene.api.post("/auth/sign-in", data=form, follow_redirects=False)

    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/signin"
    assert DISABLED in parse_qs(location.query)["error"][0]
    assert SESSION_COOKIE not in answer.cookies

    enable_user(scene.world.engine, "owner")
    again = scene.api.post("/auth/sign-in", data=form, follow_redirects=False)
    assert SESSION_COOKIE in again.cookies


def test_a_disabled_single_sign_on_account_is_told_so(provider: OidcProvider) -> None:
    engine = engine_for(load_settings().database_url)
    create_user(engine, "root")  # the admin, so that grace is not the last one
    first = sign_in_through(provider, TestClient(build_app()))
    token = first.cookies[SESSION_COOKIE]
    disable_user(engine, "grace")

    assert TestClient(build_app()).get(f"{API}/me", headers=bearer(token)).status_code == 401
    again = sign_in_through(provider, TestClient(build_app()))
    location = urlsplit(again.headers["location"])
    assert (location.path, SESSION_COOKIE in again.cookies) == ("/signin", False)
    assert DISABLED in parse_qs(location.query)["error"][0]
