"""The sandbox a local run's worker starts in: bubblewrap, with only what a run needs to see.

A run executes blocks, and soon people's own Python, as the designer's own user. Without a
sandbox it could read the database, the storage and everyone's runs. With Debian's ``bwrap``
the worker runs as an unprivileged user (uid 1000) in new user, pid, ipc and uts namespaces,
with a root made of read-only binds of the system (``/usr``, a few files of ``/etc``), the
Python installation, the virtual environment and the ``designer`` and ``blocks`` packages only,
plus the data folders and the files the designer granted the run, read-only, and the run's own
folder, writable, at the same path (kfp.local writes absolute paths into its records). The
designer's home (the database, objects, models, other runs) stays out of view even when a data
folder contains it, and a run whose blocks reach no network gets a network namespace of its
own: not even loopback services answer.

``DESIGNER_SANDBOX`` chooses: "auto" (the sandbox when bwrap is installed and works here),
"bwrap" (refuse to run without it) or "off".
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from designer.settings import Settings

#: The user and group a run has inside the sandbox: not root, not the designer.
SANDBOX_UID = 1000
SANDBOX_GID = 1000
#: Files of /etc a Python program may read: TLS roots, name resolution, time zone, linker cache.
ETC_FILES = (
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/crypto-policies",
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/mime.types",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
)
#: Top-level system folders, bound when real folders, recreated when symlinks (merged /usr).
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: Never mounted from the machine, whatever the data folders say: the sandbox has its own.
_OWN_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
_SANDBOX_FILES = "sandbox"
_PASSWD = f"run:x:{SANDBOX_UID}:{SANDBOX_GID}:designer run:/nonexistent:/usr/sbin/nologin\n"
_GROUP = f"run:x:{SANDBOX_GID}:\n"
_PROBE_TIMEOUT_S = 30.0
#: What the probe runs inside: not root, and the worker's code importable (a designer installed
#: in a user's ~/.local, say, would not be).
#: Found, not imported: importing kfp would make every run's start wait a second longer.
_PROBE_CODE = (
    "import os, importlib.util as u, designer.runs.local_worker; "
    "assert u.find_spec('blocks') and u.find_spec('kfp') and os.getuid() != 0"
)


class SandboxUnavailable(Exception):
    """DESIGNER_SANDBOX=bwrap, but bubblewrap is missing or does not work on this machine."""


@dataclass(frozen=True)
class Probe:
    """Whether bubblewrap can make a sandbox here, and if not, why."""

    works: bool
    #: Where bwrap is ("" when not installed) or why it failed.
    detail: str
    #: Hardening flags this bwrap accepts beyond the ones every version has.
    extra_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sandbox:
    """How to start a program inside bubblewrap; see ``command``."""

    bwrap: str
    extra_flags: tuple[str, ...] = ()

    def command(
        self,
        argv: Sequence[str],
        *,
        run_dir: Path,
        env: dict[str, str],
        readable: Iterable[Path] = (),
        hidden: Iterable[Path] = (),
        network: bool = False,
        info_fd: int | None = None,
    ) -> list[str]:
        """The command line that runs ``argv`` in the sandbox, in ``run_dir``.

        ``readable`` are mounted read-only at their own paths (both as given and resolved,
        when a symlink makes them differ); ``hidden`` are covered by an empty folder (or an
        unreadable file) where a readable folder would show them;
        ``run_dir`` is writable at the path given; ``network`` keeps the machine's network,
        else the run gets none. Given ``info_fd``, bwrap writes there (as JSON, then closes it)
        the ``child-pid`` of the sandbox's first process: killing it ends the whole sandbox,
        which killing bwrap alone does not while the sandbox is still being set up.

        Start the command with ``env`` as its environment too: bwrap stays the sandbox's first
        process, whose environment a run can read.
        """
        run_dir = Path(os.path.abspath(run_dir))
        args = [
            self.bwrap,
            "--unshare-user",
            "--uid",
            str(SANDBOX_UID),
            "--gid",
            str(SANDBOX_GID),
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "designer-run",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            *self.extra_flags,
        ]
        if not network:
            args.append("--unshare-net")
        if info_fd is not None:
            args += ["--info-fd", str(info_fd)]
        for _, mount in _mounts(run_dir, readable, hidden):
            args += mount
        args += ["--chdir", str(run_dir), "--clearenv"]
        for name, value in env.items():
            args += ["--setenv", name, value]
        return [*args, "--", *argv]


def options_through_fd(command: list[str], argv: Sequence[str], fd: int) -> tuple[list[str], bytes]:
    """``command`` (from ``Sandbox.command`` for ``argv``) with bwrap's options moved to ``fd``.

    bwrap reads NUL-separated options from ``--args FD``. A process's command line is visible
    to every user of the machine (``ps``), its environment only to its own user: so the run's
    environment (granted addresses, signed for the run) and its mounts travel through a pipe,
    and the command line shows only ``bwrap --args FD -- python -m ...``. Returns that command
    line and the bytes to write to ``fd``.
    """
    split = len(command) - len(argv) - 1  # the "--" before argv (an option's value may be "--")
    if split < 1 or command[split] != "--" or command[split + 1 :] != list(argv):
        raise ValueError("not a sandbox command for this argv")
    options = command[1:split]
    payload = b"".join(option.encode() + b"\0" for option in options)
    return [command[0], "--args", str(fd), *command[split:]], payload


@dataclass
class SandboxPipes:
    """The pipes a sandboxed worker is started with: its options go in, its first process's
    id comes out."""

    #: bwrap reports its sandbox's first process here (``--info-fd``): (read, write).
    info: tuple[int, int]
    #: bwrap reads its options from here (``--args``), off the visible command line.
    options: tuple[int, int]
    payload: bytes = b""

    def send_options(self) -> None:
        """Write the options for bwrap (started, or failed to start) and close the pipe."""
        read_end, write_end = self.options
        os.close(read_end)  # the child has its copy: a bwrap that died makes the write fail
        with contextlib.suppress(BrokenPipeError), os.fdopen(write_end, "wb") as pipe:
            pipe.write(self.payload)


def sandbox_pid(read_end: int) -> int | None:
    """The ``child-pid`` bwrap reports (``--info-fd``), read to the end; None if it failed
    before making the sandbox."""
    with os.fdopen(read_end, "rb") as info:
        said = info.read()
    try:
        return int(json.loads(said)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return None


Mount = tuple[Path, list[str]]


def _mounts(run_dir: Path, readable: Iterable[Path], hidden: Iterable[Path]) -> list[Mount]:
    """The sandbox's file system: each mount and where it goes, parents before children."""
    mounts = _system_mounts(run_dir)
    shown = [(path, path) for path in _python_paths()]
    shown += [(_resolved(path), dest) for path in readable for dest in _dests(path)]
    shown = [pair for pair in _unique(shown) if _may_mount(pair[0]) and _may_mount(pair[1])]
    mounts += [(dest, ["--ro-bind", str(src), str(dest)]) for src, dest in shown]
    covered: list[Path] = []
    secrets = _unique(dest for path in hidden for dest in _dests(path))
    for secret in sorted(secrets, key=lambda path: len(path.parts)):
        if secret.exists() and _shown_at(secret, [dest for _, dest in shown], covered):
            covered.append(secret)
            mounts.append((secret, _cover(secret)))
    mounts.append((run_dir, ["--bind", str(_resolved(run_dir)), str(run_dir)]))
    # Parents before children, so a folder shown inside a hidden one (a granted dataset inside
    # the designer's home) or the run's folder is mounted over its cover; at equal depth, the
    # order above (later wins).
    return sorted(mounts, key=lambda mount: len(mount[0].parts))


