"""Which process follows a local run, and whether that process is still there.

A local run's record only changes while the process that started it (the web server, or a
``designer run`` command) reads its worker's output. When that process dies (a crash, a restart,
``kill -9``), nobody will ever finish the record: it would say "running" forever. So each record
names its supervisor, and anyone reading an unfinished record can tell a run still followed by a
live process (perhaps another server process on this machine) from one whose follower is gone.

A supervisor is named by machine and process: the process id alone is reused after a restart,
so the process's start time (in clock ticks since boot, from ``/proc``) comes with it, and the
machine is a digest of its host name and boot id (records are shown to people through the API;
the digest tells machines and boots apart without naming the host). Where ``/proc`` is missing
(macOS), a live process with that id counts as alive.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True)
class Supervisor:
    #: This machine since its last boot: a digest of the host name and the boot id.
    machine: str
    pid: int
    #: When the process started, in clock ticks since boot; 0 where the system does not say.
    started: int

    def token(self) -> str:
        """The form kept in a run record: ``machine/pid/started``."""
        return f"{self.machine}/{self.pid}/{self.started}"

    @classmethod
    def parse(cls, token: str) -> Supervisor | None:
        """The supervisor a record names, or None when it names none (older records)."""
        parts = token.split("/")
        if len(parts) != 3:
            return None
        machine, pid, started = parts
        try:
            return cls(machine, int(pid), int(started))
        except ValueError:
            return None


def current() -> Supervisor:
    """This process, as a run it starts will name its supervisor."""
    return _current(os.getpid())


@functools.cache
def _current(pid: int) -> Supervisor:  # keyed by pid: a forked child is another supervisor
    return Supervisor(_machine(), pid, _start_ticks(pid) or 0)


def is_alive(token: str) -> bool:
    """True while the process a record names as its supervisor still runs.

    A record that names no supervisor (written before supervisors were recorded), one on
    another machine or one from before this machine last started counts as unsupervised: the
    local engine keeps a run's folder on the machine that runs it, so only a process here can be
    following it. A designer whose server moved (a new container, a new pod) cannot be following
    the old one's runs either.
    """
    supervisor = Supervisor.parse(token)
    if supervisor is None:
        return False
    me = current()
    if supervisor.machine != me.machine:
        return False
    if supervisor.pid == me.pid:
        return supervisor.started == me.started
    started = _start_ticks(supervisor.pid)
    if started is not None:
        return started == supervisor.started
    if _BOOT_ID.exists():
        return False  # /proc answers for every process: no entry, no process
    return _pid_exists(supervisor.pid)


@functools.cache
def _machine() -> str:
    try:
        boot = _BOOT_ID.read_text().strip()
    except OSError:
        boot = ""
    named = f"{socket.gethostname()}\0{boot}".encode()
    return hashlib.sha256(named).hexdigest()[:16]


def _start_ticks(pid: int) -> int | None:
    """Field 22 of ``/proc/PID/stat``: when the process started, in ticks since boot.

    None when there is no such process, or only its zombie (dead, not yet reaped).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        state, started = fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None
    return None if state in ("Z", "X") else started


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True
