"""Account administration: disabling ends access at once, and an admin always remains."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, func, select, update

from designer.store.access import Actor
from designer.store.accounts import (
    AccountDisabled,
    AccountInfo,
    LastAdmin,
    UserNotFound,
    create_user,
    credentials,
    disable_user,
    enable_user,
    list_users,
    reset_password,
    set_admin,
    user_for_oidc,
)
from designer.store.db import session_scope
from designer.store.signin import actor_for_session, create_session, token_hash
from designer.store.tables import SessionRow, UserRow
from tests.fixtures.threads import at_once

HOUR = timedelta(hours=1)
ISSUER = "https://sso.example.com"
Change = Callable[[Engine], object]


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """An admin (the first account) and two ordinary accounts."""
    return {
        name: create_user(engine, name, name.title(), password_hash=f"$argon2id${name}")
        for name in ("root", "ada", "grace")
    }


def sessions_of(engine: Engine, user_id: str) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count()).select_from(SessionRow).where(SessionRow.user_id == user_id)
        ).one()


def test_disabling_ends_every_session_at_once(engine: Engine, people: dict[str, Actor]) -> None:
    ada = people["ada"]
    tokens = [create_session(engine, ada.id, HOUR) for _ in range(3)]
    others = create_session(engine, people["grace"].id, HOUR)
    assert all(actor_for_session(engine, token) == ada for token in tokens)

    disable_user(engine, "ada")

    assert [actor_for_session(engine, token) for token in tokens] == [None] * 3
    assert sessions_of(engine, ada.id) == 0
    assert actor_for_session(engine, others) == people["grace"]


def test_a_session_that_survived_disabling_opens_nothing(
    engine: Engine, people: dict[str, Actor]
) -> None:
    """As if the session row had been written while the account was being disabled."""
    token = create_session(engine, people["ada"].id, HOUR)
    with session_scope(engine) as session:
        session.exec(
            update(UserRow)
            .where(col(UserRow.id) == people["ada"].id)
            .values(disabled_at=datetime.now(UTC))
        )
        assert session.get(SessionRow, token_hash(token)) is not None

    assert actor_for_session(engine, token) is None


def test_a_disabled_account_gets_no_new_session_until_enabled(
    engine: Engine, people: dict[str, Actor]
) -> None:
    old = create_session(engine, people["ada"].id, HOUR)
    disable_user(engine, "ada")

    with pytest.raises(AccountDisabled, match="this account is disabled; ask an administrator"):
        create_session(engine, people["ada"].id, HOUR)
    assert sessions_of(engine, people["ada"].id) == 0

    enable_user(engine, "ADA")
    fresh = create_session(engine, people["ada"].id, HOUR)
    assert actor_for_session(engine, fresh) == people["ada"]
    assert actor_for_session(engine, old) is None  # enabling does not bring old sessions back


def test_a_disabled_single_sign_on_account_gets_no_session(engine: Engine) -> None:
    def sign_in() -> Actor:
        return user_for_oidc(
            engine, ISSUER, "sub-1", username_hint="ada", display_name=None, email=None
        )

    create_user(engine, "root")
    ada = sign_in()
    disable_user(engine, ada.username)

    again = sign_in()  # the identity is still hers: no second account is made for it
    assert again.id == ada.id
    with pytest.raises(AccountDisabled):
        create_session(engine, again.id, HOUR)


def test_disabling_twice_keeps_the_first_date(engine: Engine, people: dict[str, Actor]) -> None:
    disable_user(engine, "ada")
    first = next(info.disabled_at for info in list_users(engine) if info.username == "ada")
    disable_user(engine, "ada")

    assert [info.disabled_at for info in list_users(engine) if info.username == "ada"] == [first]


def test_a_new_password_ends_every_session(engine: Engine, people: dict[str, Actor]) -> None:
    token = create_session(engine, people["ada"].id, HOUR)

    reset_password(engine, "ada", "$argon2id$new")

    assert actor_for_session(engine, token) is None
    assert credentials(engine, "ada") == (people["ada"], "$argon2id$new")
    assert actor_for_session(engine, create_session(engine, people["ada"].id, HOUR)) is not None


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        (lambda engine: disable_user(engine, "root"), "cannot be disabled"),
        (lambda engine: set_admin(engine, "root", False), "cannot be made an ordinary account"),
    ],
    ids=["disable", "demote"],
)
def test_the_last_admin_stays(
    engine: Engine, people: dict[str, Actor], change: Change, refused: str
) -> None:
    with pytest.raises(LastAdmin, match=f"'root' is the last administrator .* {refused}"):
        change(engine)

    assert [(i.username, i.is_admin, i.disabled_at) for i in list_users(engine)][-1] == (
        "root",
        True,
        None,
    )


def test_an_admin_can_step_down_once_there_is_another(
    engine: Engine, people: dict[str, Actor]
) -> None:
    assert set_admin(engine, "ada", True).is_admin

    assert set_admin(engine, "root", False).is_admin is False
    assert disable_user(engine, "grace").username == "grace"
    with pytest.raises(LastAdmin):
        disable_user(engine, "ada")


def test_a_disabled_admin_does_not_count_as_one_left(
    engine: Engine, people: dict[str, Actor]
) -> None:
    set_admin(engine, "ada", True)
    disable_user(engine, "ada")

    with pytest.raises(LastAdmin):
        set_admin(engine, "root", False)
    set_admin(engine, "ada", False)  # demoting a disabled admin leaves the admins who can sign in


def test_two_admins_disabling_each_other_at_once_leave_one(
    engine: Engine, people: dict[str, Actor]
) -> None:
    set_admin(engine, "ada", True)

    results = at_once([lambda: disable_user(engine, "root"), lambda: disable_user(engine, "ada")])

    assert sorted(type(result).__name__ for result in results) == ["Actor", "LastAdmin"]
    admins = [i.username for i in list_users(engine) if i.is_admin and i.disabled_at is None]
    assert len(admins) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda engine: disable_user(engine, "nobody"),
        lambda engine: enable_user(engine, "nobody"),
        lambda engine: set_admin(engine, "nobody", True),
        lambda engine: reset_password(engine, "nobody", "$argon2id$x"),
        lambda engine: disable_user(engine, "not a name!"),
    ],
    ids=["disable", "enable", "admin", "reset-password", "not a name"],
)
def test_changes_to_nobody_say_so(engine: Engine, people: dict[str, Actor], change: Change) -> None:
    with pytest.raises(UserNotFound, match="nobody has the user name"):
        change(engine)


def test_the_list_says_how_each_person_signs_in(engine: Engine) -> None:
    create_user(engine, "root", "Root", password_hash="$argon2id$root")
    sso = user_for_oidc(engine, ISSUER, "s", username_hint="sso", display_name="S", email=None)
    create_user(engine, "nopass", "No Password")
    create_session(engine, sso.id, HOUR)
    disable_user(engine, "nopass")

    found = {info.username: info for info in list_users(engine)}

    assert list(found) == ["nopass", "root", "sso"]
    assert found["root"] == AccountInfo("root", "Root", True, None, None, ("password",))
    assert found["sso"].sign_in_methods == ("single sign-on",)
    assert found["sso"].last_sign_in_at is not None
    assert found["nopass"].sign_in_methods == ()
    assert found["nopass"].disabled_at is not None
