"""Importing a pipeline as a person: its components saved as their blocks, in the store.

What the command line (``designer import``), the flows page and the editor's Import all call
(the pages through ``import_pipeline_upload``, for a file's bytes):
``import_pipeline`` with a ``save_block`` that saves each component as a new version of the
person's block of its name (a text the same as that block's newest version saves nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from designer.flow.diagnostics import Severity
from designer.flow.document import Flow, parse_flow_bytes
from designer.store.access import Actor
from designer.userblocks.pipeline_file import MAX_PIPELINE_CHARS, ImportProblem
from designer.userblocks.pipeline_import import ImportResult, import_pipeline
from designer.userblocks.saving import save_block_text

#: Largest upload read: the most bytes MAX_PIPELINE_CHARS characters take in UTF-8.
MAX_PIPELINE_BYTES = MAX_PIPELINE_CHARS * 4


def is_pipeline_file(name: str) -> bool:
    """Whether an uploaded file is a pipeline to import (YAML), told by its name; flow files
    are JSON."""
    return name.lower().endswith((".yaml", ".yml"))


def import_pipeline_as(
    engine: Engine, actor: Actor | None, text: str, *, file_name: str = ""
) -> ImportResult:
    """Import compiled pipeline ``text`` for ``actor`` (see ``import_pipeline``); the store's
    errors (nobody signed in, the database down) as the store raises them."""
    message = f"Imported with the pipeline {file_name}" if file_name else "Imported with a pipeline"

    def save(component_yaml: str) -> str:
        return save_block_text(engine, actor, component_yaml, "component", message=message).id

    return import_pipeline(text, save_block=save)


def import_pipeline_upload(
    engine: Engine, actor: Actor | None, data: bytes, *, file_name: str = ""
) -> ImportResult:
    """``import_pipeline_as`` for an uploaded file: UTF-8 text of a sane size."""
    if len(data) > MAX_PIPELINE_BYTES:
        return _refused(f"the file is larger than {MAX_PIPELINE_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _refused(f"the file is not UTF-8 text (bad byte at position {exc.start})")
    return import_pipeline_as(engine, actor, text, file_name=file_name)


@dataclass(frozen=True)
class UploadedFlow:
    """What an uploaded file makes: a flow (with how many of its parts were left out as
    broken, for a flow file) or why it makes none."""

    flow: Flow | None
    error: str = ""
    skipped: int = 0
    #: How the file is named where it is said where the flow came from.
    source: str = ""


def flow_from_upload(
    engine: Engine, actor: Actor | None, data: bytes, file_name: str
) -> UploadedFlow:
    """A flow file (JSON) read, or a compiled pipeline (YAML) imported as ``actor``, whose
    blocks its components become: the flows page's and the editor's Import. The store's errors
    as the store raises them."""
    if is_pipeline_file(file_name):
        result = import_pipeline_upload(engine, actor, data, file_name=file_name)
        if result.flow is None:
            return UploadedFlow(None, f"Could not import {file_name}: {result.reasons()}")
        return UploadedFlow(result.flow, source=f"{file_name} (a KFP pipeline)")
    flow, diagnostics = parse_flow_bytes(data)
    if flow is None:
        reasons = "; ".join(d.message for d in diagnostics[:3])
        return UploadedFlow(None, f"Could not import {file_name}: {reasons}")
    skipped = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    return UploadedFlow(flow, skipped=skipped, source=file_name)


def _refused(message: str) -> ImportResult:
    return ImportResult(None, (ImportProblem(message),))


__all__ = [
    "MAX_PIPELINE_BYTES",
    "UploadedFlow",
    "flow_from_upload",
    "import_pipeline_as",
    "import_pipeline_upload",
    "is_pipeline_file",
]
