"""A temporary page to try the canvas by hand and from Playwright (/lab/canvas).

Registered only when DESIGNER_CANVAS_LAB=1. It plays the server's part crudely: it logs what
the canvas sends, answers undo/redo with a replace, and has buttons for every op, run status
and problem marker. ``?nodes=1000`` opens a generated flow of that many nodes. The real editor
(designer/ui/editor/) replaces it.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from blocks.catalogue import CATALOGUE
from designer.flow.document import Flow, Node, Position, parse_flow_text
from designer.server import REPO_ROOT
from designer.ui.canvas.component import flow_canvas
from designer.ui.canvas.scene import canvas_node, scene, scene_edges, scene_nodes

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "flows" / "iris_classification.json"
LOG_KEPT = 12
STATUS_STEPS: list[dict[str, str]] = [
    {},
    {"load": "pending", "split": "pending", "train": "pending", "evaluate": "pending"},
    {"load": "succeeded", "split": "running", "train": "pending", "evaluate": "pending"},
    {
        "load": "succeeded",
        "split": "succeeded",
        "train": "succeeded",
        "evaluate": "failed",
        "deploy": "cancelled",
    },
]
PROBLEMS = {
    "evaluate": [
        "input 'test' takes a Dataset; found nothing connected",
        "parameter 'average' must be one of micro, macro, weighted",
    ],
    "deploy": ["parameter 'model_name' is required"],
}


def iris_flow() -> Flow:
    flow, _ = parse_flow_text(FIXTURE.read_text())
    assert flow is not None
    return flow


def generated_flow(count: int) -> Flow:
    """``count`` nodes in chains of five (load, split, train, evaluate, deploy), on a grid."""
    chain = [
        ("load", "load.sklearn_dataset", None),
        ("split", "split.train_test", ("load", "data", "data")),
        ("train", "train.random_forest", ("split", "train", "train")),
        ("evaluate", "evaluate.classification", ("train", "model", "model")),
        ("deploy", "deploy.local_model", ("train", "model", "model")),
    ]
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for i in range(count):
        group, step = divmod(i, len(chain))
        name, block, feed = chain[step]
        row, col = divmod(group, 6)
        nodes.append(
            {
                "id": f"{name}_{group}",
                "block": block,
                "position": {"x": col * 1400 + step * 270, "y": row * 190 + 60 * (step == 4)},
            }
        )
        if feed:
            # The feeding node comes earlier in the same chain, so it is always there.
            source, source_port, target_port = feed
            edges.append(
                {
                    "source": f"{source}_{group}",
                    "source_port": source_port,
                    "target": f"{name}_{group}",
                    "target_port": target_port,
                }
            )
    return Flow.model_validate({"name": f"{count} nodes", "nodes": nodes, "edges": edges})


class CanvasLab(rx.State):
    scene: dict[str, Any] = {}
    ops: list[dict[str, Any]] = []
    statuses: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    can_undo: bool = False
    can_redo: bool = False
    log: list[str] = []
    edits: int = 0
    selects: int = 0
    commands: int = 0
    selected: list[str] = []
    status_step: int = 0
    _seq: int = 0
    _added: int = 0

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _push(self, op: dict[str, Any]) -> None:
        self.ops = [*self.ops[-20:], {"seq": self._next_seq(), **op}]

    def _note(self, kind: str, payload: Any) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        self.log = [f"{kind} {text[:240]}", *self.log[: LOG_KEPT - 1]]

    @rx.event
    def load(self) -> None:
        size = self.router.url.query_parameters.get("nodes", "")
        flow = generated_flow(int(size)) if size.isdigit() else iris_flow()
        self.scene = scene(flow, seq=self._next_seq())
        self.ops = []
        self.statuses = {}
        self.problems = {}
        self.status_step = 0

    @rx.event
    def on_edit(self, edit: dict[str, Any]) -> None:
        self.edits += 1
        self.can_undo = True
        self._note("edit", edit)

    @rx.event
    def on_select(self, ids: list[str]) -> None:
        self.selects += 1
        self.selected = ids
        self._note("select", ids)

    @rx.event
    def on_command(self, name: str) -> None:
        self.commands += 1
        self._note("command", name)
        if name in ("undo", "redo"):
            # A real server replays its history; the lab goes back to the fixture.
            self.replace()
            self.can_undo = name == "redo"
            self.can_redo = name == "undo"

    @rx.event
    def replace(self) -> None:
        flow = iris_flow()
        self._push({"kind": "replace", "nodes": scene_nodes(flow), "edges": scene_edges(flow)})

    @rx.event
    def focus(self) -> None:
        self._push({"kind": "focus", "node": self.selected[0] if self.selected else "train"})

    @rx.event
    def fit(self) -> None:
        self._push({"kind": "fit"})

    @rx.event
    def update_train(self) -> None:
        self._push(
            {
                "kind": "update",
                "nodes": [
                    {
                        "id": "train",
                        "data": {"label": "Forest of 200", "params": {"n_estimators": 200}},
                    }
                ],
            }
        )

    @rx.event
    def remove_selected(self) -> None:
        if self.selected:
            self._push({"kind": "remove", "nodes": self.selected, "edges": []})

    @rx.event
    def add_block(self, block_id: str) -> None:
        """Click-to-add: the server places the node and sends an add op."""
        self._added += 1
        node = Node(
            id=f"{block_id.rsplit('.', 1)[-1]}_click{self._added}",
            block=block_id,
            position=Position(x=40 + 30 * self._added, y=420 + 20 * self._added),
        )
        self._push({"kind": "add", "nodes": [canvas_node(node)], "edges": []})

    @rx.event
    def next_statuses(self) -> None:
        self.status_step = (self.status_step + 1) % len(STATUS_STEPS)
        self.statuses = STATUS_STEPS[self.status_step]

    @rx.event
    def toggle_problems(self) -> None:
        self.problems = {} if self.problems else PROBLEMS


def palette() -> rx.Component:
    return rx.el.div(
        rx.text("Blocks", size="2", weight="bold"),
        *[
            rx.el.div(
                block.title,
                draggable=True,
                class_name="lab-block",
                on_click=CanvasLab.add_block(block.id),
                custom_attrs={"data-block-id": block.id, "data-testid": "palette-block"},
            )
            for block in CATALOGUE
        ],
        class_name="lab-palette",
    )


def controls() -> rx.Component:
    def button(label: str, handler: Any, test_id: str) -> rx.Component:
        return rx.button(
            label,
            on_click=handler,
            size="1",
            variant="soft",
            custom_attrs={"data-testid": test_id},
        )

    return rx.el.div(
        rx.text("Server ops", size="2", weight="bold"),
        rx.flex(
            button("Focus", CanvasLab.focus, "lab-focus"),
            button("Fit", CanvasLab.fit, "lab-fit"),
            button("Rename train", CanvasLab.update_train, "lab-update"),
            button("Replace", CanvasLab.replace, "lab-replace"),
            button("Remove selected", CanvasLab.remove_selected, "lab-remove"),
            button("Next statuses", CanvasLab.next_statuses, "lab-statuses"),
            button("Toggle problems", CanvasLab.toggle_problems, "lab-problems"),
            wrap="wrap",
            spacing="2",
        ),
        rx.text(
            f"edits {CanvasLab.edits} · selects {CanvasLab.selects} · "
            f"commands {CanvasLab.commands}",
            size="1",
            custom_attrs={"data-testid": "lab-counts"},
        ),
        rx.text("selected: ", CanvasLab.selected.join(", "), size="1"),
        rx.el.ol(
            rx.foreach(CanvasLab.log, lambda line: rx.el.li(line)),
            class_name="lab-log",
            custom_attrs={"data-testid": "lab-log"},
        ),
        class_name="lab-controls",
    )


def page() -> rx.Component:
    return rx.el.div(
        rx.el.style(LAB_CSS),
        palette(),
        rx.el.div(
            flow_canvas(
                scene=CanvasLab.scene,
                ops=CanvasLab.ops,
                statuses=CanvasLab.statuses,
                problems=CanvasLab.problems,
                can_undo=CanvasLab.can_undo,
                can_redo=CanvasLab.can_redo,
                on_edit=CanvasLab.on_edit,
                on_select=CanvasLab.on_select,
                on_command=CanvasLab.on_command,
            ),
            class_name="lab-canvas",
        ),
        controls(),
        class_name="lab",
        on_mount=CanvasLab.load,
    )


LAB_CSS = """
.lab { display: grid; grid-template-columns: 200px 1fr 300px; height: 100vh; }
.lab-palette, .lab-controls { display: flex; flex-direction: column; gap: 8px; padding: 12px;
  overflow: auto; background: var(--color-panel-solid); }
.lab-palette { border-right: 1px solid var(--gray-a5); }
.lab-controls { border-left: 1px solid var(--gray-a5); font-size: 12px; }
.lab-block { padding: 6px 10px; border: 1px solid var(--gray-a5); border-radius: var(--radius-3);
  font-size: 13px; cursor: grab; background: var(--gray-2); }
.lab-canvas { position: relative; height: 100vh; min-width: 0; }
.lab-log { margin: 0; padding-left: 16px; font-family: var(--code-font-family); font-size: 11px;
  word-break: break-all; display: flex; flex-direction: column; gap: 4px; }
"""
