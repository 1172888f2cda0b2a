"""The Resources section of the properties panel: the selected node's CPU, memory, GPUs,
node selector and tolerations for Kubeflow runs.

Handlers stay short: ``designer.flow.resource_edits`` makes the change, and the editor's own
machinery (undo history, check, autosave) takes it from there, as for a block setting. A value
the cluster would refuse stays as typed and is reported under its box, on the node and in the
Problems tab, and holds Run back, all through the flow's check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from designer.flow import resource_edits
from designer.flow.document import Flow
from designer.flow.edit import EditRejected
from designer.ui.editor.opening import READ_ONLY_REASON
from designer.ui.editor.resources_views import effect_choice, resources_view
from designer.ui.editor.state import EditorState
from designer.ui.messages import shown


class ResourcesState(EditorState):
    #: Whether the person opened the section. It is open anyway while the selected node's
    #: resources have a problem, so the message under the box stays in sight until fixed.
    show_resources: bool = False

    @rx.var
    def resource_form(self) -> dict[str, Any]:
        """The selected node's section; recomputed whenever the panel is (any edit, undo or
        selection)."""
        node_id = str(self.panel.get("id", ""))
        flow = self._doc()
        node = flow.node(node_id) if flow is not None and node_id else None
        mine = [d for d in self.diagnostics if d.get("node") == node_id]
        return resources_view(node.resources if node is not None else None, mine)

    @rx.event
    def toggle_resources(self) -> None:
        if not self.resource_form["problems"]:
            self.show_resources = not self.show_resources

    @rx.event
    def set_resource(self, name: str, raw: str) -> Any:
        return self._edit(
            lambda flow, node: resource_edits.set_resource(flow, node, name, raw),
            resource_edits.describe(name),
            merge_key=name,
        )

    @rx.event
    def set_selector(self, index: int, part: str, raw: str) -> Any:
        return self._edit(
            lambda flow, node: resource_edits.set_selector(flow, node, index, part, raw),  # type: ignore[arg-type]
            "Change node selector",
            merge_key=f"selector.{index}.{part}",
        )

    @rx.event
    def add_selector(self) -> Any:
        return self._edit(resource_edits.add_selector, "Add node selector label")

    @rx.event
    def remove_selector(self, index: int) -> Any:
        return self._edit(
            lambda flow, node: resource_edits.remove_selector(flow, node, index),
            "Remove node selector label",
        )

    @rx.event
    def set_toleration(self, index: int, part: str, raw: str) -> Any:
        value = effect_choice(raw) if part == "effect" else raw
        return self._edit(
            lambda flow, node: resource_edits.set_toleration(flow, node, index, part, value),
            "Change toleration",
            merge_key=f"toleration.{index}.{part}",
        )

    @rx.event
    def add_toleration(self) -> Any:
        return self._edit(resource_edits.add_toleration, "Add toleration")

    @rx.event
    def remove_toleration(self, index: int) -> Any:
        return self._edit(
            lambda flow, node: resource_edits.remove_toleration(flow, node, index),
            "Remove toleration",
        )

    def _edit(self, change: Callable[[Flow, str], Flow], label: str, merge_key: str = "") -> Any:
        """Apply ``change`` to the selected node as one undo step (typing in one box merges)."""
        if self.read_only:
            return rx.toast.error(READ_ONLY_REASON[self.mode])
        flow, history = self._doc(), self._hist()
        if len(self.selected) != 1 or flow is None or history is None:
            return None
        node_id = self.selected[0]
        try:
            after = change(flow, node_id)
        except EditRejected as exc:
            return rx.toast.error(shown(exc))
        history.record(flow, label, f"{node_id}.resources.{merge_key}" if merge_key else "")
        self._history = history
        self._set_doc(after)
        self.show_resources = True
        self._refresh()
        return self._after_edit()
