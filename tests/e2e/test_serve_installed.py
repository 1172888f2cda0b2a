"""``designer serve`` as the web image runs it: the app files copied into a clean folder
(DESIGNER_APP_DIR), ``--build-only`` once, then ``designer serve`` there answers pages from that
bundle without rebuilding it, as one process, and SIGTERM or Ctrl-C stops it and everything it
started.

Slow (a production build, then three starts: about 2 minutes here, the build about 50 s of it):
the frontend packages come from the checkout's own .web/node_modules when there is one (copied,
so no registry is asked), else bun installs them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from designer.runs.local import RECORD_FILE
from designer.runs.record import INTERRUPTED, NodeRun, RunRecord, Status
from designer.server import APP_FILES, BUILD_STAMP, REPO_ROOT
from designer.settings import load_settings
from tests.e2e.known_secrets import PASSWORD

#: What a first build may take here (bun installs the packages when no .web can be reused).
BUILD_TIMEOUT_S = 600
START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30
#: Of the checkout's .web, what a copy leaves out: what the build makes for a port.
NOT_COPIED = ("build", "env.json", BUILD_STAMP, ".states")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """The processes started, directly or not, by ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as stopped.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def page(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode() if response.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


@dataclass(frozen=True)
class Installed:
    folder: Path
    port: int
    env: dict[str, str]
    build_s: float


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """The app files in a clean folder, built for a free port with ``--build-only``."""
    work = tmp_path_factory.mktemp("installed")
    folder = work / "app"
    folder.mkdir()
    for name in APP_FILES:  # what deploy/Dockerfile copies besides the Python packages
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("external"))
        else:
            shutil.copy(source, folder / name)
    if (REPO_ROOT / ".web" / "node_modules").is_dir():
        shutil.copytree(
            REPO_ROOT / ".web",
            folder / ".web",
            symlinks=True,  # node_modules/.bin holds relative links
            ignore=lambda where, _names: NOT_COPIED if Path(where) == REPO_ROOT / ".web" else (),
        )
    env = {
        **os.environ,
        "DESIGNER_APP_DIR": str(folder),
        "DESIGNER_HOME": str(work / "home"),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("DESIGNER_DATABASE_URL", "REFLEX_WEB_WORKDIR", "REFLEX_STATES_WORKDIR"):
        env.pop(name, None)
    port = free_port()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "designer.cli", "serve", "--build-only", "--port", str(port)],
        cwd=work,  # not the app folder: DESIGNER_APP_DIR says where it is
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield Installed(folder, port, env, time.monotonic() - started)


def test_build_only_leaves_a_bundle_in_the_app_folder(installed: Installed) -> None:
    web = installed.folder / ".web"
    assert (web / "build" / "client" / "index.html").is_file()
    assert (web / BUILD_STAMP).is_file()
    assert not (REPO_ROOT / "rxconfig.py").samefile(installed.folder / "rxconfig.py")
    print(f"--build-only took {installed.build_s:.1f} s")


@contextlib.contextmanager
def serving(
    installed: Installed, work: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """``designer serve`` in the installed folder, once it answers its page and its backend;
    killed afterwards if the test did not stop it."""
    url = f"http://127.0.0.1:{installed.port}/"
    log_path = work / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "designer.cli", "serve", "--port", str(installed.port)],
            cwd=work,
            env=installed.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        while page(url) is None or page(url + "ping") is None:
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() - started < START_TIMEOUT_S, log_path.read_text()[-3000:]
            time.sleep(0.5)
        yield process, url, log_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def left_running(installed: Installed, run_id: str) -> Path:
    """A local run's record as a server that died mid-run leaves it (no live supervisor)."""
    record = RunRecord(
        run_id=run_id,
        flow_name="Iris classification",
        engine="local",
        status=Status.RUNNING,
        started_at=time.time() - 60,
        nodes={"train": NodeRun(status=Status.RUNNING, task="a")},
        supervisor="",
    )
    folder = load_settings(installed.env).runs_dir / run_id
    folder.mkdir(parents=True)
    record.save(folder / RECORD_FILE)
    return folder / RECORD_FILE


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_answers_from_the_built_bundle_and_stops_cleanly(
    installed: Installed, tmp_path: Path, signum: signal.Signals
) -> None:
    bundle = installed.folder / ".web" / "build" / "client" / "index.html"
    built_at = bundle.stat().st_mtime_ns
    interrupted = left_running(installed, f"left-{signum.name}")
    with serving(installed, tmp_path) as (process, url, log_path):
        # The app's start-up tasks ran: the run the "previous server" left is settled.
        deadline = time.monotonic() + 30
        while (record := RunRecord.load(interrupted)).status is Status.RUNNING:
            assert time.monotonic() < deadline, "settle_interrupted_runs did not run"
            time.sleep(0.5)
        assert record.status is Status.FAILED and record.error == INTERRUPTED
        # The designer's pages and its REST API, from the one port.
        assert "/logo.svg" in (page(url) or "")
        assert "Sign in" in (page(url + "signin") or "")
        assert '"openapi"' in (page(url + "api/v1/openapi.json") or "")
        assert descendants(process.pid) == [], "designer serve is one process once it serves"
        assert bundle.stat().st_mtime_ns == built_at, "the bundle was rebuilt"
        assert "building the web frontend" not in log_path.read_text()

        pids = [process.pid, *descendants(process.pid)]
        process.send_signal(signum)
        assert process.wait(timeout=STOP_TIMEOUT_S) == 0, log_path.read_text()[-3000:]
        assert [pid for pid in pids if alive(pid)] == []


def test_a_person_signs_up_through_the_pages_and_their_websocket(
    installed: Installed, tmp_path: Path, browser: Browser
) -> None:
    """The page's events reach the app over the websocket and its answers come back: the
    redirect to sign in (an on_load event), the sign-up (the database) and the signed-in page.
    (The browser is the session's: a second Playwright in one process would find the first's
    event loop running.)"""
    with serving(installed, tmp_path) as (_process, url, _log):
        context = browser.new_context()
        try:
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            tab.goto(url + "teams")
            tab.wait_for_url(re.compile(r"/signin\?next=/teams$"))
            tab.get_by_test_id("to-signup").click()
            tab.wait_for_url(re.compile(r"/signup"))
            tab.get_by_test_id("signup-username").fill("grace")
            tab.get_by_test_id("signup-name").fill("Grace Hopper")
            tab.get_by_test_id("signup-password").fill(PASSWORD)
            tab.get_by_test_id("signup-confirm").fill(PASSWORD)
            tab.get_by_test_id("signup-submit").click()
            expect(tab.get_by_test_id("signed-in-as")).to_have_text("Grace Hopper")
        finally:
            context.close()
