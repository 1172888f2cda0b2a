"""The designer's own clock for local schedules: one thread per server process.

Every few seconds the scheduler looks for local schedules whose next time has come, claims each
time in the database (``designer.store.schedules.claim_tick``: with several designer processes
on one database, exactly one wins) and starts the run through the same path as the Run button
(``designer.runs.stored_runs``), as the schedule's owner, marked as the schedule's run. It then
follows the runs it started until they finish, recording their progress as the editor would.

Nothing lives only in memory: a schedule's next time is in the database, so a restarted designer
carries on where it stopped. Times missed while no designer was running are run once, at the
latest missed time, not once each: a daily flow that missed three days runs once on start.
A time that comes while the schedule's previous run is still going is skipped (and says so),
as Kubeflow does with one run at a time.

On a designer that sends runs to Kubeflow, local schedules wait: schedules made there are
Kubeflow recurring runs, which the cluster runs (``designer.runs.kubeflow_schedules``). The
thread then also follows the cluster runs nobody watches (a closed browser tab): every
``CLUSTER_INTERVAL_S`` it asks the cluster about runs the database shows unfinished, so they
are recorded as they end and the models they deploy are served, whoever is looking; and it
records the runs Kubeflow started for the designer's schedules, marked as theirs.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from designer.models.publishing import publishing_launcher
from designer.runs import supervisor
from designer.runs.kfp_record import ENGINE as KUBEFLOW
from designer.runs.kubeflow import KubeflowError
from designer.runs.kubeflow_schedules import KubeflowSchedules
from designer.runs.launcher import Launcher, LaunchError, UnknownRun
from designer.runs.stored_runs import compile_saved_version, start_saved_version
from designer.settings import Settings
from designer.store import runs as run_store
from designer.store import schedules
from designer.store.access import FlowNotFound, NotAllowed
from designer.store.db import StoreError, engine_for, public_message

#: Seconds between two looks at the schedules.
INTERVAL_S = 5.0
#: Seconds between two looks at the unfinished cluster runs.
CLUSTER_INTERVAL_S = 30.0

log = logging.getLogger(__name__)

_starter: ThreadPoolExecutor | None = None
_starter_lock = threading.Lock()


def _start_thread() -> ThreadPoolExecutor:
    """The one thread of this process that starts scheduled runs.

    A sandboxed run dies with the thread that started it (bubblewrap's --die-with-parent
    follows the thread, not the process), so runs are started from a thread that lives as long
    as the process, not from a pass that may run on a short-lived one.
    """
    global _starter
    with _starter_lock:
        if _starter is None:
            _starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scheduled-runs")
        return _starter


@dataclass
class _Followed:
    flow_id: str
    version: int
    last: dict[str, object] = field(default_factory=dict)


class Scheduler:
    """Claims due times of local schedules and starts their runs; ``start``/``stop`` run it on a
    thread, ``run_due`` does one pass (what the thread repeats, and what tests call)."""

    def __init__(
        self,
        settings: Settings,
        *,
        interval: float = INTERVAL_S,
        launcher: Launcher | None = None,
    ) -> None:
        self.settings = settings
        self.interval = interval
        self._launcher = launcher
        #: Names this process in the claims it makes (the operator reads it in the database).
        self.name = supervisor.current().token()
        self._followed: dict[str, _Followed] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._waiting_said = False
        self._cluster_looked = float("-inf")

    @property
    def launcher(self) -> Launcher:
        """The launcher runs start from; models they deploy are published for their owner, as
        for runs started from the editor. Made on first use: the database may be down when the
        designer starts."""
        if self._launcher is None:
            self._launcher = publishing_launcher(self.settings)
        return self._launcher

    # -- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        """Run passes every ``interval`` seconds on a daemon thread until ``stop``."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="designer-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the pass in progress (runs it started go on, followed by nobody here)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except StoreError as exc:  # the database restarting: said once a pass, no traceback
                log.warning("schedules wait: %s", exc)
            except Exception:  # one bad pass must not end the clock
                log.exception("the scheduler's pass failed; trying again in %s s", self.interval)
            self._stop.wait(self.interval)

    # -- one pass --------------------------------------------------------------------------

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Follow the runs started earlier, then start the runs whose time has come; the ids of
        the runs started in this pass."""
        database = engine_for(self.settings.database_url)
        self.follow(database)
        if self.settings.kubeflow is not None:
            if time.monotonic() - self._cluster_looked >= CLUSTER_INTERVAL_S:
                self.follow_cluster_runs(database)
            if not self._waiting_said:
                log.info("local schedules wait: this designer sends runs to Kubeflow")
                self._waiting_said = True
            return []
        now = now or datetime.now(UTC)
        started = []
        for due in schedules.due_schedules(database, now):
            if self._stop.is_set():
                break
            run_id = self._run_tick(database, due, now)
            if run_id:
                started.append(run_id)
        return started

    def follow(self, database: Engine) -> None:
        """Record how the runs this scheduler started are doing, until each finishes."""
        for run_id, followed in list(self._followed.items()):
            try:
                record = self.launcher.snapshot(run_id)
            except UnknownRun:
                del self._followed[run_id]
                continue
            except LaunchError as exc:
                log.warning("cannot follow scheduled run %s: %s", run_id, exc)
                continue
            current = record.to_dict()
            if current != followed.last:
                run_store.record_run(database, followed.flow_id, followed.version, record)
                followed.last = current
            if record.status.finished:
                del self._followed[run_id]

    def adopt_scheduled_runs(self, database: Engine) -> list[str]:
        """Record the runs Kubeflow started for the designer's schedules, each marked as its
        schedule's and followed from then on like a run sent from the editor; their ids."""
        kubeflow = self.settings.kubeflow
        found = schedules.cluster_schedules(database) if kubeflow is not None else []
        if kubeflow is None or not found:
            return []
        remote = KubeflowSchedules(kubeflow)
        adopted = []
        for schedule in found:
            try:
                run_ids = remote.runs_of(schedule.kubeflow_id)
            except KubeflowError as exc:
                log.warning("cannot list the runs of schedule %s: %s", schedule.id, exc)
                continue
            known = run_store.known_runs(database, run_ids)
            new = [run_id for run_id in run_ids if run_id not in known]
            owner = schedules.runs_as(database, schedule.owner_id) if new else None
            if owner is None:
                continue
            try:
                flow, compiled = compile_saved_version(
                    self.settings,
                    database,
                    owner,
                    schedule.flow_id,
                    schedule.flow_version,
                    engine=KUBEFLOW,
                )
                for run_id in reversed(new):  # oldest first, as they started
                    record = self.launcher.adopt(
                        run_id,
                        compiled,
                        flow_name=flow.name,
                        owner_id=owner.id,
                        flow_id=schedule.flow_id,
                    )
                    run_store.record_run(
                        database,
                        schedule.flow_id,
                        schedule.flow_version,
                        record,
                        owner.id,
                        schedule_id=schedule.id,
                    )
                    adopted.append(run_id)
            except Exception as exc:  # one schedule's trouble must not stop the others
                log.warning("cannot record the runs of schedule %s: %s", schedule.id, exc)
        return adopted

    def follow_cluster_runs(self, database: Engine) -> list[str]:
        """Ask the cluster about every run the database shows unfinished (after recording the
        runs its schedules started); record what changed. The ids of the runs seen finished
        (and so settled: ``Launcher.snapshot``)."""
        self._cluster_looked = time.monotonic()
        self.adopt_scheduled_runs(database)
        finished = []
        for stored in run_store.unfinished_run_records(database, KUBEFLOW):
            try:
                record = self.launcher.snapshot(stored.record.run_id)
            except LaunchError as exc:  # the cluster is down: said once per run and pass
                log.warning("cannot follow cluster run %s: %s", stored.record.run_id, exc)
                continue
            if record.to_dict() != stored.record.to_dict():
                run_store.record_run(database, stored.flow_id, stored.flow_version, record)
            if record.status.finished:
                finished.append(record.run_id)
        return finished

    @property
    def following(self) -> list[str]:
        """Ids of the runs this scheduler started that have not finished yet."""
        return list(self._followed)

    def _run_tick(self, database: Engine, due: schedules.DueSchedule, now: datetime) -> str | None:
        """Claim the latest time of ``due`` at or before ``now`` and start its run; the run's id,
        or None when another process claimed it or no run could start."""
        schedule = due.schedule
        tick = max(schedule.latest(now), due.next_at)
        claimed = schedules.claim_tick(
            database,
            due.id,
            tick,
            next_at=schedule.next_after(now),
            claimed_by=self.name,
            now=now,
        )
        if not claimed:
            return None
        run_id, error = self._start(database, due)
        schedules.finish_tick(database, due.id, tick, run_id=run_id, error=error)
        if error:
            log.warning("schedule %s at %s: %s", due.id, tick.isoformat(), error)
        return run_id

    def _start(self, database: Engine, due: schedules.DueSchedule) -> tuple[str | None, str]:
        """Start the schedule's run as its owner: (run id, "") or (None, why not)."""
        owner = schedules.runs_as(database, due.owner_id)
        if owner is None:
            reason = "paused: the account of the person who made this schedule is disabled"
            schedules.pause_with_reason(database, due.id, reason)
            return None, reason
        going = schedules.unfinished_run(database, due.id)
        if going is not None:
            return None, f"skipped: the previous run ({going}) was still going"
        try:
            started = (
                _start_thread()
                .submit(
                    start_saved_version,
                    self.settings,
                    database,
                    self.launcher,
                    owner,
                    due.flow_id,
                    due.flow_version,
                    schedule_id=due.id,
                )
                .result()
            )
        except (NotAllowed, FlowNotFound) as exc:
            reason = f"paused: {owner.username} may no longer run this flow ({exc})"
            schedules.pause_with_reason(database, due.id, _one_line(reason))
            return None, _one_line(reason)
        except StoreError as exc:
            return None, _one_line(f"the run could not start: {public_message(exc)}")
        except Exception as exc:  # a flow that no longer compiles, storage down, no sandbox...
            return None, _one_line(f"the run could not start: {exc}")
        self._followed[started.record.run_id] = _Followed(due.flow_id, started.version)
        return started.record.run_id, ""


def _one_line(text: str) -> str:
    return " ".join(text.split())[:1000]
