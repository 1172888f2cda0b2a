"""What every share dialog is made of, and the one form that shares a dataset or a block.

Flows are shared in their own dialog (``designer.ui.share``: a search box, roles changed in
place, view-only links). Datasets and blocks follow simpler rules (``designer.store.sharing``):
the owner names a person (by user name) or picks one of their teams, picks viewer or editor,
and removes them again. ``PeopleSharing`` is that form's state, mixed into the dataset page's
state and the block's share dialog; ``people_form`` and ``access_list`` draw it, the dataset page
in a card and the block page in ``share_dialog_frame``, the frame the flow's dialog uses too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import reflex as rx
from sqlalchemy import Engine

from designer.store import teams as team_store
from designer.store.access import Actor, Role
from designer.store.db import StoreError
from designer.store.sharing import ShareEntry
from designer.store.teams import TeamSummary
from designer.ui.context import database
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.sharing_views import SHARE_ROLE_CHOICES, share_entry_rows, team_choices

#: Longest user name the field takes.
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class SharedThing:
    """How one kind of thing is shared: the store's three functions and the form's words."""

    #: What the thing is called in the messages: "dataset", "block".
    noun: str
    #: ``(engine, actor, thing_id)``: who may use it, the owner first.
    access: Callable[..., list[ShareEntry]]
    #: ``(engine, actor, thing_id, kind, target, role)``: share it; the new line of the list.
    share: Callable[..., ShareEntry]
    #: ``(engine, actor, thing_id, kind, target_id)``: take someone's access away.
    unshare: Callable[..., None]
    #: What an editor may do that a viewer may not, after "can now": "use and change".
    editor_can: str
    #: The line under the form saying what each role allows.
    roles_note: str

    def shared_message(self, entry: ShareEntry) -> str:
        """ "Bob can now use this block"."""
        verb = self.editor_can if entry.role is Role.EDITOR else "use"
        return f"{entry.name} can now {verb} this {self.noun}"


def access_and_teams(
    thing: SharedThing, engine: Engine, actor: Actor | None, thing_id: str
) -> tuple[list[ShareEntry], list[TeamSummary]]:
    """Who may use the thing, and the teams the person could share it with."""
    return thing.access(engine, actor, thing_id), team_store.list_teams(engine, actor)


class PeopleSharing(rx.State, mixin=True):
    """Sharing a dataset or a block: who has access, and the form that adds people and teams.

    A state mixing this in sets ``shared_thing`` and says which thing is open
    (``_shared_id``); the store checks on every change that the person owns it.
    """

    shared_thing: ClassVar[SharedThing]
    access: list[dict[str, str]] = []
    teams: list[dict[str, str]] = []
    #: "user" (a user name typed) or "team" (one of the person's teams picked).
    share_kind: str = "user"
    share_user: str = ""
    share_team: str = ""
    share_role: str = "viewer"
    share_error: str = ""

    def _shared_id(self) -> str:
        """The id of the dataset or block whose access the form changes."""
        raise NotImplementedError(f"{type(self).__name__} must say which thing it shares")

    @rx.event
    def set_share_kind(self, kind: str | list[str]) -> None:
        self.share_kind, self.share_error = ("team" if str(kind) == "team" else "user"), ""

    @rx.event
    def set_share_user(self, text: str) -> None:
        self.share_user, self.share_error = str(text)[:MAX_NAME_CHARS], ""

    @rx.event
    def set_share_team(self, team_id: str) -> None:
        self.share_team, self.share_error = str(team_id), ""

    @rx.event
    def set_share_role(self, role: str) -> None:
        self.share_role = str(role)

    @rx.event
    async def share(self) -> Any:
        kind = self.share_kind
        target = self.share_team if kind == "team" else self.share_user.strip()
        if not target:
            self.share_error = "pick one of your teams" if kind == "team" else "type a user name"
            return None
        thing = self.shared_thing
        try:
            entry = await asyncio.to_thread(
                thing.share,
                database(),
                actor_of(self),
                self._shared_id(),
                kind,
                target,
                self.share_role,
            )
        except StoreError as exc:
            self.share_error = shown(exc)
            return None
        self.share_user = ""
        await self._refresh_access()
        return rx.toast.success(thing.shared_message(entry))

    @rx.event
    async def remove(self, kind: str, target_id: str) -> Any:
        try:
            await asyncio.to_thread(
                self.shared_thing.unshare,
                database(),
                actor_of(self),
                self._shared_id(),
                kind,
                target_id,
            )
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        await self._refresh_access()
        return None

    def _show_access(self, entries: list[ShareEntry], teams: list[TeamSummary]) -> None:
        """Show who has access, and offer ``teams`` (keeping the team picked, if still one)."""
        self.access = share_entry_rows(entries)
        self.teams = team_choices(teams)
        if self.share_team not in {team["value"] for team in self.teams}:
            self.share_team = self.teams[0]["value"] if self.teams else ""

    async def _refresh_access(self) -> None:
        try:
            entries = await asyncio.to_thread(
                self.shared_thing.access, database(), actor_of(self), self._shared_id()
            )
        except StoreError as exc:
            self.share_error = shown(exc)
            return
        self.access = share_entry_rows(entries)


# -- pieces ------------------------------------------------------------------------------------


def choice_select(
    choices: tuple[tuple[str, str], ...], value: Any, on_change: Any, test_id: str, **props: Any
) -> rx.Component:
    """A select of (label, value) choices, its trigger carrying the test id."""
    return rx.select.root(
        rx.select.trigger(custom_attrs={"data-testid": test_id}),
        rx.select.content(
            *[rx.select.item(label, value=choice) for label, choice in choices], position="popper"
        ),
        value=value,
        on_change=on_change,
        **props,
    )


def error_callout(message: rx.Var, test_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle_alert",
            color_scheme="red",
            size="1",
            custom_attrs={"data-testid": test_id},
        ),
    )


def kind_icon(kind: rx.Var) -> rx.Component:
    """A team's icon or a person's."""
    return rx.cond(
        kind == "team",
        rx.icon("users", size=16, color="var(--gray-10)"),
        rx.icon("user", size=16, color="var(--gray-10)"),
    )


def section(title: str, *children: rx.Component) -> rx.Component:
    """A part of a share dialog under its bold title."""
    return rx.flex(
        rx.text(title, size="2", weight="bold"), *children, direction="column", spacing="2"
    )


def share_dialog_frame(
    name: rx.Var, body: rx.Component, *, state: Any, testid: str, max_width: str
) -> rx.Component:
    """The dialog "Share “name”" around ``body``, closed by Done; ``state`` holds ``is_open``
    and ``set_open``."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Share “" + name + "”"),
            body,
            rx.flex(
                rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                justify="end",
                margin_top="20px",
            ),
            max_width=max_width,
            custom_attrs={"data-testid": testid},
        ),
        open=state.is_open,
        on_open_change=state.set_open,
    )


