"""The state of the audit log page (``/audit``): its filters, one page of events, paging.

The store decides which events the person may read (``designer.store.audit``): a site admin
every event, anyone else the events on what they own and on their own account. The functions
at the top turn the filters typed on the page into the store's ``AuditFilter`` and an event
into a table row; they are plain Python.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import reflex as rx

from designer.store.audit import ACTIONS, KINDS, AuditEvent, AuditFilter, list_events
from designer.store.db import StoreError
from designer.ui.context import database
from designer.ui.messages import shown
from designer.ui.session import actor_of

ROUTE = "/audit"
#: How many events a page of the table shows.
PAGE = 50
#: The selects' value for "no filter" (a select item cannot have an empty value).
ANY = "any"
#: Each action in words, for the table and the action filter.
ACTION_WORDS = {
    "signed_in": "signed in",
    "sign_in_refused": "sign-in refused",
    "shared": "shared",
    "unshared": "stopped sharing",
    "deleted": "deleted",
    "restored": "restored",
    "published": "published",
    "run_started": "started a run",
    "run_cancelled": "cancelled a run",
}
ACTION_CHOICES = [{"value": ANY, "label": "any action"}] + [
    {"value": action, "label": ACTION_WORDS[action]} for action in ACTIONS
]
KIND_CHOICES = [{"value": ANY, "label": "anything"}] + [
    {"value": kind, "label": "account" if kind == "user" else kind} for kind in KINDS
]


def audit_filter(person: str, action: str, kind: str, since: str, until: str) -> AuditFilter:
    """The filters as typed on the page; ``ValueError`` saying which date cannot be read.

    Dates are whole days in UTC, both included: "from 1 March to 2 March" is two days.
    """
    start, end = _day(since, "from"), _day(until, "to")
    return AuditFilter(
        person=person.strip(),
        action="" if action == ANY else action,
        object_kind="" if kind == ANY else kind,
        since=datetime.combine(start, time(), UTC) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
    )


def event_row(event: AuditEvent) -> dict[str, str]:
    """One line of the table, every cell as text."""
    who = event.actor_name or ("someone signing in" if event.action == "sign_in_refused" else "")
    return {
        "id": str(event.id),
        "when": event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "who": who or "the operator",
        "action": ACTION_WORDS.get(event.action, event.action),
        "kind": "account" if event.object_kind == "user" else event.object_kind,
        "name": event.object_name or event.object_id,
        "object_id": event.object_id,
        "detail": ", ".join(f"{key}: {value}" for key, value in sorted(event.detail.items())),
    }


def _day(text: str, which: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"the '{which}' date must look like 2026-12-31; found {text[:40]!r}"
        ) from None


class AuditState(rx.State):
    """What the audit page shows; ``error`` says why nothing is shown."""

    person: str = ""
    action: str = ANY
    kind: str = ANY
    since: str = ""
    until: str = ""
    events: list[dict[str, str]] = []
    offset: int = 0
    more: bool = False
    error: str = ""
    loaded: bool = False
    #: Whether the person reads every event (a site admin) or those on what they own.
    everything: bool = False

    @rx.event
    async def load(self) -> None:
        """The newest events, with the filters as they were left."""
        self.offset = 0
        await self._read()

    @rx.event
    def set_person(self, value: str) -> None:
        self.person = value[:64]

    @rx.event
    def set_action(self, value: str) -> None:
        self.action = value if value in ACTIONS else ANY

    @rx.event
    def set_kind(self, value: str) -> None:
        self.kind = value if value in KINDS else ANY

    @rx.event
    def set_since(self, value: str) -> None:
        self.since = value[:40]

    @rx.event
    def set_until(self, value: str) -> None:
        self.until = value[:40]

    @rx.event
    async def apply(self) -> None:
        """Read the events the filters now describe, newest first."""
        self.offset = 0
        await self._read()

    @rx.event
    async def clear_filters(self) -> None:
        self.person, self.action, self.kind, self.since, self.until = "", ANY, ANY, "", ""
        self.offset = 0
        await self._read()

    @rx.event
    async def older(self) -> None:
        if self.more:
            self.offset += PAGE
            await self._read()

    @rx.event
    async def newer(self) -> None:
        if self.offset > 0:
            self.offset = max(0, self.offset - PAGE)
            await self._read()

    async def _read(self) -> None:
        self.loaded, self.error = True, ""
        actor = actor_of(self)
        if actor is None:  # the page's sign-in guard sends them to sign in
            self.events, self.more = [], False
            return
        self.everything = actor.is_admin
        try:
            wanted = audit_filter(self.person, self.action, self.kind, self.since, self.until)
            page = await asyncio.to_thread(
                list_events, database(), actor, wanted, offset=self.offset, limit=PAGE
            )
        except (StoreError, ValueError) as exc:
            self.events, self.more, self.error = [], False, f"Cannot show the log: {shown(exc)}"
            return
        self.events, self.more = [event_row(e) for e in page.events], page.more

    @rx.var
    def page_label(self) -> str:
        if not self.events:
            return ""
        return f"Events {self.offset + 1} to {self.offset + len(self.events)}"
