"""Runs from the editor: start one, follow it live on the canvas, open old ones again.

The run itself lives in the core (``designer.runs.launcher``): a worker process for a local
run, the cluster for a Kubeflow one. This state only polls its record and shows it, so a
browser that reloads or closes loses nothing: the next page load finds the run again.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import reflex as rx

from designer.datasets.library import dataset_lookup
from designer.flow.arguments import check_arguments
from designer.flow.compile import compile_flow
from designer.models.names import model_name_check
from designer.objects.configured import open_store
from designer.runs.compare import compare_models, model_names
from designer.runs.local_policy import may_run_locally
from designer.runs.record import RunRecord, Status
from designer.runs.report import run_report
from designer.store import accounts
from designer.store import runs as run_store
from designer.store import versions as version_store
from designer.store.access import NotAllowed
from designer.store.link_runs import latest_link_run
from designer.ui.context import database, launcher, settings
from designer.ui.editor import views
from designer.ui.editor.run_dialog import RunDialogState
from designer.ui.editor.run_history_views import (
    history_rows,
    node_run_detail,
    parameter_text,
    progress_text,
    run_markers,
)
from designer.ui.editor.run_views import run_tab_view
from designer.ui.editor.state import EditorState, unwrapped
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.userblocks.lookup import PersonBlocks

#: Seconds between two looks at a run in progress: a local record is a file read, a Kubeflow
#: one is a request to the cluster's API.
POLL_S = {"local": 0.5, "kubeflow": 3.0}
#: Where a run's ending is announced: over the canvas, not over the run tab that shows the
#: results, and briefly, since the tab says it too.
RUN_TOAST = {"position": "bottom-center", "duration": 4000}


class RunState(EditorState):
    """The run on show in the editor and the flow's run history."""

    run_id: str = ""
    run_status: str = ""
    run_error: str = ""
    run_engine: str = ""
    run_url: str = ""
    run_version: int = 0
    run_started: str = ""
    run_duration: str = ""
    #: "4 of 5 blocks done (2 reused from earlier runs)": cached blocks count as done.
    run_progress: str = ""
    #: The parameter values the run used ("seed=3, dataset=iris"), one line.
    run_arguments: str = ""
    #: How it was started beyond Run (from a node, without the cache), and the engine's notes.
    run_notes: list[str] = []
    starting: bool = False
    statuses: dict[str, str] = {}
    report_metrics: list[dict[str, str]] = []
    #: One sentence per evaluating node that averaged scores over classes, saying how.
    report_averages: list[dict[str, str]] = []
    #: Each class's precision, recall, F1 and test rows, one table per evaluating node.
    report_classes: list[dict[str, Any]] = []
    report_matrices: list[dict[str, Any]] = []
    report_rocs: list[dict[str, Any]] = []
    report_residuals: list[dict[str, Any]] = []
    report_artifacts: list[dict[str, Any]] = []
    #: Models of the run side by side (designer.runs.compare), one table per kind of model.
    comparisons: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    #: Read from a share link: the owner's latest results only, read-only, no history.
    link_view: bool = False

    _record: dict[str, Any] = {}
    _run_flow: str = ""

    @rx.var
    def running(self) -> bool:
        return self.starting or self.run_status in ("pending", "running")

    @rx.var
    def node_run(self) -> dict[str, Any]:
        """What the selected node did in the run on show: status, log, error, outputs."""
        if len(self.selected) != 1 or not self._record:
            return {}
        return node_run_detail(unwrapped(self._record), self.selected[0])

    @rx.event
    def attach(self) -> Any:
        """On opening a flow: list its runs, show the latest, follow it if still going."""
        self._clear()
        self.link_view = False
        try:
            summaries = run_store.list_runs(database(), actor_of(self), self.flow_id)
        except Exception as exc:  # the editor still works without its run history
            return rx.toast.error(f"Could not read this flow's runs: {shown(exc)}")
        self.runs = history_rows(summaries)
        if not summaries:
            return None
        latest = summaries[0]
        record = run_store.get_run_record(database(), actor_of(self), latest.id)
        self._show(record, latest.flow_version)
        if not record.status.finished:
            return RunState.follow(record.run_id)
        return None

    @rx.event
    def attach_link(self) -> Any:
        """On opening a share link: show the owner's latest results, if their run produced any.

        Nothing is followed or listed: a link's visitor cannot run the flow, see its other runs
        or download its files, only look at what the owner's run showed.
        """
        self._clear()
        self.runs, self.link_view = [], True
        token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            stored = latest_link_run(database(), token)
        except Exception as exc:  # the flow itself opened: its results are a nicety
            return rx.toast.error(f"Could not read the flow's results: {shown(exc)}")
        if stored is not None:
            self._show(stored.record, stored.flow_version)
        return None

    @rx.event(background=True)
    async def start_run(self, arguments: dict[str, Any] | None = None, cache: bool = True) -> Any:
        """Run the canvas; a flow with parameters asks for their values first (the Run dialog
        calls back with ``arguments``, and ``cache=False`` to reuse no earlier result)."""
        async with self:
            if self.running:
                yield rx.toast.info("A run is already going; wait for it or cancel it.")
                return
            if self.run_blocker or self._doc() is None:
                yield rx.toast.error(self.run_blocker or "The flow is not open yet.")
                return
            if self.mode != "flow":
                yield rx.toast.error("Open the flow itself to run it.")
                return
            if arguments is None and self._doc().params:
                yield RunDialogState.open_run_dialog
                return
            flow, flow_id, actor = self._doc(), self.flow_id, actor_of(self)
            base, read_only = self.base_version, self.read_only
            self.starting = True
            self.panel_tab = "run"
        try:
            version = await asyncio.to_thread(
                _version_to_run, actor, flow_id, flow, base, read_only
            )
            datasets = dataset_lookup(database(), open_store(settings()), actor)
            models = model_name_check(database(), settings().models_dir, actor)
            blocks = PersonBlocks.for_flow(database(), actor, flow_id)
            compiled = await asyncio.to_thread(
                functools.partial(
                    compile_flow,
                    flow,
                    None,
                    datasets,
                    models=models,
                    engine=launcher().engine,
                    blocks=blocks,
                )
            )
            record = await asyncio.to_thread(
                functools.partial(
                    launcher().start,
                    compiled,
                    flow_name=flow.name,
                    arguments=check_arguments(flow, arguments or {}),
                    owner_id=actor.id,
                    flow_id=flow_id,
                    cache=cache,
                )
            )
            await asyncio.to_thread(
                run_store.record_run, database(), flow_id, version, record, actor.id
            )
            summaries = await asyncio.to_thread(run_store.list_runs, database(), actor, flow_id)
        except version_store.VersionConflict as exc:
            async with self:
                self.starting = False
                self.conflict, self.save_state = shown(exc), "conflict"
            return
        except Exception as exc:  # shown to the person; the flow and its history are untouched
            async with self:
                self.starting = False
            yield rx.toast.error(f"The run could not start: {shown(exc)}")
            return
        async with self:
            self.starting = False
            if not read_only:
                self.version = self.base_version = version
                self.save_state = "saved"  # the run saved the canvas as a version
            self._run_flow = flow_id
            self._show(record, version)
            self.runs = history_rows(summaries)
        for note in compiled.notes:
            yield rx.toast.info(note)
        yield RunState.follow(record.run_id)

    @rx.event(background=True)
    async def follow(self, run_id: str) -> Any:
        """Poll a run until it finishes, updating the canvas as its nodes change."""
        last: dict[str, Any] = {}
        while True:
            try:
                record = await asyncio.to_thread(launcher().snapshot, run_id)
            except Exception as exc:
                yield rx.toast.error(f"Lost track of the run: {shown(exc)}")
                return
            current = record.to_dict()
            async with self:
                if self.run_id != run_id:
                    return  # another run is on show now
                flow_id, version = self._run_flow or self.flow_id, self.run_version
                if current != last:
                    self._show(record, version)
            if current != last:
                await asyncio.to_thread(run_store.record_run, database(), flow_id, version, record)
                last = current
            if record.status.finished:
                break
            await asyncio.sleep(POLL_S.get(record.engine, 2.0))
        async with self:
            actor = actor_of(self)
        summaries = await asyncio.to_thread(run_store.list_runs, database(), actor, flow_id)
        async with self:
            self.runs = history_rows(summaries)
        if record.status is Status.SUCCEEDED:
            yield rx.toast.success("The run succeeded.", **RUN_TOAST)
        else:
            yield rx.toast.error(
                f"The run {record.status}: {views.run_failure(record)}", **RUN_TOAST
            )

    @rx.event
    def cancel_run(self) -> Any:
        if not self.running or not self.run_id:
            return None
        try:
            may_run(actor_of(self), self.flow_id)
            said = launcher().cancel(self.run_id)
            run_store.record_cancel(database(), actor_of(self), self.run_id)
        except Exception as exc:
            return rx.toast.error(f"Could not cancel: {shown(exc)}")
        return rx.toast.info(said or "Cancelling the run…")

    @rx.event
    def clear_run(self) -> None:
        """Hide the run's statuses from the canvas (the run stays in the history)."""
        self._clear()

    def _show(self, record: RunRecord, version: int) -> None:
        self.run_id = record.run_id
        self.run_status = str(record.status)
        self.run_error = record.error
        self.run_engine = record.engine
        self.run_url = record.url
        self.run_version = version
        self.run_started = views.when(record.started_at)
        self.run_duration = views.duration(record.started_at, record.finished_at)
        self.statuses = {node: str(n.status) for node, n in record.nodes.items()}
        self.run_progress = progress_text(record)
        self.run_arguments = parameter_text(record.arguments)
        self.run_notes = [*run_markers(record), *record.notes]
        self._record = record.to_dict()
        self._set_report(run_tab_view(dict(run_report(record))))
        # Columns are named after the open canvas: an old run's nodes since removed or renamed
        # fall back to their ids or today's names, which is what the person sees anyway.
        flow = self._doc()
        names = model_names(flow) if flow is not None else {}
        self.comparisons = [dict(table) for table in compare_models(record, names)]

    def _clear(self) -> None:
        self.run_id = ""
        self.run_status = ""
        self.run_error = ""
        self.statuses = {}
        self.run_progress, self.run_arguments, self.run_notes = "", "", []
        self._record = {}
        self._set_report({})
        self.comparisons = []

    def _set_report(self, view: dict[str, list[dict[str, Any]]]) -> None:
        self.report_metrics = view.get("metrics", [])
        self.report_averages = view.get("averages", [])
        self.report_classes = view.get("classes", [])
        self.report_matrices = view.get("matrices", [])
        self.report_rocs = view.get("rocs", [])
        self.report_residuals = view.get("residuals", [])
        self.report_artifacts = view.get("artifacts", [])


def may_run(actor: Any, flow_id: str) -> None:
    """Raise unless ``actor`` may start (or stop) runs of the flow."""
    run_store.check_may_run(database(), actor, flow_id, viewers_can_run=settings().viewers_can_run)


def _version_to_run(actor: Any, flow_id: str, flow: Any, base: int, read_only: bool) -> int:
    """The version a run runs: the canvas saved as a version, or the latest for a viewer."""
    may_run(actor, flow_id)
    current = settings()
    refused = may_run_locally(current, actor.is_admin, accounts.count_accounts(database()))
    if refused:
        raise NotAllowed(refused)
    if read_only:
        return base
    saved = version_store.save_version(
        database(), actor, flow_id, flow, base_version=base, message="Saved to run"
    )
    return saved.number
