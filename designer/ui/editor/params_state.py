"""The Parameters tab: the flow's parameters declared, renamed, typed, given defaults and
descriptions, and deleted.

Handlers stay short: ``designer.flow.param_edits`` makes the change and the editor's own
machinery (undo history, check, autosave) takes it from there, as for a block setting. A
default that is not of the parameter's type stays as typed and the flow's check reports it;
a name the flow refuses stays in its box with the reason under it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from blocks.catalogue import BlockLookup, get_block
from designer.flow import param_edits
from designer.flow.document import Flow
from designer.flow.edit import EditRejected
from designer.flow.param_values import form_text
from designer.ui.editor import views
from designer.ui.editor.opening import READ_ONLY_REASON
from designer.ui.editor.state import EditorState
from designer.ui.messages import shown

#: The flow check's codes about a parameter itself (its name or default).
_PARAM_CODES = ("duplicate_param", "bad_flow_param")
#: The longest name box kept: a name is at most 63 characters, more is said to be too long.
_MAX_TYPED_NAME = 100


class ParamsState(EditorState):
    #: A new name the flow refused: the parameter, what was typed and why, shown under its box.
    name_problem: dict[str, str] = {}

    @rx.var
    def flow_params(self) -> list[dict[str, Any]]:
        """The tab's rows; recomputed after every edit, undo and check (``diagnostics``)."""
        flow = self._doc()
        return [] if flow is None else params_view(flow, self.diagnostics)

    @rx.event
    def add_flow_param(self) -> Any:
        return self._change(param_edits.add_param, "Add parameter")

    @rx.event
    def rename_flow_param(self, name: str, new: str) -> Any:
        new, flow = str(new)[:_MAX_TYPED_NAME], self._doc()
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        self.name_problem = {}
        if flow is None or new.strip() == name:
            return None
        try:
            after = param_edits.rename_param(flow, name, new)
        except EditRejected as exc:
            self.name_problem = {"param": name, "typed": new, "message": shown(exc)}
            return None
        return self._change(lambda _flow: after, f"Rename parameter {name}")

    @rx.event
    def set_flow_param_type(self, name: str, type_: str) -> Any:
        bound = self._bound_kinds(name)
        return self._change(
            lambda flow: param_edits.set_param_type(flow, name, type_, bound),
            f"Change type of {name}",
        )

    @rx.event
    def set_flow_param_default(self, name: str, raw: Any) -> Any:
        return self._change(
            lambda flow: param_edits.set_param_default(flow, name, raw),
            f"Change default of {name}",
            merge_key=f"param.{name}.default",
        )

    @rx.event
    def clear_flow_param_default(self, name: str) -> Any:
        return self._change(
            lambda flow: param_edits.clear_param_default(flow, name), f"Clear default of {name}"
        )

    @rx.event
    def set_flow_param_description(self, name: str, text: str) -> Any:
        return self._change(
            lambda flow: param_edits.set_param_description(flow, name, text),
            f"Describe {name}",
            merge_key=f"param.{name}.description",
        )

    @rx.event
    def delete_flow_param(self, name: str) -> Any:
        flow = self._doc()
        param = flow.param(name) if flow is not None else None
        uses = used_by(flow, name) if flow is not None else ""
        done = self._change(lambda f: param_edits.delete_param(f, name), f"Delete {name}")
        after = self._doc()
        if param is None or not uses or after is None or after.param(name) is not None:
            return done
        kept = (
            f"keep its default {form_text(param)!r} as their own value"
            if param.default is not None
            else "go back to their blocks' defaults"
        )
        return [done, rx.toast.info(f"Deleted {name}: {uses} {kept}. Undo brings it back.")]

    def _bound_kinds(self, name: str) -> dict[str, str]:
        """Each setting bound to ``name`` (as the tab names it) and its form kind."""
        flow, blocks = self._doc(), self._blocks()
        if flow is None:
            return {}
        found = {}
        for node, setting in param_edits.bound_settings(flow, name):
            field = _field(blocks, node.block, setting)
            found[_where(node.id, node.label, field.title if field else setting)] = (
                field.kind if field else ""
            )
        return found

    def _change(self, change: Callable[[Flow], Flow], label: str, merge_key: str = "") -> Any:
        return apply_change(self, change, label, merge_key)


def apply_change(
    state: EditorState, change: Callable[[Flow], Flow], label: str, merge_key: str = ""
) -> Any:
    """Apply ``change`` to the open flow as one undo step (typing in one box merges)."""
    if state.read_only:
        return rx.toast.error(READ_ONLY_REASON[state.mode])
    flow, history = state._doc(), state._hist()
    if flow is None or history is None:
        return None
    try:
        after = change(flow)
    except EditRejected as exc:
        return rx.toast.error(shown(exc))
    if after is flow:
        return None
    history.record(flow, label, merge_key)
    state._history = history
    state._set_doc(after)
    # Bound settings live in the nodes the canvas copies and pastes: keep them in step.
    for node in after.nodes:
        before = flow.node(node.id)
        if before is not None and before.params != node.params:
            state._push_update(node.id)
    state._refresh()
    return state._after_edit()


def params_view(
    flow: Flow, diagnostics: list[dict[str, str]], blocks: BlockLookup = get_block
) -> list[dict[str, Any]]:
    """One row per parameter: its name, type, default as text, description, where it is used
    and what the flow's check says about it (``diagnostics`` as the Problems tab lists them)."""
    rows = []
    for param in flow.params:
        said = f"flow parameter {param.name!r}"
        problems = [
            d["message"]
            for d in diagnostics
            if d["code"] in _PARAM_CODES and d["severity"] == "error" and said in d["message"]
        ]
        rows.append(
            {
                "name": param.name,
                "type": param.type,
                "type_title": param_edits.TYPE_TITLES[param.type],
                "default": form_text(param),
                "has_default": param.default is not None,
                "description": param.description,
                "used_by": used_by(flow, param.name, blocks),
                "error": problems[0] if problems else "",
            }
        )
    return rows


def used_by(flow: Flow, name: str, blocks: BlockLookup = get_block) -> str:
    """The settings bound to ``name`` as the form names them ("split · Test share, ...")."""
    shown_settings = []
    for node, setting in param_edits.bound_settings(flow, name):
        field = _field(blocks, node.block, setting)
        shown_settings.append(_where(node.id, node.label, field.title if field else setting))
    return ", ".join(shown_settings)


def _field(blocks: BlockLookup, block_id: str, setting: str) -> Any:
    return next((f for f in views.fields_of(blocks(block_id)) if f.name == setting), None)


def _where(node_id: str, label: str, setting: str) -> str:
    return f"{label or node_id} · {setting}"
