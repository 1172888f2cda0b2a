"""Helpers that block components call at run time (inside the task's process or container)."""
