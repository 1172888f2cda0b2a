"""The app running in the background and a headless chromium: what the browser tests and the
canvas benchmark both need.

The app starts as ``designer serve`` runs it in production (``designer.server``: one process,
the bundle built first when there is none for its port) on a free port, with its own frontend
build folder, state folder and ``DESIGNER_HOME``, so parallel test workers, a benchmark and a
developer's own ``designer serve`` never rebuild each other's files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from designer.server import app_dir, reflex_env, server_command

#: Debian's chromium; Playwright's own browser download needs hosts this project cannot reach.
CHROMIUM = os.environ.get("DESIGNER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: A cold start installs the frontend packages and builds the bundle (seconds when the npm
#: registry answers quickly); leave room for a slow registry.
STARTUP_TIMEOUT_S = 300.0


class AppDidNotStart(RuntimeError):
    """The app exited or never answered; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(
    work: Path, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """Start the app in prod mode with its folders under ``work``; yield its URL and the
    environment it runs with; stop it and everything it started.

    ``settings`` are the designer's own variables (``DESIGNER_KFP_HOST``...) on top of the
    defaults."""
    port = free_port()
    env = reflex_env()
    env["REFLEX_WEB_WORKDIR"] = str(work / "web")
    env["REFLEX_STATES_WORKDIR"] = str(work / "states")
    env["DESIGNER_HOME"] = str(work / "home")
    env.update(settings or {})
    url = f"http://127.0.0.1:{port}/"
    log_path = work / "reflex.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command("127.0.0.1", port),
            cwd=app_dir(env),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_for(url, process, log_path)
        yield url, env
    finally:
        _stop(process)


def _wait_for(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    started = time.monotonic()
    while not _answers(url):
        if process.poll() is not None:
            raise AppDidNotStart(f"reflex exited with {process.returncode}:\n{_tail(log_path)}")
        if time.monotonic() - started > STARTUP_TIMEOUT_S:
            raise AppDidNotStart(
                f"no answer from {url} in {STARTUP_TIMEOUT_S:.0f} s:\n{_tail(log_path)}"
            )
        time.sleep(0.5)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Reflex and everything it started (bun, workers): its whole process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
