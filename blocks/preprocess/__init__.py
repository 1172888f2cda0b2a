"""Blocks that turn raw columns into numbers a model can learn from."""