def _system_mounts(run_dir: Path) -> list[Mount]:
    """/usr and the top-level system folders, a few files of /etc, /proc, /dev and /tmp."""
    passwd, group = _identity_files(run_dir)
    mounts: list[Mount] = [(Path("/usr"), ["--ro-bind", "/usr", "/usr"])]
    for name in SYSTEM_LINKS:
        path = Path(name)
        if path.is_symlink():
            mounts.append((path, ["--symlink", os.readlink(path), name]))
        elif path.is_dir():
            mounts.append((path, ["--ro-bind", name, name]))
    mounts += [(Path(name), ["--ro-bind-try", name, name]) for name in ETC_FILES]
    return [
        *mounts,
        (Path("/etc/passwd"), ["--ro-bind", str(passwd), "/etc/passwd"]),
        (Path("/etc/group"), ["--ro-bind", str(group), "/etc/group"]),
        (Path("/proc"), ["--proc", "/proc"]),
        (Path("/dev"), ["--dev", "/dev"]),
        (Path("/tmp"), ["--tmpfs", "/tmp"]),
    ]


def choose_sandbox(settings: Settings) -> Sandbox | None:
    """The sandbox local runs start in under these settings; None runs them unsandboxed.

    Raises SandboxUnavailable when DESIGNER_SANDBOX=bwrap and bubblewrap cannot be used.
    """
    if settings.sandbox == "off":
        return None
    probe = probe_bwrap()
    if probe.works:
        return Sandbox(probe.detail, probe.extra_flags)
    if settings.sandbox == "bwrap":
        raise SandboxUnavailable(
            f"Local runs are refused: this designer must run them in a sandbox "
            f"(DESIGNER_SANDBOX=bwrap), but {_why_not(probe)}. An administrator can "
            f"{_remedy(probe)}, or set DESIGNER_SANDBOX=auto to run without it."
        )
    return None


