"""The block catalogue: one module per block, a folder per palette category."""

from blocks.base import Block
from blocks.catalogue import CATALOGUE, get_block

__all__ = ["CATALOGUE", "Block", "get_block"]
