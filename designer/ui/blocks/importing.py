"""Importing a KFP component file as a block: the dialog on ``/blocks`` and its state.

The file comes from the person's computer (a .yaml/.yml upload) or from an http(s) address
(downloaded by ``fetch_component`` under the designer's outbound rules). Either way it is only
read (``read_component``: YAML as data, then kfp's own reader): the dialog shows the problems
or the block it makes, and "Add block" saves it as a "component" block and opens its page.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.store.db import StoreError
from designer.ui.blocks import views
from designer.ui.blocks.parts import block_preview
from designer.ui.blocks.texts import ACCEPT, save_text, uploaded_component
from designer.ui.context import settings
from designer.ui.messages import shown
from designer.userblocks.component_file import (
    MAX_COMPONENT_BYTES,
    fetch_component,
    read_component,
)
from designer.userblocks.spec import BlockSourceError

#: The upload's id (its file input is ``#import-component input[type=file]``).
UPLOAD_ID = "import-component"
#: The drop zone's look: a dashed box that lights up under the pointer.
DROP_ZONE = {
    "border": "1px dashed var(--gray-a7)",
    "border_radius": "var(--radius-3)",
    "cursor": "pointer",
    "color": "var(--gray-11)",
    "_hover": {"background": "var(--gray-a2)", "border_color": "var(--accent-8)"},
}
#: Longest address the URL field takes.
MAX_URL_CHARS = 2_000


class ImportState(rx.State):
    """The import dialog: where the file came from, and what reading it found."""

    is_open: bool = False
    url: str = ""
    #: The file's name, or the address it was downloaded from.
    source: str = ""
    #: Why nothing could be read (a download refused, a file not UTF-8): "" otherwise.
    error: str = ""
    problems: list[dict[str, Any]] = []
    preview: dict[str, Any] = {}
    busy: bool = False
    #: The text read, kept on the server until "Add block".
    _text: str = ""

    @rx.var
    def has_preview(self) -> bool:
        return bool(self.preview)

    @rx.var
    def can_add(self) -> bool:
        return bool(self.preview) and not self.busy

    @rx.event
    def open_dialog(self) -> None:
        self.is_open, self.url = True, ""
        self._forget()

    @rx.event
    def set_open(self, value: bool) -> None:
        self.is_open = value
        if not value:
            self._forget()

    @rx.event
    def set_url(self, text: str) -> None:
        self.url, self.error = text[:MAX_URL_CHARS], ""

    @rx.event
    async def fetch(self) -> Any:
        url = self.url.strip()
        if not url:
            self.error = "type the http:// or https:// address of a component file"
            return
        self._forget()
        self.busy = True
        yield
        try:
            text = await asyncio.to_thread(
                fetch_component, url, allowed_networks=settings().allowed_networks
            )
        except ValueError as exc:
            self.error, self.busy = str(exc), False
            return
        self._read(text, url.split("?", 1)[0])

    @rx.event
    async def upload(self, files: list[rx.UploadFile]) -> None:
        if not files:
            return
        self._forget()
        try:
            name, text = await uploaded_component(files[0])
        except ValueError as exc:
            self.error = str(exc)
            return
        self._read(text, name)

    @rx.event
    async def add(self) -> Any:
        if not self._text or not self.preview:
            return None
        self.busy = True
        try:
            version = await save_text(
                self, self._text, "component", message=f"Imported from {self.source}"[:200]
            )
        except BlockSourceError as exc:
            self.problems, self.preview, self.busy = views.problem_rows(exc.problems), {}, False
            return None
        except StoreError as exc:
            self.busy = False
            return rx.toast.error(f"Could not add the block: {shown(exc)}")
        self.is_open, self.busy = False, False
        self._forget()
        return [
            rx.toast.success(f"Added “{version.block.title}” (version {version.number})"),
            rx.redirect(views.block_href(version.block.id)),
        ]

    def _read(self, text: str, source: str) -> None:
        read = read_component(text)
        self.source, self.busy = source, False
        if read.check.spec is None:
            self.problems = views.problem_rows(read.check.problems)
            return
        self.preview = views.preview_view(read.check.spec, read.component_yaml, from_file=True)
        self._text = text

    def _forget(self) -> None:
        self.source, self.error, self.problems, self.preview, self._text = "", "", [], {}, ""
        self.busy = False


def _problem_line(problem: rx.Var) -> rx.Component:
    return rx.text(
        problem["text"].to(str),
        size="2",
        color_scheme="red",
        custom_attrs={"data-testid": "import-problem"},
    )


def import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Import a component"),
            rx.dialog.description(
                "A Kubeflow Pipelines component file (component.yaml, or one compiled by the "
                "KFP SDK) becomes one of your blocks. It is only read here, never run.",
                size="2",
                color_scheme="gray",
                margin_bottom="16px",
            ),
            rx.flex(
                rx.upload.root(
                    rx.flex(
                        rx.icon("file_up", size=20),
                        rx.text("Drop a .yaml file here, or click to choose one", size="2"),
                        direction="column",
                        align="center",
                        spacing="2",
                        padding="20px",
                        # Inline: the dialog is drawn outside the app's root and its class rules.
                        style=DROP_ZONE,
                    ),
                    id=UPLOAD_ID,
                    accept=ACCEPT,
                    max_files=1,
                    max_size=MAX_COMPONENT_BYTES,
                    on_drop=ImportState.upload(rx.upload_files(upload_id=UPLOAD_ID)),
                    custom_attrs={"data-testid": "import-file"},
                ),
                rx.text("or from the web", size="1", color_scheme="gray", align="center"),
                rx.flex(
                    rx.input(
                        value=ImportState.url,
                        on_change=ImportState.set_url,
                        placeholder="https://…/component.yaml",
                        max_length=MAX_URL_CHARS,
                        flex="1",
                        custom_attrs={"data-testid": "import-url", "autocomplete": "off"},
                    ),
                    rx.button(
                        "Fetch",
                        variant="soft",
                        on_click=ImportState.fetch,
                        loading=ImportState.busy,
                        custom_attrs={"data-testid": "import-fetch"},
                    ),
                    spacing="2",
                ),
                rx.cond(
                    ImportState.error != "",
                    rx.callout(
                        ImportState.error,
                        icon="triangle_alert",
                        color_scheme="red",
                        size="1",
                        custom_attrs={"data-testid": "import-error"},
                    ),
                ),
                rx.cond(
                    ImportState.problems.length() > 0,
                    rx.callout.root(
                        rx.callout.icon(rx.icon("triangle_alert")),
                        rx.flex(
                            rx.text(
                                ImportState.source + " does not make a block:",
                                size="2",
                                weight="medium",
                            ),
                            rx.foreach(ImportState.problems, _problem_line),
                            direction="column",
                            spacing="1",
                        ),
                        color_scheme="red",
                        size="1",
                        custom_attrs={"data-testid": "import-problems"},
                    ),
                ),
                rx.cond(
                    ImportState.has_preview,
                    rx.box(
                        rx.text("From " + ImportState.source, size="1", color_scheme="gray"),
                        block_preview(ImportState.preview),
                        max_height="46vh",
                        overflow_y="auto",
                        custom_attrs={"data-testid": "import-preview"},
                    ),
                ),
                direction="column",
                spacing="3",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.icon("plus", size=15),
                    "Add block",
                    on_click=ImportState.add,
                    disabled=~ImportState.can_add,
                    custom_attrs={"data-testid": "import-add"},
                ),
                justify="end",
                spacing="2",
                margin_top="20px",
            ),
            max_width="620px",
            custom_attrs={"data-testid": "import-dialog"},
        ),
        open=ImportState.is_open,
        on_open_change=ImportState.set_open,
    )
