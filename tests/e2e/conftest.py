"""Browser tests: the real app in prod mode on a free port, driven by Debian's chromium.

Each pytest process (each xdist worker) that runs e2e tests starts one server, with its own
frontend build folder in a temporary directory, so parallel workers and a developer's own
``designer serve`` never rebuild each other's files.
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
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from designer.server import REPO_ROOT, reflex_command, reflex_env

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
SCREENSHOTS = Path(__file__).parent / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Reflex and everything it started (bun, workers): its whole process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``reflex run --env prod`` for the designer; yield its URL; stop it."""
    work = tmp_path_factory.mktemp("reflex")
    port = free_port()
    env = reflex_env()
    env["REFLEX_WEB_WORKDIR"] = str(work / "web")
    env["REFLEX_STATES_WORKDIR"] = str(work / "states")
    env["DESIGNER_HOME"] = str(work / "home")
    log_path = work / "reflex.log"
    url = f"http://127.0.0.1:{port}/"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            reflex_command("127.0.0.1", port, prod=True),
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        while not _answers(url):
            if process.poll() is not None:
                pytest.fail(f"reflex exited with {process.returncode}:\n{log_path.read_text()}")
            if time.monotonic() - started > STARTUP_TIMEOUT_S:
                pytest.fail(
                    f"no answer from {url} in {STARTUP_TIMEOUT_S:.0f} s:\n{log_path.read_text()}"
                )
            time.sleep(0.5)
        yield url
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/install --test`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_path() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
