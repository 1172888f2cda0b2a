"""The states of the dataset pages: the list, one dataset, deleting, and the storage check.

Handlers stay short: they ask the store (``designer.store.datasets``) or the library
(``designer.datasets.library``) in a thread, and shape the answer with ``dataset_views``.
Uploads do not pass through here: the browser posts the file to the REST API itself
(``upload_zone``) and hands the answer to ``uploaded`` / ``version_uploaded``. Sharing is the
form blocks share by too (``designer.ui.share_dialog.PeopleSharing``), on ``DATASETS``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import reflex as rx
from sqlalchemy import Engine

from designer.datasets import library
from designer.objects.base import ObjectStoreError
from designer.objects.configured import open_store
from designer.store import dataset_shares
from designer.store import datasets as records
from designer.store import teams as team_store
from designer.store.access import Actor, Role
from designer.store.db import StoreError
from designer.ui import dataset_views as views
from designer.ui.context import database, settings
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.share_dialog import PeopleSharing, SharedThing

#: How a dataset is shared, and what the form says about it.
DATASETS = SharedThing(
    noun="dataset",
    access=dataset_shares.dataset_access,
    share=dataset_shares.share_dataset,
    unshare=dataset_shares.unshare_dataset,
    editor_can="upload new versions of",
    roles_note="Viewers can use it in flows and download it; editors also add versions.",
)


class StorageState(rx.State):
    """Whether object storage answers; the dataset pages warn when it does not."""

    #: The callout's text, "" while storage is fine (or not checked yet).
    problem: str = ""
    max_upload_bytes: int = 0

    @rx.event(background=True)
    async def check(self) -> None:
        # In the background: a server that is down takes seconds to time out, and the page's
        # other events (the list, which needs only the database) must not wait for it.
        current = settings()
        try:
            await asyncio.to_thread(lambda: open_store(current).check())
            problem = ""
        except ObjectStoreError as exc:
            problem = views.storage_message(shown(exc))
        async with self:
            self.problem = problem
            self.max_upload_bytes = current.max_upload_bytes


class DatasetsState(rx.State):
    """The datasets list (``/datasets``)."""

    datasets: list[dict[str, Any]] = []
    scope: str = "all"
    query: str = ""
    loaded: bool = False
    error: str = ""

    @rx.event
    async def load(self) -> None:
        actor = actor_of(self)
        if actor is None:
            return
        try:
            found = await asyncio.to_thread(
                records.list_datasets, database(), actor, self.query, self.scope
            )
        except StoreError as exc:
            self.error, self.loaded = shown(exc), True
            return
        now = datetime.now(UTC)
        self.error, self.loaded = "", True
        self.datasets = [views.dataset_row(summary, now) for summary in found]

    @rx.event
    async def show(self, scope: str) -> None:
        self.scope = scope
        await self.load()

    @rx.event
    async def search(self, text: str) -> None:
        self.query = text
        await self.load()

    @rx.event
    async def uploaded(self, reply: dict[str, Any]) -> Any:
        """A file went in: open the new dataset, or say where the same content already is."""
        message = views.uploaded_message(reply, str(reply.get("filename", "")))
        if reply.get("created"):
            return [rx.toast.success(message), rx.redirect(views.dataset_href(reply["dataset_id"]))]
        await self.load()
        return rx.toast.info(message)


class DeleteState(rx.State):
    """The delete dialog, on both pages: confirm, and confirm again when flows use it."""

    dataset_id: str = ""
    name: str = ""
    #: Why a plain delete was refused (flows read the dataset); "" until then.
    in_use: str = ""
    #: Leave for the list afterwards (deleting from the dataset's own page).
    leave: bool = False

    @rx.event
    def ask(self, dataset_id: str, name: str, leave: bool = False) -> None:
        self.dataset_id, self.name, self.leave, self.in_use = dataset_id, name, leave, ""

    @rx.event
    def cancel(self) -> None:
        self.dataset_id, self.in_use = "", ""

    @rx.event
    async def confirm(self) -> Any:
        current = settings()
        try:
            await asyncio.to_thread(
                library.delete_dataset,
                database(),
                open_store(current),
                actor_of(self),
                self.dataset_id,
                confirm=bool(self.in_use),
            )
        except records.DatasetInUse as exc:
            self.in_use = views.in_use_message(exc.flows, exc.hidden)
            return None
        except StoreError as exc:
            self.dataset_id = ""
            return rx.toast.error(f"Could not delete “{self.name}”: {shown(exc)}")
        self.dataset_id, self.in_use = "", ""
        done = rx.toast.success(f"Deleted “{self.name}”")
        return [done, rx.redirect("/datasets")] if self.leave else [done, DatasetsState.load]


@dataclass(frozen=True)
class Opened:
    """What the dataset page shows, read in one go."""

    detail: records.DatasetDetail
    version: records.DatasetVersion
    profile: dict[str, Any]
    access: list[dataset_shares.DatasetAccess]
    teams: list[team_store.TeamSummary]


def open_dataset(engine: Engine, actor: Actor | None, dataset_id: str, number: int) -> Opened:
    """The dataset, the chosen version (0: the newest) with its profile, and its sharing."""
    detail = records.get_dataset(engine, actor, dataset_id)
    version, profile = records.get_version(engine, actor, dataset_id, number)
    access = dataset_shares.dataset_access(engine, actor, dataset_id)
    is_owner = detail.summary.role is Role.OWNER
    teams = team_store.list_teams(engine, actor) if is_owner else []
    return Opened(detail, version, profile, access, teams)


def _number(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


class DatasetState(PeopleSharing, rx.State):
    """One dataset (``/datasets/[dataset_id]``): a version's columns and preview, sharing."""

    shared_thing: ClassVar[SharedThing] = DATASETS

    dataset_id: str = ""
    name: str = ""
    owner: str = ""
    role: str = ""
    loaded: bool = False
    error: str = ""
    versions: list[dict[str, str]] = []
    #: The chosen version's number, as the picker's value.
    number: str = ""
    facts: dict[str, str] = {}
    target: str = ""
    target_reason: str = ""
    columns: list[dict[str, Any]] = []
    preview_headers: list[str] = []
    preview_rows: list[list[str]] = []

    @rx.var
    def is_owner(self) -> bool:
        return self.role == "owner"

    @rx.var
    def can_edit(self) -> bool:
        return self.role in ("owner", "editor")

    @rx.var
    def role_sentence(self) -> str:
        return views.role_sentence(self.role)

    @rx.var
    def upload_url(self) -> str:
        return views.upload_url(self.dataset_id)

    @rx.event
    async def load(self) -> AsyncIterator[None]:
        if actor_of(self) is None:
            return
        dataset_id = views.dataset_id_from_path(self.router.url.path)
        self.share_user, self.share_team, self.share_error = "", "", ""
        if dataset_id != self.dataset_id:
            # Another dataset than the one last shown in this tab: a spinner, not the old one.
            self.dataset_id, self.loaded, self.error = dataset_id, False, ""
            yield
        await self._open(_number(self.router.url.query_parameters.get("version")))

    @rx.event
    async def pick_version(self, number: str) -> None:
        await self._open(_number(number))

    @rx.event
    async def version_uploaded(self, reply: dict[str, Any]) -> Any:
        message = views.uploaded_message(reply, str(reply.get("filename", "")))
        await self._open(int(reply.get("number") or 0))
        return rx.toast.success(message) if reply.get("created") else rx.toast.info(message)

    async def _open(self, number: int) -> None:
        try:
            opened = await asyncio.to_thread(
                open_dataset, database(), actor_of(self), self.dataset_id, number
            )
        except StoreError as exc:
            self.error, self.loaded = shown(exc), True
            return
        summary = opened.detail.summary
        self.error, self.loaded = "", True
        self.name, self.owner, self.role = summary.name, summary.owner, str(summary.role)
        self.versions = [views.version_option(v) for v in opened.detail.versions]
        self.number = str(opened.version.number)
        self.facts = views.version_facts(opened.version)
        self.target = views.target_line(opened.profile)
        self.target_reason = views.target_reason(opened.profile)
        self.columns = views.column_rows(opened.profile)
        self.preview_headers, self.preview_rows = views.preview_table(opened.profile)
        self._show_access(opened.access, opened.teams)

    def _shared_id(self) -> str:
        return self.dataset_id
