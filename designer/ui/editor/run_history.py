"""The run history in the editor: open an old run as it ran, go back, rerun from a node.

Opening a run puts the flow version it ran on the canvas, read-only ("run" mode), with that
run's statuses; the working canvas (its draft, its undo history, the run on show) is set aside
and comes back unchanged with "Back to the current flow". Rerun from here starts the version
on show again with the run's parameter values: the node and what is downstream of it run, the
rest may come back "cached" (``designer.runs.stored_runs.start_saved_version``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.runs.record import RunRecord
from designer.runs.rerun import UnknownNode
from designer.runs.stored_runs import start_saved_version
from designer.store import runs as run_store
from designer.store import versions as version_store
from designer.store.db import StoreError
from designer.ui.context import database, launcher, settings
from designer.ui.editor.packed import Packed
from designer.ui.editor.parsed_flows import pack_flow
from designer.ui.editor.rerun import rerun_refusal
from designer.ui.editor.run_history_views import history_rows
from designer.ui.editor.run_state import RunState, _version_to_run
from designer.ui.editor.state import EditorState, packed_scene, unwrapped
from designer.ui.editor.undo import BoundedHistory
from designer.ui.messages import shown
from designer.ui.session import actor_of

#: What "Back to the current flow" puts back, as it was when the first run was opened.
STASHED = ("mode", "viewing", "read_only", "version", "base_version", "save_state")


class RunHistoryState(RunState):
    """Which old run's version is on the canvas, and what it set aside."""

    #: The run whose flow version is on the canvas ("run" mode); "" on the working canvas.
    viewed_run: str = ""

    #: The working canvas while a run's version is on show: its fields (``STASHED``), the flow
    #: (packed), its undo history and the run that was on show (record and version, or None).
    _stash: dict[str, Any] = {}

    @rx.event
    def open_run(self, run_id: str) -> Any:
        """Show the version the run ran, read-only, with the run's statuses."""
        if self.mode in ("link", "template"):  # no history there: nothing opens a run
            return None
        actor = actor_of(self)
        try:
            stored = run_store.get_stored_run(database(), actor, run_id)
            if stored.flow_id != self.flow_id:
                raise run_store.RunNotFound(run_id)
            flow = version_store.get_version(database(), actor, self.flow_id, stored.flow_version)
        except StoreError as exc:
            return rx.toast.error(f"Could not open the run: {shown(exc)}")
        if self.mode != "run":
            self._set_aside()
        self.mode, self.viewing, self.read_only = "run", stored.flow_version, True
        self.base_version = stored.flow_version
        self.viewed_run = run_id
        self._put_on_canvas(pack_flow(flow), BoundedHistory())
        self._show(stored.record, stored.flow_version)
        if not stored.record.status.finished:
            return RunState.follow(run_id)
        return None

    @rx.event
    def back_to_flow(self) -> Any:
        """Put the working canvas back as it was: draft, undo history, the run on show."""
        stash = unwrapped(self._stash)
        if self.mode != "run" or not stash:
            return None
        for name in STASHED:
            setattr(self, name, stash[name])
        self.viewed_run, self._stash = "", {}
        self._put_on_canvas(stash["packed"], stash["history"])
        # An edit whose draft could not be kept before is tried again now.
        events: list[Any] = []
        if self.save_state == "unsaved":
            events.append(EditorState.autosave(self._edit_gen))
        shown_before = stash["run"]
        if shown_before is None:
            self._clear()
            return events or None
        record = RunRecord.from_dict(shown_before[0])
        self._show(record, shown_before[1])
        if not record.status.finished:
            events.append(RunState.follow(record.run_id))
        return events or None

    @rx.event(background=True)
    async def rerun_from(self, node_id: str) -> Any:
        """Start the version on show again from ``node_id``, with the run's parameter values.

        On the working canvas the canvas is saved first (as Run does); on an opened run its own
        version reruns. Nothing starts when the node or the run is gone.
        """
        async with self:
            refused = rerun_refusal(
                self.running, self.mode, self.run_id, self._doc(), node_id, self.run_blocker
            )
            if refused:
                yield rx.toast.error(refused)
                return
            flow, flow_id, actor, run_id = self._doc(), self.flow_id, actor_of(self), self.run_id
            base, read_only, mode = self.base_version, self.read_only, self.mode
            self.starting = True
            self.panel_tab = "run"
        try:
            started = await asyncio.to_thread(
                _rerun, actor, flow_id, flow, base, read_only or mode == "run", run_id, node_id
            )
            summaries = await asyncio.to_thread(run_store.list_runs, database(), actor, flow_id)
        except version_store.VersionConflict as exc:
            async with self:
                self.starting = False
                self.conflict, self.save_state = shown(exc), "conflict"
            return
        except (UnknownNode, run_store.RunNotFound) as exc:
            async with self:
                self.starting = False
            yield rx.toast.error(_refused_words(exc, run_id))
            return
        except Exception as exc:  # shown to the person; the flow and its history are untouched
            async with self:
                self.starting = False
            yield rx.toast.error(f"The rerun could not start: {shown(exc)}")
            return
        async with self:
            self.starting = False
            if mode == "run":
                self.viewed_run = started.record.run_id
            elif not read_only:
                self.version = self.base_version = started.version
                self.save_state = "saved"  # the rerun saved the canvas as a version
            self._run_flow = flow_id
            self._show(started.record, started.version)
            self.runs = history_rows(summaries)
        yield RunState.follow(started.record.run_id)

    def _set_aside(self) -> None:
        """Keep the working canvas (saving its draft first, so nothing waits on a timer)."""
        self._flush_draft()
        self._stash = {
            **{name: getattr(self, name) for name in STASHED},
            "packed": unwrapped(self._packed),
            "history": unwrapped(self._history),
            "run": (unwrapped(self._record), self.run_version) if self.run_id else None,
        }

    def _flush_draft(self) -> None:
        if self.read_only or self.mode != "flow" or self.save_state != "unsaved":
            return
        try:
            version_store.save_draft(
                database(), actor_of(self), self.flow_id, self._doc(), self.base_version
            )
        except StoreError:
            return  # still unsaved: going back tries again
        self._edit_gen += 1  # the autosave waiting for this edit has nothing left to do
        self.save_state = "draft"

    def _put_on_canvas(self, packed: Packed, history: BoundedHistory) -> None:
        self._packed = packed
        self._history = history
        self._pinned = None
        self.scene = {"seq": self._next_seq(), **packed_scene(self._doc())}
        self.ops, self.selected = [], []
        self._refresh()


def _rerun(
    actor: Any,
    flow_id: str,
    flow: Any,
    base: int,
    keep_version: bool,
    run_id: str,
    node_id: str,
) -> Any:
    """Save the canvas as a version (unless ``keep_version``: rerun ``base``) and start it from
    ``node_id`` with the parameter values run ``run_id`` used."""
    stored = run_store.get_stored_run(database(), actor, run_id)
    version = base if keep_version else _version_to_run(actor, flow_id, flow, base, False)
    return start_saved_version(
        settings(),
        database(),
        launcher(),
        actor,
        flow_id,
        version,
        arguments=stored.arguments_for(flow),
        rerun_from=node_id,
    )


def _refused_words(exc: Exception, run_id: str) -> str:
    if isinstance(exc, run_store.RunNotFound):
        return f"The run {run_id} was deleted: there is nothing to rerun from. Nothing started."
    return f"{shown(exc)} Nothing started."
