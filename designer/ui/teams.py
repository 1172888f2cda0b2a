"""The teams page (``/teams``): my teams, a new one, and the chosen team's members.

A team's admins add people, change their roles and remove them; anyone may leave, after
confirming. The store checks each of these again, and its refusals are shown as they are.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.store import teams as team_store
from designer.store.db import StoreError
from designer.ui import sharing_views as views
from designer.ui.context import database
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.share_dialog import choice_select, error_callout
from designer.ui.shell import app_header


class TeamsState(rx.State):
    teams: list[dict[str, str]] = []
    loaded: bool = False
    error: str = ""
    #: The team on show, its name and the person's role in it ("admin", "member").
    selected: str = ""
    selected_name: str = ""
    selected_role: str = ""
    members: list[dict[str, str]] = []
    new_name: str = ""
    create_error: str = ""
    add_name: str = ""
    add_role: str = "member"
    add_error: str = ""

    @rx.event
    async def load(self) -> None:
        await self._load_teams()

    @rx.event
    async def select_team(self, team_id: str) -> None:
        self.selected, self.add_name, self.add_error = team_id, "", ""
        await self._load_teams()

    @rx.event
    def set_new_name(self, value: str) -> None:
        self.new_name, self.create_error = value, ""

    @rx.event
    async def create_team(self) -> Any:
        try:
            team = await asyncio.to_thread(
                team_store.create_team, database(), actor_of(self), self.new_name
            )
        except StoreError as exc:
            self.create_error = shown(exc)
            return None
        self.new_name, self.selected = "", team.id
        await self._load_teams()
        return rx.toast.success(f"Created the team “{team.name}”")

    @rx.event
    def set_add_name(self, value: str) -> None:
        self.add_name, self.add_error = value, ""

    @rx.event
    def set_add_role(self, value: str) -> None:
        self.add_role = value

    @rx.event
    async def add_member(self) -> Any:
        try:
            member = await asyncio.to_thread(
                team_store.add_member,
                database(),
                actor_of(self),
                self.selected,
                self.add_name,
                self.add_role,
            )
        except (StoreError, ValueError) as exc:
            self.add_error = shown(exc)
            return None
        self.add_name = ""
        await self._load_teams()
        return rx.toast.success(f"Added {member.display_name} to {self.selected_name}")

    @rx.event
    async def change_member_role(self, user_id: str, role: str) -> Any:
        return await self._change(team_store.set_member_role, user_id, role)

    @rx.event
    async def remove_member(self, user_id: str) -> Any:
        return await self._change(team_store.remove_member, user_id)

    @rx.event
    async def leave_team(self) -> Any:
        actor, name = actor_of(self), self.selected_name
        problem = await self._change(team_store.remove_member, actor.id if actor else "")
        return problem if problem is not None else rx.toast.success(f"You left {name}")

    async def _change(self, act: Any, *args: Any) -> Any:
        """Run a change to the team on show, then show its members again."""
        try:
            await asyncio.to_thread(act, database(), actor_of(self), self.selected, *args)
        except (StoreError, ValueError) as exc:
            return rx.toast.error(shown(exc))
        finally:
            await self._load_teams()
        return None

    async def _load_teams(self) -> None:
        """The person's teams, and the members of the one on show (the first, unless chosen)."""
        actor = actor_of(self)
        try:
            teams = await asyncio.to_thread(team_store.list_teams, database(), actor)
            chosen = next((t for t in teams if t.id == self.selected), teams[0] if teams else None)
            members = (
                await asyncio.to_thread(team_store.team_members, database(), actor, chosen.id)
                if chosen is not None
                else []
            )
        except StoreError as exc:
            self.error, self.loaded = shown(exc), True
            return
        self.error, self.loaded = "", True
        self.teams = views.team_rows(teams)
        self.selected = chosen.id if chosen else ""
        self.selected_name = chosen.name if chosen else ""
        self.selected_role = str(chosen.role or "") if chosen else ""
        self.members = views.member_rows(members, actor.id if actor else "")


def team_row(team: rx.Var) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(team["name"], size="2", weight="medium"),
            rx.text(team["members"], size="1", color_scheme="gray"),
            direction="column",
        ),
        rx.badge(team["role_label"], variant="soft", color_scheme="gray"),
        justify="between",
        align="center",
        padding="8px 12px",
        border_radius="var(--radius-3)",
        background=rx.cond(team["id"] == TeamsState.selected, "var(--accent-a3)", "transparent"),
        style={"cursor": "pointer", "_hover": {"background": "var(--gray-a3)"}},
        on_click=TeamsState.select_team(team["id"]),
        custom_attrs={"data-testid": "team-row", "data-name": team["name"]},
    )