# -- the dataset and block form ----------------------------------------------------------------


def _team_select(state: type[PeopleSharing], testid: str) -> rx.Component:
    return rx.cond(
        state.teams.length() > 0,
        rx.select.root(
            rx.select.trigger(
                placeholder="Pick a team", flex="1", custom_attrs={"data-testid": testid}
            ),
            rx.select.content(
                rx.foreach(state.teams, lambda t: rx.select.item(t["label"], value=t["value"])),
                position="popper",
            ),
            value=state.share_team,
            on_change=state.set_share_team,
        ),
        rx.text("You are in no team yet.", size="2", color_scheme="gray", flex="1"),
    )


def people_form(state: type[PeopleSharing], testid_prefix: str = "") -> rx.Component:
    """Person or team, the user name or the team, the role, Share; the error; what roles allow.

    Test ids are ``share-user``, ``share-submit``, ... after ``testid_prefix``.
    """

    def testid(name: str) -> str:
        return f"{testid_prefix}{name}"

    return rx.flex(
        rx.segmented_control.root(
            rx.segmented_control.item("Person", value="user"),
            rx.segmented_control.item("Team", value="team"),
            value=state.share_kind,
            on_change=state.set_share_kind,
            size="1",
            custom_attrs={"data-testid": testid("share-kind")},
        ),
        rx.flex(
            rx.cond(
                state.share_kind == "team",
                _team_select(state, testid("share-team")),
                rx.input(
                    value=state.share_user,
                    on_change=state.set_share_user,
                    placeholder="User name",
                    max_length=MAX_NAME_CHARS,
                    flex="1",
                    custom_attrs={"data-testid": testid("share-user"), "autocomplete": "off"},
                ),
            ),
            choice_select(
                SHARE_ROLE_CHOICES, state.share_role, state.set_share_role, testid("share-role")
            ),
            rx.button(
                "Share",
                on_click=state.share,
                custom_attrs={"data-testid": testid("share-submit")},
            ),
            gap="8px",
            width="100%",
        ),
        error_callout(state.share_error, testid("share-error")),
        rx.text(state.shared_thing.roles_note, size="1", color_scheme="gray"),
        direction="column",
        gap="10px",
    )


def access_list(
    state: type[PeopleSharing], testid_prefix: str = "", can_remove: rx.Var | None = None
) -> rx.Component:
    """Who may use the thing, one row each, with a remove button on all but the owner's
    (only while ``can_remove`` holds, when given). Test ids ``access-row``, ``access-remove``
    after ``testid_prefix``."""

    def row(entry: rx.Var) -> rx.Component:
        removable = entry["kind"] != "owner"
        return rx.flex(
            kind_icon(entry["kind"]),
            rx.text(entry["name"], size="2", weight="medium"),
            rx.spacer(),
            rx.badge(entry["role_label"], variant="soft", color_scheme="gray"),
            rx.cond(
                removable if can_remove is None else can_remove & removable,
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="gray",
                    on_click=state.remove(entry["kind"], entry["id"]),
                    custom_attrs={
                        "data-testid": f"{testid_prefix}access-remove",
                        "aria-label": "Remove access",
                    },
                ),
            ),
            align="center",
            gap="10px",
            padding_y="4px",
            custom_attrs={"data-testid": f"{testid_prefix}access-row", "data-name": entry["name"]},
        )

    return rx.flex(rx.foreach(state.access, row), direction="column")
