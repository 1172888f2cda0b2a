"""Blocks that put a trained model where it can answer predictions."""
