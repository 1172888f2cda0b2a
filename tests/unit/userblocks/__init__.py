"""Tests of people's own blocks."""
