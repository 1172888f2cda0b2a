"""OpenID Connect sign-in against a real provider on loopback: the happy path and every refusal."""

from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from designer.auth.oidc import PENDING_TTL, OidcClient, OidcError, OidcIdentity, PendingLogin
from designer.settings import OidcSettings
from tests.fixtures.oidc_provider import DROP, OidcProvider, Tamper

CLIENT_ID = "designer"
SECRET = "designer-secret-0123456789abcdef"
REDIRECT_URI = "http://127.0.0.1:3000/auth/oidc/callback"


@pytest.fixture
def oidc_provider() -> Iterator[OidcProvider]:
    with OidcProvider(CLIENT_ID, SECRET, [REDIRECT_URI]) as provider:
        yield provider


@pytest.fixture
def client(oidc_provider: OidcProvider) -> OidcClient:
    return OidcClient(OidcSettings(oidc_provider.issuer, CLIENT_ID, SECRET), timeout_s=2)


def loopback(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A browser's request to the provider: plain HTTP, so skip building a TLS context (~40 ms)."""
    return httpx.request(method, url, verify=False, **kwargs)


def visit_provider(client: OidcClient) -> tuple[PendingLogin, dict[str, str]]:
    """What a browser does: open the authorization URL, get redirected back to the designer."""
    url, pending = client.begin(REDIRECT_URI)
    reply = loopback("GET", url)
    assert reply.status_code == 302, reply.text
    location = reply.headers["location"]
    assert location.startswith(f"{REDIRECT_URI}?")
    return pending, dict(parse_qsl(urlsplit(location).query))


def refusal(client: OidcClient, pending: PendingLogin, callback: dict[str, str]) -> str:
    with pytest.raises(OidcError) as caught:
        client.finish(pending, callback)
    return str(caught.value)


# -- discovery and the authorization URL ------------------------------------------------------


def test_begin_builds_a_pkce_authorization_url_from_discovery(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    url, pending = client.begin(REDIRECT_URI)
    _, again = client.begin(REDIRECT_URI)

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{oidc_provider.issuer}/authorize"
    query = dict(parse_qsl(parts.query))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(pending.code_verifier.encode()).digest())
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile",
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    assert len(pending.state) >= 43 and len(pending.code_verifier) >= 43
    assert {again.state, again.nonce, again.code_verifier}.isdisjoint(
        {pending.state, pending.nonce, pending.code_verifier}
    )
    assert pending.created_at.tzinfo is not None
    assert pending.redirect_uri == REDIRECT_URI
    assert len(oidc_provider.requests_to("/.well-known/openid-configuration")) == 1  # cached


def test_pending_login_survives_a_json_round_trip() -> None:
    pending = PendingLogin("s", "n", "v" * 43, REDIRECT_URI, datetime(2030, 1, 2, tzinfo=UTC))
    assert PendingLogin.from_json(pending.to_json()) == pending


@pytest.mark.parametrize("text", ["", "{", "[]", '{"state": "s"}', '{"state": 1}'])
def test_a_damaged_pending_login_is_an_oidc_error(text: str) -> None:
    with pytest.raises(OidcError, match="could not be read back"):
        PendingLogin.from_json(text)


# -- the whole flow ---------------------------------------------------------------------------


def test_sign_in_with_code_and_pkce_end_to_end(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    oidc_provider.user = {
        "sub": "u-42",
        "email": "grace@example.com",
        "email_verified": False,
        "name": "Grace Hopper",
        "preferred_username": "grace",
    }
    pending, callback = visit_provider(client)
    assert callback["state"] == pending.state

    identity = client.finish(pending, callback)

    assert identity == OidcIdentity(
        issuer=oidc_provider.issuer,
        subject="u-42",
        email="grace@example.com",
        email_verified=False,
        name="Grace Hopper",
        preferred_username="grace",
    )
    sent = oidc_provider.last_token_request
    assert sent.form == {
        "grant_type": "authorization_code",
        "code": callback["code"],
        "code_verifier": pending.code_verifier,
        "redirect_uri": REDIRECT_URI,
    }
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert sent.headers["Authorization"] == f"Basic {basic}"


def test_client_secret_post_when_the_provider_offers_only_that(
    oidc_provider: OidcProvider, client: OidcClient
) -> None:
    oidc_provider.auth_methods = ("client_secret_post",)
    pending, callback = visit_provider(client)
    assert client.finish(pending, callback).subject == "248289761001"
    sent = oidc_provider.last_token_request
    assert "Authorization" not in sent.headers
    assert (sent.form["client_id"], sent.form["client_secret"]) == (CLIENT_ID, SECRET)


def test_a_provider_offering_no_secret_based_auth_is_refused(
    oidc_provider: OidcProvider, client: OidcClient
) -> None:
    oidc_provider.discovery_overrides["token_endpoint_auth_methods_supported"] = ["private_key_jwt"]
    pending, callback = visit_provider(client)
    assert "Allow client_secret_basic" in refusal(client, pending, callback)


# -- refusals before the code is redeemed -----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"error": "access_denied", "error_description": "nope"}, "access_denied: nope"),
        ({"error": "invalid_scope"}, "redirect URI are registered"),
        ({"state": "forged"}, "state does not match"),
        ({"state": DROP}, "state does not match"),
        ({"code": DROP}, "without a sign-in code"),
    ],
)
def test_callbacks_the_designer_refuses(
    client: OidcClient, change: dict[str, Any], fragment: str
) -> None:
    pending, callback = visit_provider(client)
    callback = {k: v for k, v in (callback | change).items() if v is not DROP}
    assert fragment in refusal(client, pending, callback)


