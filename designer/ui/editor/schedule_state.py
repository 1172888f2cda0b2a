"""Schedules from the editor: the Schedule dialog (presets, cron, time zone, a live preview of
the next times) and the flow's schedules in the Run tab, with pause, resume and delete.

Handlers stay short: ``designer.runs.schedules`` checks, previews and makes schedules on the
configured engine, and the store decides who may do what. A bad expression is shown under the
field as the person types, and Create stays off until it reads; nothing is saved before.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from designer.flow.cron import PRESETS, CronProblem
from designer.runs import schedules as schedule_actions
from designer.store import schedules as schedule_store
from designer.store import versions as version_store
from designer.store.schedules import ScheduleInfo
from designer.ui.context import database, settings
from designer.ui.editor.state import EditorState
from designer.ui.messages import shown
from designer.ui.session import actor_of

#: What the dialog starts with: the first preset after "hourly", every day at 06:00.
DEFAULT_CRON = PRESETS[1].cron


class ScheduleState(EditorState):
    """The Schedule dialog and the open flow's schedules."""

    sched_open: bool = False
    sched_cron: str = DEFAULT_CRON
    sched_zone: str = "UTC"
    #: The zones the picker offers (filled as the dialog opens: some 600 names).
    sched_zones: list[str] = []
    #: "local" or "kubeflow": where schedules made now run (Kubeflow keeps UTC).
    sched_engine: str = "local"
    #: The version to schedule, as text (pickers compare text), and the choices.
    sched_version: str = ""
    sched_versions: list[dict[str, str]] = []
    #: The schedule in words, its next times as shown, or why it cannot be read.
    sched_words: str = ""
    sched_times: list[str] = []
    sched_problem: str = ""
    #: Why Create failed (the engine or the store refused); the dialog stays open.
    sched_error: str = ""
    sched_saving: bool = False
    #: The flow's schedules, as rows (``schedule_rows``).
    schedules: list[dict[str, Any]] = []
    #: The schedule waiting for its delete to be confirmed ("" when none), and its words.
    sched_deleting: str = ""
    sched_deleting_words: str = ""

    @rx.event
    async def open_schedule(self) -> Any:
        """The Schedule… button: the dialog, set to the latest saved version."""
        try:
            found = await asyncio.to_thread(
                version_store.list_versions, database(), actor_of(self), self.flow_id
            )
        except Exception as exc:
            return rx.toast.error(f"Could not open the schedule dialog: {shown(exc)}")
        current = settings()
        self.sched_engine = schedule_actions.engine_of(current)
        self.sched_zones = schedule_actions.time_zone_choices(current)
        if self.sched_zone not in self.sched_zones:
            self.sched_zone = self.sched_zones[0]
        self.sched_versions = [
            {"key": str(v.number), "label": f"v{v.number} · {v.message or 'no message'}"}
            for v in found
        ]
        self.sched_version = self.sched_versions[0]["key"] if found else ""
        # A fresh start each time; the zone chosen last is kept, as people stay where they are.
        self.sched_cron, self.sched_error = DEFAULT_CRON, ""
        self._preview()
        self.sched_open = True
        return None

    @rx.event
    def set_sched_open(self, value: bool) -> None:
        self.sched_open = value

    @rx.event
    def pick_preset(self, key: str) -> None:
        preset = next((p for p in PRESETS if p.key == key), None)
        if preset is not None:
            self.sched_cron = preset.cron
            self._preview()

    @rx.event
    def set_sched_cron(self, value: str) -> None:
        self.sched_cron = value[:200]
        self._preview()

    @rx.event
    def set_sched_zone(self, value: str) -> None:
        self.sched_zone = value[:100]
        self._preview()

    @rx.event
    def set_sched_version(self, value: str) -> None:
        if any(v["key"] == value for v in self.sched_versions):
            self.sched_version = value

    @rx.event
    async def create_schedule(self) -> Any:
        """Create: the schedule is made (on the cluster too, with Kubeflow) or nothing is."""
        self._preview()
        if self.sched_problem or not self.sched_version:
            return
        self.sched_saving, self.sched_error = True, ""
        yield
        try:
            made = await asyncio.to_thread(
                schedule_actions.add_schedule,
                settings(),
                database(),
                actor_of(self),
                self.flow_id,
                self.sched_cron,
                self.sched_zone,
                version=int(self.sched_version),
            )
        except Exception as exc:  # shown in the dialog, which stays open with what was typed
            self.sched_saving, self.sched_error = False, shown(exc)
            return
        self.sched_saving, self.sched_open = False, False
        with contextlib.suppress(Exception):  # made; the list catches up when the tab shows
            await self._reload()
        yield rx.toast.success(
            f"Scheduled version {made.flow_version}: {made.schedule.describe()}.",
            position="bottom-center",
        )

    @rx.event
    async def load_schedules(self) -> Any:
        """The flow's schedules, for the Run tab (loaded as it shows)."""
        if self.mode != "flow" or not self.flow_id:
            return None  # a share link's visitor or a template's preview: no schedules to see
        try:
            await self._reload()
        except Exception as exc:
            return rx.toast.error(f"Could not read this flow's schedules: {shown(exc)}")
        return None

    @rx.event
    async def pause_schedule(self, schedule_id: str) -> Any:
        return await self._set_paused(schedule_id, True, "Schedule paused.")

    @rx.event
    async def resume_schedule(self, schedule_id: str) -> Any:
        return await self._set_paused(
            schedule_id, False, "Schedule resumed; times missed while paused do not run."
        )

    @rx.event
    def ask_delete_schedule(self, schedule_id: str) -> None:
        row = next((r for r in self.schedules if r["id"] == schedule_id), None)
        if row is not None:
            self.sched_deleting, self.sched_deleting_words = schedule_id, row["words"]

    @rx.event
    def cancel_delete_schedule(self) -> None:
        self.sched_deleting = ""

    @rx.event
    async def delete_schedule(self) -> Any:
        schedule_id, self.sched_deleting = self.sched_deleting, ""
        try:
            await asyncio.to_thread(
                schedule_actions.remove_schedule,
                settings(),
                database(),
                actor_of(self),
                schedule_id,
            )
            await self._reload()
        except Exception as exc:
            return rx.toast.error(f"Could not delete the schedule: {shown(exc)}")
        return rx.toast.success("Schedule deleted; the runs it started stay in the history.")

    async def _set_paused(self, schedule_id: str, paused: bool, said: str) -> Any:
        try:
            await asyncio.to_thread(
                schedule_actions.set_schedule_paused,
                settings(),
                database(),
                actor_of(self),
                schedule_id,
                paused,
            )
            await self._reload()
        except Exception as exc:
            return rx.toast.error(f"Could not change the schedule: {shown(exc)}")
        return rx.toast.success(said)

    async def _reload(self) -> None:
        found = await asyncio.to_thread(
            schedule_store.list_schedules, database(), actor_of(self), self.flow_id
        )
        self.schedules = schedule_rows(found)

    def _preview(self) -> None:
        try:
            seen = schedule_actions.preview(settings(), self.sched_cron, self.sched_zone)
        except CronProblem as exc:
            self.sched_problem, self.sched_words, self.sched_times = str(exc), "", []
            return
        self.sched_problem = ""
        words = seen.words or "the times below"
        self.sched_words = f"{words[:1].upper()}{words[1:]} ({seen.schedule.time_zone})"
        self.sched_times = [when(moment) for moment in seen.times]


def schedule_rows(found: list[ScheduleInfo]) -> list[dict[str, Any]]:
    """The Run tab's rows: what, which version, whose, next time (by its own clock), state."""
    return [
        {
            "id": s.id,
            "words": s.schedule.describe(),
            "cron": s.cron,
            "version": s.flow_version,
            "owner": s.owner,
            "engine": "on Kubeflow" if s.engine == "kubeflow" else "run by the designer",
            "paused": s.paused,
            "next": "paused"
            if s.paused or s.next_at is None
            else "next " + when(s.next_at.astimezone(ZoneInfo(s.time_zone))),
            "error": s.last_error,
            "can_manage": s.can_manage,
        }
        for s in found
    ]


def when(moment: datetime) -> str:
    """A time as the preview and the list show it: "Mon 7 Dec 2026, 06:00 CET"."""
    zone = moment.tzname() or "UTC"
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} {zone}"
