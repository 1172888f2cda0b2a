"""The Reflex app module (rxconfig's app_name "designer" loads designer.designer)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import reflex as rx

from designer.api.app import build_app
from designer.api.client import check_trusted_proxies
from designer.runs.interrupted import settle_at_start
from designer.runs.scheduler import Scheduler
from designer.settings import load_settings
from designer.ui import (
    dataset_page,
    datasets,
    gallery,
    glossary,
    home,
    models,
    signin,
    start,
    teams,
)
from designer.ui.audit import page as audit_page
from designer.ui.blocks import catalogue
from designer.ui.blocks import editor_page as block_editor
from designer.ui.blocks.catalogue_state import BlocksState
from designer.ui.blocks.editor_state import BlockEditorState
from designer.ui.blocks.importing import ImportState
from designer.ui.blocks.sharing import BlockShareState
from designer.ui.compare import page as compare_page
from designer.ui.datasets_state import DatasetsState, DatasetState, DeleteState, StorageState
from designer.ui.editor import page as editor
from designer.ui.editor import run_panel, style
from designer.ui.editor.state import EditorState
from designer.ui.session import SessionState
from designer.ui.share import ShareState

# A typo in DESIGNER_TRUSTED_PROXIES would quietly trust nobody (and throttle everyone behind
# the proxy as one address): refuse to start instead, saying which entry is wrong.
check_trusted_proxies(load_settings())

app = rx.App(
    style={
        **catalogue.STYLE,
        **block_editor.STYLE,
        **gallery.STYLE,
        **start.STYLE,
        **style.STYLE,
        **run_panel.STYLE,
    },
    head_components=[rx.el.link(rel="icon", type="image/svg+xml", href="/logo.svg")],
    toaster=rx.toast.provider(position="bottom-right", close_button=True),
    api_transformer=build_app(),
)


async def settle_interrupted_runs() -> None:
    """However the app was started: runs a stopped server left "running" end as interrupted."""
    await asyncio.to_thread(settle_at_start, load_settings())


app.register_lifespan_task(settle_interrupted_runs)


@contextlib.asynccontextmanager
async def run_schedules() -> AsyncIterator[None]:
    """The designer's own clock for local schedules (docs/schedules.md), while the app runs."""
    scheduler = Scheduler(load_settings())
    scheduler.start()
    try:
        yield
    finally:
        await asyncio.to_thread(scheduler.stop)


app.register_lifespan_task(run_schedules)
signed_in = SessionState.require_sign_in
# Page state outlives a reload; a dialog left open must not greet the person on the next page.
closed_dialogs = ShareState.set_open(False)
app.add_page(
    home.page,
    route="/",
    title="Designer · Flows",
    description="Draw machine-learning flows from prebuilt blocks.",
    image="/logo.svg",
    on_load=[signed_in, closed_dialogs, home.HomeState.load],
)
app.add_page(
    editor.page,
    route="/flows/[flow_id]",
    title="Designer",
    on_load=[signed_in, closed_dialogs, EditorState.load],
)
app.add_page(
    editor.page,
    route="/flows/[flow_id]/versions/[number]",
    title="Designer · Version",
    on_load=[signed_in, closed_dialogs, EditorState.load],
)
# A share link opens for whoever holds it, signed in or not.
app.add_page(
    editor.page, route="/links/[token]", title="Designer · Shared flow", on_load=EditorState.load
)
app.add_page(
    teams.page, route="/teams", title="Designer · Teams", on_load=[signed_in, teams.TeamsState.load]
)
# The storage check runs in the background: listing datasets needs only the database.
closed_delete = DeleteState.cancel
app.add_page(
    datasets.page,
    route="/datasets",
    title="Designer · Datasets",
    on_load=[signed_in, closed_delete, StorageState.check, DatasetsState.load],
)
app.add_page(
    dataset_page.page,
    route="/datasets/[dataset_id]",
    title="Designer · Dataset",
    on_load=[signed_in, closed_delete, StorageState.check, DatasetState.load],
)
app.add_page(
    gallery.page,
    route="/gallery",
    title="Designer · Templates",
    on_load=[signed_in, gallery.GalleryState.load],
)
# A template's preview is the editor page, read-only (designer.ui.editor.opening).
app.add_page(
    editor.page,
    route="/gallery/[template_id]",
    title="Designer · Template",
    on_load=[signed_in, closed_dialogs, EditorState.load],
)
app.add_page(
    start.page,
    route="/start",
    title="Designer · Guided start",
    on_load=[signed_in, start.StartState.load],
)
app.add_page(glossary.page, route="/glossary", title="Designer · Glossary", on_load=signed_in)
app.add_page(
    catalogue.page,
    route="/blocks",
    title="Designer · Blocks",
    on_load=[signed_in, ImportState.set_open(False), BlocksState.load],
)
# /blocks/new is a fixed route: the router prefers it over the block id pattern.
closed_block_dialogs = [BlockShareState.set_open(False), BlockEditorState.cancel_delete]
app.add_page(
    block_editor.page,
    route="/blocks/new",
    title="Designer · New block",
    on_load=[signed_in, *closed_block_dialogs, BlockEditorState.load],
)
app.add_page(
    block_editor.page,
    route="/blocks/[block_id]",
    title="Designer · Block",
    on_load=[signed_in, *closed_block_dialogs, BlockEditorState.load],
)
app.add_page(
    models.page,
    route="/models",
    title="Designer · Models",
    on_load=[signed_in, models.ModelsState.load],
)
app.add_page(
    compare_page.page,
    route="/runs/compare",
    title="Designer · Compare runs",
    on_load=[signed_in, compare_page.CompareState.load],
)
app.add_page(
    audit_page.page,
    route="/audit",
    title="Designer · Audit log",
    on_load=[signed_in, audit_page.AuditState.load],
)
app.add_page(
    signin.sign_in_page,
    route="/signin",
    title="Designer · Sign in",
    on_load=[SessionState.load_sign_in_page, signin.SignInFormState.load],
)
app.add_page(
    signin.sign_up_page,
    route="/signup",
    title="Designer · Create an account",
    on_load=[SessionState.load_sign_in_page, signin.SignInFormState.load],
)
