"""Blocks that fit a model on training rows: classifiers predict categories, regressors numbers."""
