"""In-page measuring for the canvas benchmark: any page that shows a React Flow of a generated
flow. Per page load: the time until every node is visible, the JS heap, the frame rate while
dragging a node and the websocket messages that drag sends.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flowgen import node_id
from playwright.sync_api import BrowserContext, Page, WebSocket

VISIBLE_TIMEOUT_S = 90.0
#: Flows of this many blocks or fewer open readable rather than whole (FlowCanvas.jsx).
READABLE_NODES = 25
#: Quiet time before measuring the heap and dragging, and after the drag for late messages.
SETTLE_S = 1.0
DRAG_MOVES = 60
DRAG_SECONDS = 1.0
DRAG_STEP_PX = (2, 1)

# Runs in every page before its own scripts. Each animation frame it looks for all expected
# React Flow nodes, measured (React Flow hides a node until it knows its size) and inside the
# pane (fit view done); a timeout from that frame fires once the frame has been painted.
# The designer opens a flow of up to READABLE_NODES blocks at a readable zoom from its start,
# where its far end may be out of view: for those, measured nodes and the first one in the
# pane are the finished first view.
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
    const framed = bench.expected <= %d ? [nodes[0]] : nodes;
    for (const node of framed) {
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
    page.add_init_script(PROBE_JS % (n, READABLE_NODES))
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
