"""Local accounts: password rules and hashing, signing in and out, slowing down guessing.

Slowing down must hit the guesser only: the owner signing in from their own address is never
made to wait for someone else's guesses (``designer.auth.signin``'s docstring has the rules).
"""

from __future__ import annotations

import contextlib
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
    ACCOUNT_ALERT,
    ADDRESS_FREE_FAILURES,
    FREE_FAILURES,
    FailureKeys,
    SignedIn,
    SignInFailed,
    SignUpRefused,
    TooManyAttempts,
    actor_for,
    retry_after,
    sign_in,
    sign_out,
    sign_up,
)
from designer.settings import Settings
from designer.store import signin as sign_in_store
from designer.store.accounts import create_user, credentials
from designer.store.db import session_scope
from designer.store.signin import FORGET_FAILURES_AFTER
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
GUESSER = "192.0.2.66"


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
    with pytest.raises(SignUpRefused, match="the user name 'ada' is taken"):
        sign_up(engine, settings, "ADA", PASSWORD)
    with pytest.raises(SignUpRefused, match="at least 8 characters"):
        sign_up(engine, settings, "grace", "short")
    assert credentials(engine, "grace") is None


@pytest.mark.parametrize(
    ("username", "password", "confirm", "problems"),
    [
        ("grace", "short", "shorter", ["passwords differ", "at least 8 characters"]),
        ("no", "short", "short", ["a user name is 3 to 64", "at least 8 characters"]),
        ("ADA", "a long enough one", "not the same", ["'ada' is taken", "passwords differ"]),
        (
            "bad name!",
            " " * 9,
            "x" * 9,
            ["a user name is 3 to 64", "passwords differ", "only spaces"],
        ),
    ],
    ids=["mismatched and short", "bad name and short", "taken and mismatched", "three at once"],
)
def test_a_sign_up_reports_every_problem_at_once(
    engine: Engine,
    settings: Settings,
    ada: SignedIn,
    username: str,
    password: str,
    confirm: str,
    problems: list[str],
) -> None:
    with pytest.raises(SignUpRefused) as refused:
        sign_up(engine, settings, username, password, confirm=confirm)

    assert len(refused.value.problems) == len(problems)
    for found, expected in zip(refused.value.problems, problems, strict=True):
        assert expected in found
    assert str(refused.value).splitlines() == refused.value.problems
    assert credentials(engine, "grace") is None


def test_a_weak_password_says_every_reason() -> None:
    with pytest.raises(WeakPassword) as weak:
        check_new_password("short", "shorter")

    assert weak.value.problems == [
        "the two passwords differ: type the same password twice",
        "a password needs at least 8 characters",
    ]
    assert str(weak.value) == "; ".join(weak.value.problems)


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


