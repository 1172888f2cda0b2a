"""The designer's canvas against a plain React Flow page showing the same generated flows.

Run from the repository root:
``.venv/bin/python bench/canvas_bench.py [--sizes 100,500,1000,2000] [--repeat 3]``.
See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import print_header, print_table
from flowgen import canvas_graph, generated_flow, node_id
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, sync_playwright

from designer.flow.document import Flow, parse_flow
from designer.server import BUNDLED_BUN, REPO_ROOT, reflex_command, reflex_env
from designer.settings import load_settings

BENCH = Path(__file__).resolve().parent
PLAIN_SOURCE = BENCH / "canvas_plain"
RESULTS = BENCH / "results"
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
VIEWPORT = {"width": 1280, "height": 800}
VISIBLE_TIMEOUT_S = 90.0
STARTUP_TIMEOUT_S = 300.0
#: Quiet time before measuring the heap and dragging, and after the drag for late messages.
SETTLE_S = 1.0
DRAG_MOVES = 60
DRAG_SECONDS = 1.0
DRAG_STEP_PX = (2, 1)

# Runs in every page before its own scripts. Each animation frame it looks for all expected
# React Flow nodes, measured (React Flow hides a node until it knows its size) and inside the
# pane (fit view done); a timeout from that frame fires once the frame has been painted.
# While ``counting`` is on it counts animation frames: the frames the page managed to draw.
PROBE_JS = """
(() => {
  const bench = (window.__bench = { expected: %d, visibleAt: null, seen: false });
  Object.assign(bench, { frames: 0, counting: false });
  function allShown() {
    const nodes = document.querySelectorAll(".react-flow__node");
    if (nodes.length !== bench.expected) return false;
    for (const node of nodes) if (node.style.visibility === "hidden") return false;
    const pane = document.querySelector(".react-flow").getBoundingClientRect();
    for (const node of nodes) {
      const box = node.getBoundingClientRect();
      if (box.left < pane.left - 1 || box.right > pane.right + 1) return false;
      if (box.top < pane.top - 1 || box.bottom > pane.bottom + 1) return false;
    }
    return true;
  }
  function tick() {
    if (bench.counting) bench.frames += 1;
    if (bench.visibleAt === null && !bench.seen && allShown()) {
      bench.seen = true;
      setTimeout(() => { bench.visibleAt = performance.now(); }, 0);
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""


@dataclass
class Measure:
    """One page load of one flow: the figures of one run."""

    side: str
    nodes: int
    visible_s: float | None = None
    heap_mb: float | None = None
    drag_fps: float | None = None
    moved: bool | None = None
    ws_messages: int | None = None
    ws_handlers: list[str] = field(default_factory=list)
    error: str | None = None


def drag_target(n: int) -> str:
    """A node in the middle of the flow: the first block of the middle chain."""
    return node_id((n // 5) // 2, 0)


# --- measuring any page that shows a React Flow ------------------------------------------------


class SentFrames:
    """Every websocket frame the page sends, kept from the moment the page opens."""

    def __init__(self, page: Page) -> None:
        self.frames: list[str] = []
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framesent", lambda payload: self.frames.append(_text(payload)))

    def messages_since(self, mark: int) -> list[str]:
        """Socket.IO messages ("4..."), not the engine's pongs ("3") that keep it alive."""
        return [frame for frame in self.frames[mark:] if frame.startswith("4")]


def _text(payload: str | bytes) -> str:
    return payload if isinstance(payload, str) else payload.decode("utf-8", "replace")


def handler_names(messages: list[str]) -> list[str]:
    """The event handler each Reflex message calls (its ``name`` field)."""
    return [match.group(1) for m in messages if (match := re.search(r'"name":\s*"([^"]+)"', m))]


def wait_visible(page: Page) -> float:
    """Seconds from navigation start until every node of the flow has been painted."""
    page.wait_for_function("window.__bench.visibleAt !== null", timeout=VISIBLE_TIMEOUT_S * 1000)
    return page.evaluate("window.__bench.visibleAt") / 1000


def heap_mb(page: Page) -> float:
    """JS heap in use after a full garbage collection."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.enable")
        cdp.send("HeapProfiler.collectGarbage")
        usage = cdp.send("Runtime.getHeapUsage")
    finally:
        cdp.detach()
    return usage["usedSize"] / 2**20


def node_transform(page: Page, node: str) -> str:
    return page.locator(f'.react-flow__node[data-id="{node}"]').evaluate("e => e.style.transform")


def drag_fps(page: Page, node: str) -> tuple[float, bool]:
    """Drag ``node`` with 60 small mouse moves over about a second; frames drawn per second
    during the drag, and whether the node ended up somewhere else."""
    box = page.locator(f'.react-flow__node[data-id="{node}"]').bounding_box()
    if box is None:
        raise RuntimeError(f"node {node} has no box to grab")
    before = node_transform(page, node)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('.react-flow__node')?.dataset.id",
        [x, y],
    )
    if on_top != node:
        raise RuntimeError(f"the middle of node {node} is covered by {on_top or 'something else'}")
    page.mouse.move(x, y)
    page.evaluate("() => { __bench.frames = 0; __bench.counting = true; }")
    start = page.evaluate("performance.now()")
    page.mouse.down()
    began = time.perf_counter()
    for step in range(1, DRAG_MOVES + 1):
        page.mouse.move(x + step * DRAG_STEP_PX[0], y + step * DRAG_STEP_PX[1])
        pause = began + step * DRAG_SECONDS / DRAG_MOVES - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
    page.mouse.up()
    frames, end = page.evaluate(
        "() => { __bench.counting = false; return [__bench.frames, performance.now()]; }"
    )
    return frames / ((end - start) / 1000), node_transform(page, node) != before


def measure_page(page: Page, url: str, side: str, n: int) -> Measure:
    """Open ``url`` (a page showing the n-node flow) and take every figure of one run."""
    result = Measure(side, n)
    sent = SentFrames(page)
    page.add_init_script(PROBE_JS % n)
    try:
        page.goto(url, wait_until="commit")
        result.visible_s = wait_visible(page)
        time.sleep(SETTLE_S)
        result.heap_mb = heap_mb(page)
        mark = len(sent.frames)
        result.drag_fps, result.moved = drag_fps(page, drag_target(n))
        time.sleep(SETTLE_S)
        messages = sent.messages_since(mark)
        result.ws_messages = len(messages)
        result.ws_handlers = handler_names(messages)
    except Exception as exc:  # a figure we could not take is reported, not fatal
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return result


def measure_in(
    context: BrowserContext, prepare: Callable[[Page], str], side: str, n: int
) -> Measure:
    """A fresh page in ``context``; ``prepare`` readies it and returns the URL to open."""
    page = context.new_page()
    try:
        return measure_page(page, prepare(page), side, n)
    finally:
        page.close()


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


# --- the run -------------------------------------------------------------------------------

Side = PlainSide | DesignerSide


def new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]


def run_sizes(browser: Browser, sides: list[Side], sizes: list[int], repeat: int) -> list[Measure]:
    """Every size ``repeat`` times on each side, interleaved, after one untimed warm-up each
    (so both sides load their scripts from a warm cache). A side whose warm-up fails is left
    out, with the reason printed."""
    contexts = {side.name: new_context(browser) for side in sides}
    measures: list[Measure] = []
    try:
        sides = [side for side in sides if _warm_up(contexts[side.name], side, min(sizes))]
        for n in sizes:
            for index in range(repeat):
                order = sides if index % 2 == 0 else list(reversed(sides))
                for side in order:
                    measure = measure_in(contexts[side.name], side.prepare(n), side.name, n)
                    measures.append(measure)
                    print(f"  {_describe(measure)}", flush=True)
    finally:
        for context in contexts.values():
            context.close()
    return measures


def _warm_up(context: BrowserContext, side: Side, n: int) -> bool:
    measure = measure_in(context, side.prepare(n), side.name, n)
    if measure.error:
        print(f"  {side.name} left out, its warm-up failed: {measure.error}", flush=True)
    return measure.error is None


def _describe(m: Measure) -> str:
    if m.error:
        return f"{m.side} {m.nodes}: {m.error}"
    return (
        f"{m.side} {m.nodes}: visible {m.visible_s:.2f} s, heap {m.heap_mb:.1f} MB, "
        f"drag {m.drag_fps:.0f} fps, moved {m.moved}, ws {m.ws_messages} {_short(m.ws_handlers)}"
    )


def _median(measures: list[Measure], side: str, n: int, what: str) -> float | None:
    values = [getattr(m, what) for m in measures if m.side == side and m.nodes == n]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _handlers(runs: list[Measure]) -> str:
    """The handlers one drag called (those of the run with the median count), short names."""
    if not runs:
        return ""
    runs = sorted(runs, key=lambda m: m.ws_messages or 0)
    return _short(runs[len(runs) // 2].ws_handlers)


def _short(handlers: list[str]) -> str:
    """Handler names without their state's path: ``canvas_edit``."""
    return ", ".join(name.rsplit(".", 1)[-1] for name in handlers)


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summary(measures: list[Measure], sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        row: dict[str, Any] = {"nodes": n}
        for side in ("plain", "designer"):
            for what in ("visible_s", "drag_fps", "heap_mb", "ws_messages"):
                row[f"{side}_{what}"] = _median(measures, side, n, what)
        ours_runs = [m for m in measures if m.side == "designer" and m.nodes == n and not m.error]
        row["designer_moved"] = all(m.moved for m in ours_runs) if ours_runs else None
        row["designer_ws_handlers"] = _handlers(ours_runs)
        plain, ours = row["plain_visible_s"], row["designer_visible_s"]
        row["ratio"] = ours / plain if plain and ours else None
        rows.append(row)
    return rows


def print_summary(rows: list[dict[str, Any]], repeat: int) -> None:
    print()
    print(f"Canvas: median of {repeat} (target: 1000 nodes visible within 1.5x of plain,")
    print("dragging at the plain page's rate, 1 websocket message per drag, 2000 still editable)")
    headers = [
        "nodes",
        "plain visible s",
        "designer visible s",
        "ratio",
        "plain fps",
        "designer fps",
        "heap MB plain/designer",
        "ws frames per drag",
        "designer drag moved",
    ]
    table = [
        [
            row["nodes"],
            _fmt(row["plain_visible_s"], 2),
            _fmt(row["designer_visible_s"], 2),
            _fmt(row["ratio"], 2),
            _fmt(row["plain_drag_fps"], 0),
            _fmt(row["designer_drag_fps"], 0),
            f"{_fmt(row['plain_heap_mb'], 1)}/{_fmt(row['designer_heap_mb'], 1)}",
            _ws(row["designer_ws_messages"], row["designer_ws_handlers"]),
            {None: "-", True: "yes", False: "NO"}[row["designer_moved"]],
        ]
        for row in rows
    ]
    print_table(headers, table)


def _ws(count: float | None, handlers: str) -> str:
    return "-" if count is None else f"{count:.0f}" + (f" ({handlers})" if handlers else "")


def save(payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"canvas-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(payload, indent=2))
    return path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000,2000", help="comma-separated node counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and side")
    parser.add_argument("--plain-only", action="store_true", help="skip the designer")
    parser.add_argument(
        "--designer-url",
        help="measure an app already running there (its flows are stored through this "
        "environment's settings) instead of starting one",
    )
    parser.add_argument(
        "--render-all",
        action="store_true",
        help="turn off onlyRenderVisibleElements in the plain page (the designer has it on)",
    )
    parser.add_argument(
        "--minimap",
        action="store_true",
        help="give the plain page a MiniMap, as the designer's canvas has",
    )
    return parser.parse_args()


@contextlib.contextmanager
def designer_side(args: argparse.Namespace, work: Path) -> Iterator[Side | None]:
    """The designer side, started and ready to store flows; None when it is not available."""
    if args.plain_only:
        yield None
        return
    missing = designer_missing()
    if missing:
        print(f"designer editor not available yet ({missing}): measuring the plain page only")
        yield None
        return
    with contextlib.ExitStack() as stack:
        try:
            if args.designer_url:
                url, env = args.designer_url.rstrip("/") + "/", dict(os.environ)
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


def main() -> None:
    args = parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    print_header("canvas benchmark", packages=("reflex", "playwright"))
    with tempfile.TemporaryDirectory(prefix="canvas-bench-") as tmp:
        work = Path(tmp)
        plain_dir = build_plain_page(work)
        with (
            serve_folder(plain_dir) as plain_url,
            designer_side(args, work) as designer,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"chromium {browser.version}, viewport {VIEWPORT['width']}x{VIEWPORT['height']}")
            sides: list[Side] = [PlainSide(plain_url, args.render_all, args.minimap)]
            if designer is not None:
                sides.append(designer)
            measures = run_sizes(browser, sides, sizes, args.repeat)
            browser.close()
    rows = summary(measures, sizes)
    print_summary(rows, args.repeat)
    path = save(
        {
            "sizes": sizes,
            "repeat": args.repeat,
            "plain_options": {"render_all": args.render_all, "minimap": args.minimap},
            "load_average": os.getloadavg(),
            "summary": rows,
            "runs": [asdict(m) for m in measures],
        }
    )
    print(f"\nsaved {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
