"""The state of the Blocks page (``/blocks``): the person's own and shared blocks, and the
search box that filters every card, theirs and the built-in ones."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from sqlalchemy import Engine

from blocks import CATALOGUE
from designer.store.access import Actor, signed_in
from designer.store.db import StoreError
from designer.store.userblocks import newest_versions
from designer.ui.blocks import views
from designer.ui.context import database
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.userblocks.lookup import block_of

#: The built-in cards' search words (the catalogue never changes while the app runs).
BUILTIN_SEARCH = views.builtin_search_texts(block.describe() for block in CATALOGUE)
_CATEGORY_OF = {block.id: block.category for block in CATALOGUE}


def my_cards(engine: Engine, actor: Actor | None) -> list[dict[str, Any]]:
    """The "My blocks" cards: the newest version of each block the person may use."""
    person = signed_in(actor)
    return [
        views.my_block_card(version, block_of(version), person.username)
        for version in newest_versions(engine, person)
    ]


class BlocksState(rx.State):
    """``/blocks``: "My blocks" from the store, the catalogue as built, one search box."""

    mine: list[dict[str, Any]] = []
    query: str = ""
    loaded: bool = False
    error: str = ""

    @rx.var
    def mine_shown(self) -> list[dict[str, Any]]:
        return [card for card in self.mine if views.card_matches(card, self.query)]

    @rx.var
    def builtin_shown(self) -> list[str]:
        """Ids of the built-in blocks the search box lets through."""
        return [
            block_id
            for block_id, text in BUILTIN_SEARCH.items()
            if views.card_matches({"search": text}, self.query)
        ]

    @rx.var
    def categories_shown(self) -> list[str]:
        return sorted({_CATEGORY_OF[block_id] for block_id in self.builtin_shown})

    @rx.event
    async def load(self) -> None:
        actor = actor_of(self)
        if actor is None:
            return
        try:
            cards = await asyncio.to_thread(my_cards, database(), actor)
        except StoreError as exc:
            self.error, self.loaded = shown(exc), True
            return
        self.mine, self.error, self.loaded = cards, "", True

    @rx.event
    def search(self, text: str) -> None:
        self.query = text[:200]
