"""The guided start (``/start``): choose data, choose the column to predict, get a flow.

Step 1 offers the sample datasets, an upload (the dataset library's upload zone) and the
person's own library. Step 2 lists the table's columns; each choice shows the proposal at once:
classification or regression and why, and every block with one sentence. "Create this flow"
saves it and opens the editor, ready to run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from designer.datasets.profile import TableProfile
from designer.store import datasets as dataset_store
from designer.store.db import StoreError
from designer.templates.guided import Proposal, propose_sample, propose_table
from designer.templates.samples import (
    CannotPropose,
    TableSource,
    library_table,
    sample,
    sample_table,
)
from designer.templates.use import create_guided_flow
from designer.ui.context import database, settings
from designer.ui.dataset_views import upload_url
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.shell import app_header
from designer.ui.start_views import (
    column_options,
    proposal_view,
    sample_cards,
    target_first_preview,
)
from designer.ui.upload_zone import upload_zone

SAMPLE_CARDS = sample_cards()
#: Rows of the chosen table shown above the column choice.
PREVIEW_ROWS = 5


class StartState(rx.State):
    step: int = 1
    source_name: str = ""
    #: Set for tables whose column to predict the person picks ("" for the samples).
    columns: list[dict[str, str]] = []
    #: The table's first rows, to help pick the column (the samples have none); the column to
    #: predict comes first.
    preview_headers: list[str] = []
    preview_rows: list[list[str]] = []
    target: str = ""
    proposal: dict[str, Any] = {}
    problem: str = ""
    datasets: list[dict[str, str]] = []
    max_upload_bytes: int = 0
    _sample: str = ""
    _source: TableSource | None = None
    _profile: TableProfile | None = None

    @rx.event
    async def load(self) -> None:
        self._reset()
        self.max_upload_bytes = settings().max_upload_bytes
        try:
            mine = await asyncio.to_thread(
                dataset_store.list_datasets, database(), actor_of(self), "", "all"
            )
        except StoreError:
            mine = []  # the samples and the upload still work
        self.datasets = [{"id": d.id, "name": d.name} for d in mine]

    @rx.event
    async def choose(self, value: str) -> None:
        """A sample card: ``sample:<name>`` (target known) or ``table:<name>`` (a shipped CSV)."""
        kind, _, name = value.partition(":")
        if kind == "sample":
            self._reset()
            self._sample = name
            self.source_name = sample(name).title
            self.step = 2
            self._propose()
            return
        await self._open_table(lambda: sample_table(name))

    @rx.event
    async def choose_dataset(self, dataset_id: str) -> None:
        actor = actor_of(self)
        await self._open_table(lambda: library_table(database(), actor, dataset_id))

    @rx.event
    async def uploaded(self, reply: dict[str, Any]) -> None:
        await self.choose_dataset(str(reply.get("dataset_id", "")))

    @rx.event
    def set_target(self, column: str) -> None:
        self.target = column
        self._show_preview()
        self._propose()

    @rx.event
    def back(self) -> None:
        self._reset()

    @rx.event
    async def create(self) -> Any:
        proposal = self._proposal()
        if proposal is None:
            return rx.toast.error(self.problem or "Choose the data and the column first.")
        try:
            stored = await asyncio.to_thread(
                create_guided_flow, database(), actor_of(self), proposal.flow
            )
        except StoreError as exc:
            return rx.toast.error(f"Could not save the flow: {shown(exc)}")
        return rx.redirect(f"/flows/{stored.id}")

    async def _open_table(self, read: Callable[[], tuple[TableSource, TableProfile]]) -> None:
        self._reset()
        try:
            self._source, self._profile = await asyncio.to_thread(read)
        except (StoreError, CannotPropose, ValueError) as exc:
            self.problem = shown(exc)
            return
        self.source_name = self._source.name
        self.columns = column_options(self._profile)
        self.target = self._profile.suggested_target or ""
        self._show_preview()
        self.step = 2
        self._propose()

    def _show_preview(self) -> None:
        if self._profile is not None:
            self.preview_headers, self.preview_rows = target_first_preview(
                self._profile, self.target, PREVIEW_ROWS
            )

    def _proposal(self) -> Proposal | None:
        try:
            if self._sample:
                return propose_sample(self._sample)
            if self._source is not None and self._profile is not None and self.target:
                return propose_table(self._source, self._profile, self.target)
        except CannotPropose as exc:
            self.problem = shown(exc)
        return None

    def _propose(self) -> None:
        self.problem = ""
        proposal = self._proposal()
        self.proposal = proposal_view(proposal) if proposal is not None else {}

    def _reset(self) -> None:
        self.step, self.source_name, self.columns, self.target = 1, "", [], ""
        self.preview_headers, self.preview_rows = [], []
        self.proposal, self.problem = {}, ""
        self._sample, self._source, self._profile = "", None, None


def sample_card(card: dict[str, str]) -> rx.Component:
    return rx.el.button(
        rx.text(card["title"], weight="bold", size="3"),
        rx.text(card["description"], size="2", color_scheme="gray"),
        rx.badge(card["task"], variant="soft", margin_top="auto"),
        on_click=StartState.choose(card["value"]),
        class_name="start-choice",
        custom_attrs={"data-testid": "start-sample", "data-value": card["value"]},
    )


def labelled_select(
    label: str, testid: str, placeholder: str, items: rx.Component, **props: Any
) -> rx.Component:
    return rx.flex(
        rx.text(label, size="2"),
        rx.select.root(
            rx.select.trigger(placeholder=placeholder, custom_attrs={"data-testid": testid}),
            rx.select.content(items),
            **props,
        ),
        align="center",
        spacing="3",
        wrap="wrap",
    )


def choose_data() -> rx.Component:
    return rx.flex(
        rx.heading("1. Choose your data", size="5"),
        rx.text("Try a sample dataset:", size="2", color_scheme="gray"),
        rx.grid(
            *[sample_card(card) for card in SAMPLE_CARDS],
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="3",
        ),
        rx.text("Or use your own table (CSV or Parquet):", size="2", color_scheme="gray"),
        upload_zone(
            url=upload_url(),
            max_bytes=StartState.max_upload_bytes,
            ask_name=False,
            label="Drop a CSV file here, or click to choose one",
            on_uploaded=StartState.uploaded,
        ),
        rx.cond(
            StartState.datasets.length() > 0,
            labelled_select(
                "Or one from your library:",
                "start-library",
                "Pick a dataset",
                rx.foreach(StartState.datasets, lambda d: rx.select.item(d["name"], value=d["id"])),
                on_change=StartState.choose_dataset,
            ),
        ),
        direction="column",
        spacing="3",
    )


def preview_header(name: rx.Var, index: rx.Var) -> rx.Component:
    return rx.table.column_header_cell(
        rx.cond(
            (index == 0) & (StartState.target != ""),
            rx.flex(rx.icon("target", size=12), name, align="center", gap="4px"),
            name,
        ),
        white_space="nowrap",
    )


def target_preview() -> rx.Component:
    """The first rows: they scroll sideways inside their box, and the column to predict comes
    first and stays pinned at the left edge, so a wide table never hides it."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(rx.foreach(StartState.preview_headers, preview_header))),
            rx.table.body(
                rx.foreach(
                    StartState.preview_rows,
                    lambda row: rx.table.row(
                        rx.foreach(row, lambda cell: rx.table.cell(cell, white_space="nowrap")),
                        custom_attrs={"data-testid": "preview-row"},
                    ),
                )
            ),
            variant="surface",
            size="1",
            custom_attrs={"data-testid": "start-preview"},
        ),
        class_name=rx.cond(StartState.target != "", "start-preview has-target", "start-preview"),
        custom_attrs={"data-testid": "start-preview-box"},
    )