def teams_list() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.input(
                value=TeamsState.new_name,
                on_change=TeamsState.set_new_name,
                placeholder="New team name",
                flex="1",
                custom_attrs={"data-testid": "team-new-name"},
            ),
            rx.button(
                rx.icon("plus", size=16),
                "New team",
                on_click=TeamsState.create_team,
                custom_attrs={"data-testid": "team-create"},
            ),
            spacing="2",
        ),
        error_callout(TeamsState.create_error, "team-create-error"),
        rx.foreach(TeamsState.teams, team_row),
        rx.cond(
            TeamsState.loaded & (TeamsState.teams.length() == 0),
            rx.text(
                "You are in no team yet. Make one to share flows with a group of people at once.",
                size="2",
                color_scheme="gray",
                custom_attrs={"data-testid": "no-teams"},
            ),
        ),
        direction="column",
        spacing="2",
        width=rx.breakpoints(initial="100%", md="320px"),
        flex_shrink="0",
    )


def member_row(member: rx.Var) -> rx.Component:
    is_admin = TeamsState.selected_role == "admin"
    return rx.table.row(
        rx.table.cell(rx.text(member["display_name"], weight="medium")),
        rx.table.cell(rx.text(member["username"], color_scheme="gray")),
        rx.table.cell(
            rx.cond(
                is_admin,
                choice_select(
                    views.TEAM_ROLE_CHOICES,
                    member["role"].to(str),
                    lambda role: TeamsState.change_member_role(member["user_id"], role),
                    "member-role",
                    size="1",
                ),
                rx.badge(member["role_label"], variant="soft", color_scheme="gray"),
            )
        ),
        rx.table.cell(
            rx.cond(
                is_admin,
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="gray",
                    on_click=TeamsState.remove_member(member["user_id"]),
                    custom_attrs={"data-testid": "member-remove", "aria-label": "Remove"},
                ),
            ),
            text_align="right",
        ),
        custom_attrs={"data-testid": "member-row", "data-name": member["username"]},
    )


def add_member_form() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.input(
                value=TeamsState.add_name,
                on_change=TeamsState.set_add_name,
                placeholder="User name",
                flex="1",
                custom_attrs={"data-testid": "member-add-name"},
            ),
            choice_select(
                views.TEAM_ROLE_CHOICES,
                TeamsState.add_role,
                TeamsState.set_add_role,
                "member-add-role",
            ),
            rx.button(
                "Add member",
                on_click=TeamsState.add_member,
                custom_attrs={"data-testid": "member-add"},
            ),
            spacing="2",
        ),
        error_callout(TeamsState.add_error, "member-add-error"),
        direction="column",
        spacing="2",
    )


def leave_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Leave team",
                variant="soft",
                color_scheme="red",
                custom_attrs={"data-testid": "team-leave"},
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Leave “" + TeamsState.selected_name + "”?"),
            rx.alert_dialog.description(
                "You will no longer see the flows shared with this team, until an admin adds "
                "you again."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Leave",
                        color_scheme="red",
                        on_click=TeamsState.leave_team,
                        custom_attrs={"data-testid": "team-leave-confirm"},
                    )
                ),
                justify="end",
                spacing="2",
                margin_top="16px",
            ),
            max_width="440px",
        ),
    )


def team_panel() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading(TeamsState.selected_name, size="5"),
            leave_button(),
            justify="between",
            align="center",
        ),
        rx.cond(TeamsState.selected_role == "admin", add_member_form()),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("User name"),
                    rx.table.column_header_cell("Role"),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(TeamsState.members, member_row)),
            variant="surface",
            width="100%",
        ),
        direction="column",
        spacing="4",
        flex="1",
        min_width="0",
        custom_attrs={"data-testid": "team-panel"},
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            rx.heading("Teams", size="7", margin_bottom="8px"),
            rx.text(
                "Share a flow with a team and every member can open it.",
                color_scheme="gray",
                margin_bottom="24px",
                as_="p",
            ),
            rx.cond(
                TeamsState.error != "",
                rx.callout(TeamsState.error, icon="triangle_alert", color_scheme="red"),
                rx.cond(
                    ~TeamsState.loaded,
                    rx.center(rx.spinner(size="3"), padding="64px"),
                    rx.flex(
                        teams_list(),
                        rx.cond(TeamsState.selected != "", team_panel()),
                        direction=rx.breakpoints(initial="column", md="row"),
                        spacing="6",
                        align="start",
                    ),
                ),
            ),
            max_width="1040px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )
