"""Reading the console output of a kfp.local pipeline run as task events.

kfp.local reports progress only as log lines ("Executing task 'x'", "Task 'x' finished with
status SUCCESS") with each task's own output streamed in between, indented. This module turns
that stream into events. It is tied to the pinned kfp version; a real-run test guards it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_HEADER = r"^\d\d:\d\d:\d\d\.\d+ - (?:INFO|ERROR|WARNING) - "
_STARTED = re.compile(_HEADER + r"Executing task '(?P<task>[^']+)'")
_FINISHED = re.compile(
    _HEADER + r"Task '(?P<task>[^']+)' finished with status (?P<status>SUCCESS|FAILURE)"
)
_OTHER_HEADER = re.compile(_HEADER)
_KFP_EXECUTOR = re.compile(r"^\[KFP Executor [^\]]*\]: ")
#: An exception's last line, ``module.path.NameError: message``; the module path is dropped
#: from what the person sees (``ReadRefused: cannot read ...``).
_EXCEPTION = re.compile(
    r"^(?:[A-Za-z_]\w*\.)*(?P<line>\w*(?:Error|Exception|Exit|Interrupt|Refused)\b.*)"
)


@dataclass(frozen=True)
class TaskStarted:
    task: str


@dataclass(frozen=True)
class TaskFinished:
    task: str
    succeeded: bool


@dataclass(frozen=True)
class TaskLog:
    task: str
    line: str


Event = TaskStarted | TaskFinished | TaskLog


class LogReader:
    """Feed it the run's output line by line; it yields what happened to which task.

    Lines the KFP executor prints about itself (its input JSON, where it wrote outputs) are left
    out of a task's log: people want to read what their block printed.
    """

    def __init__(self) -> None:
        self._task: str | None = None
        self._in_executor_dump = False

    def feed(self, raw: str) -> Iterator[Event]:
        line = _ANSI.sub("", raw.rstrip("\n"))
        if match := _STARTED.match(line):
            self._task = match["task"]
            self._in_executor_dump = False
            yield TaskStarted(match["task"])
            return
        if match := _FINISHED.match(line):
            yield TaskFinished(match["task"], match["status"] == "SUCCESS")
            self._task = None
            return
        if self._task is None or _OTHER_HEADER.match(line):
            return
        text = line[4:] if line.startswith("    ") else line
        if _KFP_EXECUTOR.match(text):
            # The executor dumps its input as indented JSON right after this line.
            self._in_executor_dump = text.rstrip().endswith("Got executor_input:")
            return
        if self._in_executor_dump:
            if text.startswith(("{", "}", " ")):
                return
            self._in_executor_dump = False
        yield TaskLog(self._task, text)


def error_line(log: str) -> str:
    """The line of a failed task's log that says what went wrong (its exception, if any)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        found = _EXCEPTION.match(line)
        if found:
            return found["line"]
    return lines[-1] if lines else "the block failed without printing an error"