def sandbox_status(settings: Settings) -> str:
    """One sentence for the operator: how local runs are isolated here, and what to do."""
    if settings.sandbox == "off":
        return (
            "Local runs are not sandboxed (DESIGNER_SANDBOX=off): a run can read whatever the "
            "designer's own user can, so keep it for a designer one trusted person uses."
        )
    probe = probe_bwrap()
    if probe.works:
        return (
            f"Local runs are sandboxed with bubblewrap ({probe.detail}): each runs as an "
            "unprivileged user that sees only its own folder, the data folders and the "
            "designer's code, with no network unless its blocks fetch from addresses."
        )
    if settings.sandbox == "bwrap":
        return (
            f"Local runs are refused: DESIGNER_SANDBOX=bwrap, but {_why_not(probe)}; "
            f"{_remedy(probe)}."
        )
    return (
        f"Local runs are NOT sandboxed because {_why_not(probe)}: a run can read whatever the "
        f"designer's own user can. To sandbox them, {_remedy(probe)}; until then "
        f"DESIGNER_LOCAL_RUNS decides who may run flows here (now {settings.local_runs!r})."
    )


def run_mounts(settings: Settings, reads: Iterable[str]) -> tuple[list[Path], list[Path]]:
    """What a run under ``settings`` may read and what must stay hidden from it.

    Readable: the data folders that exist and the local files the designer granted the run
    (``CompiledFlow.reads``; URLs need no mount). Hidden: the designer's home, its runs and
    objects, and the SQLite database, wherever a readable folder would show them.
    """
    readable = [path for path in settings.data_dirs if path.exists()]
    readable += [path for path in map(_local_path, reads) if path is not None]

    hidden = [settings.home, settings.runs_dir, settings.objects_dir, settings.models_dir]
    database = _sqlite_file(settings.database_url)
    if database is not None:
        hidden += [database, *(Path(f"{database}{end}") for end in ("-wal", "-shm", "-journal"))]
    return readable, hidden


