"""The designer's canvas against a plain React Flow page showing the same generated flows.

Run from the repository root:
``.venv/bin/python bench/canvas_bench.py [--sizes 100,500,1000,2000] [--repeat 3]``.
See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import print_header, print_table
from canvas_pages import PlainSide, Side, build_plain_page, designer_side, serve_folder
from canvas_probe import Measure, measure_in
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from designer.devtools import CHROMIUM, CHROMIUM_ARGS
from designer.server import REPO_ROOT

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
VIEWPORT = {"width": 1280, "height": 800}
#: The flow size of ``--smallest``: one 5-block chain, the warm-up included.
SMALLEST = 5


def new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]


def run_sizes(browser: Browser, sides: list[Side], sizes: list[int], repeat: int) -> list[Measure]:
    """Every size ``repeat`` times on each side, interleaved, after one untimed warm-up each
    (so both sides load their scripts from a warm cache). A side whose warm-up fails is left
    out, with the reason printed."""
    contexts = {side.name: new_context(browser) for side in sides}
    measures: list[Measure] = []
    try:
        for side in sides:
            side.sign_in(contexts[side.name])
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
        "--smallest",
        action="store_true",
        help=f"one run of {SMALLEST} nodes per side, results not saved (the test suite's run)",
    )
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


def wanted_designer(
    args: argparse.Namespace, work: Path
) -> contextlib.AbstractContextManager[Side | None]:
    """The designer side the command line asks for: none with ``--plain-only``."""
    if args.plain_only:
        return contextlib.nullcontext(None)
    return designer_side(work, args.designer_url)


def main() -> None:
    args = parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if args.smallest:
        sizes, args.repeat = [SMALLEST], 1
    print_header("canvas benchmark", packages=("reflex", "playwright"))
    with tempfile.TemporaryDirectory(prefix="canvas-bench-") as tmp:
        work = Path(tmp)
        plain_dir = build_plain_page(work)
        with (
            serve_folder(plain_dir) as plain_url,
            wanted_designer(args, work) as designer,
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
    if args.smallest:
        print("\nnot saved (--smallest)")
        return
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
