"""Local accounts: password rules and hashing, signing in and out, slowing down guessing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select, update

from designer.auth.passwords import (
    MAX_LENGTH,
    WeakPassword,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from designer.auth.signin import (
    FREE_FAILURES,
    SignedIn,
    SignInFailed,
    TooManyAttempts,
    actor_for,
    retry_after,
    sign_in,
    sign_out,
    sign_up,
)
from designer.settings import Settings
from designer.store import signin as sign_in_store
from designer.store.accounts import UsernameTaken, create_user, credentials
from designer.store.db import session_scope
from designer.store.tables import SessionRow, SignInFailureRow
from tests.fixtures.databases import (
    database_url,
    engine,
    migrated_database_url,
    migrated_template,
)
from tests.fixtures.threads import at_once

__all__ = ["database_url", "engine", "migrated_database_url", "migrated_template"]

PASSWORD = "correct horse battery"
ADDRESS = "203.0.113.7"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, kubeflow=None, database_url="unused", session_days=1)


@pytest.fixture
def ada(engine: Engine, settings: Settings) -> SignedIn:
    return sign_up(engine, settings, "Ada", PASSWORD, confirm=PASSWORD, display_name="Ada L")


@pytest.mark.parametrize(
    ("password", "confirm", "reason"),
    [
        ("short", None, "at least 8 characters"),
        (" " * 12, None, "cannot be only spaces"),
        ("x" * (MAX_LENGTH + 1), None, f"at most {MAX_LENGTH} characters"),
        ("long enough", "long enougH", "the two passwords differ"),
    ],
    ids=["too short", "only spaces", "too long", "not confirmed"],
)
def test_weak_passwords_are_refused_saying_why(
    password: str, confirm: str | None, reason: str
) -> None:
    with pytest.raises(WeakPassword, match=reason):
        check_new_password(password, confirm)


@pytest.mark.parametrize("password", ["8 chars!", "x" * MAX_LENGTH, "pässwörd ünïcode 🔑"])
def test_good_passwords_are_accepted(password: str) -> None:
    assert check_new_password(password, password) == password


def test_a_password_is_kept_as_an_argon2id_hash_only() -> None:
    hashed = hash_password(PASSWORD)

    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert hash_password(PASSWORD) != hashed  # salted
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + " ")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)
    assert not verify_password(hashed, "x" * (MAX_LENGTH + 1))
    assert not needs_rehash(hashed)


def test_signing_up_stores_the_hash_and_signs_in(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    found = credentials(engine, "ada")

    assert found is not None
    assert found[0] == ada.actor and ada.actor.is_admin  # the first account
    assert found[1] is not None and found[1].startswith("$argon2id$")
    assert PASSWORD not in found[1]
    assert actor_for(engine, ada.token) == ada.actor
    with pytest.raises(UsernameTaken):
        sign_up(engine, settings, "ADA", PASSWORD)
    with pytest.raises(WeakPassword):
        sign_up(engine, settings, "grace", "short")
    assert credentials(engine, "grace") is None


def test_signing_in_with_the_right_password_starts_a_session(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    signed_in = sign_in(engine, settings, " ADA ", PASSWORD, ADDRESS)

    assert signed_in.actor == ada.actor
    assert signed_in.token != ada.token
    assert actor_for(engine, signed_in.token) == ada.actor


@pytest.mark.parametrize(
    ("username", "password"),
    [("ada", "wrong password"), ("nobody", PASSWORD), ("ada", PASSWORD.upper())],
    ids=["wrong password", "unknown user", "wrong case"],
)
def test_a_failed_sign_in_does_not_say_what_was_wrong(
    engine: Engine, settings: Settings, ada: SignedIn, username: str, password: str
) -> None:
    with pytest.raises(SignInFailed) as failed:
        sign_in(engine, settings, username, password, ADDRESS)

    assert str(failed.value) == "the user name or password is wrong"


def test_an_account_without_a_password_cannot_sign_in_with_one(
    engine: Engine, settings: Settings
) -> None:
    create_user(engine, "sso-only", password_hash=None)

    with pytest.raises(SignInFailed):
        sign_in(engine, settings, "sso-only", "", ADDRESS)


def test_guessing_is_slowed_down_more_and_more(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "a guess", ADDRESS)

    waits = []
    for _ in range(3):
        with pytest.raises(TooManyAttempts) as slowed:
            sign_in(engine, settings, "ada", "a guess", ADDRESS)
        waits.append(slowed.value.retry_after_s)
        # Even the right password is refused while the wait lasts, without being checked.
        with pytest.raises(TooManyAttempts, match=r"too many failed sign-ins: wait \d+ s"):
            sign_in(engine, settings, "ada", PASSWORD, ADDRESS)
        _let_the_wait_pass(engine)
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "another guess", ADDRESS)

    # 1, 2 and 4 seconds, give or take the time the attempts themselves took.
    assert all(0 < wait <= limit for wait, limit in zip(waits, (1, 2, 4), strict=True)), waits
    assert waits[0] < waits[2]
    # Another address does not get around it: the account name is counted too.
    with pytest.raises(TooManyAttempts):
        sign_in(engine, settings, "ada", PASSWORD, "198.51.100.1")


def test_a_correct_sign_in_clears_the_accounts_failures(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "a guess", ADDRESS)
    _let_the_wait_pass(engine)

    sign_in(engine, settings, "ada", PASSWORD, ADDRESS)

    assert sign_in_store.failures(engine, ["user:ada"]) == (0, None)
    assert retry_after(engine, ["user:ada"]) is None
    with pytest.raises(SignInFailed):  # a new mistake is not punished for the old ones
        sign_in(engine, settings, "ada", "one slip", "198.51.100.1")
    sign_in(engine, settings, "ada", PASSWORD, "198.51.100.1")


def test_the_wait_doubles_up_to_a_limit(engine: Engine) -> None:
    keys = ["user:someone", f"address:{ADDRESS}"]
    for count in range(1, FREE_FAILURES + 12):
        sign_in_store.record_failures(engine, keys)
        wait = retry_after(engine, keys, now=datetime.now(UTC))
        if count < FREE_FAILURES:
            assert wait is None
        else:
            assert wait is not None
            expected = min(2 ** (count - FREE_FAILURES), 300)
            assert expected - 5 < wait.total_seconds() <= expected


def test_guesses_made_in_parallel_are_each_counted(engine: Engine) -> None:
    keys = ["user:someone", f"address:{ADDRESS}"]

    counts = at_once([partial(sign_in_store.record_failures, engine, keys) for _ in range(6)])

    assert sorted(c for c in counts if isinstance(c, int)) == [1, 2, 3, 4, 5, 6], counts
    assert sign_in_store.failures(engine, keys)[0] == 6


def test_a_session_ends_when_signed_out(engine: Engine, ada: SignedIn) -> None:
    sign_out(engine, ada.token)

    assert actor_for(engine, ada.token) is None
    sign_out(engine, ada.token)  # twice is harmless
    sign_out(engine, None)


def test_an_expired_session_signs_nobody_in(engine: Engine, ada: SignedIn) -> None:
    with session_scope(engine) as session:
        session.exec(update(SessionRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    assert actor_for(engine, ada.token) is None


def test_an_unknown_token_signs_nobody_in(engine: Engine, ada: SignedIn) -> None:
    for token in (None, "", "not-a-session", "x" * 1000, ada.token[:-1]):
        assert actor_for(engine, token) is None, token


def test_only_a_hash_of_the_session_token_is_stored(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    with session_scope(engine) as session:
        [row] = session.exec(select(SessionRow)).all()

    assert row.id == sign_in_store.token_hash(ada.token) != ada.token
    assert ada.token not in str(row.model_dump())
    assert len(ada.token) >= 43  # 256 random bits, URL-safe
    assert row.expires_at - row.created_at == timedelta(days=settings.session_days)
    assert row.user_id == ada.actor.id


def _let_the_wait_pass(engine: Engine) -> None:
    """Move every failure's time back, as if the person had waited the five minutes out."""
    long_ago = datetime.now(UTC) - timedelta(minutes=5, seconds=1)
    with session_scope(engine) as session:
        session.exec(update(SignInFailureRow).values(last_failure_at=long_ago))