@pytest.mark.parametrize(
    "username", ["ada", "nobody-has-this-name"], ids=["wrong password", "unknown user"]
)
def test_an_unknown_name_costs_a_password_check_too(
    engine: Engine,
    settings: Settings,
    ada: SignedIn,
    username: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both refusals hash the password once, so their timing does not tell names apart."""
    import designer.auth.signin as module

    checked: list[str] = []
    real = module.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(module, "verify_password", counting)
    with pytest.raises(SignInFailed):
        sign_in(engine, settings, username, "not the password", ADDRESS)

    assert checked == ["not the password"]


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
        with pytest.raises(TooManyAttempts, match=r"too many failed sign-ins .*: wait \d+ s"):
            sign_in(engine, settings, "ada", PASSWORD, ADDRESS)
        _let_the_wait_pass(engine)
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "another guess", ADDRESS)

    # 1, 2 and 4 seconds, give or take the time the attempts themselves took.
    assert all(0 < wait <= limit for wait, limit in zip(waits, (1, 2, 4), strict=True)), waits
    assert waits[0] <= waits[2]


def test_the_owner_signs_in_from_elsewhere_while_the_guesser_waits(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    for _ in range(FREE_FAILURES + 1):
        with contextlib.suppress(SignInFailed, TooManyAttempts):
            sign_in(engine, settings, "ada", "a guess", GUESSER)
    # A guesser who kept at it: a wait (minutes) that no slow machine outlives mid-test.
    for _ in range(6):
        sign_in_store.record_failures(engine, FailureKeys.of("ada", GUESSER).counted)
    with pytest.raises(TooManyAttempts):
        sign_in(engine, settings, "ada", PASSWORD, GUESSER)

    owner = sign_in(engine, settings, "ada", PASSWORD, ADDRESS)

    assert owner.actor == ada.actor
    # The owner's success does not let the guesser go on.
    with pytest.raises(TooManyAttempts):
        sign_in(engine, settings, "ada", "another guess", GUESSER)


def test_a_success_forgives_its_own_typos_from_its_own_address_only(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    sign_up(engine, settings, "grace", PASSWORD, confirm=PASSWORD)
    for _ in range(FREE_FAILURES - 1):  # typos, on two accounts, from the office
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "one slip", ADDRESS)
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "grace", "one slip", ADDRESS)
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "a guess", GUESSER)

    sign_in(engine, settings, "ada", PASSWORD, ADDRESS)

    office = FailureKeys.of("ada", ADDRESS)
    assert counts(engine, office.pair, office.address) == {office.address: FREE_FAILURES - 1}
    assert retry_after(engine, office) is None
    # A new mistake is not punished for the old ones: five more free tries.
    for _ in range(FREE_FAILURES - 1):
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "one slip", ADDRESS)
    sign_in(engine, settings, "ada", PASSWORD, ADDRESS)
    # Elsewhere, and for others, nothing was forgiven.
    guesser, grace = FailureKeys.of("ada", GUESSER).pair, FailureKeys.of("grace", ADDRESS).pair
    assert counts(engine, guesser, grace) == {guesser: FREE_FAILURES, grace: FREE_FAILURES - 1}


def test_a_guesser_signing_in_to_their_own_account_keeps_their_count(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    sign_up(engine, settings, "mallory", PASSWORD, confirm=PASSWORD)
    for round_ in range(2):  # one password tried on many names, an own sign-in between
        if round_:
            sign_in(engine, settings, "mallory", PASSWORD, GUESSER)
        for i in range(ADDRESS_FREE_FAILURES // 2):
            with pytest.raises(SignInFailed):
                sign_in(engine, settings, f"victim{round_}{i}", "Summer2026!", GUESSER)

    with pytest.raises(TooManyAttempts):
        sign_in(engine, settings, "ada", "Summer2026!", GUESSER)


def test_one_address_trying_many_names_is_slowed_for_every_name(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    names = [f"someone{i}" for i in range(ADDRESS_FREE_FAILURES)]
    for name in names:  # one guess per name: no account's own count is reached
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, name, "Summer2026!", GUESSER)

    with pytest.raises(TooManyAttempts):
        sign_in(engine, settings, "ada", "Summer2026!", GUESSER)
    sign_in(engine, settings, "ada", PASSWORD, ADDRESS)  # the others are not slowed


def test_many_addresses_guessing_one_account_slow_each_other_but_not_the_owner(
    engine: Engine, settings: Settings, ada: SignedIn
) -> None:
    botnet = [f"198.51.100.{i}" for i in range(1, ACCOUNT_ALERT + 1)]
    for address in botnet:  # one guess each: no address reaches its own limit
        with pytest.raises(SignInFailed):
            sign_in(engine, settings, "ada", "a guess", address)

    # The account is now a target: a new address gets one free guess, then waits.
    with pytest.raises(SignInFailed):
        sign_in(engine, settings, "ada", "a guess", "192.0.2.200")
    with pytest.raises(TooManyAttempts):
        sign_in(engine, settings, "ada", "a guess", "192.0.2.200")
    # The owner is never locked out: the right password at once goes through.
    assert sign_in(engine, settings, "ada", PASSWORD, ADDRESS).actor == ada.actor


@pytest.mark.parametrize(
    ("free", "key"),
    [(FREE_FAILURES, "pair"), (ADDRESS_FREE_FAILURES, "address")],
)
def test_the_wait_doubles_up_to_a_limit(engine: Engine, free: int, key: str) -> None:
    keys = FailureKeys.of("someone", ADDRESS)
    for count in range(1, free + 12):
        sign_in_store.record_failures(engine, [getattr(keys, key)])
        wait = retry_after(engine, keys, now=datetime.now(UTC))
        if count < free:
            assert wait is None
        else:
            assert wait is not None
            expected = min(2 ** (count - free), 300)
            assert expected - 5 < wait.total_seconds() <= expected


def test_failures_are_forgotten_after_a_quiet_day(engine: Engine) -> None:
    keys = FailureKeys.of("someone", ADDRESS)
    for _ in range(FREE_FAILURES):
        sign_in_store.record_failures(engine, keys.counted)
    day_ago = datetime.now(UTC) - FORGET_FAILURES_AFTER - timedelta(seconds=1)
    with session_scope(engine) as session:
        session.exec(update(SignInFailureRow).values(last_failure_at=day_ago))

    assert sign_in_store.failures(engine, keys.counted) == {}
    counts = sign_in_store.record_failures(engine, [keys.pair])
    assert counts == {keys.pair: 1}
    with session_scope(engine) as session:  # the old rows were swept
        assert len(session.exec(select(SignInFailureRow)).all()) == 1


def test_guesses_made_in_parallel_are_each_counted(engine: Engine) -> None:
    keys = FailureKeys.of("someone", ADDRESS).counted

    returned = at_once([partial(sign_in_store.record_failures, engine, keys) for _ in range(6)])

    seen = sorted(c[keys[0]] for c in returned if isinstance(c, dict))
    assert seen == [1, 2, 3, 4, 5, 6], returned
    assert counts(engine, *keys) == dict.fromkeys(keys, 6)


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


def counts(engine: Engine, *keys: str) -> dict[str, int]:
    """The failures counted against ``keys`` (those with none are left out)."""
    return {key: count for key, (count, _) in sign_in_store.failures(engine, list(keys)).items()}


def _let_the_wait_pass(engine: Engine) -> None:
    """Move every failure's time back, as if the person had waited the five minutes out."""
    long_ago = datetime.now(UTC) - timedelta(minutes=5, seconds=1)
    with session_scope(engine) as session:
        session.exec(update(SignInFailureRow).values(last_failure_at=long_ago))
