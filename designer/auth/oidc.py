"""Signing in with an OpenID Connect provider (Keycloak, Dex, Entra ID, any other).

The authorization-code flow with PKCE, as a confidential client: ``begin`` sends the person to
the provider and returns what the server must remember meanwhile; ``finish`` takes the query
parameters the provider sends them back with, redeems the code and checks the ID token before
trusting any claim in it. Whatever goes wrong becomes an :class:`OidcError` whose message says
what to check. Both calls block on the network: async code should run them in a worker thread.
"""

from __future__ import annotations

import functools
import hmac
import json
import secrets
import ssl
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError, MissingClaimError
from joserfc.jwk import Key, KeySet, import_key
from joserfc.jws import extract_compact

from designer.settings import OidcSettings

with warnings.catch_warnings():
    # authlib 1.9 warns on import that it would rather have the httpx2 fork; the designer pins
    # httpx itself, so the warning would be noise in every log rather than news.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client, OAuthError

#: How long someone may spend at the provider before the sign-in attempt lapses.
PENDING_TTL = timedelta(minutes=10)
#: How long the discovery document and signing keys are used before being fetched again.
DISCOVERY_TTL_S = 300.0
#: Clock difference tolerated between this server and the provider.
CLOCK_LEEWAY_S = 60

_DISCOVERY_KEYS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
_AGAIN = "Start signing in again."
_CHECK_PROVIDER = (
    "Check that the provider is running and reachable from this server, and that the "
    "designer's issuer setting (DESIGNER_OIDC_ISSUER) is right."
)
_PENDING_TEXT = ("state", "nonce", "code_verifier", "redirect_uri")
_CLOCKS = "Check that this server's clock and the provider's agree."


class OidcError(Exception):
    """A sign-in that cannot go on; the message is for the person signing in."""


@dataclass(frozen=True)
class PendingLogin:
    """What the server remembers between sending someone to the provider and their return.

    ``state`` ties the callback to this browser, ``nonce`` ties the ID token to this attempt and
    ``code_verifier`` proves to the provider that whoever redeems the code is whoever asked.
    """

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    created_at: datetime

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError("PendingLogin.created_at must be timezone-aware")

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"created_at": self.created_at.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> PendingLogin:
        """Read back :meth:`to_json`; anything else is a damaged or forged sign-in attempt."""
        try:
            data = json.loads(text)
            created_at = datetime.fromisoformat(data.pop("created_at")).astimezone(UTC)
            pending = cls(created_at=created_at, **data)
            if all(isinstance(getattr(pending, name), str) for name in _PENDING_TEXT):
                return pending
        except (ValueError, TypeError, KeyError, AttributeError):
            pass
        raise OidcError(f"This sign-in attempt could not be read back. {_AGAIN}")


