"""What the share dialog and the teams page show, from the store's values, at a pinned time."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from designer.store.access import Role
from designer.store.accounts import UserSummary
from designer.store.shares import AccessEntry, LinkSummary
from designer.store.sharing import ShareEntry
from designer.store.teams import Member, TeamRole, TeamSummary
from designer.ui import sharing_views as views

NOW = datetime(2024, 11, 22, 14, 5, tzinfo=UTC)


def link(
    *,
    created: timedelta = timedelta(hours=-2),
    expires: timedelta | None = timedelta(days=7),
    revoked: timedelta | None = None,
    by: str = "Ada Lovelace",
) -> LinkSummary:
    return LinkSummary(
        id="l1",
        role=Role.VIEWER,
        created_at=NOW + created,
        expires_at=NOW + expires if expires is not None else None,
        revoked_at=NOW + revoked if revoked is not None else None,
        created_by=by,
    )


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=-59), "just now"),
        (timedelta(seconds=30), "in under a minute"),
        (timedelta(minutes=-1), "1 minute ago"),
        (timedelta(minutes=-5, seconds=-20), "5 minutes ago"),
        (timedelta(minutes=20), "in 20 minutes"),
        (timedelta(minutes=-50), "1 hour ago"),
        (timedelta(hours=3), "in 3 hours"),
        (timedelta(hours=-21), "21 hours ago"),
        (timedelta(hours=23), "in 1 day"),
        (timedelta(days=1) - timedelta(minutes=1), "in 1 day"),
        (timedelta(days=6, hours=23), "in 7 days"),
        (timedelta(days=6, hours=2), "in 6 days"),
        (timedelta(days=-30), "30 days ago"),
        (timedelta(days=90), "in 3 months"),
        (timedelta(days=-365), "1 year ago"),
        (timedelta(days=800), "in 2 years"),
    ],
)
def test_relative_time(offset: timedelta, expected: str) -> None:
    assert views.relative_time(NOW + offset, NOW) == expected


@pytest.mark.parametrize(
    ("made", "status", "expiry", "color"),
    [
        (link(), "active", "expires in 7 days", "green"),
        (link(expires=timedelta(days=6, hours=2)), "active", "expires in 6 days", "green"),
        (link(expires=None), "active", "never expires", "green"),
        (link(expires=timedelta(days=-2)), "expired", "expired 2 days ago", "gray"),
        (link(expires=timedelta(0)), "expired", "expired just now", "gray"),
        (link(revoked=timedelta(minutes=-3)), "revoked", "expires in 7 days", "red"),
        (
            link(expires=timedelta(days=-1), revoked=timedelta(days=-3)),
            "revoked",
            "expired 1 day ago",
            "red",
        ),
    ],
)
def test_link_status_and_expiry(made: LinkSummary, status: str, expiry: str, color: str) -> None:
    assert views.link_status(made, NOW) == status
    assert views.link_expiry(made, NOW) == expiry
    [row] = views.link_rows([made], NOW)
    assert (row["status"], row["expires"], row["color"]) == (status, expiry, color)


def test_link_row_says_who_made_it_and_when() -> None:
    [row] = views.link_rows([link()], NOW)
    assert row == {
        "id": "l1",
        "created_by": "Ada Lovelace",
        "created": "2 hours ago",
        "created_exact": "2024-11-22 12:05 UTC",
        "expires": "expires in 7 days",
        "status": "active",
        "color": "green",
    }
    assert views.link_rows([link(by="")], NOW)[0]["created_by"] == "someone"


@pytest.mark.parametrize(
    ("public_url", "origin", "prefix", "expected"),
    [
        (None, "http://localhost:3000", "", "http://localhost:3000/links/tok"),
        (None, "https://designer.example.com/", "", "https://designer.example.com/links/tok"),
        (None, "https://example.com", "/designer", "https://example.com/designer/links/tok"),
        (None, "https://example.com", "designer/", "https://example.com/designer/links/tok"),
        (
            "https://ml.example.com/",
            "http://127.0.0.1:3000",
            "",
            "https://ml.example.com/links/tok",
        ),
        ("https://ml.example.com/app", "http://x", "/app", "https://ml.example.com/app/links/tok"),
        (None, "://", "", "/links/tok"),
        (None, "", "", "/links/tok"),
    ],
)
def test_link_url(public_url: str | None, origin: str, prefix: str, expected: str) -> None:
    assert views.link_url(views.base_url(public_url, origin, prefix), "tok") == expected


@pytest.mark.parametrize(
    ("choice", "days"),
    [
        (value, days)
        for (_, value), days in zip(views.LINK_LIFETIME_CHOICES, (1, 7, 30), strict=True)
    ],
)
def test_link_lifetimes(choice: str, days: int) -> None:
    assert views.link_lifetime(choice) == timedelta(days=days)


@pytest.mark.parametrize("choice", ["", "0", "365", "7 days", "-1"])
def test_other_link_lifetimes_are_refused(choice: str) -> None:
    with pytest.raises(ValueError, match="1 day, 7 days, 30 days"):
        views.link_lifetime(choice)


ACCESS = [
    AccessEntry("owner", "u-ada", "Ada Lovelace", "ada", Role.OWNER),
    AccessEntry("user", "u-bob", "Bob Stone", "bob", Role.EDITOR),
    AccessEntry("team", "t-ml", "ML team", "3 members", Role.VIEWER),
]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ("owner", "u-ada", "Ada Lovelace", "@ada", "ada", "owner", "Owner")),
        (1, ("user", "u-bob", "Bob Stone", "@bob", "bob", "editor", "Editor")),
        (2, ("team", "t-ml", "ML team", "3 members", "t-ml", "viewer", "Viewer")),
    ],
)
def test_access_rows(index: int, expected: tuple[str, ...]) -> None:
    row = views.access_rows(ACCESS)[index]
    keys = ("kind", "id", "name", "detail", "target", "role", "role_label")
    assert tuple(row[key] for key in keys) == expected


#: A dataset's or a block's "who can use it" list, as the store gives it.
SHARED = [
    ShareEntry("owner", "u1", "Ada", Role.OWNER),
    ShareEntry("user", "u2", "Bob", Role.EDITOR),
    ShareEntry("team", "t1", "Analysts", Role.VIEWER),
]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ("owner", "u1", "Ada", "owner", "Owner")),
        (1, ("user", "u2", "Bob", "editor", "Editor")),
        (2, ("team", "t1", "Analysts", "viewer", "Viewer")),
    ],
)
def test_share_entry_rows(index: int, expected: tuple[str, ...]) -> None:
    row = views.share_entry_rows(SHARED)[index]
    assert tuple(row[key] for key in ("kind", "id", "name", "role", "role_label")) == expected


def test_team_choices() -> None:
    teams = [TeamSummary("t1", "Analysts", TeamRole.MEMBER, 3)]
    assert views.team_choices(teams) == [{"value": "t1", "label": "Analysts"}]


PEOPLE = [
    UserSummary("u-ada", "ada", "Ada Lovelace"),
    UserSummary("u-bob", "bob", "Bob Stone"),
    UserSummary("u-mlx", "mlx", "Mel Lux"),
]
TEAMS = [
    TeamSummary("t-ml", "ML team", TeamRole.ADMIN, 3),
    TeamSummary("t-data", "Data platform", TeamRole.MEMBER, 1),
]


@pytest.mark.parametrize(
    ("query", "people", "expected"),
    [
        ("", PEOPLE, []),
        ("   ", PEOPLE, []),
        (
            "ml",
            PEOPLE[2:],
            [
                ("team", "t-ml", "ML team", "3 members", "already viewer"),
                ("user", "mlx", "Mel Lux", "@mlx", ""),
            ],
        ),
        (
            " DATA ",
            [],
            [("team", "t-data", "Data platform", "1 member", "")],
        ),
        (
            "team",
            [],
            [("team", "t-ml", "ML team", "3 members", "already viewer")],
        ),
        (
            "a",
            PEOPLE[:1],
            [
                ("team", "t-ml", "ML team", "3 members", "already viewer"),
                ("team", "t-data", "Data platform", "1 member", ""),
                ("user", "ada", "Ada Lovelace", "@ada", "owner"),
            ],
        ),
        ("b", PEOPLE[1:2], [("user", "bob", "Bob Stone", "@bob", "already editor")]),
    ],
)
def test_suggestions(query: str, people: list[UserSummary], expected: list[tuple]) -> None:
    found = views.suggestions(query, people, TEAMS, views.access_rows(ACCESS))
    keys = ("kind", "value", "name", "detail", "note")
    assert [tuple(row[key] for key in keys) for row in found] == expected


MATCHES = views.suggestions("b", PEOPLE[1:2], [*TEAMS, TeamSummary("t-b", "Bob", None, 1)])


@pytest.mark.parametrize(
    ("query", "kind", "value", "matches", "expected"),
    [
        ("Bob Stone", "user", "bob", MATCHES, ("user", "bob")),
        ("ML team", "team", "t-ml", [], ("team", "t-ml")),
        ("ml", "", "", views.suggestions("ml", [], TEAMS), ("user", "ml")),
        (" ml team ", "", "", views.suggestions("ml", [], TEAMS), ("team", "t-ml")),
        ("bob stone", "", "", MATCHES, ("user", "bob")),
        ("BOB", "", "", MATCHES, ("user", "BOB")),
        ("  cyd ", "", "", [], ("user", "cyd")),
        ("", "", "", MATCHES, ("user", "")),
    ],
)
def test_share_target(
    query: str, kind: str, value: str, matches: list[dict[str, str]], expected: tuple[str, str]
) -> None:
    assert views.share_target(query, kind, value, matches) == expected


@pytest.mark.parametrize(
    ("team", "expected"),
    [
        (TEAMS[0], ("t-ml", "ML team", "admin", "Admin", "3 members")),
        (TEAMS[1], ("t-data", "Data platform", "member", "Member", "1 member")),
        (TeamSummary("t-x", "Other", None, 0), ("t-x", "Other", "", "Site admin", "0 members")),
    ],
)
def test_team_rows(team: TeamSummary, expected: tuple[str, ...]) -> None:
    [row] = views.team_rows([team])
    assert tuple(row[key] for key in ("id", "name", "role", "role_label", "members")) == expected


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (
            Member("u-ada", "ada", "Ada Lovelace", TeamRole.ADMIN),
            ("u-ada", "ada", "Ada Lovelace (you)", "admin", "Admin"),
        ),
        (
            Member("u-bob", "bob", "Bob Stone", TeamRole.MEMBER),
            ("u-bob", "bob", "Bob Stone", "member", "Member"),
        ),
    ],
)
def test_member_rows(member: Member, expected: tuple[str, ...]) -> None:
    [row] = views.member_rows([member], me="u-ada")
    keys = ("user_id", "username", "display_name", "role", "role_label")
    assert tuple(row[key] for key in keys) == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 members"), (1, "1 member"), (12, "12 members")]
)
def test_count_label(count: int, expected: str) -> None:
    assert views.count_label(count, "member") == expected


def test_rows_are_plain_text_for_the_pages() -> None:
    rows = [
        *views.link_rows([link()], NOW),
        *views.access_rows(ACCESS),
        *views.share_entry_rows(SHARED),
        *views.team_choices(TEAMS),
        *views.suggestions("a", PEOPLE, TEAMS, views.access_rows(ACCESS)),
        *views.team_rows(TEAMS),
        *views.member_rows([Member("u", "ada", "Ada", TeamRole.ADMIN)], me=""),
    ]
    assert all(type(v) is str for row in rows for v in row.values())


def test_the_views_do_not_import_reflex() -> None:
    code = "import sys, designer.ui.sharing_views; print('reflex' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