def step_row(step: rx.Var) -> rx.Component:
    return rx.flex(
        rx.center(step["number"], class_name="start-step-number"),
        rx.flex(
            rx.flex(
                rx.text(step["title"], weight="bold", size="2"),
                rx.badge(step["block"], variant="outline", color_scheme="gray", size="1"),
                spacing="2",
                align="center",
            ),
            rx.text(step["explanation"], size="2", color_scheme="gray"),
            direction="column",
            spacing="1",
        ),
        spacing="3",
        align="start",
        custom_attrs={"data-testid": "proposal-step"},
    )


def proposal() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.badge(
                    StartState.proposal["task_words"].to(str),
                    size="2",
                    color_scheme="indigo",
                    custom_attrs={"data-testid": "proposal-task"},
                ),
                rx.text(StartState.proposal["task"].to(str), size="1", color_scheme="gray"),
                spacing="2",
                align="center",
            ),
            rx.text(StartState.proposal["reason"].to(str), size="2"),
            rx.foreach(StartState.proposal["steps"].to(list[dict[str, str]]), step_row),
            rx.foreach(
                StartState.proposal["notes"].to(list[str]),
                lambda note: rx.callout(note, icon="info", size="1", color_scheme="amber"),
            ),
            rx.flex(
                rx.button(
                    rx.icon("wand-sparkles", size=16),
                    "Create this flow",
                    size="3",
                    on_click=StartState.create,
                    custom_attrs={"data-testid": "create-proposal"},
                ),
                rx.text(
                    "It opens in the editor, ready to run. ",
                    rx.link("Glossary", href="/glossary", target="_blank"),
                    size="2",
                    color_scheme="gray",
                ),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            direction="column",
            spacing="3",
        ),
        custom_attrs={"data-testid": "proposal"},
    )


