"""A block's text on its way into the store: a component file sent from the page, and any text
saved as a block's next version.

Both Blocks pages take component files (the import dialog a new block's, the editor a
component block's next version) and both save versions; the checks live here once. Saving goes
through ``save_block_text``, which reads the text again (parsing only): nothing reaches the
store that does not make a block.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from designer.store.userblocks import BlockVersion
from designer.ui.context import database
from designer.ui.session import actor_of
from designer.userblocks.component_file import MAX_COMPONENT_BYTES
from designer.userblocks.saving import kind_of_file, save_block_text

#: What the file pickers offer; the reader still judges whatever is sent.
ACCEPT = {"application/x-yaml": [".yaml", ".yml"], "text/yaml": [".yaml", ".yml"]}


def decoded(data: bytes, name: str) -> str:
    """A component file's text; ValueError saying why it is not one (too big, not UTF-8)."""
    if len(data) > MAX_COMPONENT_BYTES:
        raise ValueError(f"{name} is larger than {MAX_COMPONENT_BYTES:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not UTF-8 text: choose a KFP component YAML file") from None


async def uploaded_component(file: rx.UploadFile) -> tuple[str, str]:
    """The name and text of a component file sent from the page; ValueError saying why it is
    not one (not .yaml or .yml, too big, not UTF-8)."""
    name = (file.name or "the file").rsplit("/", 1)[-1][:200]
    if kind_of_file(name) != "component":
        raise ValueError(f"{name} is not a .yaml or .yml file: choose a KFP component file")
    return name, decoded(await file.read(MAX_COMPONENT_BYTES + 1), name)


async def save_text(state: rx.State, text: str, kind: str, **options: Any) -> BlockVersion:
    """Save ``text`` ("python" source or a "component" file) as a version of a block of the
    signed-in person's; ``options`` as ``save_block_text`` takes them (``block_id``, ``message``,
    the fields that win over the docstring). Raises ``BlockSourceError`` or ``StoreError``."""
    return await asyncio.to_thread(
        save_block_text, database(), actor_of(state), text, kind, **options
    )
