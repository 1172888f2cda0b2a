"""The settings both tuning blocks share: how to search, how many folds, how many tries."""

from typing import Any

from pydantic import Field


def search_method_field() -> Any:
    return Field(
        "grid",
        title="How to search",
        description="grid tries every combination of a small built-in list of settings; "
        "random tries a number of settings drawn from wider ranges (see Settings to try).",
    )


def folds_field() -> Any:
    return Field(
        5,
        ge=2,
        le=10,
        title="Folds",
        description="Each setting is scored this many times, each time learning from all but "
        "one slice of the training rows and testing on that slice. More folds give a fairer "
        "score but take longer; 5 is usual.",
    )


def candidates_field() -> Any:
    return Field(
        10,
        ge=1,
        le=200,
        title="Settings to try",
        description="Random search only: how many settings to try. More tries may find a "
        "better model but take longer.",
    )
