"""Accounts: user names, the first admin, OpenID Connect identities, finding people."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select, update

from designer.flow.document import Flow
from designer.store import SignInRequired
from designer.store.accounts import (
    InvalidAccount,
    UsernameTaken,
    UserSummary,
    create_user,
    credentials,
    find_users,
    get_actor,
    normalize_username,
    user_for_oidc,
)
from designer.store.db import session_scope
from designer.store.flows import create_flow, get_flow, list_flows
from designer.store.tables import FlowRow, UserRow

ISSUER = "https://sso.example.com/realms/designer"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ada", "ada"),
        ("  Ada.Lovelace ", "ada.lovelace"),
        ("ADA_L-1815", "ada_l-1815"),
        ("a" * 64, "a" * 64),
        ("007", "007"),
    ],
)
def test_user_names_are_kept_in_lower_case(typed: str, kept: str) -> None:
    assert normalize_username(typed) == kept


@pytest.mark.parametrize(
    "typed",
    ["", "ab", "a" * 65, "-ada", "ada.", "_ada", "ada lovelace", "ada@home", "ádá", "ad\na"],
    ids=[
        "empty",
        "too short",
        "too long",
        "leading dash",
        "trailing dot",
        "leading underscore",
        "space",
        "at sign",
        "accents",
        "newline inside",
    ],
)
def test_user_names_that_cannot_be_used_say_what_one_is(typed: str) -> None:
    with pytest.raises(InvalidAccount, match="a user name is 3 to 64 characters: letters, digits"):
        normalize_username(typed)


def test_an_account_keeps_what_it_was_given(engine: Engine) -> None:
    actor = create_user(
        engine,
        " Ada ",
        "  Ada   Lovelace ",
        password_hash="$argon2id$stand-in",
        email="ada@example.com",
    )

    assert (actor.username, actor.display_name) == ("ada", "Ada Lovelace")
    assert len(actor.id) == 32
    assert get_actor(engine, actor.id) == actor
    assert credentials(engine, "ADA ") == (actor, "$argon2id$stand-in")
    assert credentials(engine, "nobody") is None
    assert get_actor(engine, "0" * 32) is None
    with session_scope(engine) as session:
        row = session.get(UserRow, actor.id)
        assert row is not None
        assert (row.email, row.created_at.tzinfo is not None) == ("ada@example.com", True)


def test_the_display_name_defaults_to_the_user_name(engine: Engine) -> None:
    assert create_user(engine, "grace").display_name == "grace"


@pytest.mark.parametrize(
    ("display_name", "reason"),
    [(" \t ", "a display name cannot be blank"), ("x" * 201, "at most 200 characters")],
)
def test_display_names_must_be_shown_somehow(
    engine: Engine, display_name: str, reason: str
) -> None:
    with pytest.raises(InvalidAccount, match=reason):
        create_user(engine, "ada", display_name)


@pytest.mark.parametrize("again", ["ada", "ADA", " Ada "])
def test_a_taken_user_name_is_refused_whatever_its_case(engine: Engine, again: str) -> None:
    first = create_user(engine, "ada", "Ada")

    with pytest.raises(UsernameTaken, match="the user name 'ada' is taken: choose another"):
        create_user(engine, again, "Someone else")

    assert credentials(engine, "ada") == (first, None)


def test_the_first_account_is_an_admin_and_adopts_flows_without_an_owner(engine: Engine) -> None:
    ownerless = _ownerless_flow(engine, "From before accounts")

    first = create_user(engine, "ada")
    later_ownerless = _ownerless_flow(engine, "Orphaned later")
    second = create_user(engine, "grace")

    assert (first.is_admin, second.is_admin) == (True, False)
    assert [f.id for f in list_flows(engine, first, "mine")] == [ownerless]
    assert get_flow(engine, first, ownerless).owner == "ada"
    assert list_flows(engine, second, "mine") == []
    with session_scope(engine) as session:
        orphan = session.get(FlowRow, later_ownerless)
        assert orphan is not None and orphan.owner_id is None


def test_an_openid_identity_gets_one_account_made_on_its_first_sign_in(engine: Engine) -> None:
    first = user_for_oidc(
        engine,
        ISSUER,
        "subject-1",
        username_hint="Ada.Lovelace",
        display_name="Ada Lovelace",
        email="ada@example.com",
    )
    again = user_for_oidc(
        engine, ISSUER, "subject-1", username_hint="changed", display_name="X", email=None
    )

    assert again == first
    assert (first.username, first.display_name) == ("ada.lovelace", "Ada Lovelace")
    with session_scope(engine) as session:
        rows = session.exec(select(UserRow)).all()
    assert [(r.oidc_issuer, r.oidc_subject, r.password_hash) for r in rows] == [
        (ISSUER, "subject-1", None)
    ]


@pytest.mark.parametrize(
    ("hint", "email", "username"),
    [
        ("ada", None, "ada-2"),  # "ada" is a local account: it is never taken over
        (None, "Ada@example.com", "ada-2"),
        (None, "grace.hopper@example.com", "grace.hopper"),
        ("Grace Hopper!", None, "grace-hopper"),
        ("x", None, "x00"),
        (None, None, "user"),
        ("..", None, "000"),
        ("a" * 80, None, "a" * 64),
        ("a" * 63 + ".b", None, "a" * 63),  # cut to 64 characters, then made to end well
    ],
)
def test_an_openid_account_gets_a_valid_unused_user_name(
    engine: Engine, hint: str | None, email: str | None, username: str
) -> None:
    local = create_user(engine, "ada", "Ada (local)")

    actor = user_for_oidc(
        engine, ISSUER, "subject-1", username_hint=hint, display_name=None, email=email
    )

    assert actor.username == username == normalize_username(username)
    assert actor.display_name == username
    assert actor.id != local.id


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("  Ada \n Lovelace ", "Ada Lovelace"),
        (" \t ", "ada"),
        ("", "ada"),
        ("x" * 300, "x" * 200),
        ("Ada\x00Lovelace\x07", "Ada Lovelace"),
    ],
    ids=["spaced", "blank", "empty", "too long", "control characters"],
)
def test_whatever_name_the_provider_gives_the_person_can_sign_in(
    engine: Engine, given: str, shown: str
) -> None:
    actor = user_for_oidc(
        engine, ISSUER, "subject-1", username_hint="ada", display_name=given, email=None
    )

    assert actor.display_name == shown


def test_the_same_subject_at_another_provider_is_another_person(engine: Engine) -> None:
    def sign_in(issuer: str) -> str:
        return user_for_oidc(
            engine, issuer, "same-subject", username_hint="ada", display_name=None, email=None
        ).username

    assert [sign_in(ISSUER), sign_in("https://other.example.com"), sign_in(ISSUER)] == [
        "ada",
        "ada-2",
        "ada",
    ]


def test_people_are_found_by_the_start_of_their_user_or_display_name(engine: Engine) -> None:
    me = create_user(engine, "searcher")
    for username, shown in [
        ("ada", "Ada Lovelace"),
        ("adele", "Adèle"),
        ("grace", "Grace Hopper"),
        ("lovelace", "Not Ada"),
        ("percent", "100% sure"),
    ]:
        create_user(engine, username, shown)

    def found(query: str, limit: int = 8) -> list[str]:
        return [person.username for person in find_users(engine, me, query, limit)]

    assert found("ad") == ["ada", "adele"]
    assert found(" AD ") == ["ada", "adele"]
    assert found("ad", limit=1) == ["ada"]
    assert found("grace h") == ["grace"]
    assert found("lovelace") == ["lovelace"]
    assert found("not") == ["lovelace"]
    assert found("") == found("   ") == []
    assert found("%") == found("_") == []  # LIKE's wildcards are taken literally
    assert found("100%") == ["percent"]
    assert find_users(engine, me, "gra") == [
        UserSummary(_id(engine, "grace"), "grace", "Grace Hopper")
    ]
    with pytest.raises(SignInRequired):
        find_users(engine, None, "ad")


def _ownerless_flow(engine: Engine, name: str) -> str:
    """A flow as the accounts migration leaves those made before accounts: nobody owns it."""
    helper = create_user(engine, f"helper-{uuid.uuid4().hex[:8]}")
    flow_id = create_flow(engine, helper, Flow(name=name)).id
    with session_scope(engine) as session:
        session.exec(update(FlowRow).where(col(FlowRow.id) == flow_id).values(owner_id=None))
        session.delete(session.get(UserRow, helper.id))
    return flow_id


def _id(engine: Engine, username: str) -> str:
    found = credentials(engine, username)
    assert found is not None
    return found[0].id
