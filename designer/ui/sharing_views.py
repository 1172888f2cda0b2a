"""What the share dialogs and the teams page show, as plain rows of text (no Reflex here).

Each function turns the store's frozen values into lists of ``dict[str, str]`` that the pages
render with ``rx.foreach``: names, roles and their labels, "expires in 6 days", link status.
A flow's access (``AccessEntry``) carries user names and links; a dataset's or a block's
(``ShareEntry``, ``designer.store.sharing``) only who and which role. Times are compared with
an explicit ``now`` so the tests can pin it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from designer.store.accounts import UserSummary
from designer.store.shares import AccessEntry, LinkSummary
from designer.store.sharing import ShareEntry
from designer.store.teams import Member, TeamSummary

#: The roles a flow, a dataset or a block is shared with, as (label, value) for a select.
SHARE_ROLE_CHOICES = (("Viewer", "viewer"), ("Editor", "editor"))
#: The roles in a team, as (label, value).
TEAM_ROLE_CHOICES = (("Member", "member"), ("Admin", "admin"))
#: How long a new link lasts, as (label, value); the value is a number of days.
LINK_LIFETIME_CHOICES = (("1 day", "1"), ("7 days", "7"), ("30 days", "30"))
DEFAULT_LINK_LIFETIME = "7"

ROLE_LABELS = {"owner": "Owner", "editor": "Editor", "viewer": "Viewer"}
TEAM_ROLE_LABELS = {"admin": "Admin", "member": "Member"}
LINK_STATUS_COLORS = {"active": "green", "expired": "gray", "revoked": "red"}


def count_label(count: int, noun: str) -> str:
    """ "1 member", "3 members"."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def link_lifetime(choice: str) -> timedelta:
    """The lifetime picked in the expiry select; an unknown choice is refused."""
    if choice not in {value for _, value in LINK_LIFETIME_CHOICES}:
        labels = ", ".join(label for label, _ in LINK_LIFETIME_CHOICES)
        raise ValueError(f"a link can last {labels}, not {choice!r}")
    return timedelta(days=int(choice))


def base_url(public_url: str | None, origin: str, prefix: str = "") -> str:
    """Where people reach the designer: the configured public address, else the page's origin.

    ``prefix`` is the app's path prefix (Reflex's ``frontend_path``), if it is served under one.
    """
    if public_url:
        return public_url.rstrip("/")
    path = prefix.strip("/")
    # Without an Origin header Reflex's parsed origin is "://": fall back to a relative address.
    site = origin.rstrip("/") if not origin.endswith("://") else ""
    return site + (f"/{path}" if path else "")


def link_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/links/{token}"


def relative_time(moment: datetime, now: datetime) -> str:
    """A moment next to now as people say it: "in 6 days", "3 hours ago", "just now"."""
    seconds = (moment - now).total_seconds()
    future, span = seconds > 0, abs(seconds)
    if span < 60:
        return "in under a minute" if future else "just now"
    minutes, hours, days = span / 60, span / 3600, span / 86400
    if minutes < 45:
        amount = count_label(max(1, round(minutes)), "minute")
    elif hours < 22:
        amount = count_label(max(1, round(hours)), "hour")
    elif days < 45:
        amount = count_label(max(1, round(days)), "day")
    elif days < 345:
        amount = count_label(round(days / 30), "month")
    else:
        amount = count_label(max(1, round(days / 365)), "year")
    return f"in {amount}" if future else f"{amount} ago"


