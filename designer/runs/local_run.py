"""One local run in progress: its worker followed, its record kept up to date, its end settled.

``designer.runs.local.LocalEngine`` starts a run and hands it to a ``LocalRun``, which reads
the worker's output (kfp.local's log lines) to follow each task, answers the worker's questions
about cached results (``designer.runs.cache_service``), collects each task's outputs, and, once
the worker exits, settles every node's status, keeps the outputs in object storage and calls
``after_run`` before saving the final record.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from designer.objects.base import ObjectStore
from designer.ops import metrics, request_context
from designer.ops.request_context import in_current_context
from designer.runs.artifacts import KeptArtifacts, keep_artifacts
from designer.runs.cache_service import CachePlan, CacheService, start_service
from designer.runs.local_log import LogReader, TaskFinished, TaskLog, TaskStarted, error_line
from designer.runs.local_worker import ARTIFACTS_DIR
from designer.runs.prestart import Prestarted
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.runs.sandbox import SandboxPipes
from designer.runs.task_cache import Reused
from designer.runs.task_channel import Channel, ChannelClosed
from designer.runs.worker_process import ChannelPipes, start_process

log = logging.getLogger(__name__)

RECORD_FILE = "record.json"
CONSOLE_FILE = "console.log"
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Called once a run has finished, with its final record (status settled, outputs kept) and
#: its folder, before that record is saved: what it changes in the record is what everyone
#: sees. It runs for every ending (succeeded, failed, cancelled): look at ``record.status``.
AfterRun = Callable[[RunRecord, Path], None]


class AfterRunError(Exception):
    """What ``after_run`` raises to fail some nodes of the run: they fail with its message."""

    def __init__(self, message: str, nodes: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.nodes = tuple(nodes)


class LocalRun:
    """One run in progress: follow it with ``snapshot()``, wait for it, or cancel it."""

    def __init__(
        self,
        run_dir: Path,
        record: RunRecord,
        layout: dict[str, TaskLayout],
        task_to_node: dict[str, str],
        *,
        store: ObjectStore | None = None,
        after_run: AfterRun | None = None,
        cache_plan: CachePlan | None = None,
    ) -> None:
        self.run_dir = run_dir
        self._store = store
        self._after_run = after_run
        self._record = record
        self._layout = layout
        # kfp.local names a task's folder and log lines after its component, not the task.
        self._by_local_name = {
            layout[task].local_name: node for task, node in task_to_node.items() if task in layout
        }
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        #: The sandbox's first process (its pid namespace dies with it), when sandboxed.
        self._sandbox_pid: int | None = None
        self._reader: threading.Thread | None = None
        self._cancelled = False
        #: kfp.local's task name -> the run whose result the node reused.
        self._reused: dict[str, Reused] = {}
        self._cache_service = CacheService(
            cache_plan or CachePlan(None),
            run_dir,
            record.run_id,
            on_reuse=self._note_reuse,
            on_note=self._add_note,
        )

    @property
    def run_id(self) -> str:
        return self._record.run_id

    def launch(
        self,
        command: list[str],
        env: dict[str, str],
        *,
        sandbox: SandboxPipes | None = None,
        channel: ChannelPipes | None = None,
    ) -> None:
        """Start the worker (``command``, with exactly ``env``) and follow it in a thread.

        ``sandbox``: the pipes bwrap reads its options from and reports its sandbox on, when the
        command is sandboxed; ``channel``: the pipes the worker asks about cached results on.
        Every end the worker uses is closed here once it started.
        """
        self._save()
        try:
            self._process, self._sandbox_pid = start_process(
                command, env, self.run_dir, sandbox=sandbox, channel=channel
            )
        except OSError as exc:  # the record must not say "running" for a run that never ran
            if channel is not None:
                for fd in channel.designer:
                    os.close(fd)
            with self._lock:
                self._record.interrupt(time.time(), f"the run could not start: {exc}")
                self._save_locked()
            raise
        if channel is not None:
            start_service(self._cache_service, Channel.from_fds(*channel.designer))
        self._follow_in_thread()

    def adopt(self, prestarted: Prestarted) -> None:
        """Follow a worker started before this run's flow was compiled: tell it to go."""
        self._save()
        prestarted.used = True
        self._process, self._sandbox_pid = prestarted.process, prestarted.sandbox_pid
        channel = Channel.from_fds(*prestarted.worker.channel.designer)
        # A worker that died meanwhile cannot hear it: the follower reads how it ended.
        with contextlib.suppress(ChannelClosed):
            channel.send({"op": "go"})
        start_service(self._cache_service, channel)
        self._follow_in_thread()

    def _follow_in_thread(self) -> None:
        # In the starting request's context: the run's log lines carry its request id.
        self._reader = in_current_context(self._follow_tagged, name=f"run-{self.run_id}")
        self._reader.start()

    def _follow_tagged(self) -> None:
        request_context.run_id.set(self.run_id)
        log.info("local run started (%d blocks)", len(self._record.nodes))
        self._follow()

    @property
    def following(self) -> bool:
        """Whether the run is still being followed (its worker or its finishing goes on)."""
        return self._reader is not None and self._reader.is_alive()

    def snapshot(self) -> RunRecord:
        with self._lock:
            return copy.deepcopy(self._record)

    def wait(self, timeout: float | None = None) -> RunRecord:
        assert self._reader is not None, "launch() first"
        self._reader.join(timeout)
        return self.snapshot()

    def cancel(self) -> None:
        self._cancelled = True
        self._kill()

    def _kill(self) -> None:
        """Stop the worker and the tasks it started (its process group, or its sandbox)."""
        if self._process and self._process.poll() is None:
            # While bwrap runs, its sandbox's first process is alive or not yet reaped: the
            # id cannot belong to anyone else.
            if self._sandbox_pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._sandbox_pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):  # it exited in between
                os.killpg(self._process.pid, signal.SIGTERM)

    def _follow(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        code, trouble = -1, ""
        try:
            reader = LogReader()
            with (self.run_dir / CONSOLE_FILE).open("w") as console:
                for line in self._process.stdout:
                    console.write(line)
                    for event in reader.feed(line):
                        self._apply(event)
            code = self._process.wait()
        except Exception as exc:  # a full disk...: stop the worker, never stay "running"
            trouble = f"the designer lost track of the run: {exc!r}"
            self._kill()
            code = self._process.wait()
        self._finish(code, trouble)

    def _apply(self, event: TaskStarted | TaskFinished | TaskLog) -> None:
        node_id = self._by_local_name.get(event.task)
        if node_id is None:
            return
        with self._lock:
            node = self._record.nodes[node_id]
            if isinstance(event, TaskLog):
                node.log += event.line + "\n"
                return  # logs reach the saved record with the next status change
            if isinstance(event, TaskStarted):
                node.status, node.started_at = Status.RUNNING, time.time()
            else:
                node.finished_at = time.time()
                node.log = node.log.strip("\n") + "\n" if node.log.strip() else ""
                node.status = Status.SUCCEEDED if event.succeeded else Status.FAILED
                reused = self._reused.get(node_id)
                if event.succeeded and reused is not None:
                    node.status, node.cached_from = Status.CACHED, reused.run_id
                    node.log = _reuse_line(reused)
                if event.succeeded:
                    self._collect_outputs(node)
                else:
                    node.error = error_line(node.log)
            self._save_locked()

    def _note_reuse(self, node_id: str, reused: Reused) -> None:
        with self._lock:
            self._reused[node_id] = reused

    def _add_note(self, note: str) -> None:
        with self._lock:
            if note not in self._record.notes:
                self._record.notes.append(note)

    def _collect_outputs(self, node: NodeRun) -> None:
        layout = self._layout[node.task]
        found = list(
            (self.run_dir / ARTIFACTS_DIR).glob(f"*/{layout.local_name}/executor_output.json")
        )
        if not found:
            return
        written = json.loads(found[0].read_text()).get("artifacts", {})
        for port, entry in written.items():
            artifacts = entry.get("artifacts") or [{}]
            artifact = artifacts[0]
            kind = layout.output_types.get(port, "")
            metadata = artifact.get("metadata", {})
            node.outputs[port] = OutputRecord(artifact.get("uri", ""), kind, metadata)
            if kind == "system.Metrics":
                node.metrics.update(
                    {
                        k: float(v)
                        for k, v in metadata.items()
                        if isinstance(v, int | float) and not isinstance(v, bool)
                    }
                )

    def _finish(self, exit_code: int, trouble: str = "") -> None:
        finished_at, cancelled = time.time(), self._cancelled
        # Copy outputs and call after_run without the lock (they may be slow): snapshot() keeps
        # answering, with the run still "running", until the record below says how it ended,
        # what was kept and what was published. Only this thread changes the record now that
        # the worker has exited.
        kept = None
        if self._store is not None:
            try:
                kept = keep_artifacts(self._store, self.snapshot(), self.run_dir / CONSOLE_FILE)
            except Exception as exc:  # a surprise here must not leave the run "running" forever
                kept = KeptArtifacts(error=f"the run's outputs could not be kept: {exc!r}")
        final = self.snapshot()
        self._settle(final, finished_at, exit_code, cancelled)
        if trouble and not cancelled:
            final.status, final.error = Status.FAILED, trouble
        if kept is not None:
            kept.apply(final)
        if self._after_run is not None:
            _call_after_run(self._after_run, final, self.run_dir)
        with self._lock:
            self._record = final
            self._save_locked()
        _count_finished(final)

    def _settle(self, record: RunRecord, at: float, exit_code: int, cancelled: bool) -> None:
        """Give the run and every node its final status."""
        record.finished_at = at
        nodes = record.nodes.values()
        for node in nodes:
            if node.status is Status.RUNNING:
                node.status = Status.FAILED
                node.error = node.error or "the run stopped while this block was running"
                node.finished_at = at
        failed = any(n.status is Status.FAILED for n in nodes)
        if cancelled:
            record.status = Status.CANCELLED
            record.error = "the run was cancelled"
        elif failed or exit_code != 0:
            record.status = Status.FAILED
            if not failed:
                record.error = self._console_tail()
        else:
            record.status = Status.SUCCEEDED
        for node in nodes:
            if node.status is Status.PENDING and record.status is not Status.SUCCEEDED:
                node.status = Status.SKIPPED

    def _console_tail(self, lines: int = 20) -> str:
        try:
            text = (self.run_dir / CONSOLE_FILE).read_text(errors="replace")
        except OSError as exc:
            return f"the local engine stopped unexpectedly; its output cannot be read: {exc}"
        tail = "\n".join(text.strip().splitlines()[-lines:])
        return f"the local engine stopped unexpectedly:\n{tail}"

    def _save(self) -> None:
        with self._lock:
            self._save_locked()

    def _save_locked(self) -> None:
        self._record.save(self.run_dir / RECORD_FILE)


def _count_finished(record: RunRecord) -> None:
    """Log how the run ended and count it (``designer.ops.metrics``)."""
    metrics.run_finished(record)
    nodes = record.nodes.values()
    ran = sum(n.status in (Status.SUCCEEDED, Status.FAILED) for n in nodes)
    cached = sum(n.status is Status.CACHED for n in nodes)
    level = logging.INFO if record.status is Status.SUCCEEDED else logging.WARNING
    log.log(level, "local run %s (%d blocks ran, %d reused)", record.status.value, ran, cached)


def _reuse_line(reused: Reused) -> str:
    return f"Not run: reused the result of run {reused.run_id} (same block, settings and inputs).\n"


def _call_after_run(after_run: AfterRun, record: RunRecord, run_dir: Path) -> None:
    """Call ``after_run``; what it raises fails the nodes it names, else the run as a whole."""
    try:
        after_run(record, run_dir)
    except AfterRunError as exc:
        failed = [record.nodes[node] for node in exc.nodes if node in record.nodes]
        for node in failed:
            node.status, node.error = Status.FAILED, str(exc)
        _fail(record, "" if failed else str(exc))
    except Exception as exc:  # a bug after the run must still end the run, and say so
        _fail(record, f"the run finished, but what follows it failed: {exc!r}")


def _fail(record: RunRecord, error: str) -> None:
    """A run that had succeeded fails; a failed or cancelled one keeps its status."""
    if record.status is Status.SUCCEEDED:
        record.status = Status.FAILED
    record.error = record.error or error


class TaskLayout:
    """Where kfp.local puts a task (its component's name), the types of its outputs, and
    whether its caching option lets it reuse an earlier result."""

    def __init__(self, local_name: str, output_types: dict[str, str], cache: bool) -> None:
        self.local_name = local_name
        self.output_types = output_types
        self.cache = cache


def task_layout(ir_yaml: str) -> dict[str, TaskLayout]:
    spec = yaml.load(ir_yaml, Loader=_SafeLoader)
    components = spec.get("components", {})
    layout = {}
    for task, task_spec in spec["root"]["dag"]["tasks"].items():
        component = task_spec["componentRef"]["name"]
        outputs = components.get(component, {}).get("outputDefinitions", {}).get("artifacts", {})
        layout[task] = TaskLayout(
            component.removeprefix("comp-"),
            {port: o["artifactType"]["schemaTitle"] for port, o in outputs.items()},
            bool(task_spec.get("cachingOptions", {}).get("enableCache")),
        )
    return layout
