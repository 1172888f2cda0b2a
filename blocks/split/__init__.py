"""Blocks that divide a table so a model can be judged on rows it never saw."""