@dataclass(frozen=True)
class OidcIdentity:
    """Who the provider says signed in; ``(issuer, subject)`` is the stable key for a person."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    preferred_username: str | None


class OidcClient:
    """Talks to one provider, keeping its discovery document and keys for a few minutes."""

    def __init__(self, settings: OidcSettings, *, timeout_s: float = 10.0) -> None:
        self._settings = settings
        self._timeout_s = timeout_s
        self._discovery_url = f"{settings.issuer.rstrip('/')}/.well-known/openid-configuration"
        self._discovery: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None

    def begin(self, redirect_uri: str) -> tuple[str, PendingLogin]:
        """The provider URL to send the person to, and what to remember until they return."""
        endpoint = self._discover()["authorization_endpoint"]
        pending = PendingLogin(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            redirect_uri=redirect_uri,
            created_at=datetime.now(UTC),
        )
        url = prepare_grant_uri(
            endpoint,
            client_id=self._settings.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=self._settings.scopes,
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.code_verifier),
            code_challenge_method="S256",
        )
        return url, pending

    def finish(self, pending: PendingLogin, callback: Mapping[str, str]) -> OidcIdentity:
        """Check the provider's redirect, redeem its code and vouch for the ID token."""
        _check_callback(pending, callback)
        discovery = self._discover()
        token = self._redeem(discovery, pending, callback["code"])
        claims = self._verify(discovery, token, pending.nonce)
        return OidcIdentity(
            issuer=self._settings.issuer,
            subject=claims["sub"],
            email=_text(claims.get("email")),
            email_verified=claims.get("email_verified") in (True, "true"),
            name=_text(claims.get("name")),
            preferred_username=_text(claims.get("preferred_username")),
        )

    def _discover(self) -> dict[str, Any]:
        """The discovery document, fetched again every few minutes so moved endpoints are seen."""
        if self._discovery is None or _stale(self._discovery[0]):
            doc = self._get_json(self._discovery_url)
            _check_discovery(doc, self._settings.issuer, self._discovery_url)
            self._discovery, self._keys = (time.monotonic(), doc), None
        return self._discovery[1]

    def _signing_key(self, jwks_uri: str, kid: str | None) -> Key:
        """The provider's key ``kid``; an id missing from cached keys means they rotated."""
        cached = self._keys[1] if self._keys and not _stale(self._keys[0]) else None
        key = _find_key(cached, kid) if cached else None
        if key is None:  # not fetched lately, or the provider rotated its keys since: fetch once
            keys = _key_set(self._get_json(jwks_uri), jwks_uri)
            self._keys = (time.monotonic(), keys)
            key = _find_key(keys, kid)
        if key is None:
            raise OidcError(
                f"The sign-in token was signed with a key ({kid or 'without an id'}) that the "
                f"provider does not publish at {jwks_uri}. {_AGAIN}"
            )
        return key

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            reply = httpx.get(
                url, timeout=self._timeout_s, verify=_tls(), headers={"Accept": "application/json"}
            )
            doc = reply.raise_for_status().json()
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise OidcError(_network_problem(url, exc, self._timeout_s)) from exc
        if not isinstance(doc, dict):
            raise OidcError(f"The sign-in provider's reply at {url} is not a JSON object.")
        return doc

    def _redeem(
        self, discovery: dict[str, Any], pending: PendingLogin, code: str
    ) -> dict[str, Any]:
        """Trade the one-time code for tokens; the code_verifier proves this server asked."""
        url = discovery["token_endpoint"]
        client = OAuth2Client(
            client_id=self._settings.client_id,
            client_secret=self._settings.client_secret,
            token_endpoint_auth_method=_auth_method(discovery),
            timeout=self._timeout_s,
            verify=_tls(),
        )
        try:
            with client:
                token = client.fetch_token(
                    url,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.code_verifier,
                    redirect_uri=pending.redirect_uri,
                )
        except OAuthError as exc:
            raise OidcError(_token_refusal(url, exc.error, exc.description)) from exc
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise OidcError(_network_problem(url, exc, self._timeout_s)) from exc
        if not isinstance(token.get("id_token"), str):
            raise OidcError(
                f"The provider at {url} sent no ID token. Check that the designer's scopes "
                "include 'openid' and that the client is an OpenID Connect client."
            )
        return dict(token)

    def _verify(
        self, discovery: dict[str, Any], token: dict[str, Any], nonce: str
    ) -> dict[str, Any]:
        """The ID token's claims, once its signature and every claim that matters check out."""
        try:
            header = extract_compact(token["id_token"].encode()).headers()
        except (JoseError, ValueError) as exc:
            raise OidcError(f"The provider's sign-in token is malformed. {_AGAIN}") from exc
        advertised = discovery.get("id_token_signing_alg_values_supported") or ["RS256"]
        allowed = [alg for alg in advertised if alg != "none"]
        if header.get("alg") not in allowed:
            raise OidcError(
                f"The sign-in token is signed with {header.get('alg')!r}, which the provider does "
                f"not advertise ({', '.join(allowed) or 'nothing usable'}), so it was refused."
            )
        key = self._signing_key(discovery["jwks_uri"], header.get("kid"))
        try:
            decoded = jwt.decode(token["id_token"], key, algorithms=[header["alg"]])
        except (JoseError, ValueError) as exc:
            raise OidcError(
                "The sign-in token's signature does not match the provider's published key, so "
                f"it was refused. {_AGAIN}"
            ) from exc
        _check_claims(decoded, self._settings, nonce, token.get("access_token"))
        return decoded.claims


