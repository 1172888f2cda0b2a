"""The editor's state: the open flow, its undo history, the selection and saving.

The same page shows a flow three ways: to edit (``/flows/<id>``, read-only for viewers), one of
its versions (``/flows/<id>/versions/<n>``, always read-only) and a share link
(``/links/<token>``, read-only, no sign-in needed). Saving is optimistic: a save names the
version the edits started from, and a teammate's newer save turns it into a conflict for the
person to settle (``versions.py``), never into lost work.

Handlers stay short: the work is done by the core (``designer.flow.edit`` applies edits,
``designer.flow.validate`` checks the result, ``designer.store`` saves it) and by the pure views
in ``designer.ui.editor.views``. How the canvas and this state talk is in docs/canvas.md.

Reflex keeps this state in the server for every open tab, so it holds the flow compressed
(``Packed``, about 20 bytes a node) and never the parsed ``Flow`` itself: ``_doc()`` gets that
from the process-wide cache in ``parsed_flows``, which parses it again when it was dropped. The
scene sent to the canvas is compressed too, and the undo history is bounded in bytes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from blocks.catalogue import get_block
from designer.flow.compile import engine_problems
from designer.flow.diagnostics import Diagnostic
from designer.flow.document import Flow
from designer.flow.edit import EditRejected, default_params, new_node_id
from designer.flow.note_edits import apply_flow_edit, describe_flow_edit
from designer.flow.validate import check_flow
from designer.store import versions as version_store
from designer.store.db import StoreError
from designer.store.userblocks import owner_of_opened_flow
from designer.ui.canvas.scene import canvas_node, scene_edges, scene_nodes
from designer.ui.context import database, launcher, settings
from designer.ui.editor import views
from designer.ui.editor.library import choices_for, datasets_of, reads_dataset
from designer.ui.editor.model_names import model_names_of
from designer.ui.editor.opening import READ_ONLY_REASON, open_from_path
from designer.ui.editor.own_blocks import (
    canvas_blocks,
    newer_versions,
    own_palette,
)
from designer.ui.editor.packed import Packed
from designer.ui.editor.parsed_flows import flow_of, pack_flow
from designer.ui.editor.undo import BoundedHistory
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.userblocks.lookup import PersonBlocks

#: Seconds without edits before the draft is written to the database.
AUTOSAVE_DELAY_S = 1.0
#: Server-to-canvas changes kept for a canvas that has not applied them yet.
OPS_KEPT = 30
#: Gap between a new block added by click and the rightmost block.
ADD_GAP_X = 280.0


class EditorState(rx.State):
    """One open flow in one browser tab."""

    flow_id: str = ""
    flow_name: str = ""
    #: "flow" (the working copy), "version" (an old version), "link" (opened by share link) or
    #: "template" (a gallery template's preview).
    mode: str = "flow"
    #: The person's role on the flow: "viewer", "editor" or "owner" ("" via a link).
    role: str = ""
    owner: str = ""
    read_only: bool = True
    #: The gallery card of the template on show in "template" mode.
    template: dict[str, Any] = {}
    #: The version on show in "version" mode.
    viewing: int = 0
    #: The version the edits on the canvas started from; a save must still find it the latest.
    base_version: int = 0
    loaded: bool = False
    load_error: str = ""
    #: The flow as the canvas mounts it, then the changes decided here (docs/canvas.md). Node
    #: and edge lists are held compressed (``Packed``) and sent as plain lists.
    scene: dict[str, Any] = {}
    ops: list[dict[str, Any]] = []
    problems: dict[str, list[str]] = {}
    diagnostics: list[dict[str, str]] = []
    error_count: int = 0
    node_count: int = 0
    run_blocker: str = "the flow is still loading"
    selected: list[str] = []
    panel: dict[str, Any] = {}
    panel_tab: str = "block"
    save_state: str = "saved"
    version: int = 0
    can_undo: bool = False
    can_redo: bool = False
    undo_label: str = ""
    redo_label: str = ""
    show_help: bool = False
    #: People's own blocks: the palette's groups of them, ``describe()`` of each the canvas may
    #: draw, and pinned block id -> its newest version's id (``own_blocks``).
    own_palette: list[dict[str, Any]] = []
    extra_blocks: list[dict[str, Any]] = []
    block_updates: dict[str, str] = {}

    #: The open flow as compressed JSON; ``_doc()`` gives it parsed.
    _packed: Packed | None = None
    _diagnostics: list[Diagnostic] = []
    _history: BoundedHistory | None = None
    _seq: int = 0
    _edit_gen: int = 0
    #: The people's blocks the open flow's nodes use, when ``extra_blocks`` was last made
    #: (None: not made yet for this flow).
    _pinned: list[str] | None = None

    # ----- opening a flow -------------------------------------------------------------------

    @rx.event
    def load(self) -> Any:
        """Open what the URL names: a flow, one of its versions, or a share link."""
        self.loaded = False
        self.load_error = ""
        try:
            opened = open_from_path(self.router.url.path, actor_of(self))
        except StoreError as exc:
            self.load_error = shown(exc)
            return None
        self.mode, self.viewing = opened.mode, opened.viewing
        self.role, self.owner = opened.role, opened.owner
        self.read_only = opened.read_only
        self.template = opened.template or {}
        self._open(opened.flow_id, opened.flow, opened.version, opened.base_version)
        self.save_state = "saved" if opened.saved else "unsaved"
        self.loaded = True
        from designer.ui.editor.run_state import RunState

        if self.mode == "link":  # the owner's latest results, to look at
            return RunState.attach_link
        if self.mode == "template":
            return None
        from designer.ui.editor.versions import VersionsState

        return [VersionsState.reset_history, RunState.attach]

    def _open(self, flow_id: str, flow: Flow, version: int, base_version: int) -> None:
        """Show ``flow`` on a fresh canvas with a fresh undo history."""
        self.flow_id = flow_id
        self.version = version
        self.base_version = base_version
        self._history = BoundedHistory()
        self._set_doc(flow)
        self.scene = {"seq": self._next_seq(), **packed_scene(flow)}
        self.ops = []
        self.selected = []
        self.panel_tab = "block"
        self.own_palette = [] if self.read_only else own_palette(self._blocks())
        self._pinned = None
        self._refresh()

    @rx.var
    def canvas_key(self) -> str:
        """Remount the canvas when another flow, version or mode is opened."""
        return f"{self.flow_id}:{self.mode}:{self.viewing}"

    # ----- edits ----------------------------------------------------------------------------

    @rx.event
    def canvas_edit(self, edit: dict[str, Any]) -> Any:
        """An edit the canvas already shows (a move, a drop, a connection, a delete).

        A drag that started by pressing on an unselected node carries the new selection too
        (``selected``), so the whole gesture is one message.
        """
        edit = dict(edit)
        selected = edit.pop("selected", None)
        if isinstance(selected, list):
            self._select(selected)
        try:
            self._apply(edit)
        except EditRejected as exc:
            # The canvas drew something the document refuses: put the canvas back in step.
            self._push_op({"kind": "replace", **self._scene_items()})
            return rx.toast.error(shown(exc))
        return self._after_edit()

    @rx.event
    def canvas_select(self, ids: list[str]) -> None:
        self._select(ids)

    def _select(self, ids: list[str]) -> None:
        self.selected = [str(i) for i in ids][:500]
        self._refresh_panel()
        if len(self.selected) == 1:
            self.panel_tab = "block" if self.panel_tab == "problems" else self.panel_tab

    @rx.event
    def canvas_command(self, name: str) -> Any:
        from designer.ui.editor.run_state import RunState
        from designer.ui.editor.versions import VersionsState

        handlers = {
            "undo": EditorState.undo,
            "redo": EditorState.redo,
            "save": VersionsState.save,
            "help": EditorState.open_help,
            "run": RunState.start_run,
        }
        return handlers.get(name)

    @rx.event
    def add_block(self, block_id: str) -> Any:
        """Click-to-add from the palette: place the block right of the rightmost one."""
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        block = self._blocks()(block_id)
        if block is None or self._doc() is None:
            return rx.toast.error(f"there is no block {block_id!r}")
        nodes = self._doc().nodes
        x = max((n.position.x for n in nodes), default=-ADD_GAP_X) + ADD_GAP_X
        y = sum(n.position.y for n in nodes) / len(nodes) if nodes else 0.0
        node_id = new_node_id(block_id, {n.id for n in (*nodes, *self._doc().notes)})
        spec = {
            "id": node_id,
            "block": block_id,
            "params": default_params(block.params_schema()),
            "position": [x, y],
        }
        self._apply({"kind": "add", "nodes": [spec], "edges": []})
        added = self._node(node_id)
        self._push_op({"kind": "add", "nodes": [canvas_node(added)], "edges": []})
        self._push_op({"kind": "focus", "node": node_id})
        self.selected = [node_id]
        self._refresh_panel()
        return self._after_edit()

    @rx.event
    def set_flow_name(self, name: str) -> None:
        """Typing in the name box; the rename itself happens when the box loses focus."""
        self.flow_name = name[:200]

    @rx.event
    def rename(self, name: str) -> Any:
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        name = name.strip()
        if not name or self._doc() is None or name == self._doc().name:
            self.flow_name = self._doc().name if self._doc() else self.flow_name
            return None
        try:
            self._apply({"kind": "rename", "name": name[:200]})
        except EditRejected as exc:
            return rx.toast.error(shown(exc))
        return self._after_edit()

    @rx.event
    def delete_selected(self) -> Any:
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        if not self.selected or self._doc() is None:
            return None
        gone = [i for i in self.selected if self._node(i) is not None]
        self._apply({"kind": "remove", "nodes": gone, "edges": []})
        self._push_op({"kind": "remove", "nodes": gone, "edges": []})
        self.selected = []
        self._refresh_panel()
        return self._after_edit()

    @rx.event
    def focus_node(self, node_id: str) -> None:
        """A problem was clicked: select its node and centre the view on it."""
        if not node_id or self._node(node_id) is None:
            return
        self._push_op({"kind": "focus", "node": node_id})
        self.selected = [node_id]
        self.panel_tab = "block"
        self._refresh_panel()

    @rx.event
    def undo(self) -> Any:
        return self._travel(undo=True)

    @rx.event
    def redo(self) -> Any:
        return self._travel(undo=False)

    def _travel(self, *, undo: bool) -> Any:
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        if self._hist() is None or self._doc() is None:
            return None
        flow = self._hist().undo(self._doc()) if undo else self._hist().redo(self._doc())
        if flow is None:
            return None
        self._set_doc(flow)
        self._history = self._hist()
        self._push_op({"kind": "replace", **self._scene_items()})
        self.selected = [i for i in self.selected if self._node(i) is not None]
        self._refresh()
        return self._after_edit()

    # ----- saving ---------------------------------------------------------------------------

    @rx.event(background=True)
    async def autosave(self, generation: int) -> None:
        await asyncio.sleep(AUTOSAVE_DELAY_S)
        async with self:
            if generation != self._edit_gen or self._doc() is None:
                return
            if self.read_only:
                return
            flow, flow_id, base = self._doc(), self.flow_id, self.base_version
            actor = actor_of(self)
            self.save_state = "saving"
        try:
            await asyncio.to_thread(
                version_store.save_draft, database(), actor, flow_id, flow, base
            )
            outcome = "draft"
        except StoreError:
            outcome = "error"
        async with self:
            if generation == self._edit_gen:
                self.save_state = outcome

    # ----- dialogs and panels ---------------------------------------------------------------

    @rx.event
    def open_help(self) -> None:
        self.show_help = True

    @rx.event
    def set_show_help(self, value: bool) -> None:
        self.show_help = value

    # ----- helpers --------------------------------------------------------------------------

    def _apply(self, edit: dict[str, Any], merge_key: str = "") -> None:
        if self._doc() is None or self._hist() is None:
            raise EditRejected("the flow is not open yet")
        if self.read_only:
            raise EditRejected(READ_ONLY_REASON[self.mode])
        after = apply_flow_edit(self._doc(), edit)
        self._hist().record(self._doc(), describe_flow_edit(edit), merge_key)
        self._history = self._hist()
        self._set_doc(after)
        self._refresh()

    def _after_edit(self) -> Any:
        self._edit_gen += 1
        self.save_state = "unsaved"
        return EditorState.autosave(self._edit_gen)

    def _refresh(self) -> None:
        assert self._doc() is not None
        blocks = self._blocks()
        self._refresh_blocks(blocks)
        check = check_flow(self._doc(), datasets_of(self), model_names_of(self), blocks=blocks)
        # A block that cannot run where this designer runs flows (a container component on
        # this machine, packages where none may be installed) is a problem before Run. A
        # parameter without a default is a warning: the Run dialog asks for its value.
        diagnostics = [*check.diagnostics, *engine_problems(check, launcher().engine, settings())]
        self._diagnostics = diagnostics
        self.problems = views.problems_by_node(diagnostics)
        self.diagnostics = views.diagnostics_view(diagnostics, self._doc(), blocks)
        self.error_count = sum(1 for d in self.diagnostics if d["severity"] == "error")
        self.run_blocker = views.run_blocker(diagnostics)
        self.node_count = len(self._doc().nodes)
        self.flow_name = self._doc().name
        if self._hist() is not None:
            self.can_undo, self.can_redo = self._hist().can_undo, self._hist().can_redo
            self.undo_label, self.redo_label = self._hist().undo_label, self._hist().redo_label
        self._refresh_panel()

    def _refresh_panel(self) -> None:
        if self._doc() is None or len(self.selected) != 1:
            self.panel = {"count": len(self.selected)} if self.selected else {}
            return
        diagnostics = unwrapped(self._diagnostics)
        node = self._doc().node(self.selected[0])
        choices = (
            choices_for(self, dict(node.params)) if node and reads_dataset(node.block) else None
        )
        self.panel = views.properties_view(
            self._doc(),
            self.selected[0],
            list(diagnostics),
            choices,
            self._blocks(),
            "" if self.read_only or node is None else self.block_updates.get(node.block, ""),
        )

    def _blocks(self) -> PersonBlocks:
        """The blocks this person may use in this flow (built-in, theirs, shared, its owner's)."""
        actor = actor_of(self)
        if self.mode == "link" and self.flow_id:  # the link was checked when it opened
            return PersonBlocks(database(), None, owner_of_opened_flow(database(), self.flow_id))
        if actor is None or not self.flow_id or self.mode == "template":
            return PersonBlocks(None, None)
        return PersonBlocks.for_flow(database(), actor, self.flow_id)

    def _refresh_blocks(self, blocks: PersonBlocks) -> None:
        """What the canvas draws of people's blocks, when the flow's own ones changed."""
        pinned = sorted({n.block for n in self._doc().nodes if get_block(n.block) is None})
        if self._pinned is not None and pinned == list(self._pinned):
            return
        self._pinned = pinned
        self.extra_blocks = canvas_blocks(self._doc(), blocks, self.own_palette)
        self.block_updates = newer_versions(self._doc(), self.own_palette)

    def _doc(self) -> Flow | None:
        """The open flow, parsed (shared with other tabs on the same document: read only)."""
        packed = unwrapped(self._packed)
        return flow_of(packed) if packed is not None else None

    def _set_doc(self, flow: Flow) -> None:
        """Make ``flow`` the open flow."""
        self._packed = pack_flow(flow)

    def _hist(self) -> BoundedHistory | None:
        """The undo history itself: Reflex hands backend vars out wrapped in a change-tracking
        proxy."""
        return unwrapped(self._history)

    def _node(self, node_id: str) -> Any:
        return self._doc().node(node_id) if self._doc() else None

    def _scene_items(self) -> dict[str, Any]:
        assert self._doc() is not None
        return packed_scene(self._doc())

    def _push_update(self, node_id: str) -> None:
        node = self._node(node_id)
        if node is not None:
            data = canvas_node(node)["data"]
            self._push_op({"kind": "update", "nodes": [{"id": node_id, "data": data}]})

    def _push_op(self, op: dict[str, Any]) -> None:
        # A replace makes every earlier op moot: drop them rather than keep (and re-send) a
        # whole flow per undo.
        kept = [] if op["kind"] == "replace" else self.ops[-(OPS_KEPT - 1) :]
        self.ops = [*kept, {"seq": self._next_seq(), **op}]

    def _next_seq(self) -> int:
        """A seq above every one given before, by this state or by one that expired before it
        (the clock, in milliseconds): a canvas never skips a new scene or op as one it has seen.
        """
        self._seq = max(self._seq + 1, time.time_ns() // 1_000_000)
        return self._seq


def packed_scene(flow: Flow) -> dict[str, Packed]:
    """The canvas's nodes and edges of ``flow``, compressed until they are sent."""
    return {"nodes": Packed.of(scene_nodes(flow)), "edges": Packed.of(scene_edges(flow))}


def unwrapped(value: Any) -> Any:
    return getattr(value, "__wrapped__", value)
