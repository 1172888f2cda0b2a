"""The home page (``/``): my flows, flows shared with me, and each team's flows.

New, open, rename, duplicate, share, import and delete; what a row offers follows the person's
role on that flow (the store checks it again on every action).
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.flow.document import Flow
from designer.store import flows as flow_store
from designer.store import teams as team_store
from designer.store import versions as version_store
from designer.store.access import Role
from designer.store.db import StoreError
from designer.ui.confirm import confirm_dialog
from designer.ui.context import database
from designer.ui.editor.views import STATUS_COLORS, when
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.share import ShareState, share_dialog
from designer.ui.shell import app_header
from designer.userblocks.pipeline_saving import flow_from_upload


class HomeState(rx.State):
    flows: list[dict[str, Any]] = []
    #: The lists the tabs switch between: "mine", "shared" and one per team of the person's.
    scopes: list[dict[str, str]] = [
        {"value": "mine", "label": "My flows"},
        {"value": "shared", "label": "Shared with me"},
    ]
    scope: str = "mine"
    loaded: bool = False
    error: str = ""
    renaming: str = ""
    new_name: str = ""
    deleting: str = ""
    deleting_name: str = ""

    @rx.event
    async def load(self) -> None:
        actor = actor_of(self)
        if actor is None:
            return
        try:
            teams = await asyncio.to_thread(team_store.list_teams, database(), actor)
            self.scopes = [
                *self.scopes[:2],
                *({"value": team.id, "label": team.name} for team in teams),
            ]
            if self.scope not in {scope["value"] for scope in self.scopes}:
                self.scope = "mine"
            summaries = await asyncio.to_thread(
                flow_store.list_flows, database(), actor, self.scope
            )
        except StoreError as exc:
            self.error = shown(exc)
            self.loaded = True
            return
        self.error = ""
        self.flows = [flow_list_row(summary) for summary in summaries]
        self.loaded = True

    @rx.event
    async def show(self, scope: str) -> None:
        self.scope = scope
        self.loaded = False
        await self.load()

    @rx.event
    def new_flow(self) -> Any:
        actor = actor_of(self)
        try:
            engine = database()
            name = flow_store.unique_name(engine, actor)
            stored = flow_store.create_flow(engine, actor, Flow(name=name))
        except StoreError as exc:
            return rx.toast.error(f"Could not create a flow: {shown(exc)}")
        return rx.redirect(f"/flows/{stored.id}")

    @rx.event
    async def import_flow(self, files: list[rx.UploadFile]) -> Any:
        """A flow file (JSON), or a compiled KFP pipeline (YAML) made a flow, as a new flow."""
        if not files:
            return None
        name = files[0].name or ""
        data = await files[0].read()
        try:
            # A pipeline's components are read (never run) and saved as the person's blocks.
            made = await asyncio.to_thread(flow_from_upload, database(), actor_of(self), data, name)
        except StoreError as exc:
            return rx.toast.error(f"Could not save the pipeline's blocks: {shown(exc)}")
        if made.flow is None:
            return rx.toast.error(made.error)
        flow = made.flow
        try:
            stored = flow_store.create_flow(
                database(), actor_of(self), flow, message=f"Imported from {name}"
            )
        except StoreError as exc:
            return rx.toast.error(f"Could not save the imported flow: {shown(exc)}")
        return rx.redirect(f"/flows/{stored.id}")

    @rx.event
    def start_rename(self, flow_id: str, name: str) -> None:
        self.renaming, self.new_name = flow_id, name

    @rx.event
    def set_new_name(self, value: str) -> None:
        self.new_name = value

    @rx.event
    def cancel_rename(self) -> None:
        self.renaming = ""

    @rx.event
    async def confirm_rename(self) -> Any:
        try:
            version_store.rename_flow(database(), actor_of(self), self.renaming, self.new_name)
        except (ValueError, StoreError) as exc:
            return rx.toast.error(shown(exc))
        self.renaming = ""
        await self.load()
        return None

    @rx.event
    async def duplicate(self, flow_id: str) -> Any:
        try:
            copy = flow_store.duplicate_flow(database(), actor_of(self), flow_id)
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        self.scope = "mine"
        await self.load()
        return rx.toast.success(f"Created “{copy.flow.name}” in your flows")

    @rx.event
    def ask_delete(self, flow_id: str, name: str) -> None:
        self.deleting, self.deleting_name = flow_id, name

    @rx.event
    def cancel_delete(self) -> None:
        self.deleting = ""

    @rx.event
    async def confirm_delete(self) -> Any:
        try:
            flow_store.delete_flow(database(), actor_of(self), self.deleting)
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        name, self.deleting = self.deleting_name, ""
        await self.load()
        return rx.toast.success(f"Deleted “{name}”")


def flow_list_row(summary: flow_store.FlowSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "name": summary.name,
        "description": summary.description,
        "edited": when(summary.updated_at.timestamp()),
        "nodes": summary.node_count,
        "status": str(summary.last_run_status or ""),
        "ran": when(summary.last_run_at.timestamp()) if summary.last_run_at else "",
        "color": STATUS_COLORS.get(summary.last_run_status or "", "gray"),
        "owner": summary.owner,
        "role": str(summary.role),
        "can_edit": summary.role.allows(Role.EDITOR),
        "is_owner": summary.role.allows(Role.OWNER),
        "version": summary.version,
    }


def flow_row(flow: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(
                rx.text(flow["name"], weight="medium"),
                href="/flows/" + flow["id"].to(str),
                custom_attrs={"data-testid": "open-flow"},
            ),
            rx.flex(
                rx.text(
                    flow["nodes"].to(str) + " blocks · v" + flow["version"].to(str),
                    size="1",
                    color_scheme="gray",
                ),
                rx.cond(
                    HomeState.scope != "mine",
                    rx.text("by " + flow["owner"].to(str), size="1", color_scheme="gray"),
                ),
                rx.cond(
                    ~flow["is_owner"].to(bool),
                    rx.badge(
                        flow["role"],
                        size="1",
                        variant="soft",
                        color_scheme=rx.cond(flow["can_edit"].to(bool), "green", "gray"),
                        custom_attrs={"data-testid": "flow-role"},
                    ),
                ),
                spacing="2",
                align="center",
            ),
        ),
        rx.table.cell(rx.text(flow["edited"], size="2", color_scheme="gray")),
        rx.table.cell(
            rx.cond(
                flow["status"] != "",
                rx.flex(
                    rx.badge(flow["status"], color_scheme=flow["color"].to(str), variant="soft"),
                    rx.text(flow["ran"], size="1", color_scheme="gray"),
                    align="center",
                    spacing="2",
                ),
                rx.text("never run", size="2", color_scheme="gray"),
            )
        ),
        rx.table.cell(
            rx.dropdown_menu.root(
                rx.dropdown_menu.trigger(
                    rx.icon_button(
                        rx.icon("ellipsis", size=16),
                        variant="ghost",
                        color_scheme="gray",
                        custom_attrs={"data-testid": "flow-actions", "aria-label": "Actions"},
                    )
                ),
                rx.dropdown_menu.content(
                    rx.cond(
                        flow["can_edit"].to(bool),
                        rx.dropdown_menu.item(
                            "Rename", on_click=HomeState.start_rename(flow["id"], flow["name"])
                        ),
                    ),
                    rx.dropdown_menu.item(
                        rx.cond(flow["is_owner"].to(bool), "Duplicate", "Duplicate to my flows"),
                        on_click=HomeState.duplicate(flow["id"]),
                        custom_attrs={"data-testid": "duplicate-flow"},
                    ),
                    rx.cond(
                        flow["is_owner"].to(bool),
                        rx.fragment(
                            rx.dropdown_menu.item(
                                "Share…",
                                on_click=ShareState.open_for(flow["id"], flow["name"]),
                                custom_attrs={"data-testid": "share-flow"},
                            ),
                            rx.dropdown_menu.separator(),
                            rx.dropdown_menu.item(
                                "Delete",
                                color="red",
                                on_click=HomeState.ask_delete(flow["id"], flow["name"]),
                                custom_attrs={"data-testid": "delete-flow"},
                            ),
                        ),
                    ),
                ),
            ),
            text_align="right",
        ),
        custom_attrs={"data-testid": "flow-row", "data-flow-id": flow["id"]},
    )


def rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename flow"),
            rx.input(
                value=HomeState.new_name,
                on_change=HomeState.set_new_name,
                auto_focus=True,
                custom_attrs={"data-testid": "rename-input"},
            ),
            rx.flex(
                rx.button(
                    "Cancel",
                    variant="soft",
                    color_scheme="gray",
                    on_click=HomeState.cancel_rename,
                    custom_attrs={"data-testid": "rename-cancel"},
                ),
                rx.button(
                    "Rename",
                    on_click=HomeState.confirm_rename,
                    custom_attrs={"data-testid": "rename-confirm"},
                ),
                justify="end",
                spacing="2",
                margin_top="16px",
            ),
            max_width="420px",
        ),
        open=HomeState.renaming != "",
    )


def delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete this flow?",
        description="“" + HomeState.deleting_name + "”, its versions and its run history will be "
        "deleted. This cannot be undone.",
        confirm="Delete",
        on_confirm=HomeState.confirm_delete,
        on_cancel=HomeState.cancel_delete,
        open=HomeState.deleting != "",
        testid="confirm-delete",
    )


def empty_state() -> rx.Component:
    return rx.flex(
        rx.center(rx.icon("workflow", size=26), class_name="empty-icon"),
        rx.cond(
            HomeState.scope == "mine",
            rx.fragment(
                rx.heading("No flows yet", size="5"),
                rx.text(
                    "A flow is a chain of blocks: load data, split it, train a model, evaluate "
                    "it. Create your first one and drag blocks onto the canvas.",
                    color_scheme="gray",
                    align="center",
                    max_width="420px",
                ),
                rx.flex(
                    rx.link(
                        rx.button(rx.icon("sparkles", size=16), "Guided start", size="3"),
                        href="/start",
                        custom_attrs={"data-testid": "empty-guided"},
                    ),
                    rx.link(
                        rx.button(
                            rx.icon("layout-template", size=16),
                            "Browse templates",
                            size="3",
                            variant="soft",
                        ),
                        href="/gallery",
                        custom_attrs={"data-testid": "empty-gallery"},
                    ),
                    rx.button(
                        rx.icon("plus", size=16),
                        "Blank flow",
                        size="3",
                        variant="soft",
                        color_scheme="gray",
                        on_click=HomeState.new_flow,
                    ),
                    spacing="2",
                    wrap="wrap",
                    justify="center",
                ),
            ),
            rx.fragment(
                rx.heading("Nothing shared here yet", size="5"),
                rx.text(
                    "Flows teammates share with you, or with a team of yours, appear here.",
                    color_scheme="gray",
                    align="center",
                    max_width="420px",
                ),
            ),
        ),
        direction="column",
        align="center",
        spacing="3",
        padding="64px 0",
        custom_attrs={"data-testid": "no-flows"},
    )


def flows_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Flow"),
                rx.table.column_header_cell("Last edited"),
                rx.table.column_header_cell("Last run"),
                rx.table.column_header_cell(""),
            )
        ),
        rx.table.body(rx.foreach(HomeState.flows, flow_row)),
        variant="surface",
        width="100%",
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            rx.flex(
                rx.heading("Flows", size="7"),
                rx.flex(
                    rx.link(
                        rx.button(
                            rx.icon("layout-template", size=16),
                            "From a template",
                            variant="soft",
                        ),
                        href="/gallery",
                        custom_attrs={"data-testid": "open-gallery"},
                    ),
                    rx.upload.root(
                        rx.button(
                            rx.icon("upload", size=16),
                            "Import",
                            variant="soft",
                            color_scheme="gray",
                        ),
                        id="home-import",
                        # A flow file, or a pipeline compiled by KFP (IR YAML) to make one of.
                        accept={
                            "application/json": [".json"],
                            "application/x-yaml": [".yaml", ".yml"],
                            "text/yaml": [".yaml", ".yml"],
                        },
                        max_files=1,
                        no_drag=True,
                        on_drop=HomeState.import_flow(rx.upload_files(upload_id="home-import")),
                    ),
                    rx.button(
                        rx.icon("plus", size=16),
                        "New flow",
                        on_click=HomeState.new_flow,
                        custom_attrs={"data-testid": "new-flow"},
                    ),
                    spacing="2",
                ),
                justify="between",
                align="center",
                margin_bottom="16px",
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.foreach(
                        HomeState.scopes,
                        lambda scope: rx.tabs.trigger(
                            scope["label"],
                            value=scope["value"],
                            custom_attrs={"data-testid": "scope-" + scope["value"]},
                        ),
                    ),
                ),
                value=HomeState.scope,
                on_change=HomeState.show,
                margin_bottom="20px",
            ),
            rx.cond(
                HomeState.error != "",
                rx.callout(HomeState.error, icon="triangle_alert", color_scheme="red"),
                rx.cond(
                    ~HomeState.loaded,
                    rx.center(rx.spinner(size="3"), padding="64px"),
                    rx.cond(HomeState.flows.length() > 0, flows_table(), empty_state()),
                ),
            ),
            rename_dialog(),
            delete_dialog(),
            share_dialog(),
            max_width="1040px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )
