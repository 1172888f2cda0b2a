"""Blocks that score a trained model on test rows it never saw."""
