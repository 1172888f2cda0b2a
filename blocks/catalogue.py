"""The explicit list of every block the designer offers, in palette order."""

from typing import Protocol

from blocks.base import Block
from blocks.deploy import local_model
from blocks.evaluate import classification, clustering, regression
from blocks.load import dataset, sklearn_dataset, table_file
from blocks.preprocess import prepare_columns
from blocks.split import train_test
from blocks.train import (
    gradient_boosting,
    kmeans,
    linear_regression,
    logistic_regression,
    random_forest,
    random_forest_regressor,
    tune_classifier,
    tune_regressor,
)

CATALOGUE: tuple[Block, ...] = (
    sklearn_dataset.BLOCK,
    dataset.BLOCK,
    table_file.BLOCK,
    train_test.BLOCK,
    prepare_columns.BLOCK,
    logistic_regression.BLOCK,
    random_forest.BLOCK,
    gradient_boosting.BLOCK,
    linear_regression.BLOCK,
    random_forest_regressor.BLOCK,
    tune_classifier.BLOCK,
    tune_regressor.BLOCK,
    kmeans.BLOCK,
    classification.BLOCK,
    regression.BLOCK,
    clustering.BLOCK,
    local_model.BLOCK,
)

_BY_ID: dict[str, Block] = {block.id: block for block in CATALOGUE}


def get_block(block_id: str) -> Block | None:
    """The block with this id, or None when the catalogue has no such block."""
    return _BY_ID.get(block_id)


def block_ids() -> list[str]:
    return sorted(_BY_ID)


class BlockLookup(Protocol):
    """Finds a block by the id a flow's node holds; None when there is none (or none the
    person checking the flow may use). ``get_block`` finds the built-in ones; a person's own
    blocks are found by ``designer.userblocks.lookup.PersonBlocks``."""

    def __call__(self, block_id: str) -> Block | None: ...
