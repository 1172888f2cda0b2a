"""Running a local run's tasks from a warm process: import once, fork per task.

kfp.local starts a fresh Python for every task, which then imports pandas and scikit-learn
again: most of a small flow's time. The worker instead imports them once (``preload``) and runs
each lightweight task in a child forked from itself (``run_forked``), exactly as the task's
command would have run it (the same program files, ``kfp.dsl.executor_main`` with the same
arguments, the task's environment variables). The child is a process of its own: a crash,
``sys.exit`` or ``os._exit`` in a block ends that child and fails that node only, and whatever
the block allocates or changes in the interpreter is gone when it exits.

A command that is not a plain lightweight component (``designer.runs.task_command``) runs as
kfp.local would run it, in a fresh process.

``WarmTaskHandler`` is what kfp.local's subprocess runner uses in the worker (``install``); it
also asks the designer, over the run's channel, whether an earlier result can be reused before
running a task, and tells it how the task ended afterwards (``designer.runs.cache_service``).
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import importlib
import logging
import os
import sys
import tempfile
import traceback
from pathlib import Path

from designer.runs.task_channel import Channel, ChannelClosed
from designer.runs.task_command import LightweightTask, read_command

#: What blocks import, loaded before the first task so no task pays for it. A module missing
#: from the environment is skipped. (``blocks.runtime.kfp_task``, the cluster's executor, is not
#: run locally.)
PRELOAD = (
    "numpy",
    "pandas",
    "sklearn",
    "sklearn.base",
    "sklearn.model_selection",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.preprocessing",
    "sklearn.metrics",
    "sklearn.tree",
    "sklearn.datasets",
    "joblib",
    "kfp.dsl.executor_main",
    "blocks.runtime.block_program",
)
#: ``print`` as Python made it: kfp.local indents it while a task runs; a task must not be.
_PRINT = builtins.print


def preload(modules: tuple[str, ...] = PRELOAD) -> None:
    for name in modules:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    # What is loaded now is never freed: keeping the collector off it spares the children
    # copying those pages when they collect.
    gc.freeze()


def run_forked(task: LightweightTask, env_vars: dict[str, str], keep_from: list[int]) -> int:
    """Run ``task`` in a forked child; print its output as it comes; its exit code.

    ``keep_from``: descriptors the child closes before the task starts (the run's channel).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        for fd in keep_from:
            with contextlib.suppress(OSError):
                os.close(fd)
        os._exit(_child(task, env_vars, write_end))
    os.close(write_end)
    with os.fdopen(read_end, "r", encoding="utf-8", errors="replace") as output:
        for line in output:
            print(line, end="")
    print("\n")  # as kfp.local's runner ends a task's output
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _child(task: LightweightTask, env_vars: dict[str, str], output_fd: int) -> int:
    """The task, in the forked child, with its output on ``output_fd``; its exit code."""
    try:
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(output_fd)
        sys.stdout = open(1, "w", buffering=1, closefd=False, errors="backslashreplace")  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False, errors="backslashreplace")  # noqa: SIM115
        builtins.print = _PRINT
        logging.root.handlers.clear()  # the executor sets up its own, as in a fresh process
        gc.unfreeze()
        os.environ.update(env_vars)
        os.environ["_KFP_RUNTIME"] = "true"
        folder = Path(tempfile.mkdtemp())
        for name, text in task.files.items():
            (folder / name).write_text(text)
        sys.argv = [
            "executor_main",
            "--component_module_path",
            str(folder / task.module_file),
            *task.arguments,
        ]
        from kfp.dsl import executor_main

        executor_main.executor_main()
        return 0
    except SystemExit as exc:
        return _exit_code(exc.code)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()


def _exit_code(code: object) -> int:
    """What ``sys.exit(code)`` makes the exit status, as Python does at the end of a process."""
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def install(channel: Channel | None) -> None:
    """Make kfp.local's subprocess runner run tasks through ``WarmTaskHandler``."""
    from kfp.local import status, subprocess_task_handler

    class WarmTaskHandler(subprocess_task_handler.SubprocessTaskHandler):
        def run(self) -> status.Status:
            request = {"image": self.image, "command": self.full_command, "env": self.env_vars}
            if channel is not None and _ask(channel, {"op": "start", **request}).get("cached"):
                return status.Status.SUCCESS
            task = read_command(self.full_command)
            if task is None:
                ended = super().run()
            else:
                code = run_forked(task, self.env_vars, list(channel.fds()) if channel else [])
                ended = status.Status.SUCCESS if code == 0 else status.Status.FAILURE
            if channel is not None:
                _ask(channel, {"op": "done", "succeeded": ended == status.Status.SUCCESS})
            return ended

    subprocess_task_handler.SubprocessTaskHandler = WarmTaskHandler  # type: ignore[misc]


def _ask(channel: Channel, message: dict[str, object]) -> dict[str, object]:
    """The designer's answer; none (run the task, keep nothing) when it cannot be asked."""
    try:
        return channel.ask(message)
    except ChannelClosed:
        return {}
