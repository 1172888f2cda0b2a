"""Server memory one editor tab costs: the editor's state as Reflex keeps it, per flow size.

Run from the repository root: ``.venv/bin/python bench/session_memory_bench.py [--sizes
1000,10000] [--tabs 4] [--edits 20]``; ``--smallest`` is the quick run the test suite makes.
See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _common import print_header, print_table
from flowgen import generated_flow

if TYPE_CHECKING:
    from designer.flow.document import Flow

ROOT = Path(__file__).resolve().parents[1]
#: Reflex keeps a tab's state this long after its last event (its default token expiration).
KEPT_FOR = "1 h"
#: The previous editor kept this many server-to-canvas ops, each undo one whole scene.
OLD_OPS_KEPT = 30
MB = 1024 * 1024


def pickled_size(tab: Any) -> int:
    """Bytes Reflex's disk or Redis state manager writes for the tab's editor states."""
    from tests.fixtures.editor_tabs import EDITOR_STATES

    return sum(len(tab.state(cls)._serialize()) for cls in EDITOR_STATES)


class Store:
    """A SQLite store in a temporary designer home, one person signed in."""

    def __init__(self) -> None:
        from designer.settings import load_settings
        from designer.store import engine_for
        from designer.store.accounts import create_user
        from designer.store.signin import create_session

        self.engine = engine_for(load_settings().database_url)
        create_user(self.engine, "admin", "Admin")  # the first account; takes no part
        self.person = create_user(self.engine, "ann", "Ann")
        self.token = create_session(self.engine, self.person.id, timedelta(hours=1))

    def new_flow(self, nodes: int, copy: int) -> str:
        from designer.flow.document import Flow
        from designer.store.flows import create_flow

        document = generated_flow(nodes) | {"name": f"Generated flow {copy} of {nodes} nodes"}
        return create_flow(self.engine, self.person, Flow.model_validate(document)).id


def old_layout(flow: Flow) -> list[Any]:
    """What the previous editor state kept for an open flow beyond Reflex's own tree: the parsed
    ``Flow`` (as the store reads it) and the scene as Python lists (a valid flow has no
    diagnostics to keep)."""
    from designer.ui.canvas.scene import scene_edges, scene_nodes

    return [flow, {"nodes": scene_nodes(flow), "edges": scene_edges(flow)}]


def old_editing(flow: Flow, edits: int) -> list[Any]:
    """What the previous state added by ``edits`` moves and ``edits // 2`` undos: 100 history
    snapshots at most (``History`` is unchanged) and one whole-scene op per undo, 30 kept."""
    from designer.flow.edit import apply_edit
    from designer.flow.history import History
    from designer.ui.canvas.scene import scene_edges, scene_nodes

    history, ops = History(), []
    for step in range(edits):
        after = apply_edit(flow, move(step))
        history.record(flow, "Move")
        flow = after
    for _ in range(edits // 2):
        flow = history.undo(flow) or flow
        ops = [
            *ops[-(OLD_OPS_KEPT - 1) :],
            {"nodes": scene_nodes(flow), "edges": scene_edges(flow)},
        ]
    return [history, ops]


def move(step: int) -> dict[str, Any]:
    return {"kind": "move", "positions": {"load0": [10 * step, 5]}}


def measure(store: Store, nodes: int, tabs: int, edits: int) -> dict[str, Any]:
    from designer.store.flows import get_flow
    from designer.ui.editor.parsed_flows import PARSED
    from designer.ui.editor.state import EditorState
    from tests.fixtures.editor_tabs import held_bytes, open_tab, reached_bytes

    flow_ids = [store.new_flow(nodes, copy) for copy in range(tabs)]

    def stored() -> Flow:
        return get_flow(store.engine, store.person, flow_ids[0]).flow

    PARSED.clear()
    started = time.perf_counter()
    opened = [open_tab(f"/flows/{flow_id}", store.token) for flow_id in flow_ids]
    open_s = (time.perf_counter() - started) / tabs
    ours = statistics.median(held_bytes(tab) for tab in opened)
    cache = reached_bytes(PARSED)
    # More tabs on a flow already open: only what each holds of its own counts.
    same = [open_tab(f"/flows/{flow_ids[0]}", store.token) for _ in range(tabs)]
    same_own = [held_bytes(tab, opened[0], *same[:i]) for i, tab in enumerate(same)]
    # Reflex's tree for a tab that opened nothing (a flow that does not exist).
    tree = held_bytes(open_tab("/flows/none", store.token))

    tab = opened[0]
    pickled, sent = pickled_size(tab), tab.sent
    editor = tab.state(EditorState)
    before_edits = held_bytes(tab)
    for step in range(edits):
        tab.run(EditorState.canvas_edit, move(step))
    for _ in range(edits // 2):
        tab.run(EditorState.undo)
    assert editor.can_undo and editor.load_error == ""
    return {
        "tree": tree,
        "old": tree + reached_bytes(old_layout(stored())),
        "ours": ours,
        "cache": cache,
        "same": statistics.median(same_own),
        "old_edits": reached_bytes(old_editing(stored(), edits)),
        "ours_edits": held_bytes(tab) - before_edits,
        "pickled": pickled,
        "sent": sent,
        "open_s": open_s,
        "nodes": nodes,
    }


def warm_up(store: Store) -> None:
    """Import and build once what every tab then shares (modules, block schemas), so that
    ``open s`` is a page load's time and no figure counts a first-use cache."""
    from designer.ui.editor.state import EditorState
    from tests.fixtures.editor_tabs import open_tab

    tab = open_tab(f"/flows/{store.new_flow(10, -1)}", store.token)
    tab.run(EditorState.canvas_edit, move(0))
    tab.run(EditorState.undo)
    old_editing(tab.state(EditorState)._doc(), 2)