def choose_column() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading("2. What should the model predict?", size="5"),
            rx.button(
                rx.icon("arrow-left", size=14),
                "Other data",
                variant="ghost",
                size="1",
                on_click=StartState.back,
                custom_attrs={"data-testid": "start-back"},
            ),
            justify="between",
            align="center",
        ),
        rx.text("Data: ", rx.text.strong(StartState.source_name), size="2"),
        rx.cond(
            StartState.preview_rows.length() > 0,
            target_preview(),
        ),
        rx.cond(
            StartState.columns.length() > 0,
            labelled_select(
                "The column to predict:",
                "start-target",
                "Choose a column",
                rx.foreach(
                    StartState.columns, lambda c: rx.select.item(c["label"], value=c["name"])
                ),
                value=StartState.target,
                on_change=StartState.set_target,
            ),
        ),
        rx.cond(StartState.proposal.contains("steps"), proposal()),
        direction="column",
        spacing="3",
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            rx.heading("Guided start", size="8", weight="bold", margin_bottom="8px"),
            rx.text(
                "Two questions, and the designer builds a flow that trains and tests a model "
                "for you. You can change every part of it afterwards.",
                size="3",
                color_scheme="gray",
                margin_bottom="24px",
                as_="p",
            ),
            rx.cond(
                StartState.problem != "",
                rx.callout(
                    StartState.problem,
                    icon="triangle_alert",
                    color_scheme="red",
                    margin_bottom="16px",
                    custom_attrs={"data-testid": "start-problem"},
                ),
            ),
            rx.cond(StartState.step == 1, choose_data(), choose_column()),
            max_width="880px",
            margin="0 auto",
            padding="40px 24px 64px",
        ),
        class_name="app",
    )


STYLE: dict[str, Any] = {
    ".start-choice": {
        "display": "flex",
        "flex_direction": "column",
        "gap": "6px",
        "align_items": "flex-start",
        "text_align": "left",
        "padding": "14px",
        "min_height": "120px",
        "border": "1px solid var(--gray-a5)",
        "border_radius": "var(--radius-3)",
        "background": "var(--color-panel-solid)",
        "cursor": "pointer",
    },
    ".start-choice:hover": {"border_color": "var(--accent-8)", "box_shadow": "var(--shadow-2)"},
    # The preview scrolls inside its box (the table's own scroll area; never widening the page),
    # its first column, the one to predict, pinned over the others as they scroll under it. The
    # table must not clip (Radix Themes gives it overflow: hidden), or cells stick to it instead
    # of to the scroll area.
    ".start-preview": {"max_width": "100%", "min_width": "0"},
    ".start-preview .rt-TableRootTable": {"overflow": "visible"},
    ".start-preview.has-target :is(th, td):first-child": {
        "position": "sticky",
        "left": "0",
        "z_index": "1",
        "background": "linear-gradient(var(--accent-a3), var(--accent-a3)), "
        "var(--color-panel-solid)",
        "box_shadow": "inset -1px 0 0 var(--accent-a6)",
    },
    ".start-step-number": {
        "width": "24px",
        "height": "24px",
        "flex_shrink": "0",
        "border_radius": "9999px",
        "background": "var(--accent-3)",
        "color": "var(--accent-11)",
        "font_size": "12px",
        "font_weight": "700",
    },
}