def test_the_provider_reports_a_declined_sign_in(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    oidc_provider.user = None
    pending, callback = visit_provider(client)
    assert "cancelled or declined" in refusal(client, pending, callback)


def test_a_pending_login_older_than_ten_minutes_lapses(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    pending, callback = visit_provider(client)
    stale = replace(pending, created_at=pending.created_at - PENDING_TTL - timedelta(seconds=1))
    assert "lapsed" in refusal(client, stale, callback)
    assert oidc_provider.requests_to("/token") == []


# -- refusals at the token endpoint -----------------------------------------------------------


def test_a_replayed_code_is_refused(client: OidcClient) -> None:
    pending, callback = visit_provider(client)
    client.finish(pending, callback)
    message = refusal(client, pending, callback)
    assert "already used" in message and "Start signing in again" in message


def test_a_wrong_client_secret_is_reported_as_a_credentials_problem(
    oidc_provider: OidcProvider,
) -> None:
    client = OidcClient(OidcSettings(oidc_provider.issuer, CLIENT_ID, "wrong"))
    pending, callback = visit_provider(client)
    message = refusal(client, pending, callback)
    assert "invalid_client" in message and "DESIGNER_OIDC_CLIENT_SECRET" in message


def test_a_code_verifier_that_does_not_match_is_refused(client: OidcClient) -> None:
    pending, callback = visit_provider(client)
    forged = replace(pending, code_verifier="x" * 64)
    assert "code_verifier does not match" in refusal(client, forged, callback)


# -- the ID token -----------------------------------------------------------------------------

TAMPERED = {
    "foreign-key": (Tamper(foreign_key=True), "signature does not match"),
    "alg-none": (Tamper(alg="none"), "signed with 'none'"),
    "alg-hs256-with-client-secret": (Tamper(alg="HS256"), "signed with 'HS256'"),
    "alg-not-advertised": (Tamper(alg="RS512"), "signed with 'RS512'"),
    "unknown-kid": (Tamper(kid="key-x"), "(key-x) that the provider does not publish"),
    "issuer": (Tamper(claims={"iss": "https://evil.example"}), "issued by 'https://evil.example'"),
    "audience": (Tamper(claims={"aud": "someone-else"}), "meant for 'someone-else'"),
    "audiences-without-azp": (Tamper(claims={"aud": [CLIENT_ID, "other"]}), "lacks the azp"),
    "azp": (Tamper(claims={"aud": [CLIENT_ID, "x"], "azp": "x"}), "handed to 'x'"),
    "nonce": (Tamper(claims={"nonce": "replayed"}), "another sign-in attempt"),
    "no-nonce": (Tamper(claims={"nonce": DROP}), "lacks the nonce claim"),
    "no-subject": (Tamper(claims={"sub": DROP}), "lacks the sub claim"),
    "no-expiry": (Tamper(claims={"exp": DROP}), "lacks the exp claim"),
    "expired": (Tamper(expires_in_s=-3600), "has expired"),
    "expired-beyond-leeway": (Tamper(expires_in_s=-61), "has expired"),
    "issued-in-the-future": (Tamper(clock_offset_s=3600), "issued in the future"),
    "at-hash": (Tamper(claims={"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}), "match its access token"),
}


@pytest.mark.parametrize(("tamper", "fragment"), TAMPERED.values(), ids=list(TAMPERED))
def test_tampered_id_tokens_are_refused(
    client: OidcClient, oidc_provider: OidcProvider, tamper: Tamper, fragment: str
) -> None:
    oidc_provider.tamper = tamper
    pending, callback = visit_provider(client)
    assert fragment in refusal(client, pending, callback)


def test_none_is_refused_even_when_the_provider_advertises_it(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    oidc_provider.discovery_overrides["id_token_signing_alg_values_supported"] = ["none", "RS256"]
    oidc_provider.tamper = Tamper(alg="none")
    pending, callback = visit_provider(client)
    assert "signed with 'none'" in refusal(client, pending, callback)


@pytest.mark.parametrize(
    "tamper",
    [
        Tamper(claims={"aud": [CLIENT_ID, "other"], "azp": CLIENT_ID}),
        Tamper(clock_offset_s=30),  # clocks 30 s apart are tolerated
        Tamper(expires_in_s=-30),  # and so is a token that expired 30 s ago
        Tamper(kid=DROP),  # one published key: no key id needed
    ],
    ids=["several-audiences-with-azp", "clock-ahead", "just-expired", "no-kid"],
)
def test_id_tokens_within_the_rules_are_accepted(
    client: OidcClient, oidc_provider: OidcProvider, tamper: Tamper
) -> None:
    oidc_provider.tamper = tamper
    pending, callback = visit_provider(client)
    assert client.finish(pending, callback).subject == "248289761001"


def test_keys_are_cached_and_fetched_again_after_rotation(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    for _ in range(2):
        client.finish(*visit_provider(client))
    assert len(oidc_provider.requests_to("/jwks")) == 1

    oidc_provider.rotate_key()
    client.finish(*visit_provider(client))
    assert len(oidc_provider.requests_to("/jwks")) == 2

    oidc_provider.tamper = Tamper(kid="key-x")
    with pytest.raises(OidcError, match="does not publish"):
        client.finish(*visit_provider(client))
    assert len(oidc_provider.requests_to("/jwks")) == 3  # looked again once, not in a loop


# -- a provider that is down or broken --------------------------------------------------------


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("issuer", "fragment"),
    [
        (None, "could not be reached ("),  # None: a loopback port nothing listens on
        ("keycloak.internal/realms/team", "could not be reached (Request URL is missing"),
    ],
    ids=["closed-port", "no-scheme"],
)
def test_a_provider_that_cannot_be_reached_is_named_in_the_error(
    issuer: str | None, fragment: str
) -> None:
    issuer = issuer or closed_port_url()
    client = OidcClient(OidcSettings(issuer, CLIENT_ID, SECRET), timeout_s=2)
    with pytest.raises(OidcError) as caught:
        client.begin(REDIRECT_URI)
    message = str(caught.value)
    assert f"{issuer}/.well-known/openid-configuration {fragment}" in message
    assert "DESIGNER_OIDC_ISSUER" in message


def test_a_provider_that_does_not_answer_in_time(oidc_provider: OidcProvider) -> None:
    oidc_provider.stall("/.well-known/openid-configuration", 5)
    client = OidcClient(OidcSettings(oidc_provider.issuer, CLIENT_ID, SECRET), timeout_s=0.2)
    with pytest.raises(OidcError, match=r"openid-configuration did not answer within 0\.2 s"):
        client.begin(REDIRECT_URI)


def test_a_provider_that_goes_down_before_the_code_is_redeemed(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    pending, callback = visit_provider(client)
    oidc_provider.stop()
    with pytest.raises(OidcError, match=r"/token could not be reached"):
        client.finish(pending, callback)


@pytest.mark.parametrize(
    ("path", "status", "body", "fragment"),
    [
        ("/.well-known/openid-configuration", 500, "<h1>oops</h1>", "answered HTTP 500"),
        ("/.well-known/openid-configuration", 200, "<h1>login</h1>", "not JSON"),
        ("/.well-known/openid-configuration", 200, "[]", "not a JSON object"),
        ("/.well-known/openid-configuration", 200, '{"issuer": "x"}', "lacks authorization_"),
        ("/token", 502, "bad gateway", "/token answered HTTP 502"),
        ("/token", 200, "<html></html>", "/token sent a reply that is not JSON"),
        ("/token", 200, '{"access_token": "a", "token_type": "Bearer"}', "sent no ID token"),
        ("/jwks", 404, "missing", "/jwks answered HTTP 404"),
        ("/jwks", 200, '{"keys": [{"kty": "RSA"}]}', "no usable signing keys"),
    ],
)
def test_broken_provider_replies_become_oidc_errors(
    client: OidcClient,
    oidc_provider: OidcProvider,
    path: str,
    status: int,
    body: str,
    fragment: str,
) -> None:
    if path == "/.well-known/openid-configuration":
        oidc_provider.break_endpoint(path, status, body)
        with pytest.raises(OidcError, match="openid-configuration") as caught:
            client.begin(REDIRECT_URI)
    else:
        pending, callback = visit_provider(client)
        oidc_provider.break_endpoint(path, status, body)
        with pytest.raises(OidcError) as caught:
            client.finish(pending, callback)
    assert fragment in str(caught.value)


def test_a_discovery_document_for_another_issuer_is_refused(oidc_provider: OidcProvider) -> None:
    oidc_provider.discovery_overrides["issuer"] = "https://elsewhere.example"
    client = OidcClient(OidcSettings(oidc_provider.issuer, CLIENT_ID, SECRET))
    with pytest.raises(OidcError, match=r"calls itself 'https://elsewhere\.example'"):
        client.begin(REDIRECT_URI)


# -- the provider fixture is as strict as a real one ------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        ({"client_id": "stranger"}, 400, "unknown client_id"),
        ({"redirect_uri": "https://evil.example/cb"}, 400, "not registered"),
        ({"code_challenge": DROP}, 302, "code_challenge+is+required"),
        ({"code_challenge_method": "plain"}, 302, "must+be+S256"),
        ({"scope": "email"}, 302, "error=invalid_scope"),
    ],
)
def test_the_provider_refuses_bad_authorization_requests(
    client: OidcClient, change: dict[str, Any], status: int, fragment: str
) -> None:
    url, _ = client.begin(REDIRECT_URI)
    parts = urlsplit(url)
    query = {k: v for k, v in (dict(parse_qsl(parts.query)) | change).items() if v is not DROP}
    reply = loopback("GET", parts._replace(query="").geturl(), params=query)
    assert reply.status_code == status
    if status == 302:
        assert reply.headers["location"].startswith(REDIRECT_URI)
        assert fragment in reply.headers["location"]
    else:
        assert "location" not in reply.headers and fragment in reply.text


def test_the_provider_serves_userinfo_and_insists_on_pkce(
    client: OidcClient, oidc_provider: OidcProvider
) -> None:
    token_url, issuer = f"{oidc_provider.issuer}/token", oidc_provider.issuer
    pending, callback = visit_provider(client)
    form = {
        "grant_type": "authorization_code",
        "code": callback["code"],
        "redirect_uri": REDIRECT_URI,
    }
    without_verifier = loopback("POST", token_url, data=form, auth=(CLIENT_ID, SECRET))
    assert without_verifier.status_code == 400
    assert without_verifier.json()["error"] == "invalid_grant"

    pending, callback = visit_provider(client)
    form |= {"code": callback["code"], "code_verifier": pending.code_verifier}
    token = loopback("POST", token_url, data=form, auth=(CLIENT_ID, SECRET)).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert loopback("GET", f"{issuer}/userinfo", headers=bearer).json() == oidc_provider.user

    nonsense = loopback("GET", f"{issuer}/userinfo", headers={"Authorization": "Bearer nonsense"})
    assert nonsense.status_code == 401 and nonsense.json()["error"] == "invalid_token"