def report(results: list[dict[str, Any]], tabs: int, edits: int) -> None:
    print(f"Opening: {tabs} tabs, each on its own copy of the flow (median per tab, MB)")
    print_table(
        (
            "nodes",
            "before",
            "ours",
            "before/ours",
            "parsed-flow cache",
            "same flow, another tab",
            "pickled",
            "sent on load",
            "open s",
        ),
        [
            (
                r["nodes"],
                f"{r['old'] / MB:.2f}",
                f"{r['ours'] / MB:.3f}",
                f"{r['old'] / max(r['ours'], 1):.0f}",
                f"{r['cache'] / MB:.1f}",
                f"{r['same'] / MB:.3f}",
                f"{r['pickled'] / MB:.3f}",
                f"{r['sent'] / MB:.2f}",
                f"{r['open_s']:.2f}",
            )
            for r in results
        ],
    )
    print()
    print(f"Editing one tab: {edits} moves, then {edits // 2} undos (added, MB)")
    print_table(
        ("nodes", "before", "ours", "before/ours"),
        [
            (
                r["nodes"],
                f"{r['old_edits'] / MB:.2f}",
                f"{r['ours_edits'] / MB:.3f}",
                f"{r['old_edits'] / max(r['ours_edits'], 1):.0f}",
            )
            for r in results
        ],
    )
    print()
    print("before: what the previous state layout kept, rebuilt here from the same document")
    print("(the parsed flow and the scene as lists; edits: up to 100 undo snapshots, and a")
    print(f"whole scene per undo, {OLD_OPS_KEPT} kept), plus Reflex's tree.")
    tree = results[0]["tree"] / 1024
    print(f"Reflex's own tree for a tab is about {tree:.0f} KB (in every figure above);")
    print(f"it keeps each tab's state for {KEPT_FOR} after its last event.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="flow sizes in nodes")
    parser.add_argument("--tabs", type=int, default=4, help="tabs opened per size")
    parser.add_argument("--edits", type=int, default=20, help="moves made in one tab")
    parser.add_argument(
        "--smallest", action="store_true", help="50 nodes, 2 tabs, 4 edits (the test suite's run)"
    )
    args = parser.parse_args(argv)
    sizes = [50] if args.smallest else [int(s) for s in args.sizes.split(",")]
    tabs, edits = (2, 4) if args.smallest else (args.tabs, args.edits)
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    print_header("Server memory per editor tab", ("reflex", "pydantic"))
    with tempfile.TemporaryDirectory() as home:
        os.environ["DESIGNER_HOME"] = home
        os.environ.pop("DESIGNER_DATABASE_URL", None)
        store = Store()
        warm_up(store)
        results = [measure(store, nodes, tabs, edits) for nodes in sizes]
        report(results, tabs, edits)


if __name__ == "__main__":
    main()
