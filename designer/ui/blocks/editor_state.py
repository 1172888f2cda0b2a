"""The block editor's state (``/blocks/new``, ``/blocks/<id>``): the text being written, what
reading it finds, saving versions, the history, and deleting.

The text lives in the browser's editor while the person types; ``edit`` receives it debounced
and reads it with ``read_source`` (parsing only, never running it) into the live preview or
the problems list. The title, category and description fields win over the docstring. Saving
calls ``save_block_text``, which reads the text again: nothing reaches the store that does not
make a block. A component block's text is its YAML, shown read-only: a new version comes only
from importing a new file.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import reflex as rx
from sqlalchemy import Engine

from designer.store.access import Actor, signed_in
from designer.store.db import StoreError
from designer.store.userblocks import (
    BlockInUse,
    BlockVersion,
    block_history,
    block_version,
    delete_block,
)
from designer.ui.blocks import views
from designer.ui.blocks.texts import save_text, uploaded_component
from designer.ui.context import database
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.userblocks.source import STARTER_SOURCE, read_source
from designer.userblocks.spec import (
    CATEGORIES,
    MAX_SOURCE_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    BlockSourceError,
    BlockSpec,
    SourceProblem,
)

#: The category select's value for "what the docstring says" (a select cannot send "").
FROM_DOCSTRING = "docstring"
#: Longest save message kept.
MAX_MESSAGE_CHARS = 200
#: Largest line, column or version number taken from the page (a database's integer fits it).
MAX_WHOLE = 2**31 - 1
#: The upload of a component block's new file (``#block-file input[type=file]``).
NEW_FILE_UPLOAD = "block-file"


@dataclass(frozen=True)
class Overrides:
    """The title, category and description fields: "" leaves the docstring's."""

    title: str = ""
    category: str = ""
    description: str = ""

    def as_arguments(self) -> dict[str, str | None]:
        return {
            "title": self.title or None,
            "category": self.category or None,
            "description": self.description or None,
        }


def overrides_of(version: BlockVersion) -> Overrides:
    """The fields that make a stored Python version's spec from its text: each one filled only
    where the saved block differs from what its docstring says (a field was filled then)."""
    spec = version.spec
    if version.source_kind != "python":
        return Overrides()
    read = read_source(version.text).spec
    if read is None:
        return Overrides(spec.title, spec.category, spec.description)
    return Overrides(
        "" if read.title == spec.title else spec.title,
        "" if read.category == spec.category else spec.category,
        "" if read.description == spec.description else spec.description,
    )


def whole(value: Any) -> int:
    """A whole number sent by the page (a line, a version), or 0 for anything else."""
    try:
        return min(max(0, int(value)), MAX_WHOLE)
    except (TypeError, ValueError, OverflowError):
        return 0


def open_block(engine: Engine, actor: Actor | None, block_id: str) -> list[BlockVersion]:
    """Every version of the block, newest first (the store checks the person may see it)."""
    return block_history(engine, signed_in(actor), block_id)


