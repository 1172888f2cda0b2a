"""Sharing a block: the dialog on a block's page, with the form the dataset page shares with.

The owner adds a person (by user name) or one of their teams, as viewer (uses the block in
flows, reads its code) or editor (also saves new versions), and removes them again. Sharing
with someone again changes their role. The store checks the owner on every change.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

import reflex as rx

from designer.store import block_shares
from designer.store.db import StoreError
from designer.ui.context import database
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.share_dialog import (
    PeopleSharing,
    SharedThing,
    access_and_teams,
    access_list,
    people_form,
    section,
    share_dialog_frame,
)

#: How a block is shared, and what the form says about it.
BLOCKS = SharedThing(
    noun="block",
    access=block_shares.block_access,
    share=block_shares.share_block,
    unshare=block_shares.unshare_block,
    editor_can="use and change",
    roles_note="Viewers use the block in their flows and read its code; editors also save new "
    "versions.",
)


class BlockShareState(PeopleSharing, rx.State):
    """The share dialog of the block on show, opened by its owner."""

    shared_thing: ClassVar[SharedThing] = BLOCKS
    is_open: bool = False
    block_id: str = ""
    title: str = ""

    def _shared_id(self) -> str:
        return self.block_id

    @rx.event
    async def open_dialog(self, block_id: str, title: str) -> None:
        self.block_id, self.title, self.is_open = block_id, title, True
        self.share_user, self.share_error, self.access = "", "", []
        try:
            entries, teams = await asyncio.to_thread(
                access_and_teams, BLOCKS, database(), actor_of(self), block_id
            )
        except StoreError as exc:
            self.share_error = shown(exc)
            return
        self._show_access(entries, teams)

    @rx.event
    def set_open(self, value: bool) -> None:
        self.is_open = value


def share_dialog() -> rx.Component:
    return share_dialog_frame(
        BlockShareState.title,
        rx.flex(
            people_form(BlockShareState, "block-"),
            section("Who can use it", access_list(BlockShareState, "block-")),
            direction="column",
            gap="20px",
        ),
        state=BlockShareState,
        testid="block-share-dialog",
        max_width="540px",
    )
