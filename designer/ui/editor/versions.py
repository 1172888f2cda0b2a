"""Saving versions and living with teammates: save, settle a conflict, browse the history.

A save names the version the canvas started from (``base_version``). When a teammate saved
first, the store refuses and this state offers two ways out, both losing nothing: reload their
version (your edits stay one undo away), or keep your edits as a copy of the flow. The History
tab lists every version with who saved it and why, opens any version read-only, restores one as
a new version, and says what changed between two versions.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.store import flows as flow_store
from designer.store import versions as version_store
from designer.store.db import StoreError
from designer.ui.context import database
from designer.ui.editor import views
from designer.ui.editor.state import EditorState
from designer.ui.messages import shown
from designer.ui.session import actor_of


class VersionsState(EditorState):
    #: Why the last save was refused because someone saved first ("" when there is no conflict).
    conflict: str = ""
    show_save: bool = False
    save_message: str = ""
    history: list[dict[str, Any]] = []
    compare_from: str = ""
    compare_to: str = ""
    diff_title: str = ""
    diff_lines: list[str] = []

    # ----- saving ---------------------------------------------------------------------------

    @rx.event
    def open_save(self) -> None:
        """The Save button: ask for an optional message (Ctrl+S saves without one)."""
        if not self.read_only:
            self.save_message = ""
            self.show_save = True

    @rx.event
    def set_show_save(self, value: bool) -> None:
        self.show_save = value

    @rx.event
    def set_save_message(self, value: str) -> None:
        self.save_message = value[:500]

    @rx.event
    async def save(self) -> Any:
        """Save the canvas as the flow's next version, unless a teammate saved first."""
        if self._doc() is None or self.read_only:
            return None
        self._edit_gen += 1
        message, self.show_save = self.save_message.strip(), False
        try:
            saved = await asyncio.to_thread(
                version_store.save_version,
                database(),
                actor_of(self),
                self.flow_id,
                self._doc(),
                base_version=self.base_version,
                message=message,
            )
        except version_store.VersionConflict as exc:
            self.conflict, self.save_state = shown(exc), "conflict"
            return None
        except StoreError as exc:
            self.save_state = "error"
            return rx.toast.error(f"Could not save: {shown(exc)}")
        self.version = self.base_version = saved.number
        self.save_state = "saved"
        self._load_history()
        if not saved.created:
            return rx.toast.info(f"No changes since version {saved.number}")
        return rx.toast.success(f"Saved as version {saved.number}")

    # ----- settling a conflict --------------------------------------------------------------

    @rx.event
    def reload_latest(self) -> Any:
        """Show the teammate's latest version; the person's edits stay one undo away."""
        mine, actor = self._doc(), actor_of(self)
        try:
            version_store.discard_draft(database(), actor, self.flow_id)
            stored = flow_store.get_flow(database(), actor, self.flow_id)
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        history = self._hist()
        if mine is not None and history is not None:
            history.record(mine, f"reload version {stored.version}")
            self._history = history
        self._set_doc(stored.flow)
        self.version = self.base_version = stored.version
        self._push_op({"kind": "replace", **self._scene_items()})
        self.selected = [i for i in self.selected if self._node(i) is not None]
        self._refresh()
        self.conflict, self.save_state = "", "saved"
        self._load_history()
        return rx.toast.info(
            f"Showing version {stored.version}. Your edits are one undo away (Ctrl+Z)."
        )

    @rx.event
    def save_copy(self) -> Any:
        """Keep the person's edits as a new flow of their own, and open it."""
        mine = self._doc()
        if mine is None:
            return None
        actor = actor_of(self)
        name = views.copy_name(mine.name, "my edits")
        try:
            copy = flow_store.create_flow(
                database(),
                actor,
                mine.model_copy(update={"name": name}),
                message=f"My edits of {mine.name}, kept when a teammate saved first",
            )
            version_store.discard_draft(database(), actor, self.flow_id)
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        self.conflict = ""
        return rx.redirect(f"/flows/{copy.id}")

    @rx.event
    def dismiss_conflict(self) -> None:
        """Keep editing for now; the draft stays, and the next save meets the conflict again."""
        self.conflict = ""

    # ----- history --------------------------------------------------------------------------

    @rx.event
    def set_tab(self, tab: str) -> None:
        """The side panel's tabs; the History tab reads the versions as it opens."""
        self.panel_tab = tab
        if tab == "history":
            self._load_history()

    @rx.event
    def duplicate_mine(self) -> Any:
        """A viewer's way to change a flow: a copy of their own, opened at once."""
        try:
            copy = flow_store.duplicate_flow(database(), actor_of(self), self.flow_id)
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        return rx.redirect(f"/flows/{copy.id}")

    @rx.event
    def reset_history(self) -> None:
        self.history, self.diff_lines, self.diff_title = [], [], ""
        self.compare_from = self.compare_to = ""
        self.conflict, self.show_save = "", False

    @rx.event
    def show_changes(self, number: int) -> None:
        """What version ``number`` changed from the one before it."""
        if number > 1:
            self._compare(number - 1, number)

    # The version pickers hand back the number as the browser holds it: text or a number.
    @rx.event
    def set_compare_from(self, value: str | int) -> None:
        self.compare_from = str(value)

    @rx.event
    def set_compare_to(self, value: str | int) -> None:
        self.compare_to = str(value)

    @rx.event
    def compare(self) -> None:
        old, new = str(self.compare_from), str(self.compare_to)
        if not (old.isdigit() and new.isdigit()):
            self.diff_title, self.diff_lines = (
                "Pick two versions",
                ["Choose a version in “from” and one in “to”, then press Show."],
            )
            return
        self._compare(int(old), int(new))

    @rx.event
    def restore(self, number: int) -> Any:
        """Make version ``number`` the latest again, as a new version (history is kept)."""
        try:
            restored = version_store.restore_version(
                database(), actor_of(self), self.flow_id, number
            )
        except StoreError as exc:
            return rx.toast.error(shown(exc))
        return [
            rx.redirect(f"/flows/{self.flow_id}"),
            rx.toast.success(f"Restored version {number} as version {restored}"),
        ]

    def _compare(self, old: int, new: int) -> None:
        try:
            diff = version_store.compare_versions(
                database(), actor_of(self), self.flow_id, old, new
            )
        except StoreError as exc:
            self.diff_title, self.diff_lines = "Could not compare", [shown(exc)]
            return
        self.compare_from, self.compare_to = str(old), str(new)
        self.diff_title = f"Version {old} → version {new}"
        self.diff_lines = diff.lines() or ["No differences."]

    def _load_history(self) -> None:
        if self.mode == "link":
            return
        try:
            summaries = version_store.list_versions(database(), actor_of(self), self.flow_id)
        except StoreError:
            self.history = []
            return
        self.history = views.version_history_view(summaries, self.version, self.viewing)
