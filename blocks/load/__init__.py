"""Blocks that bring data into a flow."""
