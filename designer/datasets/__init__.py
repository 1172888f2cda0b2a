"""Checking and profiling uploaded table files (CSV, Parquet) without any user interface."""
