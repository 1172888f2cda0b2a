"""The two pages the canvas benchmark opens: the plain React Flow page (bench/canvas_plain/,
built with bun and served on loopback) and the designer's editor (the app started in prod
mode, or one already running, with each flow stored just before it is opened).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flowgen import canvas_graph, generated_flow
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import Engine

from designer.api.session import SESSION_COOKIE
from designer.devtools import running_app
from designer.flow.document import Flow, parse_flow
from designer.server import BUNDLED_BUN, reflex_env
from designer.settings import load_settings
from designer.store import Actor, accounts, signin
from designer.store.db import engine_for
from designer.store.flows import create_flow

#: The account the designer's pages are opened as (an ordinary member, made on first use).
BENCH_USER = "canvas-bench"

PLAIN_SOURCE = Path(__file__).resolve().parent / "canvas_plain"


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

    def sign_in(self, context: BrowserContext) -> None:
        """The plain page has no accounts."""

    def prepare(self, n: int) -> Callable[[Page], str]:
        graph = json.dumps(canvas_graph(generated_flow(n)))

        def ready(page: Page) -> str:
            page.add_init_script(
                f"window.__GRAPH__ = {graph}; window.__OPTIONS__ = {self.options};"
            )
            return self.url

        return ready


# --- the designer --------------------------------------------------------------------------


def bench_person(engine: Engine) -> Actor:
    """The account the bench opens the editor as: an ordinary member, as most people are. On an
    empty database the first account (which becomes the admin) is made first to take that seat."""
    found = accounts.credentials(engine, BENCH_USER)
    if found:
        return found[0]
    if accounts.count_accounts(engine) == 0:
        accounts.create_user(engine, "bench-admin", "Bench admin")
    return accounts.create_user(engine, BENCH_USER, "Canvas bench")


def flow_store(engine: Engine, person: Actor) -> Callable[[int], str]:
    """A function that saves a new generated flow of n nodes for ``person`` in the app's
    database and returns its id. Every run opens a new one: the editor saves each drag, so a
    flow once dragged is no longer the generated one."""
    flows: dict[int, Flow] = {}

    def store(n: int) -> str:
        if n not in flows:
            flow, problems = parse_flow(generated_flow(n))
            if flow is None or problems:
                raise SystemExit(f"the generated flow of {n} nodes does not parse: {problems}")
            flows[n] = flow
        return str(create_flow(engine, person, flows[n]).id)

    return store


class DesignerSide:
    """The designer's editor page, ``/flows/<id>``, of a flow stored just before, opened signed
    in as the bench's account (its session made in the app's database, as the browser tests do:
    the page would otherwise send the browser to sign in)."""

    name = "designer"

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.engine = engine_for(load_settings(env).database_url)
        self.person = bench_person(self.engine)
        self.store = flow_store(self.engine, self.person)

    def sign_in(self, context: BrowserContext) -> None:
        token = signin.create_session(self.engine, self.person.id, timedelta(hours=2))
        context.add_cookies(
            [
                {
                    "name": SESSION_COOKIE,
                    "value": token,
                    "domain": urlsplit(self.url).hostname or "127.0.0.1",
                    "path": "/",
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

    def prepare(self, n: int) -> Callable[[Page], str]:
        return lambda _page: f"{self.url}flows/{self.store(n)}"


Side = PlainSide | DesignerSide


@contextlib.contextmanager
def designer_side(work: Path, designer_url: str | None) -> Iterator[Side | None]:
    """The designer side, ready to store flows: the app already running at ``designer_url``, or
    one started in ``work``. None, with the reason printed, when it is not available."""
    with contextlib.ExitStack() as stack:
        try:
            if designer_url:
                url, env = designer_url.rstrip("/") + "/", dict(os.environ)
            else:
                print(
                    "starting the designer in prod mode (a first build takes minutes)", flush=True
                )
                url, env = stack.enter_context(running_app(work))
            side: Side | None = DesignerSide(url, env)
        except Exception as exc:
            stack.close()
            print(f"designer editor not available ({type(exc).__name__}: {exc})")
            print("measuring the plain page only")
            side = None
        yield side
