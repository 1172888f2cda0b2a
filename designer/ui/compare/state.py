"""The state of the compare page (``/runs/compare?runs=a,b,c``): two to eight runs side by side.

``CompareState.load`` reads the run ids from the address, asks the store for the runs as the
person signed in (``designer.store.run_compare``), lines them up (``designer.runs.run_compare``)
and keeps the result as rows for ``rx.foreach``; the functions at the top do that shaping and
are plain Python. ``RunPickState`` is the run history's "Compare" checkboxes in the editor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import reflex as rx

from designer.runs.run_compare import MAX_RUNS, RunComparison, RunSide, compare_runs
from designer.store.db import StoreError
from designer.store.run_compare import load_run_sides
from designer.ui.canvas.scene import scene
from designer.ui.context import database
from designer.ui.editor import views as editor_views
from designer.ui.editor.own_blocks import canvas_blocks
from designer.ui.editor.run_state import RunState
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.userblocks.lookup import PersonBlocks

ROUTE = "/runs/compare"
#: Where the arrow after a metric's name points: which way is better.
BETTER_TEXT = {"higher": "higher is better", "lower": "lower is better", "": ""}
#: More ids than this in an address is not a comparison anyone picked: refused unread.
MAX_IDS = 64


def run_ids_of(query: str) -> list[str]:
    """The run ids in the ``runs`` query value ("a,b,c"), blanks dropped, each once."""
    return list(dict.fromkeys(part.strip() for part in query.split(",") if part.strip()))


def compare_url(run_ids: Sequence[str]) -> str:
    """The compare page for these runs."""
    return f"{ROUTE}?runs=" + ",".join(quote(run_id, safe="") for run_id in run_ids)


def page_view(comparison: RunComparison) -> dict[str, Any]:
    """The comparison as the page's lists: every cell says which run's column it is in."""
    data = comparison.to_dict()
    return {
        "runs": data["runs"],
        "parameters": data["parameters"],
        "settings": data["settings"],
        "metrics": [
            {
                **table,
                "rows": [
                    {**row, "about": BETTER_TEXT[row["better"]], "arrow": _arrow(row["better"])}
                    for row in table["rows"]
                ],
            }
            for table in data["metrics"]
        ],
        "matrices": [_matrices(node) for node in data["matrices"]],
        "steps": data["steps"],
        "marks": data["canvas"]["marks"],
        "removed": data["canvas"]["removed"],
    }


def _arrow(better: str) -> str:
    return {"higher": "↑", "lower": "↓"}.get(better, "")


def _matrices(node: dict[str, Any]) -> dict[str, Any]:
    """One node's confusion matrices, each drawn as the run tab draws one (heat-map cells)."""
    drawn = []
    for entry in node["runs"]:
        matrix = entry["matrix"]
        report = {"nodes": [{"node": node["node"], "metrics": [], "artifacts": []}]}
        report["nodes"][0]["confusion_matrix"] = matrix
        cells = editor_views.run_panel_view(report)["matrices"] if matrix else []
        drawn.append(
            {
                "run": entry["run"],
                "label": entry["label"],
                "has": bool(cells),
                "categories": cells[0]["categories"] if cells else [],
                "rows": cells[0]["rows"] if cells else [],
            }
        )
    return {"node": node["node"], "label": node["label"], "runs": drawn}


class CompareState(rx.State):
    """What the compare page shows; ``error`` says why nothing is shown."""

    error: str = ""
    loaded: bool = False
    runs: list[dict[str, Any]] = []
    parameters: list[dict[str, Any]] = []
    settings: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    matrices: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    #: The last run's flow on the canvas, with what changed since the first run marked.
    scene: dict[str, Any] = {}
    marks: dict[str, str] = {}
    removed: list[str] = []
    extra_blocks: list[dict[str, Any]] = []
    #: Where "Back to the flow" goes: the last run's flow.
    flow_href: str = "/"
    _seq: int = 0

    @rx.event
    async def load(self) -> None:
        """Read the runs the address names and line them up."""
        self._clear()
        self.loaded = True
        ids = run_ids_of(self.router.url.query_parameters.get("runs", ""))
        if len(ids) > MAX_IDS:
            self.error = f"That address names {len(ids)} runs: pick at most {MAX_RUNS}."
            return
        actor = actor_of(self)
        try:
            sides = await asyncio.to_thread(load_run_sides, database(), actor, ids)
            comparison = compare_runs(sides)
            blocks = await asyncio.to_thread(_own_blocks, actor, sides[-1])
        except (StoreError, ValueError) as exc:
            self.error = f"Could not compare these runs: {shown(exc)}"
            return
        view = page_view(comparison)
        self.runs, self.parameters, self.settings = (
            view["runs"],
            view["parameters"],
            view["settings"],
        )
        self.metrics, self.matrices, self.steps = view["metrics"], view["matrices"], view["steps"]
        self.marks, self.removed = view["marks"], view["removed"]
        last = sides[-1]
        # A new seq: a canvas still mounted from another comparison redraws this flow.
        self._seq += 1
        self.scene = scene(last.flow, seq=self._seq)
        self.extra_blocks = blocks
        self.flow_href = f"/flows/{quote(last.flow_id, safe='')}" if last.flow_id else "/"

    def _clear(self) -> None:
        self.error = ""
        self.runs, self.parameters, self.settings, self.metrics = [], [], [], []
        self.matrices, self.steps, self.removed, self.extra_blocks = [], [], [], []
        self.scene, self.marks, self.flow_href = {}, {}, "/"


def _own_blocks(actor: Any, side: RunSide) -> list[dict[str, Any]]:
    """What the canvas needs to draw people's own blocks the flow uses."""
    if actor is None or not side.flow_id:
        return []
    return canvas_blocks(side.flow, PersonBlocks.for_flow(database(), actor, side.flow_id), [])


class RunPickState(rx.State):
    """The runs ticked in a flow's run history, to compare."""

    picked: list[str] = []

    @rx.event
    def pick(self, run_id: str, checked: bool) -> None:
        others = [r for r in self.picked if r != run_id]
        self.picked = [*others, run_id] if checked else others

    @rx.event
    async def compare(self) -> Any:
        """Open the runs ticked among the history's (ticks on another flow's runs are dropped)."""
        history = await self.get_state(RunState)
        listed = {run["id"] for run in history.runs}
        chosen = [r for r in self.picked if r in listed]
        if len(chosen) < 2:
            return rx.toast.info("Tick two or more runs to compare them.")
        self.picked = []
        return rx.redirect(compare_url(chosen))
