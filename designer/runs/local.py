"""The embedded engine: runs a compiled flow on this machine with kfp.local.

The worker imports what blocks need once and runs each task in a child forked from itself
(``designer.runs.warm_tasks``); before each task it asks the engine whether an earlier result
can be reused (``designer.runs.cache_service``). ``LocalEngine.start`` prepares a run and hands
it to ``designer.runs.local_run.LocalRun``, which follows it to its end.

Each run has a folder (``<runs_dir>/<run_id>``) holding the compiled pipeline, its arguments,
the raw console output, every task's artifacts and ``record.json``, the run record, rewritten
as tasks start and finish so that other processes (the web app, the CLI) can follow along.

The worker never sees the server: its environment comes from an allow-list
(``designer.runs.worker_env``), and where bubblewrap works it starts in a sandbox
(``designer.runs.sandbox``) that shows it only its own folder, the data folders and the code.
The record names the process following the run (``designer.runs.supervisor``), so a run whose
follower died can be told from one still going.

Given an object store, a run that finishes copies its outputs and console output there
(``designer.runs.artifacts``) before its record says it finished, so the record that says
"succeeded" already lists what was kept; the run's folder can be cleaned up afterwards. An
``after_run`` callable then sees the final record and the run's folder (to publish a model
the run trained, say) before that record is saved.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from designer.flow.compile import CompiledFlow, require_arguments
from designer.objects.base import ObjectStore
from designer.runs import supervisor
from designer.runs.cache_plan import plan_cache
from designer.runs.local_run import (  # noqa: F401 - where callers have always found them
    CONSOLE_FILE,
    RECORD_FILE,
    AfterRun,
    AfterRunError,
    LocalRun,
    task_layout,
)
from designer.runs.local_worker import ARGUMENTS_FILE, ARTIFACTS_DIR, PIPELINE_FILE
from designer.runs.prestart import Prestarted
from designer.runs.record import NodeRun, RunRecord, Status
from designer.runs.sandbox import choose_sandbox
from designer.runs.task_cache import TaskCache
from designer.runs.worker_env import make_worker_dirs
from designer.runs.worker_process import (
    new_run_id,
    worker_command,
)
from designer.settings import Settings, load_settings


class LocalEngine:
    """Starts local runs, one worker process each."""

    name = "local"

    def __init__(
        self,
        runs_dir: Path,
        *,
        settings: Settings | None = None,
        env: dict[str, str] | None = None,
        store: ObjectStore | None = None,
        after_run: AfterRun | None = None,
    ) -> None:
        self.runs_dir = Path(os.path.abspath(runs_dir))
        #: Decide the sandbox and what a run may read (data folders, networks, buckets);
        #: default: read from the environment.
        self.settings = settings if settings is not None else load_settings()
        #: Variables added to the worker's allow-listed environment: for tests and tools that
        #: run their own trusted flows, never anything a person chose.
        self.env = env
        #: Where finished runs keep their outputs; None keeps them in the run's folder only.
        self.store = store
        #: Called when a run finishes (see AfterRun), unless ``start`` is given another.
        self.after_run = after_run
        #: Results earlier runs kept, for nodes whose block, settings and inputs are unchanged.
        self.cache = TaskCache(self.settings.cache_dir, self.settings.cache_bytes)

    def start(
        self,
        compiled: CompiledFlow,
        *,
        flow_name: str,
        arguments: dict[str, Any] | None = None,
        after_run: AfterRun | None = None,
        cache: bool = True,
        rerun_from: str = "",
        owner: str = "",
        prestarted: Prestarted | None = None,
    ) -> LocalRun:
        """Start a run in a worker process; raises SandboxUnavailable before anything starts
        when DESIGNER_SANDBOX=bwrap and bubblewrap cannot be used, and MissingArguments when a
        flow parameter without a default is given no value (the pipeline would crash).

        ``cache=False``: no node reuses an earlier result (each node's own setting is in the
        compiled flow). ``owner``: who runs it, for which results a run of their own code may
        share (``designer.runs.cache_service``). ``rerun_from`` is only recorded.
        ``prestarted``: a worker started earlier (``designer.runs.prestart``), used when it was
        started as this run needs it (same settings, nothing to read, no network), else
        stopped.
        """
        require_arguments(compiled, arguments)
        choose_sandbox(self.settings)  # refused before anything is made (asked once a process)
        if prestarted is not None and not prestarted.fits(compiled, self.settings, self.env):
            prestarted.discard()
            prestarted = None
        if prestarted is not None:
            run_id, run_dir, worker = prestarted.run_id, prestarted.run_dir, prestarted.worker
        else:
            run_id = new_run_id()
            run_dir = self.runs_dir / run_id
            run_dir.mkdir(parents=True)
            make_worker_dirs(run_dir)
            worker = worker_command(
                run_dir,
                self.settings,
                reads=compiled.reads,
                network=compiled.needs_network,
                extra_env=self.env,
            )
        compiled.write(run_dir / PIPELINE_FILE)
        values = {**compiled.parameters, **(arguments or {})}
        (run_dir / ARGUMENTS_FILE).write_text(json.dumps(values))
        layout = task_layout(compiled.ir_yaml)
        plan = plan_cache(compiled, layout, self.cache if cache else None, owner=owner)
        record = RunRecord(
            run_id=run_id,
            flow_name=flow_name,
            engine=self.name,
            status=Status.RUNNING,
            started_at=time.time(),
            artifacts_root=str(run_dir / ARTIFACTS_DIR),
            nodes={node: NodeRun(task=task) for task, node in compiled.task_to_node.items()},
            supervisor=supervisor.current().token(),
            arguments=values,
            cache=cache,
            rerun_from=rerun_from,
        )
        run = LocalRun(
            run_dir,
            record,
            layout,
            compiled.task_to_node,
            store=self.store,
            after_run=after_run or self.after_run,
            cache_plan=plan,
        )
        if prestarted is not None:
            run.adopt(prestarted)
        else:
            run.launch(worker.command, worker.env, sandbox=worker.sandbox, channel=worker.channel)
        return run

    def run(
        self,
        compiled: CompiledFlow,
        *,
        flow_name: str,
        arguments: dict[str, Any] | None = None,
        cache: bool = True,
    ) -> RunRecord:
        return self.start(compiled, flow_name=flow_name, arguments=arguments, cache=cache).wait()


def load_record(runs_dir: Path, run_id: str) -> RunRecord:
    """The last saved record of a run, from its folder."""
    return RunRecord.load(runs_dir / run_id / RECORD_FILE)
