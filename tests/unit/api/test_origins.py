"""Only the designer's own pages may drive it: the websocket, uploads, forms and REST changes.

A page on another origin of the same site (another port of the host, another app under the
cluster's domain) gets the session cookie sent along with its requests, since SameSite only
looks at the site. Each attack here is such a page's request, refused; next to it the same
request from the designer's own page, accepted. The websocket is a real Socket.IO server
mounted as Reflex mounts its own (``/_event``, configured to accept any origin, as Reflex leaves
it), behind ``build_app()``'s guard.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from designer.api.app import build_app
from designer.api.origins import configured_origins, origin_of
from designer.api.session import SESSION_COOKIE
from tests.unit.api import OWNER_PASSWORD, Scene, bearer, error_of, scene, template

__all__ = ["scene", "template"]

EVIL = "http://evil.example"
#: Another port of the designer's own host: same site, another origin.
SIBLING = "http://testserver:8081"
OWN = "http://testserver"
PROXY = "10.0.0.5"
NEW_PASSWORD = "long enough 1"
EVENT = "/_event/?EIO=4&transport=websocket"


ORIGINS = {
    "plain": ("http://Designer.Example.com", "http://designer.example.com"),
    "default port dropped": ("https://d.example.com:443/path?q", "https://d.example.com"),
    "other port kept": ("http://127.0.0.1:3001", "http://127.0.0.1:3001"),
    "websocket scheme": ("wss://d.example.com/_event", "https://d.example.com"),
    "IPv6": ("http://[::1]:3000", "http://[::1]:3000"),
    "null": ("null", None),
    "a file page": ("file:///etc/passwd", None),
    "an extension": ("chrome-extension://abc", None),
    "a bad port": ("http://d.example.com:99999", None),
    "nothing": ("", None),
}


@pytest.mark.parametrize(("url", "origin"), ORIGINS.values(), ids=ORIGINS.keys())
def test_origin_of(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


# --- the pages' websocket and Reflex's other endpoints ------------------------------------------


class FakeReflex:
    """What Reflex mounts under the designer's app: its Socket.IO server and an upload route."""

    def __init__(self, transport: str = "websocket") -> None:
        # Reflex passes "*" for the websocket transport and [] (no check at all) for polling.
        cors: Any = "*" if transport == "websocket" else []
        self.sio = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=cors, transports=[transport]
        )
        self.connected: list[str | None] = []
        self.uploads: list[str | None] = []

        @self.sio.on("connect", namespace="/_event")
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
            self.connected.append(environ.get("HTTP_COOKIE"))

        async def upload(request: Request) -> PlainTextResponse:
            self.uploads.append(request.cookies.get(SESSION_COOKIE))
            return PlainTextResponse("uploaded")

        self.app = Starlette(
            routes=[
                Route("/_upload", upload, methods=["POST"]),
                Mount("/_event", socketio.ASGIApp(self.sio, socketio_path="")),
            ]
        )


