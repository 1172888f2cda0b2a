"""The embedded engine: runs a compiled flow on this machine with kfp.local.

Each run has a folder (``<runs_dir>/<run_id>``) holding the compiled pipeline, its arguments,
the raw console output, every task's artifacts and ``record.json``, the run record, rewritten
as tasks start and finish so that other processes (the web app, the CLI) can follow along.

Given an object store, a run that finishes copies its outputs and console output there
(``designer.runs.artifacts``) before its record says it finished, so the record that says
"succeeded" already lists what was kept; the run's folder can be cleaned up afterwards.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from designer.flow.compile import CompiledFlow
from designer.objects.base import ObjectStore
from designer.runs.artifacts import KeptArtifacts, keep_artifacts
from designer.runs.local_log import LogReader, TaskFinished, TaskLog, TaskStarted, error_line
from designer.runs.local_worker import ARGUMENTS_FILE, ARTIFACTS_DIR, PIPELINE_FILE
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status

RECORD_FILE = "record.json"
CONSOLE_FILE = "console.log"
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocalEngine:
    """Starts local runs, one worker process each."""

    name = "local"

    def __init__(
        self,
        runs_dir: Path,
        *,
        env: dict[str, str] | None = None,
        store: ObjectStore | None = None,
    ) -> None:
        self.runs_dir = runs_dir
        self.env = env
        #: Where finished runs keep their outputs; None keeps them in the run's folder only.
        self.store = store

    def start(
        self, compiled: CompiledFlow, *, flow_name: str, arguments: dict[str, Any] | None = None
    ) -> LocalRun:
        run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
        run_dir = self.runs_dir / run_id
        run_dir.mkdir(parents=True)
        compiled.write(run_dir / PIPELINE_FILE)
        (run_dir / ARGUMENTS_FILE).write_text(
            json.dumps({**compiled.parameters, **(arguments or {})})
        )
        record = RunRecord(
            run_id=run_id,
            flow_name=flow_name,
            engine=self.name,
            status=Status.RUNNING,
            started_at=time.time(),
            artifacts_root=str(run_dir / ARTIFACTS_DIR),
            nodes={node: NodeRun(task=task) for task, node in compiled.task_to_node.items()},
        )
        run = LocalRun(
            run_dir,
            record,
            _task_layout(compiled.ir_yaml),
            compiled.task_to_node,
            store=self.store,
        )
        run.launch({**os.environ, **(self.env or {}), "PYTHONUNBUFFERED": "1"})
        return run

    def run(
        self, compiled: CompiledFlow, *, flow_name: str, arguments: dict[str, Any] | None = None
    ) -> RunRecord:
        return self.start(compiled, flow_name=flow_name, arguments=arguments).wait()


def load_record(runs_dir: Path, run_id: str) -> RunRecord:
    """The last saved record of a run, from its folder."""
    return RunRecord.load(runs_dir / run_id / RECORD_FILE)


class LocalRun:
    """One run in progress: follow it with ``snapshot()``, wait for it, or cancel it."""

    def __init__(
        self,
        run_dir: Path,
        record: RunRecord,
        layout: dict[str, _TaskLayout],
        task_to_node: dict[str, str],
        *,
        store: ObjectStore | None = None,
    ) -> None:
        self.run_dir = run_dir
        self._store = store
        self._record = record
        self._layout = layout
        # kfp.local names a task's folder and log lines after its component, not the task.
        self._by_local_name = {
            layout[task].local_name: node for task, node in task_to_node.items() if task in layout
        }
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._cancelled = False

    @property
    def run_id(self) -> str:
        return self._record.run_id

    def launch(self, env: dict[str, str]) -> None:
        self._save()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "designer.runs.local_worker", str(self.run_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=env,
            cwd=self.run_dir,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._follow, name=f"run-{self.run_id}", daemon=True)
        self._reader.start()

    def snapshot(self) -> RunRecord:
        with self._lock:
            return copy.deepcopy(self._record)

    def wait(self, timeout: float | None = None) -> RunRecord:
        assert self._reader is not None, "launch() first"
        self._reader.join(timeout)
        return self.snapshot()

    def cancel(self) -> None:
        self._cancelled = True
        if self._process and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)

    def _follow(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        reader = LogReader()
        with (self.run_dir / CONSOLE_FILE).open("w") as console:
            for line in self._process.stdout:
                console.write(line)
                for event in reader.feed(line):
                    self._apply(event)
        code = self._process.wait()
        self._finish(code)

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
                if event.succeeded:
                    self._collect_outputs(node)
                else:
                    node.error = error_line(node.log)
            self._save_locked()

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

    def _finish(self, exit_code: int) -> None:
        finished_at, cancelled = time.time(), self._cancelled
        # Copy outputs without the lock (they may be large): snapshot() keeps answering, with
        # the run still "running", until the record below says how it ended and what was kept.
        # Only this thread changes the record now that the worker has exited.
        kept = None
        if self._store is not None:
            try:
                kept = keep_artifacts(self._store, self.snapshot(), self.run_dir / CONSOLE_FILE)
            except Exception as exc:  # a surprise here must not leave the run "running" forever
                kept = KeptArtifacts(error=f"the run's outputs could not be kept: {exc!r}")
        with self._lock:
            record = self._record
            record.finished_at = finished_at
            nodes = record.nodes.values()
            for node in nodes:
                if node.status is Status.RUNNING:
                    node.status = Status.FAILED
                    node.error = node.error or "the run stopped while this block was running"
                    node.finished_at = record.finished_at
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
            if kept is not None:
                kept.apply(record)
            self._save_locked()

    def _console_tail(self, lines: int = 20) -> str:
        text = (self.run_dir / CONSOLE_FILE).read_text(errors="replace")
        tail = "\n".join(text.strip().splitlines()[-lines:])
        return f"the local engine stopped unexpectedly:\n{tail}"

    def _save(self) -> None:
        with self._lock:
            self._save_locked()

    def _save_locked(self) -> None:
        self._record.save(self.run_dir / RECORD_FILE)


class _TaskLayout:
    """Where kfp.local puts a task (its component's name) and the types of its outputs."""

    def __init__(self, local_name: str, output_types: dict[str, str]) -> None:
        self.local_name = local_name
        self.output_types = output_types


def _task_layout(ir_yaml: str) -> dict[str, _TaskLayout]:
    spec = yaml.load(ir_yaml, Loader=_SafeLoader)
    components = spec.get("components", {})
    layout = {}
    for task, task_spec in spec["root"]["dag"]["tasks"].items():
        component = task_spec["componentRef"]["name"]
        outputs = components.get(component, {}).get("outputDefinitions", {}).get("artifacts", {})
        layout[task] = _TaskLayout(
            component.removeprefix("comp-"),
            {port: o["artifactType"]["schemaTitle"] for port, o in outputs.items()},
        )
    return layout
