"""The share dialog: add people or teams, change or remove their access, make view-only links.

Rendered once on a page (``share_dialog()``) and opened with ``ShareState.open_for(id, name)``,
so the home page and the editor share it. Only the flow's owner changes anything: for anyone
else the store refuses to list links, and the dialog shows who has access, read-only. Its frame
and small pieces are those of every share dialog (``designer.ui.share_dialog``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import reflex as rx
from sqlalchemy import Engine

from designer.store import accounts as account_store
from designer.store import shares as share_store
from designer.store import teams as team_store
from designer.store.access import Actor, NotAllowed
from designer.store.db import StoreError
from designer.ui import sharing_views as views
from designer.ui.context import database, settings
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.share_dialog import (
    choice_select,
    error_callout,
    kind_icon,
    section,
    share_dialog_frame,
)

#: How long the search box waits after the last key before it looks people up.
SEARCH_DEBOUNCE_MS = 300
READ_ONLY_NOTE = "Only the flow's owner can change who has access."


class ShareState(rx.State):
    is_open: bool = False
    flow_id: str = ""
    flow_name: str = ""
    #: Whether the person may change access (the flow's owner, or a site admin).
    can_manage: bool = False
    load_error: str = ""
    access: list[dict[str, str]] = []
    links: list[dict[str, str]] = []
    query: str = ""
    matches: list[dict[str, str]] = []
    #: The person ("user", their user name) or team ("team", its id) picked from the matches.
    picked_kind: str = ""
    picked_value: str = ""
    share_role: str = "viewer"
    share_error: str = ""
    lifetime: str = views.DEFAULT_LINK_LIFETIME
    #: The address of the link just made, shown this once.
    new_link: str = ""

    @rx.event
    async def open_for(self, flow_id: str, flow_name: str) -> None:
        self.flow_id, self.flow_name, self.is_open = flow_id, flow_name, True
        self.access, self.links, self.can_manage, self.new_link = [], [], False, ""
        self._clear_search()
        await self._refresh()

    @rx.event
    def set_open(self, value: bool) -> None:
        self.is_open = value
        if not value:
            self.new_link = ""

    @rx.event
    async def search(self, text: str) -> None:
        self.query, self.picked_kind, self.picked_value, self.share_error = text, "", "", ""
        if not text.strip():
            self.matches = []
            return
        actor = actor_of(self)
        try:
            people = await asyncio.to_thread(account_store.find_users, database(), actor, text)
            teams = await asyncio.to_thread(team_store.list_teams, database(), actor)
        except StoreError as exc:
            self.share_error = shown(exc)
            return
        self.matches = views.suggestions(text, people, teams, self.access)

    @rx.event
    def pick(self, kind: str, value: str, name: str) -> None:
        self.picked_kind, self.picked_value, self.query, self.matches = kind, value, name, []

    @rx.event
    def set_share_role(self, role: str) -> None:
        self.share_role = role

    @rx.event
    async def share(self) -> Any:
        kind, target = views.share_target(
            self.query, self.picked_kind, self.picked_value, self.matches
        )
        if not target:
            self.share_error = "type a user name, or pick a person or team from the list"
            return None
        act = share_store.share_with_team if kind == "team" else share_store.share_with_user
        try:
            entry = await asyncio.to_thread(
                act, database(), actor_of(self), self.flow_id, target, self.share_role
            )
        except (StoreError, ValueError) as exc:
            self.share_error = shown(exc)
            return None
        self._clear_search()
        await self._refresh()
        verb = "edit" if entry.role == "editor" else "view"
        return rx.toast.success(f"{entry.name} can now {verb} this flow")

    @rx.event
    async def change_role(self, kind: str, target: str, role: str) -> Any:
        act = share_store.share_with_team if kind == "team" else share_store.share_with_user
        return await self._change(act, target, role)

    @rx.event
    async def remove(self, kind: str, target_id: str) -> Any:
        return await self._change(share_store.remove_access, kind, target_id)

    @rx.event
    def set_lifetime(self, value: str) -> None:
        self.lifetime = value

    @rx.event
    async def create_link(self) -> Any:
        base = views.base_url(
            settings().public_url, self.router.url.origin, rx.config.get_config().frontend_path
        )
        try:
            lifetime = views.link_lifetime(self.lifetime)
            _, token = await asyncio.to_thread(
                share_store.create_link, database(), actor_of(self), self.flow_id, lifetime
            )
        except (StoreError, ValueError) as exc:
            return rx.toast.error(f"Could not make a link: {shown(exc)}")
        self.new_link = views.link_url(base, token)
        await self._refresh()
        return None

    @rx.event
    async def revoke(self, link_id: str) -> Any:
        return await self._change(share_store.revoke_link, link_id)

    async def _change(self, act: Any, *args: str) -> Any:
        """Run a store change on the open flow, then show the access and links again."""
        try:
            await asyncio.to_thread(act, database(), actor_of(self), self.flow_id, *args)
        except (StoreError, ValueError) as exc:
            return rx.toast.error(shown(exc))
        finally:
            await self._refresh()
        return None

    async def _refresh(self) -> None:
        try:
            entries, links = await asyncio.to_thread(
                _access_and_links, database(), actor_of(self), self.flow_id
            )
        except StoreError as exc:
            self.load_error = shown(exc)
            return
        self.load_error, self.can_manage = "", links is not None
        self.access = views.access_rows(entries)
        self.links = views.link_rows(links or [], datetime.now(UTC))

    def _clear_search(self) -> None:
        self.query, self.matches, self.picked_kind, self.picked_value = "", [], "", ""
        self.share_error = ""


def _access_and_links(
    engine: Engine, actor: Actor | None, flow_id: str
) -> tuple[list[share_store.AccessEntry], list[share_store.LinkSummary] | None]:
    """Who has access, and the links, or None for the links when the person is not the owner."""
    entries = share_store.list_access(engine, actor, flow_id)
    try:
        return entries, share_store.list_links(engine, actor, flow_id)
    except NotAllowed:
        return entries, None


def _small(text: Any, **props: Any) -> rx.Component:
    return rx.text(text, size="1", color_scheme=props.pop("color_scheme", "gray"), **props)


def _match_row(match: rx.Var) -> rx.Component:
    return rx.flex(
        kind_icon(match["kind"]),
        rx.text(match["name"], size="2", weight="medium"),
        _small(match["detail"]),
        rx.spacer(),
        _small(match["note"]),
        on_click=ShareState.pick(match["kind"], match["value"], match["name"]),
        align="center",
        spacing="2",
        padding="6px 8px",
        style={"cursor": "pointer", "_hover": {"background": "var(--gray-a3)"}},
        custom_attrs={"data-testid": "share-match", "data-name": match["name"]},
    )


def add_section() -> rx.Component:
    return section(
        "Add people or teams",
        rx.flex(
            rx.input(
                value=ShareState.query,
                on_change=ShareState.search,
                debounce_timeout=SEARCH_DEBOUNCE_MS,
                placeholder="User name, name or team",
                flex="1",
                custom_attrs={"data-testid": "share-search", "autocomplete": "off"},
            ),
            choice_select(
                views.SHARE_ROLE_CHOICES,
                ShareState.share_role,
                ShareState.set_share_role,
                "share-role",
            ),
            rx.button(
                "Share", on_click=ShareState.share, custom_attrs={"data-testid": "share-submit"}
            ),
            spacing="2",
        ),
        rx.cond(
            ShareState.matches.length() > 0,
            rx.card(rx.foreach(ShareState.matches, _match_row), size="1", padding="4px"),
        ),
        error_callout(ShareState.share_error, "share-error"),
    )


def _access_row(row: rx.Var) -> rx.Component:
    controls = rx.flex(
        choice_select(
            views.SHARE_ROLE_CHOICES,
            row["role"].to(str),
            lambda role: ShareState.change_role(row["kind"], row["target"], role),
            "access-role",
            size="1",
        ),
        rx.icon_button(
            rx.icon("x", size=14),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=ShareState.remove(row["kind"], row["id"]),
            custom_attrs={"data-testid": "access-remove", "aria-label": "Remove access"},
        ),
        align="center",
        spacing="2",
    )
    return rx.flex(
        kind_icon(row["kind"]),
        rx.flex(
            rx.text(row["name"], size="2", weight="medium"),
            _small(row["detail"]),
            direction="column",
        ),
        rx.spacer(),
        rx.cond(
            (row["kind"] != "owner") & ShareState.can_manage,
            controls,
            rx.badge(row["role_label"], variant="soft", color_scheme="gray"),
        ),
        align="center",
        spacing="3",
        custom_attrs={
            "data-testid": "access-row",
            "data-name": row["name"],
            "data-kind": row["kind"],
        },
    )


def _link_row(link: rx.Var) -> rx.Component:
    return rx.flex(
        rx.badge(link["status"], color_scheme=link["color"].to(str), variant="soft"),
        rx.flex(
            rx.text(
                "Made by " + link["created_by"].to(str) + ", " + link["created"].to(str),
                size="2",
                title=link["created_exact"],
            ),
            _small(link["expires"]),
            direction="column",
        ),
        rx.spacer(),
        rx.cond(
            link["status"] == "active",
            rx.button(
                "Revoke",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=ShareState.revoke(link["id"]),
                custom_attrs={"data-testid": "link-revoke"},
            ),
        ),
        align="center",
        spacing="3",
        custom_attrs={"data-testid": "link-row", "data-status": link["status"]},
    )


def new_link_box() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.input(
                value=ShareState.new_link,
                read_only=True,
                flex="1",
                on_focus=rx.call_script("document.activeElement.select()"),
                custom_attrs={"data-testid": "link-url"},
            ),
            rx.button(
                rx.icon("copy", size=14),
                "Copy",
                variant="soft",
                on_click=[rx.set_clipboard(ShareState.new_link), rx.toast.success("Link copied")],
                custom_attrs={"data-testid": "link-copy"},
            ),
            spacing="2",
        ),
        _small("Copy it now: it is not shown again.", color_scheme="amber"),
        direction="column",
        spacing="1",
    )


def links_section() -> rx.Component:
    return section(
        "Links",
        _small("Anyone holding a link can view the flow's latest version, without signing in."),
        rx.flex(
            choice_select(
                views.LINK_LIFETIME_CHOICES,
                ShareState.lifetime,
                ShareState.set_lifetime,
                "link-lifetime",
            ),
            rx.button(
                rx.icon("link", size=14),
                "Create view-only link",
                variant="soft",
                on_click=ShareState.create_link,
                custom_attrs={"data-testid": "link-create"},
            ),
            spacing="2",
        ),
        rx.cond(ShareState.new_link != "", new_link_box()),
        rx.foreach(ShareState.links, _link_row),
    )


def share_dialog() -> rx.Component:
    return share_dialog_frame(
        ShareState.flow_name,
        rx.cond(
            ShareState.load_error != "",
            rx.callout(ShareState.load_error, icon="triangle_alert", color_scheme="red"),
            rx.flex(
                rx.cond(ShareState.can_manage, add_section()),
                section(
                    "Who has access",
                    rx.foreach(ShareState.access, _access_row),
                    rx.cond(~ShareState.can_manage, _small(READ_ONLY_NOTE)),
                ),
                rx.cond(ShareState.can_manage, links_section()),
                direction="column",
                spacing="5",
            ),
        ),
        state=ShareState,
        testid="share-dialog",
        max_width="560px",
    )
