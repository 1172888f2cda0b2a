"""Signing up, in and out: local accounts, OpenID Connect, and sessions.

The web layer (``designer.api.auth``) turns these into cookies and redirects; everything that
decides anything is here, so the rules are the same for the browser and for API clients.

Repeated failures slow guessing down: after ``FREE_FAILURES`` wrong passwords in a row for one
account name or from one address, each further attempt must wait twice as long as the last
(capped at ``MAX_WAIT``), and attempts made while waiting are refused without checking the
password. A correct sign-in clears the account's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from designer.auth.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from designer.settings import Settings
from designer.store import accounts, signin
from designer.store.access import Actor

FREE_FAILURES = 5
MAX_WAIT = timedelta(minutes=5)


class SignInFailed(Exception):
    """The user name or password is wrong (which one is not said, on purpose)."""

    def __init__(self) -> None:
        super().__init__("the user name or password is wrong")


class TooManyAttempts(Exception):
    def __init__(self, retry_after: timedelta) -> None:
        seconds = max(1, round(retry_after.total_seconds()))
        super().__init__(f"too many failed sign-ins: wait {seconds} s before trying again")
        self.retry_after_s = seconds


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    #: The session token for the cookie (or an API client's Authorization header).
    token: str


def sign_up(
    engine: Engine,
    settings: Settings,
    username: str,
    password: str,
    *,
    confirm: str | None = None,
    display_name: str = "",
    email: str | None = None,
) -> SignedIn:
    """Create a local account and sign it in. The first account becomes an admin."""
    check_new_password(password, confirm)
    actor = accounts.create_user(
        engine, username, display_name, password_hash=hash_password(password), email=email
    )
    return start_session(engine, settings, actor)


def sign_in(
    engine: Engine, settings: Settings, username: str, password: str, address: str
) -> SignedIn:
    """Check the password and start a session, unless too many attempts failed just now."""
    keys = _failure_keys(username, address)
    wait = retry_after(engine, keys)
    if wait is not None:
        raise TooManyAttempts(wait)
    found = accounts.credentials(engine, username)
    password_hash = found[1] if found is not None else None
    if found is None or not verify_password(password_hash, password):
        signin.record_failures(engine, keys)
        raise SignInFailed()
    actor, password_hash = found
    assert password_hash is not None
    signin.clear_failures(engine, keys[:1])
    if needs_rehash(password_hash):
        accounts.set_password_hash(engine, actor.id, hash_password(password))
    return start_session(engine, settings, actor)


def sign_out(engine: Engine, token: str | None) -> None:
    signin.end_session(engine, token)


def actor_for(engine: Engine, token: str | None) -> Actor | None:
    """Who holds this session token, if it is valid."""
    return signin.actor_for_session(engine, token)


def retry_after(engine: Engine, keys: list[str], now: datetime | None = None) -> timedelta | None:
    """How long the next attempt must wait, or None if it may go ahead."""
    count, last = signin.failures(engine, keys)
    if count < FREE_FAILURES or last is None:
        return None
    wait = min(timedelta(seconds=2 ** (count - FREE_FAILURES)), MAX_WAIT)
    remaining = last + wait - (now or datetime.now(UTC))
    return remaining if remaining > timedelta(0) else None


def start_session(engine: Engine, settings: Settings, actor: Actor) -> SignedIn:
    """A new session for someone whose identity is proven (a password, OpenID Connect)."""
    lifetime = timedelta(days=settings.session_days)
    return SignedIn(actor=actor, token=signin.create_session(engine, actor.id, lifetime))


def _failure_keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()[:200]}", f"address:{address[:90]}"]
