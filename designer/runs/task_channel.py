"""The line of talk between a local run's worker and the designer process following it.

Before each task the worker asks whether an earlier result can be reused (the designer keeps the
cache: the worker, and the person's code it runs, never see it); after the task it says how it
ended, so the designer can keep the result. One JSON object per line each way, over two pipes
the worker inherits; ``CHANNEL_VAR`` names their descriptors ("READ,WRITE", the worker's ends).
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import IO, Any

CHANNEL_VAR = "DESIGNER_TASK_CHANNEL"
#: The longest line either side accepts (an executor input of a task with many settings fits).
MAX_LINE = 4_000_000


class ChannelClosed(Exception):
    """The other side went away, or said something that is not one JSON object per line."""


class Channel:
    """One end: ``send`` a message, ``receive`` the next one."""

    def __init__(self, reading: IO[str], writing: IO[str]) -> None:
        self._reading = reading
        self._writing = writing

    @classmethod
    def from_fds(cls, read_fd: int, write_fd: int) -> Channel:
        return cls(
            os.fdopen(read_fd, "r", encoding="utf-8"),
            os.fdopen(write_fd, "w", encoding="utf-8", buffering=1),
        )

    def fds(self) -> tuple[int, int]:
        return self._reading.fileno(), self._writing.fileno()

    def send(self, message: dict[str, Any]) -> None:
        try:
            self._writing.write(json.dumps(message) + "\n")
            self._writing.flush()
        except (OSError, ValueError) as exc:
            raise ChannelClosed(str(exc)) from exc

    def receive(self) -> dict[str, Any]:
        line = self._reading.readline(MAX_LINE + 1)
        if not line:
            raise ChannelClosed("the other side closed the channel")
        if len(line) > MAX_LINE or not line.endswith("\n"):
            raise ChannelClosed("a message longer than the channel takes")
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise ChannelClosed(f"not a message: {exc}") from exc
        if not isinstance(message, dict):
            raise ChannelClosed("not a message: expected a JSON object")
        return message

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        self.send(message)
        return self.receive()

    def close(self) -> None:
        for stream in (self._reading, self._writing):
            with contextlib.suppress(OSError):
                stream.close()


def worker_channel(env: dict[str, str] | os._Environ[str] = os.environ) -> Channel | None:
    """The worker's end, from ``CHANNEL_VAR``; None when the run has no designer to ask."""
    raw = env.get(CHANNEL_VAR, "")
    read_fd, _, write_fd = raw.partition(",")
    if not (read_fd.isdigit() and write_fd.isdigit()):
        return None
    return Channel.from_fds(int(read_fd), int(write_fd))
