"""What the properties panel sends about the selected node: a setting typed, the name on the
canvas, moving the node to the newest version of its block (a person's block), a setting
linked to a flow parameter (or unlinked), and whether runs may reuse its earlier results.

Each handler reads what was sent, makes one edit, and leaves the rest to the editor's own
machinery (undo history, check, autosave), as the canvas's edits do.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from designer.flow import param_edits
from designer.flow.edit import EditRejected, default_params
from designer.flow.param_form import BadValue, FormField, read_value, typed_value
from designer.flow.params import param_reference
from designer.ui.editor import views
from designer.ui.editor.dataset_choices import dataset_defaults
from designer.ui.editor.library import datasets_of
from designer.ui.editor.opening import READ_ONLY_REASON
from designer.ui.editor.own_blocks import kept_params
from designer.ui.editor.params_state import apply_change
from designer.ui.editor.state import EditorState
from designer.ui.messages import shown


class PropertiesState(EditorState):
    @rx.var
    def param_links(self) -> dict[str, dict[str, Any]]:
        """Per setting of the selected node: the flow parameters it may be linked to, the one
        it is linked to, and whether it can be linked at all (a list or a dataset cannot)."""
        flow = self._doc()
        node = flow.node(str(self.panel.get("id", ""))) if flow is not None else None
        if flow is None or node is None:
            return {}
        links = {}
        for field in self.panel.get("fields", []):
            kind = param_edits.param_type_of(FormField(field["name"], "", field["kind"]))
            linked = param_reference(node.params.get(field["name"])) or ""
            links[field["name"]] = {
                "linkable": bool(kind or linked),
                "linked": linked,
                "params": [p.name for p in flow.params if kind and p.type == kind],
            }
        return links

    @rx.var
    def node_cache(self) -> bool:
        """Whether runs may reuse the selected node's earlier result."""
        flow = self._doc()
        node = flow.node(str(self.panel.get("id", ""))) if flow is not None else None
        return node.cache if node is not None else True

    @rx.event
    def link_setting(self, name: str, param: str) -> Any:
        """Let a flow parameter give the selected node's setting ``name`` its value."""
        node_id, field = self._selected_field(name)
        if field is None:
            return None
        return apply_change(
            self,
            lambda flow: param_edits.bind_setting(flow, node_id, field, param),
            f"Link {field.title} to {param}",
        )

    @rx.event
    def new_param_from_setting(self, name: str) -> Any:
        """Declare a parameter for the setting (its name, type and value) and link the two."""
        node_id, field = self._selected_field(name)
        if field is None:
            return None
        done = apply_change(
            self,
            lambda flow: param_edits.param_from_setting(flow, node_id, field),
            f"New parameter from {field.title}",
        )
        node = self._node(node_id)
        linked = param_reference(node.params.get(name)) if node is not None else None
        if linked is None:
            return done
        return [done, rx.toast.success(f"{field.title} now comes from the flow parameter {linked}")]

    @rx.event
    def unlink_setting(self, name: str) -> Any:
        """The setting takes a value of its own again (the parameter's default, if any)."""
        node_id, field = self._selected_field(name)
        if field is None:
            return None
        return apply_change(
            self,
            lambda flow: param_edits.unbind_setting(flow, node_id, name),
            f"Unlink {field.title}",
        )

    @rx.event
    def set_node_cache(self, on: bool) -> Any:
        """Whether runs may reuse the selected node's earlier result for the same inputs."""
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        if len(self.selected) != 1 or self._node(self.selected[0]) is None:
            return None
        self._apply({"kind": "cache", "node": self.selected[0], "cache": bool(on)})
        return self._after_edit()

    def _selected_field(self, name: str) -> tuple[str, FormField | None]:
        """The selected node's id and its setting ``name``'s form field (None if neither)."""
        node = self._node(self.selected[0]) if len(self.selected) == 1 else None
        if node is None:
            return "", None
        fields = views.fields_of(self._blocks()(node.block))
        return node.id, next((f for f in fields if f.name == name), None)

    @rx.event
    def set_param(self, name: str, raw: Any) -> Any:
        """A properties-form field changed: read it, apply it, show the node's new values."""
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        if len(self.selected) != 1 or self._doc() is None:
            return None
        node = self._node(self.selected[0])
        fields = views.fields_of(self._blocks()(node.block)) if node else ()
        field = next((f for f in fields if f.name == name), None)
        if node is None or field is None:
            return None
        try:
            value = read_value(field, raw)
        except BadValue:
            # Keep what was typed: the form goes on showing it, and the flow's check reports it
            # on the field, the node and the Problems tab and holds the run back until it is
            # fixed (a draft or a version with it is kept as typed, nothing is lost).
            value = typed_value(field, raw)
        params = {name: value}
        if field.kind == "dataset" and value and value != node.params.get(name):
            params |= dataset_defaults(datasets_of(self), value, node.params.get("target"))
        edit = {"kind": "params", "node": node.id, "params": params}
        self._apply(edit, merge_key=f"{node.id}.{name}")
        self._push_update(node.id)
        return self._after_edit()

    @rx.event
    def update_block(self, node_id: str) -> Any:
        """Move a node to the newest version of its block (a person's block), keeping the
        values the new version still has."""
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        node = self._node(node_id)
        newer = self.block_updates.get(node.block, "") if node is not None else ""
        block = self._blocks()(newer) if newer else None
        if node is None or block is None:
            return rx.toast.error("there is no newer version of this block")
        params = {**default_params(block.params_schema()), **kept_params(node.params, block)}
        self._apply({"kind": "block", "node": node_id, "block": newer, "params": params})
        self._push_update(node_id)
        return [rx.toast.success(f"Now using version {block.version}"), self._after_edit()]

    @rx.event
    def set_label(self, label: str) -> Any:
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        if len(self.selected) != 1:
            return None
        node_id = self.selected[0]
        try:
            self._apply({"kind": "label", "node": node_id, "label": label[:200]})
        except EditRejected as exc:
            return rx.toast.error(shown(exc))
        self._push_update(node_id)
        return self._after_edit()
