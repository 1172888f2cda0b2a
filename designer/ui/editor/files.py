"""Flow files in and out of the editor: import a flow JSON (or a compiled KFP pipeline, made a
flow), export it, download the KFP IR or a KFP Python script."""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Any

import reflex as rx

from designer.flow.cluster import ClusterSetupError
from designer.flow.compile import FlowInvalid, compile_flow
from designer.flow.document import Flow
from designer.flow.export_python import export_python
from designer.store.db import StoreError
from designer.ui.context import database, launcher
from designer.ui.editor.library import datasets_of
from designer.ui.editor.state import EditorState
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.userblocks.pipeline_saving import flow_from_upload, is_pipeline_file


def file_stem(name: str) -> str:
    """A file name from a flow name: ``Iris classification`` → ``iris-classification``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "flow"


class FilesState(EditorState):
    @rx.event
    async def import_json(self, files: list[rx.UploadFile]) -> Any:
        """Replace the open flow's content with an uploaded flow file, or with the flow a
        compiled KFP pipeline (YAML) makes (undo brings it back)."""
        if not files or self._doc() is None or self._hist() is None:
            return None
        name = files[0].name or ""
        data = await files[0].read()
        if is_pipeline_file(name) and self.read_only:
            return rx.toast.error("This flow is open read-only: nothing can be imported into it")
        try:
            # A pipeline's components are read (never run) and saved as the person's blocks.
            made = await asyncio.to_thread(flow_from_upload, database(), actor_of(self), data, name)
        except StoreError as exc:
            return rx.toast.error(f"Could not save the pipeline's blocks: {shown(exc)}")
        if made.flow is None:
            return rx.toast.error(made.error)
        return self._replace_with(made.flow, made.source, made.skipped)

    def _replace_with(self, flow: Flow, source: str, skipped: int) -> Any:
        self._hist().record(self._doc(), "Import")
        self._set_doc(flow)
        self._history = self._hist()
        self._push_op({"kind": "replace", **self._scene_items()})
        self._push_op({"kind": "fit"})
        self.selected = []
        self._refresh()
        note = f"; {skipped} malformed item(s) skipped" if skipped else ""
        return [
            self._after_edit(),
            rx.toast.success(f"Imported {len(flow.nodes)} blocks from {source}{note}"),
        ]

    @rx.event
    def export_json(self) -> Any:
        if self._doc() is None:
            return None
        return rx.download(
            data=self._doc().to_json(), filename=f"{file_stem(self._doc().name)}.json"
        )

    @rx.event
    async def export_ir(self) -> Any:
        if self._doc() is None:
            return None
        flow = self._doc()
        try:
            # What a run would be sent: the cluster's pipeline when runs go to Kubeflow.
            compiled = await asyncio.to_thread(
                functools.partial(
                    compile_flow,
                    flow,
                    None,
                    datasets_of(self),
                    engine=launcher().engine,
                    blocks=self._blocks(),
                )
            )
        except FlowInvalid as exc:
            return self._cannot_compile(exc)
        except ClusterSetupError as exc:
            return rx.toast.error(f"The flow cannot compile for Kubeflow: {exc}")
        return rx.download(data=compiled.ir_yaml, filename=f"{file_stem(flow.name)}.yaml")

    @rx.event
    async def export_python(self) -> Any:
        """The flow as a Python script with the KFP SDK that compiles to the same pipeline
        (this machine's), for people who go on in code."""
        if self._doc() is None:
            return None
        flow = self._doc()
        try:
            script = await asyncio.to_thread(
                functools.partial(
                    export_python, flow, None, datasets_of(self), blocks=self._blocks()
                )
            )
        except FlowInvalid as exc:
            return self._cannot_compile(exc)
        return rx.download(data=script, filename=f"{file_stem(flow.name)}_pipeline.py")

    def _cannot_compile(self, exc: FlowInvalid) -> Any:
        problems = "; ".join(d.message for d in exc.diagnostics) or self.run_blocker
        return rx.toast.error(f"The flow cannot compile yet. {problems}")
