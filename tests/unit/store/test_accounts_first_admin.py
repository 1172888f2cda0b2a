"""Exactly one first admin, however many people sign up or sign in at the same moment.

The attack: twenty simultaneous sign-ups on an empty PostgreSQL database made five admins,
because the first-account check counted users and then inserted. Each round here releases
twenty creations together (a barrier) on a fresh database of each kind; all twenty must succeed
and exactly one of them may be an admin.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from designer.store.access import Actor
from designer.store.accounts import create_user, user_for_oidc
from designer.store.db import session_scope
from designer.store.tables import UserRow
from tests.fixtures.threads import at_once

#: People arriving at the same moment on an empty database.
CROWD = 20
ISSUER = "https://sso.example.com/realms/designer"


def local_sign_up(engine: Engine, index: int) -> Actor:
    return create_user(engine, f"person-{index:02d}", password_hash="$argon2id$stand-in")


def first_oidc_sign_in(engine: Engine, index: int) -> Actor:
    return user_for_oidc(
        engine,
        ISSUER,
        f"subject-{index}",
        username_hint=f"person-{index:02d}",
        display_name=f"Person {index}",
        email=None,
    )


def same_name_oidc_sign_in(engine: Engine, index: int) -> Actor:
    """Everyone's provider calls them "ada": the names come out "ada", "ada-2", ..."""
    return user_for_oidc(
        engine, ISSUER, f"subject-{index}", username_hint="ada", display_name=None, email=None
    )


ARRIVALS: dict[str, Callable[[Engine, int], Actor]] = {
    "local sign-ups": local_sign_up,
    "first OpenID sign-ins": first_oidc_sign_in,
    "OpenID sign-ins under one name": same_name_oidc_sign_in,
}


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize("arrival", list(ARRIVALS))
def test_a_crowd_on_an_empty_database_makes_exactly_one_admin(
    engine: Engine, arrival: str, round_: int
) -> None:
    arrive = ARRIVALS[arrival]

    results = at_once([lambda i=i: arrive(engine, i) for i in range(CROWD)])

    failures = [result for result in results if not isinstance(result, Actor)]
    assert failures == [], f"round {round_}: sign-ups failed"
    admins = [actor.username for actor in results if isinstance(actor, Actor) and actor.is_admin]
    assert len(admins) == 1, f"round {round_}: {len(admins)} admins: {admins}"
    with session_scope(engine) as session:
        rows = session.exec(select(UserRow)).all()
    assert len(rows) == CROWD
    assert [row.username for row in rows if row.is_admin] == admins


def test_the_crowd_after_the_first_account_makes_no_admin(engine: Engine) -> None:
    first = create_user(engine, "first")

    results = at_once([lambda i=i: local_sign_up(engine, i) for i in range(CROWD)])

    assert first.is_admin
    assert [r.is_admin for r in results if isinstance(r, Actor)] == [False] * CROWD


def test_an_account_made_an_admin_on_purpose_is_one(engine: Engine) -> None:
    create_user(engine, "first")

    assert create_user(engine, "second", admin=True).is_admin
    assert not create_user(engine, "third").is_admin


def test_one_identity_signing_in_many_times_at_once_is_one_admin_account(engine: Engine) -> None:
    results = at_once(
        [
            lambda: user_for_oidc(
                engine, ISSUER, "subject-1", username_hint="ada", display_name=None, email=None
            )
            for _ in range(CROWD)
        ]
    )

    assert all(isinstance(r, Actor) and r.is_admin for r in results), results
    assert len({r.id for r in results if isinstance(r, Actor)}) == 1
    with session_scope(engine) as session:
        assert len(session.exec(select(UserRow)).all()) == 1
