"""The editor's "Publish to team" dialog: put the flow's saved version in a team's gallery.

The store decides who may publish where (``designer.store.templates``); the dialog offers the
person's teams and fills in what it can guess: the title from the flow's name and the task from
the kinds of model it trains.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.store import flows as flow_store
from designer.store import teams as team_store
from designer.store import templates as team_templates
from designer.store.db import StoreError
from designer.templates.gallery import DIFFICULTY_LABELS, TASK_LABELS, task_of
from designer.ui.context import database
from designer.ui.editor.state import EditorState
from designer.ui.messages import shown
from designer.ui.session import actor_of


class PublishState(rx.State):
    open: bool = False
    flow_id: str = ""
    teams: list[dict[str, str]] = []
    team: str = ""
    title: str = ""
    description: str = ""
    task: str = "other"
    difficulty: str = "beginner"
    error: str = ""

    @rx.event
    async def open_for(self, flow_id: str) -> Any:
        actor = actor_of(self)
        try:
            teams, stored = await asyncio.gather(
                asyncio.to_thread(team_store.list_teams, database(), actor),
                asyncio.to_thread(flow_store.get_flow, database(), actor, flow_id),
            )
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        if not teams:
            return rx.toast.info("Join or create a team on the Teams page to publish templates.")
        self.flow_id, self.error = flow_id, ""
        self.teams = [{"id": t.id, "name": t.name} for t in teams]
        self.team = teams[0].id
        self.title, self.description = stored.flow.name, stored.flow.description
        self.task = task_of(stored.flow)
        self.open = True
        return None

    @rx.event
    def set_open(self, value: bool) -> None:
        self.open = value

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in ("team", "title", "description", "task", "difficulty"):
            setattr(self, name, value)

    @rx.event
    async def publish(self) -> Any:
        try:
            published = await asyncio.to_thread(
                team_templates.publish_template,
                database(),
                actor_of(self),
                self.flow_id,
                self.team,
                title=self.title,
                description=self.description,
                task=self.task,
                difficulty=self.difficulty,
            )
        except StoreError as exc:
            self.error = shown(exc)
            return None
        self.open = False
        return rx.toast.success(
            f"Published “{published.title}” to {published.team_name}: its members find it "
            "under Templates."
        )


def _select(name: str, value: rx.Var, *items: rx.Component) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", custom_attrs={"data-testid": f"publish-{name}"}),
        rx.select.content(*items),
        value=value,
        on_change=lambda v: PublishState.set_field(name, v),
    )


def _choices(labels: dict[str, str]) -> list[rx.Component]:
    return [rx.select.item(label, value=key) for key, label in labels.items()]


def _field(label: str, control: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(label, size="2", weight="medium"), control, direction="column", spacing="1"
    )


def publish_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Publish as a team template"),
            rx.dialog.description(
                "Members of the team will find the flow's last saved version in Templates and "
                "can start their own copies. Publishing the same title again replaces it.",
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                _field(
                    "Team",
                    _select(
                        "team",
                        PublishState.team,
                        rx.foreach(
                            PublishState.teams,
                            lambda t: rx.select.item(t["name"], value=t["id"]),
                        ),
                    ),
                ),
                _field(
                    "Title",
                    rx.input(
                        value=PublishState.title,
                        on_change=lambda v: PublishState.set_field("title", v),
                        custom_attrs={"data-testid": "publish-title"},
                    ),
                ),
                _field(
                    "What it does, for a teammate",
                    rx.text_area(
                        value=PublishState.description,
                        on_change=lambda v: PublishState.set_field("description", v),
                        rows="3",
                        custom_attrs={"data-testid": "publish-description"},
                    ),
                ),
                rx.flex(
                    _field("Task", _select("task", PublishState.task, *_choices(TASK_LABELS))),
                    _field(
                        "Level",
                        _select(
                            "difficulty", PublishState.difficulty, *_choices(DIFFICULTY_LABELS)
                        ),
                    ),
                    spacing="3",
                ),
                rx.cond(
                    EditorState.save_state != "saved",
                    rx.callout(
                        "Edits you have not saved are not included: Save first to publish them.",
                        icon="info",
                        color_scheme="amber",
                        size="1",
                    ),
                ),
                rx.cond(
                    PublishState.error != "",
                    rx.callout(
                        PublishState.error,
                        icon="triangle_alert",
                        color_scheme="red",
                        size="1",
                        custom_attrs={"data-testid": "publish-error"},
                    ),
                ),
                rx.flex(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button(
                        "Publish",
                        on_click=PublishState.publish,
                        custom_attrs={"data-testid": "publish-confirm"},
                    ),
                    justify="end",
                    spacing="2",
                ),
                direction="column",
                spacing="3",
                margin_top="12px",
            ),
            max_width="520px",
            custom_attrs={"data-testid": "publish-dialog"},
        ),
        open=PublishState.open,
        on_open_change=PublishState.set_open,
    )
