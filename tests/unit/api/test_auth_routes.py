"""The browser's sign-in routes (designer/api/auth.py): form posts answered with redirects.

Each answer is a 303 redirect: to where the person was going, with the session cookie set, or
back to the form with the reason in ``?error=``. The redirect target comes from the form, so it
must never lead to another site.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from designer.api.session import SESSION_COOKIE
from tests.unit.api import OWNER_PASSWORD, Scene, bearer, scene, template

__all__ = ["scene", "template"]

NEW_PASSWORD = "a long enough password"


def post_form(scene: Scene, path: str, **fields: str) -> Any:
    return scene.api.post(path, data=fields, follow_redirects=False)


def cookie_of(response: Any) -> Any:
    jar = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar[SESSION_COOKIE]


def redirect_of(response: Any) -> tuple[str, dict[str, list[str]]]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    parts = urlsplit(location)
    return parts.path, parse_qs(parts.query)


def test_signing_up_sets_a_safe_session_cookie(scene: Scene) -> None:
    answer = post_form(
        scene,
        "/auth/sign-up",
        username="newbie",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
        display_name="New Bie",
        next="/flows/abc?tab=history",
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/flows/abc?tab=history"
    cookie = cookie_of(answer)
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == str(7 * 86400)
    assert not cookie["secure"]
    me = scene.api.get("/api/v1/me", headers=bearer(cookie.value))
    assert me.json()["display_name"] == "New Bie"


def test_the_cookie_is_secure_when_the_designer_is_served_over_https(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_PUBLIC_URL", "https://designer.example.com")

    answer = post_form(scene, "/auth/sign-in", username="owner", password=OWNER_PASSWORD)

    assert cookie_of(answer)["secure"] is True


def test_a_wrong_password_goes_back_to_the_form_with_the_reason(scene: Scene) -> None:
    answer = post_form(
        scene, "/auth/sign-in", username="owner", password="not it", next="/flows/abc"
    )

    path, query = redirect_of(answer)
    assert path == "/signin"
    assert query == {
        "error": ["the user name or password is wrong"],
        "next": ["/flows/abc"],
        "username": ["owner"],
    }
    assert "set-cookie" not in answer.headers


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"password": "short", "confirm": "short"}, "at least 8 characters"),
        ({"password": NEW_PASSWORD, "confirm": "something else"}, "the two passwords differ"),
        ({"username": "owner"}, "is taken"),
        ({"username": "no"}, "a user name is 3 to 64 characters"),
        ({"username": "bad name!"}, "a user name is 3 to 64 characters"),
    ],
)
def test_a_refused_sign_up_goes_back_to_the_form_with_the_reason(
    scene: Scene, fields: dict[str, str], error: str
) -> None:
    form = {"username": "newbie", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **fields}

    path, query = redirect_of(post_form(scene, "/auth/sign-up", **form))

    assert path == "/signup"
    assert error in query["error"][0]


def test_a_refused_sign_up_reports_every_problem_and_keeps_what_was_typed(scene: Scene) -> None:
    form = {
        "username": "newbie",
        "display_name": "New Bie",
        "password": "short",
        "confirm": "shorter",
    }

    path, query = redirect_of(post_form(scene, "/auth/sign-up", **form))

    assert path == "/signup"
    assert query["error"][0].splitlines() == [
        "the two passwords differ: type the same password twice",
        "a password needs at least 8 characters",
    ]
    assert query["username"] == ["newbie"] and query["display_name"] == ["New Bie"]
    assert "password" not in query and "confirm" not in query


HOSTILE_NEXT = [
    "//evil.com",
    "///evil.com",
    "https://evil.com",
    "http:evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "//\\evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.com",
    "evil.com",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
@pytest.mark.parametrize("route", ["/auth/sign-in", "/auth/sign-up"])
def test_next_never_leads_to_another_site(scene: Scene, route: str, target: str) -> None:
    if route == "/auth/sign-in":
        form = {"username": "owner", "password": OWNER_PASSWORD}
    else:
        form = {"username": "newbie", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

    answer = post_form(scene, route, **form, next=target)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


@pytest.mark.parametrize(
    "target", ["/\t/evil.com", "/\n/evil.com", "/\r\n/evil.com", "/%2F/evil.com", "/%5Cevil.com"]
)
def test_a_local_looking_next_stays_local_even_as_a_browser_reads_it(
    scene: Scene, target: str
) -> None:
    answer = post_form(
        scene, "/auth/sign-in", username="owner", password=OWNER_PASSWORD, next=target
    )

    location = answer.headers["location"]
    # Browsers drop tabs and newlines from a URL before reading it (WHATWG URL standard).
    as_read = "".join(c for c in location if c not in "\t\r\n")
    assert as_read.startswith("/") and not as_read.startswith("//")
    assert "\\" not in as_read
    assert urlsplit(urljoin("https://designer.example.com/signin", as_read)).netloc == (
        "designer.example.com"
    )


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil"])
def test_a_failed_sign_in_does_not_carry_a_hostile_next_along(scene: Scene, target: str) -> None:
    answer = post_form(scene, "/auth/sign-in", username="owner", password="nope", next=target)

    _, query = redirect_of(answer)
    assert "next" not in query


def test_signing_out_clears_the_cookie_and_ends_the_session(scene: Scene) -> None:
    signed = post_form(scene, "/auth/sign-in", username="owner", password=OWNER_PASSWORD)
    token = cookie_of(signed).value
    assert scene.api.get("/api/v1/me", headers=bearer(token)).status_code == 200

    scene.api.cookies.set(SESSION_COOKIE, token)
    out = scene.api.post("/auth/sign-out", follow_redirects=False)

    assert redirect_of(out)[0] == "/signin"
    cleared = cookie_of(out)
    assert cleared.value == ""
    assert cleared["max-age"] == "0"
    assert cleared["path"] == "/"
    assert cleared["httponly"] is True
    scene.api.cookies.clear()
    gone = scene.api.get("/api/v1/me", headers=bearer(token))
    assert gone.status_code == 401


def test_signing_out_without_a_session_is_harmless(scene: Scene) -> None:
    out = scene.api.post("/auth/sign-out", follow_redirects=False)

    assert redirect_of(out)[0] == "/signin"


def test_repeated_failures_say_to_wait(scene: Scene) -> None:
    for _ in range(5):
        path, query = redirect_of(
            post_form(scene, "/auth/sign-in", username="owner", password="guess")
        )
        assert query["error"] == ["the user name or password is wrong"]

    answer = post_form(scene, "/auth/sign-in", username="owner", password=OWNER_PASSWORD)

    path, query = redirect_of(answer)
    assert path == "/signin"
    assert "wait" in query["error"][0]
    assert "set-cookie" not in answer.headers


def test_single_sign_on_that_is_not_set_up_says_so(scene: Scene) -> None:
    answer = scene.api.get("/auth/oidc/start?next=//evil.com", follow_redirects=False)

    path, query = redirect_of(answer)
    assert path == "/signin"
    assert "not set up" in query["error"][0]
    assert "next" not in query
