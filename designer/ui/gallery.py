"""The template gallery (``/gallery``): cards to filter and search, a read-only preview of each
on the canvas (``/gallery/<id>``, drawn by the editor page), and "Use this template"."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.store import templates as team_templates
from designer.store.db import StoreError
from designer.templates.gallery import Template, builtin_templates, filter_templates
from designer.templates.use import all_templates, use_template
from designer.ui.confirm import confirm_dialog
from designer.ui.context import database
from designer.ui.gallery_views import DIFFICULTY_FILTERS, TASK_FILTERS, template_card
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.shell import app_header


class GalleryState(rx.State):
    cards: list[dict[str, Any]] = []
    task: str = ""
    difficulty: str = ""
    query: str = ""
    loaded: bool = False
    error: str = ""
    #: The team template the person asked to remove, waiting for their confirmation.
    removing: str = ""
    removing_title: str = ""
    _templates: list[Template] = []
    #: Each template's card, made once per load: the picture is costly to encode, and the
    #: search filters on every keystroke.
    _cards: dict[str, dict[str, Any]] = {}

    @rx.event
    async def load(self) -> None:
        try:
            self._templates = await asyncio.to_thread(all_templates, database(), actor_of(self))
        except StoreError as exc:
            self.error = f"Your teams' templates could not be read: {shown(exc)}"
            self._templates = list(builtin_templates())  # they need no database
        else:
            self.error = ""
        self._cards = {t.id: template_card(t) for t in self._templates}
        self._show()
        self.loaded = True

    @rx.event
    def set_task(self, value: str | list[str]) -> None:
        chosen = value if isinstance(value, str) else (value[0] if value else "")
        self.task = "" if chosen == "all" else chosen
        self._show()

    @rx.event
    def set_difficulty(self, value: str) -> None:
        self.difficulty = "" if value == "any" else value
        self._show()

    @rx.event
    def set_query(self, value: str) -> None:
        self.query = value
        self._show()

    @rx.event
    def clear_filters(self) -> None:
        self.task = self.difficulty = self.query = ""
        self._show()

    @rx.event
    async def use(self, template_id: str) -> Any:
        try:
            stored = await asyncio.to_thread(use_template, database(), actor_of(self), template_id)
        except StoreError as exc:
            return rx.toast.error(f"Could not copy the template: {shown(exc)}")
        return rx.redirect(f"/flows/{stored.id}")

    @rx.event
    def ask_remove(self, template_id: str, title: str) -> None:
        self.removing, self.removing_title = template_id, title

    @rx.event
    def cancel_remove(self) -> None:
        self.removing = ""

    @rx.event
    async def confirm_remove(self) -> Any:
        template_id, self.removing = self.removing, ""
        try:
            await asyncio.to_thread(
                team_templates.unpublish_template, database(), actor_of(self), template_id
            )
        except StoreError as exc:
            return rx.toast.error(f"Could not remove the template: {shown(exc)}")
        await self.load()
        return rx.toast.success(f"Removed “{self.removing_title}” from the team's templates")

    def _show(self) -> None:
        shown = filter_templates(
            self._templates, task=self.task, difficulty=self.difficulty, query=self.query
        )
        self.cards = [self._cards[t.id] for t in shown]


def card(template: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.link(
                rx.image(
                    src=template["thumbnail"],
                    alt="The flow of " + template["title"].to(str),
                    width="100%",
                    height="150px",
                    class_name="template-thumb",
                ),
                href=template["href"],
            ),
            rx.flex(
                rx.badge(template["task_label"], color_scheme=template["task_color"]),
                rx.badge(
                    template["difficulty_label"],
                    color_scheme=template["difficulty_color"],
                    variant="outline",
                ),
                rx.cond(
                    template["team_name"] != "",
                    rx.badge(
                        rx.icon("users", size=12),
                        template["team_name"],
                        color_scheme="gray",
                        custom_attrs={"data-testid": "template-team"},
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
            rx.heading(template["title"], as_="h3", size="4"),
            rx.text(template["summary"], size="2", color_scheme="gray"),
            rx.el.ul(
                rx.foreach(template["learn"].to(list[str]), lambda item: rx.el.li(item)),
                class_name="template-learn",
            ),
            rx.spacer(),
            rx.flex(
                rx.text(
                    template["node_count"].to(str) + " blocks",
                    rx.cond(template["run"] != "", " · runs in " + template["run"].to(str), ""),
                    size="1",
                    color_scheme="gray",
                ),
                rx.flex(
                    rx.cond(
                        template["can_remove"].to(bool),
                        rx.icon_button(
                            rx.icon("trash-2", size=14),
                            variant="soft",
                            color_scheme="red",
                            size="2",
                            aria_label="Remove from the team's templates",
                            on_click=GalleryState.ask_remove(template["id"], template["title"]),
                            custom_attrs={"data-testid": "remove-template"},
                        ),
                    ),
                    rx.link(
                        rx.button("Preview", variant="soft", color_scheme="gray", size="2"),
                        href=template["href"],
                        custom_attrs={"data-testid": "preview-template"},
                    ),
                    rx.button(
                        "Use this template",
                        size="2",
                        on_click=GalleryState.use(template["id"]),
                        custom_attrs={"data-testid": "use-template"},
                    ),
                    spacing="2",
                ),
                justify="between",
                align="center",
                wrap="wrap",
                gap="8px",
            ),
            direction="column",
            spacing="3",
            height="100%",
        ),
        class_name="template-card",
        custom_attrs={
            "data-testid": "template-card",
            "data-template": template["id"],
            "data-task": template["task"],
            "data-difficulty": template["difficulty"],
        },
    )


def filters() -> rx.Component:
    return rx.flex(
        rx.segmented_control.root(
            *[
                rx.segmented_control.item(f["label"], value=f["value"] or "all")
                for f in TASK_FILTERS
            ],
            value=rx.cond(GalleryState.task == "", "all", GalleryState.task),
            on_change=GalleryState.set_task,
            custom_attrs={"data-testid": "task-filter"},
        ),
        rx.select.root(
            rx.select.trigger(custom_attrs={"data-testid": "difficulty-filter"}),
            rx.select.content(
                *[rx.select.item(f["label"], value=f["value"] or "any") for f in DIFFICULTY_FILTERS]
            ),
            value=rx.cond(GalleryState.difficulty == "", "any", GalleryState.difficulty),
            on_change=GalleryState.set_difficulty,
        ),
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search templates",
            value=GalleryState.query,
            on_change=GalleryState.set_query.debounce(250),
            width="240px",
            custom_attrs={"data-testid": "template-search"},
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        margin_bottom="24px",
    )


def guided_banner() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("sparkles")),
        rx.callout.text(
            "New to machine learning? ",
            rx.link(
                "Start guided",
                href="/start",
                weight="bold",
                custom_attrs={"data-testid": "start-guided"},
            ),
            ": pick your data and the column to predict, and the designer builds the flow. "
            "Words you do not know are in the ",
            rx.link("glossary", href="/glossary"),
            ".",
        ),
        color_scheme="indigo",
        margin_bottom="24px",
    )


def remove_dialog() -> rx.Component:
    return confirm_dialog(
        title="Remove this team template?",
        description="“" + GalleryState.removing_title + "” leaves the team's gallery. Flows "
        "already made from it, and the flow it was published from, stay as they are.",
        confirm="Remove",
        on_confirm=GalleryState.confirm_remove,
        on_cancel=GalleryState.cancel_remove,
        open=GalleryState.removing != "",
        testid="confirm-remove",
    )


def no_match() -> rx.Component:
    return rx.flex(
        rx.text("No template matches these filters.", color_scheme="gray"),
        rx.button(
            "Show all",
            variant="soft",
            on_click=GalleryState.clear_filters,
            custom_attrs={"data-testid": "clear-filters"},
        ),
        direction="column",
        align="center",
        spacing="3",
        padding="48px 0",
        custom_attrs={"data-testid": "no-templates"},
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            rx.heading("Templates", size="8", weight="bold", margin_bottom="8px"),
            rx.text(
                "Ready-made flows that run as they are. Use one to get your own copy, run it, "
                "then change it to fit your data.",
                size="3",
                color_scheme="gray",
                margin_bottom="24px",
                as_="p",
            ),
            guided_banner(),
            filters(),
            rx.cond(
                GalleryState.error != "",
                rx.callout(GalleryState.error, icon="triangle_alert", color_scheme="amber"),
            ),
            rx.cond(
                ~GalleryState.loaded,
                rx.center(rx.spinner(size="3"), padding="64px"),
                rx.cond(
                    GalleryState.cards.length() > 0,
                    rx.grid(
                        rx.foreach(GalleryState.cards, card),
                        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                        spacing="4",
                        custom_attrs={"data-testid": "template-grid"},
                    ),
                    no_match(),
                ),
            ),
            remove_dialog(),
            max_width="1136px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )


STYLE: dict[str, Any] = {
    ".template-card": {"transition": "box-shadow 120ms ease, transform 120ms ease"},
    ".template-card:hover": {"box_shadow": "var(--shadow-3)", "transform": "translateY(-1px)"},
    ".template-thumb": {
        "object_fit": "contain",
        "background": "var(--gray-2)",
        "border_radius": "var(--radius-3)",
        "border": "1px solid var(--gray-a4)",
    },
    ".template-learn": {
        "margin": "0",
        "padding_left": "18px",
        "font_size": "var(--font-size-1)",
        "color": "var(--gray-11)",
        "line_height": "1.6",
    },
}
