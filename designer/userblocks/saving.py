"""Reading a block's text and saving it as a version: what the editor, the REST API and the
command line all do when a person saves a block.

The text is only read (a Python source parsed, a component file read as YAML): a text that
does not make a block is refused with every problem and its line, and nothing is saved.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Engine

from designer.store.access import Actor
from designer.store.userblocks import BlockVersion, SourceKind, save_block
from designer.userblocks.component_file import read_component
from designer.userblocks.source import read_source
from designer.userblocks.spec import BlockSourceError, BlockSpec

#: What a file holds, told by its name: Python source or a KFP component file.
FileKind = Literal["python", "component"]


def kind_of_file(name: str) -> FileKind | None:
    """``python`` for ``*.py``, ``component`` for ``*.yaml``/``*.yml``; else None."""
    lowered = name.lower()
    if lowered.endswith(".py"):
        return "python"
    if lowered.endswith((".yaml", ".yml")):
        return "component"
    return None


def read_block_text(
    text: str,
    kind: SourceKind,
    *,
    title: str | None = None,
    category: str | None = None,
    description: str | None = None,
) -> tuple[BlockSpec, str]:
    """The spec ``text`` makes and the text to store (a component file in KFP's canonical
    form); BlockSourceError with every problem when it makes none."""
    if kind == "python":
        check = read_source(text, title=title, category=category, description=description)
        stored = text
    else:
        read = read_component(text)
        check, stored = read.check, read.component_yaml
    if check.spec is None:
        raise BlockSourceError(check.problems)
    return check.spec, stored


def save_block_text(
    engine: Engine,
    actor: Actor | None,
    text: str,
    kind: SourceKind,
    *,
    block_id: str | None = None,
    title: str | None = None,
    category: str | None = None,
    description: str | None = None,
    message: str = "",
) -> BlockVersion:
    """Read ``text`` and save it as the newest version of the person's block of its name (or
    of ``block_id``); BlockSourceError when it makes no block, the store's errors otherwise."""
    spec, stored = read_block_text(
        text, kind, title=title, category=category, description=description
    )
    return save_block(engine, actor, spec, stored, kind, block_id=block_id, message=message)