@pytest.fixture
def reflex(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, FakeReflex]]:
    for name in ("DESIGNER_PUBLIC_URL", "DESIGNER_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    fake = FakeReflex()
    app = build_app()
    app.mount("", fake.app)  # as Reflex does with an api_transformer
    client = TestClient(app, client=("203.0.113.9", 50000), cookies={SESSION_COOKIE: "victim"})
    yield client, fake


def open_event_channel(client: TestClient, headers: dict[str, str]) -> bool:
    """Whether a Socket.IO client gets into the event namespace with these handshake headers."""
    try:
        with client.websocket_connect(EVENT, headers={"Upgrade": "websocket", **headers}) as ws:
            assert ws.receive_text().startswith("0{")  # Engine.IO open
            ws.send_text("40/_event,")
            return ws.receive_text().startswith("40/_event,")
    except WebSocketDisconnect:
        return False


@pytest.mark.parametrize(
    ("headers", "opens"),
    [
        ({"Origin": EVIL}, False),
        ({"Origin": SIBLING}, False),
        ({"Origin": "http://127.0.0.1"}, False),
        ({"Origin": "null"}, False),
        ({"Origin": "https://testserver"}, False),  # the scheme counts too
        ({"Origin": OWN}, True),
        ({}, True),  # no browser: a tool without the person's cookie
    ],
    ids=["another site", "a sibling port", "another host name", "null", "https", "own", "none"],
)
def test_only_the_designers_own_pages_open_the_event_channel(
    reflex: tuple[TestClient, FakeReflex], headers: dict[str, str], opens: bool
) -> None:
    client, fake = reflex

    assert open_event_channel(client, headers) is opens
    # A refused handshake never reached Reflex, so nothing ran with the victim's cookie.
    assert fake.connected == ([f"{SESSION_COOKIE}=victim"] if opens else [])


def test_the_polling_transport_is_guarded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESIGNER_PUBLIC_URL", raising=False)
    fake = FakeReflex(transport="polling")  # Reflex's polling server checks no origin at all
    app = build_app()
    app.mount("", fake.app)
    client = TestClient(app, cookies={SESSION_COOKIE: "victim"})
    handshake = "/_event/?EIO=4&transport=polling"

    refused = client.get(handshake, headers={"Origin": SIBLING})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "cross_origin"
    posted = client.post(f"{handshake}&sid=x", content=b"40/_event,", headers={"Origin": EVIL})
    assert posted.status_code == 403
    assert client.get(handshake, headers={"Origin": OWN}).status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": EVIL}, 403),
        ({"Origin": SIBLING}, 403),
        ({"Referer": f"{SIBLING}/attack.html"}, 403),
        ({"Origin": OWN}, 200),
        ({"Referer": f"{OWN}/flows/abc"}, 200),
        ({}, 200),
    ],
    ids=["another site", "a sibling port", "a sibling's referer", "own", "own referer", "none"],
)
def test_uploads_to_reflex_come_from_its_own_pages_only(
    reflex: tuple[TestClient, FakeReflex], headers: dict[str, str], status: int
) -> None:
    client, fake = reflex

    answer = client.post("/_upload", content=b"flow", headers=headers)

    assert answer.status_code == status
    if status == 403:
        message = error_of(answer)["message"]
        assert "another site may not act with your session" in message
        assert "DESIGNER_PUBLIC_URL" in message
        assert fake.uploads == []


def test_plain_reads_pass_but_not_under_the_event_channel(
    reflex: tuple[TestClient, FakeReflex],
) -> None:
    client, _ = reflex

    # Another origin cannot read a page's answer (CORS), so page reads go on to Reflex...
    assert client.get("/signin", headers={"Origin": EVIL}).status_code == 404  # not in the fake
    # ...but any request to the event channel is refused, whatever its method.
    assert client.get("/_event/?EIO=3", headers={"Origin": EVIL}).status_code == 403


@pytest.mark.parametrize(
    ("peer", "origin", "opens"),
    [
        (PROXY, "https://designer.example.com", True),
        (PROXY, "http://designer.example.com", False),
        (PROXY, "http://designer:3000", False),
        ("203.0.113.9", "https://designer.example.com", False),  # forwarded headers not believed
        ("203.0.113.9", "http://designer:3000", True),
    ],
)
def test_behind_a_trusted_proxy_the_forwarded_host_and_scheme_are_the_designers(
    monkeypatch: pytest.MonkeyPatch, peer: str, origin: str, opens: bool
) -> None:
    monkeypatch.delenv("DESIGNER_PUBLIC_URL", raising=False)
    monkeypatch.setenv("DESIGNER_TRUSTED_PROXIES", PROXY)
    fake = FakeReflex()
    app = build_app()
    app.mount("", fake.app)
    client = TestClient(app, client=(peer, 40000))
    forwarded = {
        "Host": "designer:3000",
        "X-Forwarded-Host": "designer.example.com",
        "X-Forwarded-Proto": "https",
    }

    assert open_event_channel(client, {"Origin": origin, **forwarded}) is opens


