"""Start and follow runs on whichever engine the settings name, by run id alone.

The web app's state is pickled between events, so it can hold a run id but not a ``LocalRun``
(a worker process and the thread reading it). Live local runs therefore sit in a process-wide
registry keyed by run id, never by user, so whoever holds the id can follow the run from any
event or session. A finished run leaves the registry once someone has read it finished, and its
``record.json`` under the runs folder answers from then on. A Kubeflow run's record is saved in
the same folder layout, so it can be followed after a restart by asking the cluster again.

A saved local run that is unfinished but whose supervisor (the process that followed it) is
gone is marked failed, "interrupted", when read: nobody else will ever finish it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from designer.flow.compile import (
    CompiledFlow,
    MissingArguments,
    pipeline_name,
    require_arguments,
)
from designer.objects.base import ObjectStore, ObjectStoreError
from designer.objects.configured import open_store, prepare_for_cluster
from designer.ops import metrics
from designer.runs import supervisor
from designer.runs.kfp_record import ENGINE as KUBEFLOW
from designer.runs.kfp_results import PodLog, carry_over, read_results
from designer.runs.kubeflow import KubeflowEngine, KubeflowError, RunLost
from designer.runs.local import RECORD_FILE, AfterRun, LocalEngine, LocalRun
from designer.runs.record import RunRecord
from designer.runs.sandbox import SandboxUnavailable
from designer.runs.spare_worker import spares
from designer.settings import STORAGE_SECRET_KEYS, KubeflowSettings, Settings

#: A finished run nobody read is forgotten this long after it finished (its record stays on disk).
FORGET_AFTER = 3600.0
#: Run ids name folders: one path component of plain characters, so an id from a browser can
#: never point elsewhere on disk.
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_UNREACHABLE = "cannot reach "
#: Beside a cluster run's record: who started it from which flow, for ``after_cluster_run``.
LAUNCH_FILE = "launch.json"
#: Created (exclusively) by the one designer process that handles a finished cluster run.
SETTLED_FILE = "settled"

log = logging.getLogger(__name__)

_live: dict[str, LocalRun] = {}
_engines: dict[KubeflowSettings, KubeflowEngine] = {}
_lock = threading.Lock()


def _following() -> int:
    with _lock:
        return sum(run.following for run in _live.values())


metrics.count_live(_following)


class FinishedRunHook(Protocol):
    """What the launcher calls when a local run it started finishes (``LocalEngine``'s
    ``after_run``), told who ran which flow: ``designer.models.publish.publish_deployments``
    bound to the database and model folder fits."""

    def __call__(
        self, record: RunRecord, run_dir: Path, *, owner_id: str | None, flow_id: str | None
    ) -> Any: ...


class ClusterRunHook(Protocol):
    """What the launcher calls once when it first sees a cluster run finished:
    ``designer.models.cluster_publish.publish_cluster_deployments`` bound to the database and
    settings fits."""

    def __call__(self, record: RunRecord, *, owner_id: str | None, flow_id: str | None) -> Any: ...


class LaunchError(Exception):
    """A run could not be started, followed or cancelled; the message says what to do."""


class UnknownRun(LaunchError, LookupError):
    """No run with that id is live here or saved under the runs folder."""


class Launcher:
    """Starts runs on the configured engine and answers what they look like now.

    Cheap to create: the state it needs across calls (live local runs, Kubeflow clients) is
    process-wide, so a new Launcher per web event sees the same runs.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        kubeflow_timeout: float = 30,
        after_run: FinishedRunHook | None = None,
        after_cluster_run: ClusterRunHook | None = None,
    ) -> None:
        self.settings = settings
        self.kubeflow_timeout = kubeflow_timeout
        #: Called as each local run started here finishes, before its last record is saved.
        self.after_run = after_run
        #: Called once per cluster run, by whichever designer process first sees it finished.
        self.after_cluster_run = after_cluster_run

    @property
    def engine(self) -> str:
        """The engine new runs go to: "kubeflow" when a host is configured, else "local"."""
        return KUBEFLOW if self.settings.kubeflow else LocalEngine.name

    def start(
        self,
        compiled: CompiledFlow,
        *,
        flow_name: str,
        arguments: dict[str, Any] | None = None,
        owner_id: str | None = None,
        flow_id: str | None = None,
        cache: bool = True,
        rerun_from: str = "",
    ) -> RunRecord:
        """Start a run and return its first record (the run goes on in the background).

        ``owner_id`` (who runs it) and ``flow_id`` (the stored flow, None for a file) are
        handed to ``after_run`` when a local run finishes. ``cache=False`` lets no node reuse
        an earlier result; ``rerun_from`` is only recorded (the flow was compiled for it).
        """
        if compiled.engine != self.engine:
            raise LaunchError(
                f"the flow was compiled for the {compiled.engine} engine, but runs go to "
                f"{self.engine}; compile it again with engine={self.engine!r}"
            )
        try:
            require_arguments(compiled, arguments)
        except MissingArguments as exc:
            raise LaunchError(str(exc)) from exc
        if self.settings.kubeflow is not None:
            submitted = self._submit(
                self.settings.kubeflow,
                compiled,
                flow_name,
                arguments or {},
                owner_id,
                flow_id,
                cache=cache,
                rerun_from=rerun_from,
            )
            metrics.run_started(KUBEFLOW)
            return submitted
        engine = LocalEngine(self.settings.runs_dir, settings=self.settings, store=self._store())
        spare = spares.take() if self.settings.spare_worker else None
        try:
            run = engine.start(
                compiled,
                flow_name=flow_name,
                arguments=arguments,
                after_run=self._hook(owner_id, flow_id),
                cache=cache,
                rerun_from=rerun_from,
                owner=owner_id or "",
                prestarted=spare,
            )
        except SandboxUnavailable as exc:
            raise LaunchError(str(exc)) from exc
        except OSError as exc:
            raise LaunchError(
                f"cannot start a local run in {self.settings.runs_dir}: "
                f"{exc.strerror or exc}; check that DESIGNER_HOME is a folder you can write to"
            ) from exc
        finally:
            if spare is not None:
                spare.discard()  # unless the run took it
        if self.settings.spare_worker and not compiled.needs_network:
            spares.prepare(self.settings, tuple(compiled.reads))  # for a rerun of this flow
        with _lock:
            _forget_stale_locked(time.time())
            _live[run.run_id] = run
        metrics.run_started(LocalEngine.name)
        return run.snapshot()

    def _hook(self, owner_id: str | None, flow_id: str | None) -> AfterRun | None:
        if self.after_run is None:
            return None
        hook: Callable[[RunRecord, Path], Any] = functools.partial(
            self.after_run, owner_id=owner_id, flow_id=flow_id
        )
        return hook

    def _store(self) -> ObjectStore | None:
        """Where finished runs keep their outputs (see runs.artifacts): the configured store.

        Misconfigured storage (a bucket name S3 refuses) does not stop runs: they keep their
        outputs in their own folder only, and the server's log says why.
        """
        try:
            return open_store(self.settings)
        except (ObjectStoreError, ValueError) as exc:
            log.warning("runs will not keep their outputs in object storage: %s", exc)
            return None

    def snapshot(self, run_id: str) -> RunRecord:
        """The run as it is now: from memory while live here, else from its saved record (and,
        for an unfinished Kubeflow run, from the cluster)."""
        with _lock:
            run = _live.get(run_id)
        if run is not None:
            record = run.snapshot()
            if record.status.finished:
                with _lock:
                    _live.pop(run_id, None)
            return record
        record = self._saved(run_id)
        if record.engine == KUBEFLOW and not record.status.finished:
            record = self._kubeflow_status(record)
        elif (
            record.engine == LocalEngine.name
            and not record.status.finished
            and not supervisor.is_alive(record.supervisor)
        ):
            record = self._interrupted(record)
        return record

    def is_live(self, run_id: str) -> bool:
        """True while the run is a local run of this process that has not finished."""
        with _lock:
            run = _live.get(run_id)
        return run is not None and not run.snapshot().status.finished

    def cancel(self, run_id: str) -> str:
        """Stop a live local run; its record turns "cancelled" once the worker has exited.

        Returns what to tell the person. Cancelling a run that already finished does nothing
        (and says so), nor does one whose designer stopped while it was going: that run is
        marked failed, interrupted, there being nothing left to stop.
        """
        with _lock:
            run = _live.get(run_id)
        if run is not None and not run.snapshot().status.finished:
            run.cancel()
            return "Cancelling the run…"
        record = self.snapshot(run_id)
        if record.status.finished:
            why = f": {record.error}" if record.error else ""
            return f"The run had already finished ({record.status}{why}); nothing to stop."
        if record.engine == KUBEFLOW and self.settings.kubeflow is not None:
            with _kubeflow_errors(self.settings.kubeflow):
                self._kubeflow(self.settings.kubeflow).terminate(run_id)
            return "Cancelling the run on Kubeflow…"
        raise LaunchError(
            f"run {run_id} is followed by another designer process on this machine (another "
            "server process, or a `designer run` command), so it can only be stopped there"
        )

    # -- Kubeflow --------------------------------------------------------------------------

    def _submit(
        self,
        settings: KubeflowSettings,
        compiled: CompiledFlow,
        flow_name: str,
        arguments: dict[str, Any],
        owner_id: str | None = None,
        flow_id: str | None = None,
        *,
        cache: bool = True,
        rerun_from: str = "",
    ) -> RunRecord:
        self._check_secret(settings)
        self._prepare_storage()
        engine = self._kubeflow(settings)
        with _kubeflow_errors(settings):
            record = engine.submit_compiled(
                compiled, flow_name=flow_name, arguments=arguments, enable_caching=cache
            )
        record.arguments = {**compiled.parameters, **arguments}
        record.cache, record.rerun_from = cache, rerun_from
        self._save(record)
        self._note_launch(record.run_id, owner_id, flow_id, compiled.pipeline_name)
        if record.status.finished:
            # Over already (a pod that could not start): read its logs and settle it now, as
            # a later look would, since a finished record is never asked about again.
            record = self._kubeflow_status(record)
        return record

    def adopt(
        self,
        run_id: str,
        compiled: CompiledFlow,
        *,
        flow_name: str,
        owner_id: str | None = None,
        flow_id: str | None = None,
    ) -> RunRecord:
        """Follow a cluster run the designer did not send (a recurring run started it) as if
        it had: its record is saved and it is settled like the others when it ends."""
        settings = self.settings.kubeflow
        if settings is None:
            raise LaunchError("no Kubeflow host is configured; set DESIGNER_KFP_HOST")
        with _kubeflow_errors(settings):
            record = self._kubeflow(settings).status(
                run_id, flow_name=flow_name, task_to_node=compiled.task_to_node
            )
        self._save(record)
        self._note_launch(record.run_id, owner_id, flow_id, compiled.pipeline_name)
        return record

    def _note_launch(
        self, run_id: str, owner_id: str | None, flow_id: str | None, pipeline: str
    ) -> None:
        launch = {"owner_id": owner_id, "flow_id": flow_id, "pipeline": pipeline}
        with contextlib.suppress(OSError):  # without it the run goes on; nothing is published
            (self._folder(run_id) / LAUNCH_FILE).write_text(json.dumps(launch))

    def _prepare_storage(self) -> None:
        """The bucket the run's outputs go to must exist before Kubeflow writes there."""
        try:
            prepare_for_cluster(self.settings)
        except (ObjectStoreError, ValueError) as exc:
            raise LaunchError(
                f"the run was not sent to Kubeflow: the designer's storage cannot be used ({exc})"
            ) from exc

    def _launch(self, run_id: str) -> dict[str, Any]:
        """What was noted when the run was sent (who, which flow, which pipeline); {} if none."""
        try:
            found = json.loads((self._folder(run_id) / LAUNCH_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _check_secret(self, kubeflow: KubeflowSettings) -> None:
        """Refuse to submit when the storage Secret is missing (when the designer may look)."""
        if self.settings.kubernetes is None:
            return  # the run's pods will say so instead
        from designer.cluster.kube import ClusterError, secret_keys

        try:
            keys = secret_keys(self.settings, kubeflow.namespace, kubeflow.storage_secret)
        except ClusterError as exc:
            raise LaunchError(f"the run was not sent to Kubeflow: {exc}") from exc
        if missing := sorted(set(STORAGE_SECRET_KEYS) - keys):
            raise LaunchError(
                f"the run was not sent to Kubeflow: the Secret {kubeflow.storage_secret!r} in "
                f"namespace {kubeflow.namespace!r} has no {', '.join(missing)}; it needs the "
                f"keys {', '.join(STORAGE_SECRET_KEYS)} (docs/kubeflow.md)"
            )

    def _kubeflow_status(self, saved: RunRecord) -> RunRecord:
        settings = self.settings.kubeflow
        if settings is None:
            raise LaunchError(
                f"run {saved.run_id} runs on Kubeflow, but no Kubeflow host is configured now; "
                "set DESIGNER_KFP_HOST to follow it"
            )
        task_to_node = {node.task: node_id for node_id, node in saved.nodes.items()}
        try:
            with _kubeflow_errors(settings):
                record = self._kubeflow(settings).status(
                    saved.run_id, flow_name=saved.flow_name, task_to_node=task_to_node
                )
        except LaunchError as exc:
            if not isinstance(exc.__cause__, RunLost):
                raise
            saved.interrupt(time.time(), reason=str(exc))
            self._save(saved)
            return saved
        carry_over(saved, record)
        read_results(
            record,
            store=self._store(),
            pipeline=self._launch(saved.run_id).get("pipeline") or pipeline_name(saved.flow_name),
            pod_log=self._pod_log(settings),
            namespace=settings.namespace,
        )
        if record.status.finished:
            metrics.run_finished(record)  # this process saw it finish
            self._settle_cluster_run(record)
        self._save(record)
        return record

    def _pod_log(self, settings: KubeflowSettings) -> PodLog | None:
        """Read pod logs through the Kubernetes API, when the designer may use it."""
        if self.settings.kubernetes is None:
            return None
        from designer.cluster.kube import pod_log

        return functools.partial(pod_log, self.settings, settings.namespace)

    def _settle_cluster_run(self, record: RunRecord) -> None:
        """Call ``after_cluster_run`` once per run, whichever designer process sees it end."""
        if self.after_cluster_run is None:
            return
        folder = self._folder(record.run_id)
        launch = self._launch(record.run_id)
        try:
            if not launch:
                return  # not started by a designer: nobody to publish for
            (folder / SETTLED_FILE).open("x").close()
        except OSError:  # settled already, by this process or another
            return
        try:
            self.after_cluster_run(
                record, owner_id=launch.get("owner_id"), flow_id=launch.get("flow_id")
            )
        except Exception:  # a surprise must not stop the run from being shown
            log.exception("could not finish cluster run %s", record.run_id)

    def _kubeflow(self, settings: KubeflowSettings) -> KubeflowEngine:
        """One engine (and so one kfp.Client, built after a health check) per configuration."""
        with _lock:
            engine = _engines.get(settings)
            if engine is None:
                engine = _engines[settings] = KubeflowEngine(
                    settings, timeout=self.kubeflow_timeout
                )
            return engine

    # -- saved records ---------------------------------------------------------------------

    def _folder(self, run_id: str) -> Path:
        if not _RUN_ID.fullmatch(run_id):
            raise UnknownRun(f"{run_id!r} is not a run id")
        return self.settings.runs_dir / run_id

    def _saved(self, run_id: str) -> RunRecord:
        path = self._folder(run_id) / RECORD_FILE
        try:
            return RunRecord.load(path)
        except FileNotFoundError as exc:
            raise UnknownRun(f"no run {run_id} under {self.settings.runs_dir}") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LaunchError(f"the saved record of run {run_id} cannot be read ({path})") from exc

    def _interrupted(self, record: RunRecord) -> RunRecord:
        """Mark a saved local run nobody follows any more as failed, and save it so."""
        record.interrupt(time.time())
        self._save(record)
        log.warning("run %s was interrupted: its designer process stopped", record.run_id)
        return record

    def _save(self, record: RunRecord) -> None:
        folder = self._folder(record.run_id)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            record.save(folder / RECORD_FILE)
        except OSError as exc:
            raise LaunchError(
                f"cannot save run {record.run_id} in {folder}: {exc.strerror or exc}; "
                "check that DESIGNER_HOME is a folder you can write to"
            ) from exc


@contextlib.contextmanager
def _kubeflow_errors(settings: KubeflowSettings) -> Iterator[None]:
    """Re-raise KubeflowError as LaunchError, saying what to check when the host is silent."""
    try:
        yield
    except KubeflowError as exc:
        message = str(exc)
        if message.startswith(_UNREACHABLE):
            message += (
                f"; check that DESIGNER_KFP_HOST ({settings.host}) is the Kubeflow Pipelines "
                "address, that the cluster is up and that this machine can reach it (a "
                "port-forward or VPN may be needed)"
            )
        raise LaunchError(message) from exc


def _forget_stale_locked(now: float) -> None:
    """Drop finished runs nobody came back for, so a closed browser tab does not leak them."""
    for run_id, run in list(_live.items()):
        finished_at = run.snapshot().finished_at
        if finished_at is not None and now - finished_at > FORGET_AFTER:
            del _live[run_id]
