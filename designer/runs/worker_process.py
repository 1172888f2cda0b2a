"""Starting a local run's worker: its command (in the sandbox when there is one), its
environment, the pipes it talks on, and the process itself.

Light on purpose (no kfp, no flow code): ``designer.runs.prestart`` starts a worker from here
before the command line has even imported what compiles the flow.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from designer.runs.sandbox import (
    SandboxPipes,
    choose_sandbox,
    options_through_fd,
    run_mounts,
    sandbox_pid,
)
from designer.runs.task_channel import CHANNEL_VAR
from designer.runs.worker_env import worker_env
from designer.settings import Settings

WORKER_MODULE = "designer.runs.local_worker"
#: The worker's option to import what blocks need, then wait to be told to go.
WAIT_OPTION = "--wait"


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]


class ChannelPipes:
    """The two pipes of a run's channel: each side's (read, write) ends."""

    def __init__(self) -> None:
        worker_reads, designer_writes = os.pipe()
        designer_reads, worker_writes = os.pipe()
        self.worker = (worker_reads, worker_writes)
        self.designer = (designer_reads, designer_writes)


@dataclass
class WorkerCommand:
    """How to start a run's worker: exactly this command line and environment."""

    command: list[str]
    env: dict[str, str]
    sandbox: SandboxPipes | None
    channel: ChannelPipes


def worker_command(
    run_dir: Path,
    settings: Settings,
    *,
    reads: Sequence[str],
    network: bool,
    extra_env: dict[str, str] | None = None,
    wait: bool = False,
) -> WorkerCommand:
    """The worker of the run in ``run_dir``, allowed to read ``reads`` (and the data folders)
    and to use the network when ``network``; raises SandboxUnavailable when the settings
    demand a sandbox that cannot be had."""
    sandbox = choose_sandbox(settings)
    channel = ChannelPipes()
    env = {
        **worker_env(run_dir, settings, reads),
        **(extra_env or {}),
        CHANNEL_VAR: f"{channel.worker[0]},{channel.worker[1]}",
    }
    command = [sys.executable, "-m", WORKER_MODULE, str(run_dir), *([WAIT_OPTION] * wait)]
    pipes = None
    if sandbox is not None:
        readable, hidden = run_mounts(settings, reads)
        pipes = SandboxPipes(info=os.pipe(), options=os.pipe())
        sandboxed = sandbox.command(
            command,
            run_dir=run_dir,
            env=env,
            readable=readable,
            hidden=[*hidden, settings.runs_dir],
            network=network,
            info_fd=pipes.info[1],
        )
        command, pipes.payload = options_through_fd(sandboxed, command, pipes.options[0])
    return WorkerCommand(command, env, pipes, channel)


def start_process(
    command: list[str],
    env: dict[str, str],
    run_dir: Path,
    *,
    sandbox: SandboxPipes | None = None,
    channel: ChannelPipes | None = None,
) -> tuple[subprocess.Popen[str], int | None]:
    """Start the worker; its process and, when sandboxed, its sandbox's first process. Every
    pipe end the worker took is closed here, whether it started or not."""
    read_end, write_end = sandbox.info if sandbox else (None, None)
    passed: tuple[int, ...] = () if sandbox is None else (write_end, sandbox.options[0])  # type: ignore[assignment]
    passed += () if channel is None else channel.worker
    first = None
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=env,
            cwd=run_dir,
            start_new_session=True,
            pass_fds=passed,
        )
    finally:
        if sandbox is not None:
            sandbox.send_options()
        if write_end is not None:
            os.close(write_end)
        if read_end is not None:
            first = sandbox_pid(read_end)
        if channel is not None:
            for fd in channel.worker:
                os.close(fd)
    return process, first