def exact_time(moment: datetime) -> str:
    """A moment in full, in UTC: "2024-11-22 14:05 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def link_status(link: LinkSummary, now: datetime) -> str:
    """ "revoked", "expired" or "active"."""
    if link.revoked_at is not None:
        return "revoked"
    return "active" if link.active(now) else "expired"


def link_expiry(link: LinkSummary, now: datetime) -> str:
    """ "expires in 6 days", "expired 2 days ago", "never expires"."""
    if link.expires_at is None:
        return "never expires"
    verb = "expires" if link.expires_at > now else "expired"
    return f"{verb} {relative_time(link.expires_at, now)}"


def link_rows(links: Iterable[LinkSummary], now: datetime) -> list[dict[str, str]]:
    rows = []
    for link in links:
        status = link_status(link, now)
        rows.append(
            {
                "id": link.id,
                "created_by": link.created_by or "someone",
                "created": relative_time(link.created_at, now),
                "created_exact": exact_time(link.created_at),
                "expires": link_expiry(link, now),
                "status": status,
                "color": LINK_STATUS_COLORS[status],
            }
        )
    return rows


def access_rows(entries: Iterable[AccessEntry]) -> list[dict[str, str]]:
    """Who has access, one row each: the owner first, as the store lists them."""
    return [
        {
            "kind": entry.kind,
            "id": entry.id,
            "name": entry.name,
            "detail": entry.detail if entry.kind == "team" else f"@{entry.detail}",
            #: What sharing again or changing the role names: the user name, or the team's id.
            "target": entry.id if entry.kind == "team" else entry.detail,
            "role": str(entry.role),
            "role_label": ROLE_LABELS.get(str(entry.role), str(entry.role)),
        }
        for entry in entries
    ]


def share_entry_rows(entries: Iterable[ShareEntry]) -> list[dict[str, str]]:
    """Who may use a dataset or a block: the owner first, then people, then teams (the store's
    order)."""
    return [
        {
            "kind": entry.kind,
            "id": entry.id,
            "name": entry.name,
            "role": str(entry.role),
            "role_label": ROLE_LABELS.get(str(entry.role), str(entry.role)),
        }
        for entry in entries
    ]


def team_choices(teams: Iterable[TeamSummary]) -> list[dict[str, str]]:
    """The person's teams as select items (what a dataset or a block is shared with)."""
    return [{"value": team.id, "label": team.name} for team in teams]


def suggestions(
    query: str,
    people: Iterable[UserSummary],
    teams: Iterable[TeamSummary],
    access: Iterable[Mapping[str, str]] = (),
) -> list[dict[str, str]]:
    """Whom the text typed in "Add people or teams" could mean: matching teams, then people.

    Teams match anywhere in their name; people come already matched from the store. Those in
    ``access`` (rows of ``access_rows``) are marked (sharing with them again changes their role).
    """
    text = " ".join(query.split()).lower()
    if not text:
        return []
    roles = {
        ("team" if row["kind"] == "team" else "user", row["id"]): row["role"] for row in access
    }
    found = [
        _suggestion(
            "team",
            team.id,
            team.name,
            count_label(team.member_count, "member"),
            roles.get(("team", team.id)),
        )
        for team in teams
        if text in team.name.lower()
    ]
    found += [
        _suggestion(
            "user",
            person.username,
            person.display_name,
            f"@{person.username}",
            roles.get(("user", person.id)),
        )
        for person in people
    ]
    return found


def share_target(
    query: str, picked_kind: str, picked_value: str, matches: Iterable[Mapping[str, str]]
) -> tuple[str, str]:
    """Whom "Share" means: the person or team picked, else the one match whose user name or
    name is exactly what was typed, else the text as a user name (the store says if it is not).
    """
    if picked_value:
        return picked_kind or "user", picked_value
    text = query.strip()
    exact = [m for m in matches if text.lower() in (m["value"].lower(), m["name"].lower())]
    return (exact[0]["kind"], exact[0]["value"]) if len(exact) == 1 else ("user", text)


def _suggestion(kind: str, value: str, name: str, detail: str, role: str | None) -> dict[str, str]:
    return {
        "kind": kind,
        "value": value,
        "name": name,
        "detail": detail,
        "note": _access_note(role),
    }


def _access_note(role: str | None) -> str:
    if role is None:
        return ""
    return "owner" if role == "owner" else f"already {ROLE_LABELS.get(role, role).lower()}"


def team_rows(teams: Iterable[TeamSummary]) -> list[dict[str, str]]:
    return [
        {
            "id": team.id,
            "name": team.name,
            "role": str(team.role or ""),
            "role_label": TEAM_ROLE_LABELS.get(str(team.role or ""), "Site admin"),
            "members": count_label(team.member_count, "member"),
        }
        for team in teams
    ]


def member_rows(members: Iterable[Member], me: str) -> list[dict[str, str]]:
    """The team's members; ``me`` (the viewer's user id) is marked "you"."""
    return [
        {
            "user_id": member.user_id,
            "username": member.username,
            "display_name": member.display_name + (" (you)" if member.user_id == me else ""),
            "role": str(member.role),
            "role_label": TEAM_ROLE_LABELS[str(member.role)],
        }
        for member in members
    ]