class BlockEditorState(rx.State):
    """One block's editor: a new one (``block_id`` "") or a saved one."""

    block_id: str = ""
    #: What the text is: "python" source or a "component" file (read-only here).
    kind: str = "python"
    role: str = "owner"
    owner: str = ""
    deleted: bool = False
    loaded: bool = False
    error: str = ""
    #: The text the editor shows; it reads it again only when ``doc_key`` changes.
    doc: str = ""
    doc_key: str = "0"
    title: str = ""
    category: str = FROM_DOCSTRING
    description: str = ""
    problems: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    preview: dict[str, Any] = {}
    save_message: str = ""
    saving: bool = False
    #: The newest version's number (0: not saved yet).
    version: int = 0
    history: list[dict[str, Any]] = []
    #: The version shown read-only from the history; 0 while the person's own text shows.
    viewing: int = 0
    #: Where the editor puts its cursor, each time ``seq`` changes.
    cursor: dict[str, int] = {}
    deleting: bool = False
    in_use: str = ""

    #: The text as the editor last sent it, and the length of one too long to send (else 0).
    _text: str = ""
    _too_long: int = 0
    _owner_username: str = ""
    _name: str = ""
    _doc_seq: int = 0
    _cursor_seq: int = 0

    # -- what the page shows -------------------------------------------------------------------

    @rx.var
    def is_new(self) -> bool:
        return self.block_id == ""

    @rx.var
    def is_owner(self) -> bool:
        return self.role == "owner" and not self.deleted

    @rx.var
    def can_edit(self) -> bool:
        return self.role in ("owner", "editor") and not self.deleted

    @rx.var
    def editable(self) -> bool:
        """Whether the editor and the fields take changes (and Save is offered)."""
        return self.can_edit and self.kind == "python" and self.viewing == 0

    @rx.var
    def can_save(self) -> bool:
        return self.editable and not self.problems and bool(self.preview) and not self.saving

    @rx.var
    def has_preview(self) -> bool:
        return bool(self.preview)

    @rx.var
    def language(self) -> str:
        return "yaml" if self.kind == "component" else "python"

    @rx.var
    def heading(self) -> str:
        return str(self.preview.get("title") or ("New block" if self.is_new else "Block"))

    @rx.var
    def role_sentence(self) -> str:
        return views.role_sentence(self.role)

    @rx.var
    def kind_label(self) -> str:
        return views.KIND_LABELS.get(self.kind, self.kind)

    @rx.var
    def problem_count(self) -> str:
        count = len(self.problems)
        return f"{count} problem" + ("" if count == 1 else "s")

    # -- opening -------------------------------------------------------------------------------

    @rx.event
    async def load(self) -> None:
        actor = actor_of(self)
        if actor is None:
            return
        block_id = views.block_id_from_path(self.router.url.path)
        self.viewing, self.deleting, self.in_use, self.save_message = 0, False, "", ""
        self.saving, self.error = False, ""
        if block_id == views.NEW_BLOCK or not block_id:
            self.block_id, self.kind, self.role, self.deleted = "", "python", "owner", False
            self.owner, self._owner_username, self._name = actor.display_name, actor.username, ""
            self.version, self.history = 0, []
            self._fill(STARTER_SOURCE, Overrides())
            self.loaded = True
            return
        try:
            versions = await asyncio.to_thread(open_block, database(), actor, block_id)
        except StoreError as exc:
            self.block_id, self.error, self.loaded = block_id, shown(exc), True
            return
        self.block_id = block_id
        self._opened(versions)
        self.loaded = True

    def _opened(self, versions: list[BlockVersion]) -> None:
        """Show the newest of ``versions`` (newest first) and the history."""
        newest = versions[0]
        stored = newest.block
        self.kind, self.role, self.deleted = newest.source_kind, str(stored.role), stored.deleted
        self.owner = stored.owner_name or stored.owner
        self._owner_username, self._name = stored.owner, stored.name
        self.version = newest.number
        self.history = views.history_rows(versions, datetime.now(UTC))
        if newest.source_kind == "python":
            self._fill(newest.text, overrides_of(newest))
        else:
            self._show_component(newest.text, newest.spec)

    def _fill(self, text: str, fields: Overrides) -> None:
        """Put ``text`` in the editor (and the fields), and read it."""
        self.title, self.description = fields.title, fields.description
        self.category = fields.category or FROM_DOCSTRING
        self._text, self._too_long = text, 0
        self._replace_doc(text)
        self._check()

    def _show_component(self, text: str, spec: BlockSpec) -> None:
        self.title, self.category, self.description = "", FROM_DOCSTRING, ""
        self._text, self._too_long = text, 0
        self._replace_doc(text)
        self.problems, self.marks = [], []
        self.preview = views.preview_view(spec, text, from_file=True)

    def _replace_doc(self, text: str) -> None:
        self._doc_seq += 1
        self.doc, self.doc_key = text, str(self._doc_seq)

    # -- writing -------------------------------------------------------------------------------

    @rx.event
    def edit(self, text: str, length: int) -> None:
        """The editor's text, debounced; "" and its length when it is too long to send."""
        if not self.editable:
            return
        self._take(text, length)
        self._check()

    def _take(self, text: str, length: int) -> None:
        text = str(text)
        length = max(whole(length), len(text))
        if length > len(text) or len(text) > MAX_SOURCE_CHARS:
            self._too_long = length
            return
        self._text, self._too_long = text, 0

    @rx.event
    def set_title(self, text: str) -> None:
        self.title = str(text)[: MAX_TITLE_CHARS * 2]
        self._check()

    @rx.event
    def set_category(self, value: str) -> None:
        self.category = value if value in CATEGORIES else FROM_DOCSTRING
        self._check()

    @rx.event
    def set_description(self, text: str) -> None:
        self.description = str(text)[: MAX_TEXT_CHARS * 2]
        self._check()

    @rx.event
    def set_save_message(self, text: str) -> None:
        self.save_message = str(text)[:MAX_MESSAGE_CHARS]

    def _overrides(self) -> Overrides:
        category = "" if self.category == FROM_DOCSTRING else self.category
        return Overrides(self.title.strip(), category, self.description.strip())

    def _check(self) -> None:
        """Read the text (parsing only) into the preview, or the problems and their marks."""
        if self.kind != "python":
            return
        if self._too_long:
            problems: tuple[SourceProblem, ...] = (views.too_long(self._too_long),)
            spec = None
        else:
            check = read_source(self._text, **self._overrides().as_arguments())
            problems, spec = check.problems, check.spec
        self.preview = {}
        if spec is not None:
            try:
                self.preview = views.preview_view(spec, self._text)
            except (TypeError, ValueError) as exc:  # a form pydantic cannot build
                problems = (SourceProblem(f"the settings form cannot be drawn: {exc}"),)
        self.problems = views.problem_rows(problems)
        self.marks = views.lint_marks(problems)

    @rx.event
    def goto(self, line: int, column: int) -> None:
        """Put the editor's cursor on a problem's line."""
        self._cursor_seq += 1
        self.cursor = {"line": whole(line), "column": whole(column), "seq": self._cursor_seq}

    # -- saving --------------------------------------------------------------------------------

    @rx.event
    async def save(self) -> Any:
        return await self._save()

    @rx.event
    async def save_text(self, text: str, length: int) -> Any:
        """Ctrl+S: the editor's text at that moment, then save."""
        if not self.editable:
            return None
        self._take(text, length)
        self._check()
        return await self._save()

    async def _save(self) -> Any:
        if not self.editable or self.saving:
            return None
        if self.problems or not self.preview:
            return rx.toast.error(f"Fix the {self.problem_count} first: nothing was saved")
        self.saving = True
        try:
            version = await save_text(
                self,
                self._text,
                "python",
                block_id=self.block_id or None,
                message=self.save_message.strip(),
                **self._overrides().as_arguments(),
            )
        except BlockSourceError as exc:
            self.problems = views.problem_rows(exc.problems)
            self.marks = views.lint_marks(exc.problems)
            return None
        except StoreError as exc:
            return rx.toast.error(f"Could not save: {shown(exc)}")
        finally:
            self.saving = False
        return await self._saved(version)

    async def _saved(self, version: BlockVersion) -> Any:
        if version.number == self.version and version.block.id == self.block_id:
            return rx.toast.info(f"Nothing changed: version {version.number} is the newest")
        self.save_message = ""
        done = rx.toast.success(f"Saved version {version.number}")
        if version.block.id != self.block_id:
            # A new block (or a new version of one of theirs of the same name): its own page.
            return [done, rx.redirect(views.block_href(version.block.id), replace=True)]
        await self._refresh_history()
        return done

    async def _refresh_history(self) -> None:
        try:
            versions = await asyncio.to_thread(
                open_block, database(), actor_of(self), self.block_id
            )
        except StoreError as exc:
            self.error = shown(exc)
            return
        self.version = versions[0].number
        self.history = views.history_rows(versions, datetime.now(UTC), self.viewing)

    # -- the history ---------------------------------------------------------------------------

    @rx.event
    async def show_version(self, number: int) -> Any:
        """Show an older version read-only (the person's own text waits)."""
        try:
            version = await asyncio.to_thread(self._version, actor_of(self), whole(number) or -1)
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        self.viewing = version.number
        self._replace_doc(version.text)
        self.problems, self.marks = [], []
        self.preview = views.preview_view(
            version.spec, version.text, from_file=version.source_kind == "component"
        )
        self.history = [{**row, "viewing": row["number"] == self.viewing} for row in self.history]
        return None

    @rx.event
    def show_current(self) -> None:
        """Back from an older version to the person's own text."""
        self.viewing = 0
        self._replace_doc(self._text)
        self.history = [{**row, "viewing": False} for row in self.history]
        if self.kind == "python":
            self._check()

    @rx.event
    async def restore(self) -> Any:
        """Save the version on show as the newest version."""
        if not self.can_edit or not self.viewing:
            return None
        number = self.viewing
        try:
            old = await asyncio.to_thread(self._version, actor_of(self), number)
            spec = old.spec
            version = await save_text(
                self,
                old.text,
                old.source_kind,
                block_id=self.block_id,
                title=spec.title,
                category=spec.category,
                description=spec.description,
                message=f"Restored version {number}",
            )
        except BlockSourceError as exc:
            return rx.toast.error(f"Version {number} no longer makes a block: {exc}")
        except StoreError as exc:
            return rx.toast.error(f"Could not restore: {shown(exc)}")
        self.viewing = 0
        await self._refresh_history()
        if version.source_kind == "python":
            self._fill(version.text, overrides_of(version))
        else:
            self._show_component(version.text, version.spec)
        return rx.toast.success(f"Restored version {number} as version {version.number}")

    def _version(self, actor: Actor | None, number: int) -> BlockVersion:
        return block_version(database(), actor, self._owner_username, self._name, number)

    # -- a component block's new file ----------------------------------------------------------

    @rx.event
    async def import_version(self, files: list[rx.UploadFile]) -> Any:
        if not files or not self.can_edit or self.kind != "component":
            return None
        try:
            name, text = await uploaded_component(files[0])
            version = await save_text(
                self, text, "component", block_id=self.block_id, message=f"Imported from {name}"
            )
        except BlockSourceError as exc:
            self.problems = views.problem_rows(exc.problems)
            return rx.toast.error(f"{name} does not make a block: nothing was saved")
        except (ValueError, StoreError) as exc:
            return rx.toast.error(shown(exc))
        self.viewing = 0
        self._show_component(version.text, version.spec)
        return await self._saved(version)

    # -- deleting ------------------------------------------------------------------------------

    @rx.event
    def ask_delete(self) -> None:
        self.deleting, self.in_use = True, ""

    @rx.event
    def cancel_delete(self) -> None:
        self.deleting, self.in_use = False, ""

    @rx.event
    async def confirm_delete(self) -> Any:
        title = self.heading
        try:
            await asyncio.to_thread(
                delete_block,
                database(),
                actor_of(self),
                self.block_id,
                confirm=bool(self.in_use),
            )
        except BlockInUse as exc:
            self.in_use = str(exc)
            return None
        except StoreError as exc:
            self.deleting, self.in_use = False, ""
            return rx.toast.error(f"Could not delete “{title}”: {shown(exc)}")
        self.deleting, self.in_use = False, ""
        return [rx.toast.success(f"Deleted “{title}”"), rx.redirect("/blocks")]


__all__ = ["FROM_DOCSTRING", "BlockEditorState", "Overrides", "open_block", "overrides_of"]
