"""The blocks one person may use: the built-in ones, and their own and shared ones by id.

``PersonBlocks`` is the ``BlockLookup`` a flow is checked and compiled with, in the web app,
the REST API and the command line alike: built-in ids find the catalogue's blocks, and
``owner/name@version`` finds that version of a person's block when the person may use it.

A flow shared with someone may use blocks of its owner's that are not shared with them: for a
saved flow (``for_flow``), a block its owner may use is found too, so sharing a flow is enough
to open and run it. Each version is read from the store once per lookup object (one check, one
request).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine

from blocks.base import Block
from blocks.catalogue import CATALOGUE, get_block
from designer.store.access import Actor
from designer.store.db import StoreError
from designer.store.userblocks import (
    BlockNotFound,
    BlockVersion,
    block_version,
    flow_owner,
    newest_versions,
)
from designer.userblocks.blocks import BlockRef, make_block, parse_block_id


class PersonBlocks:
    """Finds blocks for ``actor`` (None: the built-in ones only) and, when given, for the
    owner of the flow being checked."""

    def __init__(
        self,
        engine: Engine | None,
        actor: Actor | None,
        flow_owner: Actor | None = None,
        *,
        flow_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.actor = actor
        self.flow_owner = flow_owner
        #: The saved flow whose owner is looked up, once, when a block is not the actor's.
        self._flow_id = flow_id
        self._found: dict[str, Block | None] = {}

    @classmethod
    def for_flow(cls, engine: Engine, actor: Actor | None, flow_id: str | None) -> PersonBlocks:
        """The blocks ``actor`` may use in the saved flow ``flow_id`` (see the module's doc).
        Its owner is read only if a block of the flow is not the actor's to use: checking a
        flow of built-in blocks, on every edit, asks the store nothing."""
        return cls(engine, actor, flow_id=flow_id)

    def __call__(self, block_id: str) -> Block | None:
        builtin = get_block(block_id)
        if builtin is not None:
            return builtin
        if block_id not in self._found:
            self._found[block_id] = self._read(block_id)
        return self._found[block_id]

    def _read(self, block_id: str) -> Block | None:
        ref = parse_block_id(block_id)
        if ref is None or self.engine is None:
            return None
        for person in self._people():
            try:
                version = block_version(self.engine, person, ref.owner, ref.name, ref.version)
            except (BlockNotFound, StoreError):
                continue
            return block_of(version)
        return None

    def _people(self) -> Iterator[Actor]:
        """Whose blocks are tried: the actor's, then (read when first needed) the flow owner's."""
        if self.actor is not None:
            yield self.actor
        if self._flow_id and self.actor is not None and self.engine is not None:
            try:
                self.flow_owner = flow_owner(self.engine, self.actor, self._flow_id)
            except StoreError:
                self.flow_owner = None
            self._flow_id = None
        if self.flow_owner is not None and self.flow_owner != self.actor:
            yield self.flow_owner

    def own(self) -> list[Block]:
        """The newest version of every block of theirs or shared with them, for the palette."""
        if self.engine is None or self.actor is None:
            return []
        return [block_of(v) for v in newest_versions(self.engine, self.actor)]

    def palette(self) -> list[Block]:
        """The built-in blocks, then the person's own (newest versions)."""
        return [*CATALOGUE, *self.own()]


def block_of(version: BlockVersion) -> Block:
    """The catalogue block of a stored version."""
    ref = BlockRef(version.block.owner, version.block.name, version.number)
    return make_block(ref, version.spec, version.text, version.source_kind == "component")