@functools.cache
def probe_bwrap() -> Probe:
    """Whether ``bwrap`` is installed and can make this sandbox here; asked once per process.

    Installed is not enough: containers and some kernels refuse unprivileged user namespaces.
    The probe runs this interpreter in the very sandbox a run gets, importing the worker's
    code, with the hardening flags this bwrap version knows when it knows them.
    """
    path = shutil.which("bwrap")
    if path is None:
        return Probe(False, "")
    failure = ""
    for extra in (("--disable-userns",), ()):
        sandbox = Sandbox(path, extra)
        with tempfile.TemporaryDirectory(prefix="designer-probe-") as run_dir:
            env = {"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"}
            argv = sandbox.command(
                [sys.executable, "-c", _PROBE_CODE], run_dir=Path(run_dir), env=env
            )
            try:
                done = subprocess.run(
                    argv,
                    capture_output=True,
                    text=True,
                    timeout=_PROBE_TIMEOUT_S,
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                return Probe(False, f"{path} failed: {exc}")
        if done.returncode == 0:
            return Probe(True, path, extra)
        failure = failure or (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
    return Probe(False, f"{path} cannot make a sandbox here: {failure}")


def _why_not(probe: Probe) -> str:
    return probe.detail or "bubblewrap (bwrap) is not installed"


def _remedy(probe: Probe) -> str:
    if not probe.detail:
        return "install bubblewrap (Debian and Ubuntu: apt-get install bubblewrap)"
    return (
        "allow unprivileged user namespaces on this machine (sysctl "
        "kernel.unprivileged_userns_clone=1; in a container, a seccomp/AppArmor profile that "
        "permits them)"
    )


def _python_paths() -> list[Path]:
    """The interpreter, its standard library and packages, and the project's own two packages
    (found, not imported: importing ``blocks`` would load kfp and pandas for nothing)."""
    packages = [importlib.util.find_spec(name) for name in ("designer", "blocks")]
    paths = [
        Path(sys.base_prefix),
        Path(sys.base_exec_prefix),
        Path(sys.prefix),
        Path(sys.exec_prefix),
        Path(sys.executable).parent,
        *(Path(spec.origin).parent for spec in packages if spec is not None and spec.origin),
    ]
    found = [p for p in _unique(map(_resolved, paths)) if p.is_dir()]
    # /usr is mounted anyway; a folder inside another one (the venv's bin) comes with it.
    return [
        p for p in found if not _within(p, Path("/usr")) and not any(o in p.parents for o in found)
    ]


def _identity_files(run_dir: Path) -> tuple[Path, Path]:
    """A passwd and group naming only the run's user: some libraries look the user up."""
    folder = run_dir / _SANDBOX_FILES
    folder.mkdir(exist_ok=True)
    passwd, group = folder / "passwd", folder / "group"
    passwd.write_text(_PASSWD)
    group.write_text(_GROUP)
    return passwd, group


def _local_path(grant: str) -> Path | None:
    """The local file a granted read names (a path or a file:// URL), None for other URLs."""
    if grant.startswith("file://"):
        grant = unquote(urlsplit(grant).path)
    elif "://" in grant:
        return None
    path = Path(grant)
    return path if path.is_absolute() and path.exists() else None


def _sqlite_file(database_url: str) -> Path | None:
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return None
    name = database_url[len(prefix) :].split("?", 1)[0]
    return Path(name) if name and name != ":memory:" else None


def _may_mount(path: Path) -> bool:
    """Whether a readable path may be mounted: not the whole machine, not /proc, /sys, /dev."""
    return path != Path("/") and not any(_within(path, own) for own in _OWN_FOLDERS)


def _shown_at(path: Path, shown: list[Path], covered: list[Path]) -> bool:
    """Whether ``path`` would be visible: the deepest mount above it shows, not covers (a
    cover at the same place as a shown folder is mounted over it)."""
    above = [(len(p.parts), False) for p in shown if _within(path, p)]
    above += [(len(p.parts), True) for p in covered if _within(path, p)]
    return bool(above) and not max(above)[1]


def _cover(path: Path) -> list[str]:
    """The mount that hides ``path``: an empty folder, or /dev/null (unreadable: no devices)."""
    if path.is_dir():
        return ["--tmpfs", str(path)]
    return ["--ro-bind", os.devnull, str(path)]


def _dests(path: Path) -> list[Path]:
    """Where a path is mounted: as given (absolute) and resolved, once when they agree."""
    return _unique([Path(os.path.abspath(path)), _resolved(path)])


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _unique(paths: Iterable[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))
