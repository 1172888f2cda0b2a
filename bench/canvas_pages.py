"""The two pages the canvas benchmark opens: the plain React Flow page (bench/canvas_plain/,
built with bun and served on loopback) and the designer's editor (the app started in prod
mode, or one already running, with each flow stored just before it is opened).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flowgen import canvas_graph, generated_flow
from playwright.sync_api import Page

from designer.flow.document import Flow, parse_flow
from designer.server import BUNDLED_BUN, REPO_ROOT, reflex_command, reflex_env
from designer.settings import load_settings

PLAIN_SOURCE = Path(__file__).resolve().parent / "canvas_plain"
STARTUP_TIMEOUT_S = 300.0


# --- the plain page ------------------------------------------------------------------------


def build_plain_page(work: Path) -> Path:
    """Install and bundle bench/canvas_plain in a temporary copy; the folder to serve."""
    bun = Path(os.environ.get("REFLEX_BUN_PATH") or BUNDLED_BUN)
    if not bun.exists():
        raise SystemExit(f"no bun at {bun}; run `bash .ci/install` first")
    source = work / "canvas_plain"
    shutil.copytree(PLAIN_SOURCE, source)
    env = reflex_env()
    for command in (
        [str(bun), "install", "--no-save"],
        [str(bun), "build", "main.jsx", "--outdir", "out", "--target", "browser", "--production"],
    ):
        subprocess.run(command, cwd=source, env=env, check=True, capture_output=True)
    shutil.copy(source / "index.html", source / "out" / "index.html")
    return source / "out"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A tiny static file server on loopback; yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class PlainSide:
    """The plain React Flow page, the graph injected before it runs."""

    name = "plain"

    def __init__(self, url: str, render_all: bool, minimap: bool) -> None:
        self.url = url
        self.options = json.dumps({"onlyRenderVisibleElements": not render_all, "minimap": minimap})

    def prepare(self, n: int) -> Callable[[Page], str]:
        graph = json.dumps(canvas_graph(generated_flow(n)))

        def ready(page: Page) -> str:
            page.add_init_script(
                f"window.__GRAPH__ = {graph}; window.__OPTIONS__ = {self.options};"
            )
            return self.url

        return ready


# --- the designer --------------------------------------------------------------------------


def designer_missing() -> str | None:
    """Why the designer's editor cannot be benchmarked yet, or None when it can."""
    try:
        for module in ("designer.store.db", "designer.store.flows"):
            if importlib.util.find_spec(module) is None:
                return f"{module} does not exist yet"
    except ModuleNotFoundError as exc:
        return f"{exc.name} does not exist yet"
    if not hasattr(load_settings(), "database_url"):
        return "designer.settings has no database_url yet"
    return None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_designer(work: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The app in prod mode on a free port with its own build folders and DESIGNER_HOME, as
    tests/e2e/conftest.py starts it; yields its URL and environment."""
    port = _free_port()
    env = reflex_env()
    env["REFLEX_WEB_WORKDIR"] = str(work / "web")
    env["REFLEX_STATES_WORKDIR"] = str(work / "states")
    env["DESIGNER_HOME"] = str(work / "home")
    url = f"http://127.0.0.1:{port}/"
    log_path = work / "reflex.log"
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
        _wait_for_app(url, process, log_path)
        yield url, env
    finally:
        _stop(process)


def _wait_for_app(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    started = time.monotonic()
    while not _answers(url):
        if process.poll() is not None:
            raise RuntimeError(f"reflex exited with {process.returncode}:\n{_tail(log_path)}")
        if time.monotonic() - started > STARTUP_TIMEOUT_S:
            raise RuntimeError(f"no answer from {url} in {STARTUP_TIMEOUT_S:.0f} s")
        time.sleep(0.5)


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Reflex and everything it started: its whole process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def flow_store(env: dict[str, str]) -> Callable[[int], str]:
    """A function that saves a new generated flow of n nodes in the app's database and returns
    its id. Every run opens a new one: the editor saves each drag, so a flow once dragged is
    no longer the generated one."""
    from designer.store.db import engine_for
    from designer.store.flows import create_flow

    engine = engine_for(load_settings(env).database_url)
    flows: dict[int, Flow] = {}

    def store(n: int) -> str:
        if n not in flows:
            flow, problems = parse_flow(generated_flow(n))
            if flow is None or problems:
                raise SystemExit(f"the generated flow of {n} nodes does not parse: {problems}")
            flows[n] = flow
        return str(create_flow(engine, flows[n]).id)

    return store


class DesignerSide:
    """The designer's editor page, ``/flows/<id>``, of a flow stored just before."""

    name = "designer"

    def __init__(self, url: str, store: Callable[[int], str]) -> None:
        self.url = url
        self.store = store

    def prepare(self, n: int) -> Callable[[Page], str]:
        return lambda _page: f"{self.url}flows/{self.store(n)}"


Side = PlainSide | DesignerSide


@contextlib.contextmanager
def designer_side(work: Path, designer_url: str | None) -> Iterator[Side | None]:
    """The designer side, ready to store flows: the app already running at ``designer_url``, or
    one started in ``work``. None, with the reason printed, when it is not available."""
    missing = designer_missing()
    if missing:
        print(f"designer editor not available yet ({missing}): measuring the plain page only")
        yield None
        return
    with contextlib.ExitStack() as stack:
        try:
            if designer_url:
                url, env = designer_url.rstrip("/") + "/", dict(os.environ)
            else:
                print(
                    "starting the designer in prod mode (a first build takes minutes)", flush=True
                )
                url, env = stack.enter_context(running_designer(work))
            side: Side | None = DesignerSide(url, flow_store(env))
        except Exception as exc:
            stack.close()
            print(f"designer editor not available ({type(exc).__name__}: {exc})")
            print("measuring the plain page only")
            side = None
        yield side
