"""The designer behind a reverse proxy: whose address is throttled, when the cookie is Secure.

Every request then comes from the proxy. Trusted (``DESIGNER_TRUSTED_PROXIES``), the proxy's
``X-Forwarded-For`` tells people apart, so one person's typos slow only them; untrusted, the
header is ignored, so a guesser cannot pick a fresh address for each guess by writing one.
"""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from starlette.testclient import TestClient

from designer.api.session import SESSION_COOKIE
from designer.auth import signin
from designer.auth.signin import FREE_FAILURES
from tests.unit.api import OWNER_PASSWORD, Scene, client_for, error_of, scene, template

__all__ = ["scene", "template"]

PROXY = "10.0.0.5"
ALICE = "198.51.100.1"
OLIVE = "198.51.100.2"


@pytest.fixture(autouse=True)
def long_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every back-off a minute long, so a slow machine cannot see the first one-second wait end
    between two requests; what is tested here is whose address waits, not for how long."""
    monkeypatch.setattr(signin, "backoff", lambda _excess: timedelta(minutes=1))


@pytest.fixture
def behind_proxy(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """A client connecting from the proxy, which the designer trusts."""
    client = client_for(monkeypatch, scene.url, address=PROXY)
    monkeypatch.setenv("DESIGNER_TRUSTED_PROXIES", f"{PROXY},10.9.0.0/16")
    return client


def sign_in_form(client: TestClient, username: str, password: str, **headers: str) -> Any:
    return client.post(
        "/auth/sign-in",
        data={"username": username, "password": password},
        headers=headers,
        follow_redirects=False,
    )


def error_shown(answer: Any) -> str:
    assert answer.status_code == 303
    location: str = answer.headers["location"]
    return location if location.startswith("/signin") else ""


def test_one_persons_typos_do_not_lock_everyone_behind_the_proxy_out(
    behind_proxy: TestClient,
) -> None:
    for _ in range(FREE_FAILURES + 2):  # Alice mistypes, on her own account and on Olive's
        sign_in_form(behind_proxy, "owner", "typo", **{"X-Forwarded-For": ALICE})
    slowed = sign_in_form(behind_proxy, "owner", OWNER_PASSWORD, **{"X-Forwarded-For": ALICE})
    assert "wait" in error_shown(slowed)

    olive = sign_in_form(behind_proxy, "owner", OWNER_PASSWORD, **{"X-Forwarded-For": OLIVE})

    assert error_shown(olive) == ""
    assert SESSION_COOKIE in olive.headers["set-cookie"]


def test_a_forged_forwarded_for_is_not_believed_from_anyone_else(scene: Scene) -> None:
    for guess in range(FREE_FAILURES):  # a fresh made-up address for every guess
        forged = {"X-Forwarded-For": f"192.0.2.{guess}"}
        assert "wrong" in error_shown(sign_in_form(scene.api, "owner", f"guess {guess}", **forged))

    answer = sign_in_form(scene.api, "owner", OWNER_PASSWORD, **{"X-Forwarded-For": "192.0.2.99"})

    assert "wait" in error_shown(answer)


def test_a_forged_entry_left_of_the_proxys_is_not_believed(behind_proxy: TestClient) -> None:
    for guess in range(FREE_FAILURES):
        forged = {"X-Forwarded-For": f"192.0.2.{guess}, {ALICE}"}
        sign_in_form(behind_proxy, "owner", f"guess {guess}", **forged)

    answer = sign_in_form(
        behind_proxy, "owner", OWNER_PASSWORD, **{"X-Forwarded-For": f"192.0.2.99, {ALICE}"}
    )

    assert "wait" in error_shown(answer)


def test_the_api_sign_in_counts_the_forwarded_address_too(behind_proxy: TestClient) -> None:
    body = {"username": "owner", "password": "typo"}
    for _ in range(FREE_FAILURES):
        behind_proxy.post("/api/v1/session", json=body, headers={"X-Forwarded-For": ALICE})

    slowed = behind_proxy.post("/api/v1/session", json=body, headers={"X-Forwarded-For": ALICE})
    right = {"username": "owner", "password": OWNER_PASSWORD}
    olive = behind_proxy.post("/api/v1/session", json=right, headers={"X-Forwarded-For": OLIVE})

    assert (slowed.status_code, error_of(slowed)["code"]) == (429, "too_many_attempts")
    assert int(slowed.headers["retry-after"]) >= 1
    assert olive.status_code == 200


def secure(answer: Any) -> bool:
    jar = SimpleCookie()
    jar.load(answer.headers["set-cookie"])
    return bool(jar[SESSION_COOKIE]["secure"])


@pytest.mark.parametrize(
    ("peer", "proto", "is_secure"),
    [
        (PROXY, "https", True),
        ("10.9.8.7", "https", True),  # in a trusted network
        (PROXY, "http", False),
        ("203.0.113.9", "https", False),  # anyone can write the header
        ("203.0.113.9", None, False),
    ],
)
def test_the_cookie_is_secure_behind_a_trusted_tls_proxy(
    scene: Scene,
    monkeypatch: pytest.MonkeyPatch,
    peer: str,
    proto: str | None,
    is_secure: bool,
) -> None:
    client = client_for(monkeypatch, scene.url, address=peer)
    monkeypatch.setenv("DESIGNER_TRUSTED_PROXIES", f"{PROXY},10.9.0.0/16")
    headers = {"X-Forwarded-Proto": proto} if proto else {}

    answer = sign_in_form(client, "owner", OWNER_PASSWORD, **headers)

    assert secure(answer) is is_secure


@pytest.mark.parametrize(
    ("peer", "expected"),
    [(PROXY, "https://designer.example.com/links/"), ("203.0.113.9", "http://testserver/links/")],
)
def test_links_name_the_address_the_browser_used_through_a_trusted_proxy(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, peer: str, expected: str
) -> None:
    client = client_for(monkeypatch, scene.url, address=peer)
    monkeypatch.setenv("DESIGNER_TRUSTED_PROXIES", PROXY)
    forwarded = {"X-Forwarded-Host": "designer.example.com", "X-Forwarded-Proto": "https"}

    made = client.post(
        f"/api/v1/flows/{scene.shared.id}/links",
        json={"days": 1},
        headers={**scene.headers("owner"), **forwarded},
    )

    assert made.status_code == 201, made.text
    assert made.json()["url"] == expected + made.json()["token"]