@pytest.mark.parametrize(
    ("origin", "opens"),
    [
        ("https://designer.example.com", True),
        ("http://testserver", False),  # the request's own host no longer counts
        ("https://designer.example.com:8443", False),
    ],
)
def test_the_public_url_is_the_one_origin_when_set(
    reflex: tuple[TestClient, FakeReflex],
    monkeypatch: pytest.MonkeyPatch,
    origin: str,
    opens: bool,
) -> None:
    monkeypatch.setenv("DESIGNER_PUBLIC_URL", "https://designer.example.com/")
    client, _ = reflex

    assert open_event_channel(client, {"Origin": origin}) is opens


# --- Reflex's CORS: other origins may not read answers ------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ()),
        ({"DESIGNER_PUBLIC_URL": "https://D.example.com/designer"}, ("https://d.example.com",)),
        (
            {"REFLEX_ENV_MODE": "dev", "REFLEX_FRONTEND_PORT": "3000"},
            ("http://localhost:3000", "http://127.0.0.1:3000"),
        ),
        ({"REFLEX_ENV_MODE": "prod", "REFLEX_FRONTEND_PORT": "3000"}, ()),
    ],
)
def test_the_origins_reflex_is_configured_with(env: dict[str, str], expected: tuple[str]) -> None:
    assert configured_origins(env) == expected