def _check_callback(pending: PendingLogin, callback: Mapping[str, str]) -> None:
    if error := callback.get("error"):
        said = (
            f"{error}: {callback['error_description']}"
            if callback.get("error_description")
            else error
        )
        hint = (
            f"It was cancelled or declined at the provider. {_AGAIN}"
            if error == "access_denied"
            else "Check that the designer's client id and redirect URI are registered there."
        )
        raise OidcError(f"The sign-in provider refused the sign-in ({said}). {hint}")
    if not hmac.compare_digest((callback.get("state") or "").encode(), pending.state.encode()):
        raise OidcError(
            "This sign-in reply does not belong to the sign-in started in this browser (its "
            f"state does not match). {_AGAIN}"
        )
    if datetime.now(UTC) - pending.created_at > PENDING_TTL:
        minutes = int(PENDING_TTL.total_seconds() // 60)
        raise OidcError(f"This sign-in took longer than {minutes} minutes and lapsed. {_AGAIN}")
    if not callback.get("code"):
        raise OidcError(f"The provider sent you back without a sign-in code. {_AGAIN}")


def _check_discovery(doc: dict[str, Any], issuer: str, url: str) -> None:
    missing = [key for key in _DISCOVERY_KEYS if not isinstance(doc.get(key), str) or not doc[key]]
    if missing:
        raise OidcError(
            f"The discovery document at {url} lacks {', '.join(missing)}. Check that "
            "DESIGNER_OIDC_ISSUER names an OpenID Connect provider."
        )
    if doc["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise OidcError(
            f"The provider at {url} calls itself {doc['issuer']!r}, not {issuer!r}. "
            "Set DESIGNER_OIDC_ISSUER to exactly the provider's issuer."
        )


def _auth_method(discovery: dict[str, Any]) -> str:
    """client_secret_basic (the spec's default) unless the provider lists only the post form."""
    offered = discovery.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    for method in _AUTH_METHODS:
        if method in offered:
            return method
    raise OidcError(
        f"The provider offers only {offered} to authenticate the designer at its token endpoint. "
        "Allow client_secret_basic for this client at the provider."
    )


def _key_set(doc: dict[str, Any], url: str) -> KeySet:
    """The signing keys in a JWKS; encryption keys and key types we cannot read are skipped."""
    keys: list[Key] = []
    for data in doc.get("keys") or []:
        if isinstance(data, dict) and data.get("use", "sig") == "sig":
            try:
                keys.append(import_key(data))
            except (JoseError, ValueError, TypeError, KeyError):
                continue
    if not keys:
        raise OidcError(
            f"The provider publishes no usable signing keys at {url}. {_CHECK_PROVIDER}"
        )
    return KeySet(keys)


def _find_key(keys: KeySet, kid: str | None) -> Key | None:
    try:
        return keys.get_by_kid(kid)
    except (JoseError, ValueError):
        return None


def _check_claims(decoded: jwt.Token, settings: OidcSettings, nonce: str, access: Any) -> None:
    """iss, aud, azp, exp, iat, nonce and at_hash, by authlib's rules for code-flow ID tokens."""
    issuer = settings.issuer.rstrip("/")
    options: dict[str, Any] = {
        "iss": {"essential": True, "values": [issuer, f"{issuer}/"]},
        "sub": {"essential": True},
        "aud": {"essential": True, "value": settings.client_id},
        "nonce": {"essential": True, "value": nonce},
    }
    params = {"nonce": nonce, "client_id": settings.client_id, "access_token": access}
    try:
        CodeIDToken(decoded.claims, decoded.header, options, params).validate(
            int(time.time()), CLOCK_LEEWAY_S
        )
    except ClaimError as exc:
        raise OidcError(_claim_problem(exc, decoded.claims, settings)) from exc


def _claim_problem(exc: ClaimError, claims: dict[str, Any], settings: OidcSettings) -> str:
    if isinstance(exc, ExpiredTokenError):
        return f"The sign-in token has expired. {_CLOCKS} {_AGAIN}"
    if isinstance(exc, MissingClaimError):
        return f"The sign-in token lacks the {exc.claim} claim, so it cannot be trusted."
    ours = f"not for this designer (client {settings.client_id!r}). Check DESIGNER_OIDC_CLIENT_ID."
    problems = {
        "iss": f"The sign-in token was issued by {claims.get('iss')!r}, not by the configured "
        f"provider {settings.issuer!r}. Check DESIGNER_OIDC_ISSUER.",
        "aud": f"The sign-in token is meant for {claims.get('aud')!r}, {ours}",
        "azp": f"The sign-in token was handed to {claims.get('azp')!r}, {ours}",
        "nonce": f"The sign-in token belongs to another sign-in attempt (nonce). {_AGAIN}",
        "iat": f"The sign-in token says it was issued in the future. {_CLOCKS}",
        "nbf": f"The sign-in token is not valid yet. {_CLOCKS}",
        "at_hash": f"The sign-in token does not match its access token. {_AGAIN}",
    }
    return problems.get(exc.claim, f"The sign-in token's {exc.claim} claim is not valid.")


def _token_refusal(url: str, error: str | None, description: str | None) -> str:
    said = f"{error}: {description}" if description else str(error)
    if error in ("invalid_client", "unauthorized_client"):
        return (
            f"The provider at {url} did not accept the designer's client credentials ({said}). "
            "Check DESIGNER_OIDC_CLIENT_ID and DESIGNER_OIDC_CLIENT_SECRET."
        )
    if error == "invalid_grant":
        return f"The provider would not redeem the sign-in code ({said}). {_AGAIN}"
    return f"The provider at {url} refused to complete the sign-in ({said})."


def _network_problem(url: str, exc: Exception, timeout_s: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        what = f"did not answer within {timeout_s:g} s"
    elif isinstance(exc, httpx.HTTPStatusError):
        what = f"answered HTTP {exc.response.status_code}"
    elif isinstance(exc, ValueError):
        what = "sent a reply that is not JSON"
    else:
        what = f"could not be reached ({str(exc) or type(exc).__name__})"
    return f"The sign-in provider at {url} {what}. {_CHECK_PROVIDER}"


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every request: building one (loading the CA store) costs ~40 ms."""
    return httpx.create_ssl_context()


def _stale(fetched_at: float) -> bool:
    return time.monotonic() - fetched_at > DISCOVERY_TTL_S


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
