"""A local run's worker started before its flow is compiled, so the two happen at once.

The worker's start (Python, kfp, pandas, scikit-learn) costs about as long as the command line's
own start and compiling the flow. ``designer run`` therefore starts a worker first thing
(``begin``), in a run folder of its own and in the sandbox a run gets when it reads nothing but
the data folders and needs no network; the worker imports what blocks need and waits. Once the
flow is compiled, ``LocalEngine.start`` uses that worker if the run needs exactly that
(``fits``), and stops it otherwise. A worker nobody used is stopped when the process exits.

Light on purpose: nothing here imports kfp or the flow code.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from designer.runs.sandbox import choose_sandbox
from designer.runs.worker_env import make_worker_dirs
from designer.runs.worker_process import (
    WorkerCommand,
    new_run_id,
    start_process,
    worker_command,
)
from designer.settings import Settings

if TYPE_CHECKING:
    from designer.flow.compile import CompiledFlow

_pending: Prestarted | None = None


class Prestarted:
    """A waiting worker, its run folder and how it was started."""

    def __init__(
        self,
        settings: Settings,
        extra_env: dict[str, str] | None = None,
        reads: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings
        self.extra_env = extra_env
        #: The local files the worker was granted (``CompiledFlow.reads``): fixed at its start.
        self.reads = reads
        self.started_at = time.monotonic()
        choose_sandbox(settings)  # a sandbox required but missing: refused before any folder
        self.run_id = new_run_id()
        self.run_dir = Path(os.path.abspath(settings.runs_dir)) / self.run_id
        self.run_dir.mkdir(parents=True)
        make_worker_dirs(self.run_dir)
        self.worker: WorkerCommand = worker_command(
            self.run_dir, settings, reads=reads, network=False, extra_env=extra_env, wait=True
        )
        self.process: subprocess.Popen[str]
        self.process, self.sandbox_pid = start_process(
            self.worker.command,
            self.worker.env,
            self.run_dir,
            sandbox=self.worker.sandbox,
            channel=self.worker.channel,
        )
        self.used = False

    def fits(
        self, compiled: CompiledFlow, settings: Settings, extra_env: dict[str, str] | None
    ) -> bool:
        """Whether the run of ``compiled`` under ``settings`` would start its worker so (the
        same files granted, no network)."""
        return (
            not self.used
            and self.process.poll() is None
            and settings == self.settings
            and (extra_env or None) == (self.extra_env or None)
            and tuple(compiled.reads) == self.reads
            and not compiled.needs_network
        )

    def discard(self) -> None:
        """Stop the worker and remove its run folder."""
        if self.used:
            return
        self.used = True
        with contextlib.suppress(ProcessLookupError):
            if self.sandbox_pid is not None:
                os.kill(self.sandbox_pid, signal.SIGKILL)
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        for fd in self.worker.channel.designer:
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.run_dir, ignore_errors=True)


def begin(settings: Settings) -> Prestarted | None:
    """Start a waiting worker for this process's run; None when one cannot be started now
    (the run then starts its worker as usual and says why, if it cannot either)."""
    global _pending
    try:
        _pending = Prestarted(settings)
    except Exception:
        return None
    atexit.register(_discard_unused)
    return _pending


def take() -> Prestarted | None:
    """The worker ``begin`` started, once; None when there is none."""
    global _pending
    found, _pending = _pending, None
    return found


def _discard_unused() -> None:
    found = take()
    if found is not None:
        found.discard()
