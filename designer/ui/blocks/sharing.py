"""Sharing a block: the dialog on a block's page, as the dataset page shares a dataset.

The owner adds a person (by user name) or one of their teams, as viewer (uses the block in
flows, reads its code) or editor (also saves new versions), and removes them again. Sharing
with someone again changes their role. The store checks the owner on every change.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from sqlalchemy import Engine

from designer.store import block_shares
from designer.store import teams as team_store
from designer.store.access import Actor, Role
from designer.store.db import StoreError
from designer.store.sharing import ShareEntry
from designer.store.teams import TeamSummary
from designer.ui.blocks import views
from designer.ui.context import database
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.share import choice_select, error_callout
from designer.ui.sharing_views import SHARE_ROLE_CHOICES

#: Longest user name the field takes.
MAX_NAME_CHARS = 200


def access_and_teams(
    engine: Engine, actor: Actor | None, block_id: str
) -> tuple[list[ShareEntry], list[TeamSummary]]:
    """Who may use the block, and the teams the person could share it with."""
    return block_shares.block_access(engine, actor, block_id), team_store.list_teams(engine, actor)


class BlockShareState(rx.State):
    is_open: bool = False
    block_id: str = ""
    title: str = ""
    access: list[dict[str, str]] = []
    teams: list[dict[str, str]] = []
    kind: str = "user"
    user: str = ""
    team: str = ""
    role: str = "viewer"
    error: str = ""

    @rx.event
    async def open_dialog(self, block_id: str, title: str) -> None:
        self.block_id, self.title, self.is_open = block_id, title, True
        self.user, self.error, self.access = "", "", []
        try:
            entries, teams = await asyncio.to_thread(
                access_and_teams, database(), actor_of(self), block_id
            )
        except StoreError as exc:
            self.error = shown(exc)
            return
        self.access = views.access_rows(entries)
        self.teams = views.team_choices(teams)
        if self.team not in {team["value"] for team in self.teams}:
            self.team = self.teams[0]["value"] if self.teams else ""

    @rx.event
    def set_open(self, value: bool) -> None:
        self.is_open = value

    @rx.event
    def set_kind(self, kind: str | list[str]) -> None:
        self.kind, self.error = ("team" if str(kind) == "team" else "user"), ""

    @rx.event
    def set_user(self, text: str) -> None:
        self.user, self.error = str(text)[:MAX_NAME_CHARS], ""

    @rx.event
    def set_team(self, team_id: str) -> None:
        self.team, self.error = team_id, ""

    @rx.event
    def set_role(self, role: str) -> None:
        self.role = role

    @rx.event
    async def share(self) -> Any:
        target = self.team if self.kind == "team" else self.user.strip()
        if not target:
            self.error = "pick one of your teams" if self.kind == "team" else "type a user name"
            return None
        try:
            entry = await asyncio.to_thread(
                block_shares.share_block,
                database(),
                actor_of(self),
                self.block_id,
                self.kind,
                target,
                self.role,
            )
        except StoreError as exc:
            self.error = shown(exc)
            return None
        self.user = ""
        await self._refresh()
        verb = "use and change" if entry.role is Role.EDITOR else "use"
        return rx.toast.success(f"{entry.name} can now {verb} this block")

    @rx.event
    async def remove(self, kind: str, target_id: str) -> Any:
        try:
            await asyncio.to_thread(
                block_shares.unshare_block,
                database(),
                actor_of(self),
                self.block_id,
                kind,
                target_id,
            )
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        await self._refresh()
        return None

    async def _refresh(self) -> None:
        try:
            entries = await asyncio.to_thread(
                block_shares.block_access, database(), actor_of(self), self.block_id
            )
        except StoreError as exc:
            self.error = shown(exc)
            return
        self.access = views.access_rows(entries)


def _access_row(row: rx.Var) -> rx.Component:
    return rx.flex(
        rx.cond(
            row["kind"] == "team",
            rx.icon("users", size=16, color="var(--gray-10)"),
            rx.icon("user", size=16, color="var(--gray-10)"),
        ),
        rx.text(row["name"], size="2", weight="medium"),
        rx.spacer(),
        rx.badge(row["role_label"], variant="soft", color_scheme="gray"),
        rx.cond(
            row["kind"] != "owner",
            rx.icon_button(
                rx.icon("x", size=14),
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=BlockShareState.remove(row["kind"], row["id"]),
                custom_attrs={"data-testid": "block-access-remove", "aria-label": "Remove access"},
            ),
        ),
        align="center",
        gap="10px",
        padding_y="4px",
        custom_attrs={"data-testid": "block-access-row", "data-name": row["name"]},
    )


def _share_form() -> rx.Component:
    return rx.flex(
        rx.segmented_control.root(
            rx.segmented_control.item("Person", value="user"),
            rx.segmented_control.item("Team", value="team"),
            value=BlockShareState.kind,
            on_change=BlockShareState.set_kind,
            size="1",
            custom_attrs={"data-testid": "block-share-kind"},
        ),
        rx.flex(
            rx.cond(
                BlockShareState.kind == "team",
                rx.cond(
                    BlockShareState.teams.length() > 0,
                    rx.select.root(
                        rx.select.trigger(
                            placeholder="Pick a team",
                            flex="1",
                            custom_attrs={"data-testid": "block-share-team"},
                        ),
                        rx.select.content(
                            rx.foreach(
                                BlockShareState.teams,
                                lambda t: rx.select.item(t["label"], value=t["value"]),
                            ),
                            position="popper",
                        ),
                        value=BlockShareState.team,
                        on_change=BlockShareState.set_team,
                    ),
                    rx.text("You are in no team yet.", size="2", color_scheme="gray", flex="1"),
                ),
                rx.input(
                    value=BlockShareState.user,
                    on_change=BlockShareState.set_user,
                    placeholder="User name",
                    max_length=MAX_NAME_CHARS,
                    flex="1",
                    custom_attrs={"data-testid": "block-share-user", "autocomplete": "off"},
                ),
            ),
            choice_select(
                SHARE_ROLE_CHOICES,
                BlockShareState.role,
                BlockShareState.set_role,
                "block-share-role",
            ),
            rx.button(
                "Share",
                on_click=BlockShareState.share,
                custom_attrs={"data-testid": "block-share-submit"},
            ),
            gap="8px",
            width="100%",
        ),
        error_callout(BlockShareState.error, "block-share-error"),
        rx.text(
            "Viewers use the block in their flows and read its code; editors also save new "
            "versions.",
            size="1",
            color_scheme="gray",
        ),
        direction="column",
        gap="10px",
    )


def share_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Share “" + BlockShareState.title + "”"),
            rx.flex(
                _share_form(),
                rx.flex(
                    rx.text("Who can use it", size="2", weight="bold"),
                    rx.foreach(BlockShareState.access, _access_row),
                    direction="column",
                ),
                direction="column",
                gap="20px",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                justify="end",
                margin_top="20px",
            ),
            max_width="540px",
            custom_attrs={"data-testid": "block-share-dialog"},
        ),
        open=BlockShareState.is_open,
        on_open_change=BlockShareState.set_open,
    )
