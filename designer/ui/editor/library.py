"""The dataset library as the editor sees it: for checking flows and for the settings form.

Who is asking is looked up only when a flow actually reads a library dataset, so flows that
do not pay nothing on each edit.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from blocks.base import DatasetLookup, StoredTable
from blocks.catalogue import get_block
from designer.datasets.library import dataset_lookup
from designer.objects.configured import open_store
from designer.store import datasets as records
from designer.store.db import StoreError
from designer.ui.context import database, settings
from designer.ui.editor.dataset_choices import chosen_dataset, library_choices
from designer.ui.session import actor_of


def datasets_of(state: rx.State) -> DatasetLookup:
    """Finds library datasets as the person on ``state``'s page may use them."""
    found: list[DatasetLookup] = []

    def lookup(dataset_id: str, version: int) -> StoredTable:
        if not found:
            found.append(dataset_lookup(database(), open_store(settings()), actor_of(state)))
        return found[0](dataset_id, version)

    return lookup


def reads_dataset(block_id: str) -> bool:
    block = get_block(block_id)
    return block is not None and block.infer_dataset is not None


def choices_for(state: rx.State, params: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The options of a dataset block's library fields, for the node with ``params``."""
    actor = actor_of(state)
    engine = database()
    chosen, version = chosen_dataset(params)
    try:
        datasets = records.list_datasets(engine, actor)
    except StoreError:
        datasets = []
    detail, suggested = None, None
    if chosen:
        try:
            detail = records.get_dataset(engine, actor, chosen)
            _, profile = records.get_version(engine, actor, chosen, version)
            suggested = profile.get("suggested_target")
        except StoreError:
            detail = None
    return library_choices(datasets, chosen, detail, version, suggested)