def test_reflexs_cors_does_not_let_another_origin_read_with_the_cookie(scene: Scene) -> None:
    """rxconfig.py's origins, in Reflex's own CORS middleware, in front of the REST API."""
    from reflex.app import App

    import rxconfig

    assert tuple(rxconfig.config.cors_allowed_origins) == configured_origins()
    app = build_app()
    App._add_cors(app)  # what Reflex does to the api_transformer, with rxconfig's origins
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, scene.token("owner") or "")

    read = client.get("/api/v1/flows", headers={"Origin": SIBLING})
    assert read.status_code == 200  # the browser, not the server, withholds the answer...
    assert "access-control-allow-origin" not in read.headers  # ...as this header is missing
    preflight = client.options(
        "/api/v1/flows",
        headers={"Origin": SIBLING, "Access-Control-Request-Method": "DELETE"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


# --- the REST API -------------------------------------------------------------------------------

API = "/api/v1"


@pytest.mark.parametrize(
    ("cookie", "authorization", "headers", "allowed"),
    [
        (True, None, {"Origin": EVIL}, False),
        (True, None, {"Origin": SIBLING}, False),
        (True, "Bearer not-a-token", {"Origin": SIBLING}, False),
        (True, "owner", {"Origin": SIBLING}, False),  # even with a valid token: a browser
        (True, None, {"Referer": f"{SIBLING}/page"}, False),
        (True, None, {"Origin": "null"}, False),
        (True, None, {"Origin": OWN}, True),
        (True, None, {"Referer": f"{OWN}/flows"}, True),
        (True, None, {}, True),
        (False, "owner", {"Origin": EVIL}, True),  # a script with a token and no cookie
    ],
    ids=[
        "cookie, another site",
        "cookie, a sibling port",
        "cookie and a bogus token",
        "cookie and a valid token",
        "cookie, a sibling's referer",
        "cookie, null origin",
        "cookie, own origin",
        "cookie, own referer",
        "cookie, no origin",
        "token only",
    ],
)
def test_a_rest_change_holds_whatever_headers_come(
    scene: Scene, cookie: bool, authorization: str | None, headers: dict[str, str], allowed: bool
) -> None:
    api = scene.api
    if cookie:
        api.cookies.set(SESSION_COOKIE, scene.token("owner") or "")
    if authorization == "owner":
        headers = {**headers, **scene.headers("owner")}
    elif authorization:
        headers = {**headers, "Authorization": authorization}

    answer = api.delete(f"{API}/flows/{scene.shared.id}", headers=headers)

    if allowed:
        assert answer.status_code == 204, answer.text
    else:
        assert (answer.status_code, error_of(answer)["code"]) == (403, "cross_origin")
        still = api.get(f"{API}/flows/{scene.shared.id}", headers=scene.headers("owner"))
        assert still.status_code == 200


def test_signing_in_to_the_api_from_another_origins_page_is_refused(scene: Scene) -> None:
    body = {"username": "owner", "password": OWNER_PASSWORD}

    refused = scene.api.post(f"{API}/session", json=body, headers={"Origin": SIBLING})

    assert (refused.status_code, error_of(refused)["code"]) == (403, "cross_origin")
    assert "set-cookie" not in refused.headers
    assert scene.api.post(f"{API}/session", json=body).status_code == 200


# --- the sign-in forms --------------------------------------------------------------------------

FORMS = {
    "/auth/sign-in": {"username": "owner", "password": OWNER_PASSWORD},
    "/auth/sign-up": {"username": "newbie", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    "/auth/sign-out": {},
}


@pytest.mark.parametrize("path", FORMS)
@pytest.mark.parametrize(
    "headers",
    [{"Origin": EVIL}, {"Origin": SIBLING}, {"Referer": f"{SIBLING}/x"}, {"Origin": "null"}],
    ids=["another site", "a sibling port", "a sibling's referer", "null"],
)
def test_a_form_posted_from_another_origin_is_refused_saying_why(
    scene: Scene, path: str, headers: dict[str, str]
) -> None:
    victim = scene.token("owner") or ""
    scene.api.cookies.set(SESSION_COOKIE, victim)

    answer = scene.api.post(path, data=FORMS[path], headers=headers, follow_redirects=False)

    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "set-cookie" not in answer.headers  # no login CSRF, no forced sign-out
    assert "another site may not act with your session" in answer.text
    assert "<script" not in answer.text.lower()
    me = scene.api.get(f"{API}/me", headers=bearer(victim))
    assert me.json()["username"] == "owner"  # still signed in


def test_a_foreign_origin_is_shown_escaped(scene: Scene) -> None:
    answer = scene.api.post(
        "/auth/sign-out", headers={"Origin": "http://<b>x</b>.example"}, follow_redirects=False
    )

    assert answer.status_code == 403
    assert "<b>" not in answer.text


@pytest.mark.parametrize("path", FORMS)
@pytest.mark.parametrize(
    "headers", [{"Origin": OWN}, {"Referer": f"{OWN}/signin"}, {}], ids=["own", "referer", "none"]
)
def test_a_form_from_the_designers_own_page_goes_through(
    scene: Scene, path: str, headers: dict[str, str]
) -> None:
    answer = scene.api.post(path, data=FORMS[path], headers=headers, follow_redirects=False)

    assert answer.status_code == 303
    assert "error" not in answer.headers["location"]


header_texts = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60),
    st.sampled_from([OWN, OWN + "/", OWN + ":80", "HTTP://TESTSERVER", SIBLING, "null", ""]),
    st.builds(lambda port: f"http://testserver:{port}", st.integers(0, 70000)),
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(origin=header_texts, referer=st.none() | header_texts)
def test_any_origin_header_is_judged_without_failing(
    reflex: tuple[TestClient, FakeReflex], origin: str, referer: str | None
) -> None:
    client, _ = reflex
    headers = {"Origin": origin, **({"Referer": referer} if referer is not None else {})}
    raw = {name: value.encode("latin-1") for name, value in headers.items()}  # as on the wire

    answer = client.post("/_upload", content=b"x", headers=raw)

    own = origin_of(origin) == OWN
    assert answer.status_code == (200 if own else 403), (origin, answer.text)
