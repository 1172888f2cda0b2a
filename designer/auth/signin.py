"""Signing up, in and out: local accounts, OpenID Connect, and sessions.

The web layer (``designer.api.auth``) turns these into cookies and redirects; everything that
decides anything is here, so the rules are the same for the browser and for API clients.

Repeated failures slow guessing down, for the guesser only. Three counts are kept:

- per account name *and* address: after ``FREE_FAILURES`` wrong passwords in a row for one
  account from one address, each further attempt on that account from that address must wait
  twice as long as the last (capped at ``MAX_WAIT``); attempts made while waiting are refused
  without checking the password. The account's owner, signing in from anywhere else, is not
  slowed at all: a lock-out that reached them would let anyone lock anyone out.
- per address, over every account name: after ``ADDRESS_FREE_FAILURES`` (one address trying a
  password on many names), the same back-off applies to that address for every name. It is
  higher than the per-account count so that people behind one address (an office, a proxy that
  is not trusted) do not lock each other out with a few typos.
- per account name, from any address: a guesser with many addresses gets only
  ``FREE_FAILURES`` tries from each before waiting; once the account has ``ACCOUNT_ALERT`` recent
  failures from anywhere, each address gets ``ALERT_FREE_FAILURES`` before its back-off starts.
  This only slows every address down, it never locks the account: the owner's first, correct
  attempt from their own address still goes through, and a typo costs them seconds.

A correct sign-in from an address resets that address's count for the account and takes the
same failures off its count over all names: the person's own typos are forgiven, but not
failures on other names (otherwise a guesser with an account of their own could sign in to it
now and then to keep guessing other people's passwords at full speed). The account-wide count
fades after a quiet day (``designer.store.signin.FORGET_FAILURES_AFTER``), as do the others.

The address is the one ``designer.api.client.client_address`` gives: a trusted proxy's
``X-Forwarded-For``, else the peer's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from designer.auth.passwords import (
    hash_password,
    needs_rehash,
    new_password_problems,
    verify_password,
)
from designer.settings import Settings
from designer.store import accounts, audit, signin
from designer.store.access import Actor

#: Wrong passwords in a row for one account from one address before the back-off starts.
FREE_FAILURES = 5
#: Wrong passwords in a row from one address, over every account name, before the back-off.
ADDRESS_FREE_FAILURES = 20
#: Recent failures on one account, from anywhere, that make it a target (see the docstring).
ACCOUNT_ALERT = 20
#: Free failures per address for an account that is a target.
ALERT_FREE_FAILURES = 1
MAX_WAIT = timedelta(minutes=5)


class SignInFailed(Exception):
    """The user name or password is wrong (which one is not said, on purpose)."""

    def __init__(self) -> None:
        super().__init__("the user name or password is wrong")


class TooManyAttempts(Exception):
    """Too many wrong passwords came from this address just now; the message says how long to
    wait."""

    def __init__(self, retry_after: timedelta) -> None:
        seconds = max(1, math.ceil(retry_after.total_seconds()))
        super().__init__(
            f"too many failed sign-ins from your address: wait {seconds} s before trying again"
        )
        self.retry_after_s = seconds


class SignUpRefused(ValueError):
    """Everything wrong with a sign-up at once (the user name, the passwords): one problem a
    line in the message, and one by one in ``problems``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class FailureKeys:
    """The counts one sign-in attempt is judged by (see the module's docstring)."""

    #: This account name from this address.
    pair: str
    #: This address, over every account name.
    address: str
    #: This account name, from any address.
    account: str

    @classmethod
    def of(cls, username: str, address: str) -> FailureKeys:
        # Keys fit the table's 300 characters: 5 + 200 + 1 + 90.
        name, where = username.strip().lower()[:200], address.strip()[:90]
        return cls(pair=f"pair:{name}|{where}", address=f"address:{where}", account=f"user:{name}")

    @property
    def counted(self) -> list[str]:
        return [self.pair, self.address, self.account]


def forget_failures(engine: Engine, username: str) -> None:
    """Forget every failed sign-in counted against ``username``, from any address (an
    administrator reset the password or enabled the account again)."""
    keys = FailureKeys.of(username, "")
    signin.clear_failures_of(engine, keys.account, keys.pair)


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
    """Create a local account and sign it in. The first account becomes an admin.

    Raises ``SignUpRefused`` listing every problem found before any account is made.
    """
    problems = [*username_problems(engine, username), *new_password_problems(password, confirm)]
    if problems:
        raise SignUpRefused(problems)
    actor = accounts.create_user(
        engine, username, display_name, password_hash=hash_password(password), email=email
    )
    return start_session(engine, settings, actor)


