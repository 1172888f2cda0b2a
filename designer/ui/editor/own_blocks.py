"""People's own blocks in the flow editor: the palette's groups, what the canvas draws, and
which nodes could move to a newer version of their block.

The built-in blocks are compiled into the page once; a person's own blocks (and those shared
with them or their teams) differ per person, so the page gets them from the state: palette
items grouped as "My blocks", one group per team, and "Shared with me"; and ``describe()`` of
every such block the canvas may have to draw, the pinned versions the flow's nodes use among
them. No Reflex here: the state calls these with its lookup.
"""

from __future__ import annotations

from typing import Any

from blocks.base import Block
from blocks.catalogue import BlockLookup, get_block
from designer.flow.document import Flow
from designer.store.db import StoreError
from designer.store.userblocks import block_teams, newest_versions
from designer.userblocks.blocks import parse_block_id
from designer.userblocks.lookup import PersonBlocks, block_of

MINE = "My blocks"
SHARED = "Shared with me"


def palette_item(block: Block) -> dict[str, Any]:
    """A block as the palette lists it (the shape of ``views.palette_groups`` items)."""
    where = "" if "local" in block.engines else " Runs on Kubeflow only."
    by = f" By {block.owner}." if block.owner else ""
    return {
        "id": block.id,
        "title": block.title,
        "description": f"{block.description}{where}{by}".strip(),
        "icon": block.icon,
        "search": f"{block.title} {block.id} {block.description}".lower(),
    }


def own_palette(lookup: PersonBlocks) -> list[dict[str, Any]]:
    """The person's blocks for the palette: their own, then each team's, then the rest shared
    with them; each group ``{"group", "blocks"}``. Empty when the store cannot be read."""
    person = lookup.actor
    if person is None or lookup.engine is None:
        return []
    try:
        versions = newest_versions(lookup.engine, person)
        teams = block_teams(lookup.engine, person)
    except StoreError:
        return []
    groups: dict[str, list[dict[str, Any]]] = {}
    for version in versions:
        if version.block.owner == person.username:
            names = [MINE]
        else:
            names = teams.get(version.block.id, [SHARED])
        for name in names:
            groups.setdefault(name, []).append(palette_item(block_of(version)))
    order = [MINE, *sorted(g for g in groups if g not in (MINE, SHARED)), SHARED]
    return [{"group": g, "blocks": groups[g]} for g in order if g in groups]


def canvas_blocks(flow: Flow | None, lookup: BlockLookup, palette: list[dict[str, Any]]) -> list:
    """``describe()`` of every person's block the canvas may draw: those in the palette and the
    versions the flow's nodes pin (an old version is drawn as it was)."""
    ids = {item["id"] for group in palette for item in group["blocks"]}
    if flow is not None:
        ids |= {node.block for node in flow.nodes if get_block(node.block) is None}
    found = [lookup(block_id) for block_id in sorted(ids)]
    return [block.describe() for block in found if block is not None]


def newer_versions(flow: Flow | None, palette: list[dict[str, Any]]) -> dict[str, str]:
    """Pinned block id -> the id of its newest version, for nodes whose block has a newer one."""
    if flow is None:
        return {}
    newest: dict[str, tuple[int, str]] = {}
    for group in palette:
        for item in group["blocks"]:
            ref = parse_block_id(item["id"])
            if ref is not None:
                newest[ref.unversioned] = (ref.version, item["id"])
    updates = {}
    for node in flow.nodes:
        ref = parse_block_id(node.block)
        known = newest.get(ref.unversioned) if ref else None
        if ref is not None and known is not None and known[0] > ref.version:
            updates[node.block] = known[1]
    return updates


def kept_params(params: dict[str, Any], block: Block) -> dict[str, Any]:
    """A node's values that still fit ``block`` (a newer version may drop or add settings)."""
    known = block.params_schema().get("properties", {})
    return {name: value for name, value in params.items() if name in known}