def username_problems(engine: Engine, username: str) -> list[str]:
    """Why ``username`` cannot be a new account's name ([] if it can, as far as anyone can tell
    before creating it: someone may still take it first, which ``create_user`` reports)."""
    try:
        name = accounts.normalize_username(username)
    except accounts.InvalidAccount as exc:
        return [str(exc)]
    return [str(accounts.UsernameTaken(name))] if accounts.credentials(engine, name) else []


def sign_in(
    engine: Engine, settings: Settings, username: str, password: str, address: str
) -> SignedIn:
    """Check the password and start a session, unless too many attempts failed just now.

    ``address`` is where the attempt comes from (``designer.api.client.client_address``).
    """
    keys = FailureKeys.of(username, address)
    wait = retry_after(engine, keys)
    if wait is not None:
        raise TooManyAttempts(wait)
    found = accounts.credentials(engine, username)
    password_hash = found[1] if found is not None else None
    # Checked even for a name nobody has (against a dummy hash), so how long the answer takes
    # does not tell a guesser which accounts exist.
    matches = verify_password(password_hash, password)
    if found is None or not matches:
        signin.record_failures(engine, keys.counted)
        owner = found[0] if found is not None else None
        _refused(engine, username, address, owner, "wrong password" if owner else "no such account")
        raise SignInFailed()
    actor, password_hash = found
    assert password_hash is not None
    signin.forgive_failures(engine, keys.pair, keys.address)
    if needs_rehash(password_hash):
        accounts.set_password_hash(engine, actor.id, hash_password(password))
    try:
        return start_session(engine, settings, actor)
    except accounts.AccountDisabled:
        _refused(engine, username, address, actor, "account disabled")
        raise


def _refused(
    engine: Engine, username: str, address: str, account: Actor | None, reason: str
) -> None:
    """Write a refused sign-in to the audit log: the name tried, never the password. Attempts
    refused while waiting out ``TooManyAttempts`` are not written: checking nothing, they
    say nothing new, and a flood of them must not fill the log."""
    # What was typed may hold anything, a NUL even (which PostgreSQL refuses): printable only.
    typed = "".join(c for c in username.strip().lower() if c.isprintable())[:64]
    name = account.username if account is not None else typed
    audit.record_event(
        engine,
        None,
        "sign_in_refused",
        "user",
        account.id if account is not None else name,
        name,
        owner_id=account.id if account is not None else None,
        detail={"address": "".join(c for c in address if c.isprintable())[:90], "reason": reason},
    )


def sign_out(engine: Engine, token: str | None) -> None:
    signin.end_session(engine, token)


def actor_for(engine: Engine, token: str | None) -> Actor | None:
    """Who holds this session token, if it is valid."""
    return signin.actor_for_session(engine, token)


def retry_after(engine: Engine, keys: FailureKeys, now: datetime | None = None) -> timedelta | None:
    """How long the next attempt with these keys must wait, or None if it may go ahead."""
    counts = signin.failures(engine, keys.counted)
    target = counts.get(keys.account, (0, None))[0] >= ACCOUNT_ALERT
    free = {
        keys.pair: ALERT_FREE_FAILURES if target else FREE_FAILURES,
        keys.address: ADDRESS_FREE_FAILURES,
    }
    now = now or datetime.now(UTC)
    remaining = timedelta(0)
    for key, allowed in free.items():
        count, last = counts.get(key, (0, now))
        if count >= allowed:
            remaining = max(remaining, last + backoff(count - allowed) - now)
    return remaining if remaining > timedelta(0) else None


def backoff(excess: int) -> timedelta:
    """The wait after ``excess`` failures beyond the free ones: 1 s, 2 s, 4 s... up to
    ``MAX_WAIT``."""
    return min(timedelta(seconds=2 ** min(excess, 30)), MAX_WAIT)


def start_session(engine: Engine, settings: Settings, actor: Actor) -> SignedIn:
    """A new session for someone whose identity is proven (a password, OpenID Connect)."""
    lifetime = timedelta(days=settings.session_days)
    return SignedIn(actor=actor, token=signin.create_session(engine, actor.id, lifetime))
