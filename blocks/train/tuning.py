"""What both tuning blocks share: how to search, how many folds, how many tries, and the
component that runs the search (the blocks differ only in the models and scores they offer and
the type of model they output, which KFP sees as the same Model artifact)."""

from typing import Any, Literal

from kfp.dsl import Dataset, Input, Metrics, Model, Output
from pydantic import Field


def search_method_field() -> Any:
    return Field(
        "grid",
        title="How to search",
        description="grid tries every combination of a small built-in list of settings; "
        "random tries a number of settings drawn from wider ranges (see Settings to try).",
    )


#: Where a search may run (``blocks.runtime.tuning.SEARCH_PLACES``).
SearchOn = Literal["here", "katib"]


def search_on_field() -> Any:
    return Field(
        "here",
        title="Where to search",
        description="here: the block tries the settings itself, one after another. katib: as "
        "a Katib Experiment on the Kubeflow cluster, one trial pod per setting, in parallel "
        "(a run on this computer then searches here, and its log says so).",
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


def tune_model(
    train: Input[Dataset],
    model: Output[Model],
    search: Output[Metrics],
    algorithm: str,
    search_method: str,
    folds: int,
    candidates: int,
    scoring: str,
    seed: int,
    search_on: str = "here",
) -> None:
    from blocks.runtime.tuning import summary_lines, tune_block

    result = tune_block(
        train.path,
        model.path,
        algorithm,
        where=search_on,
        model_uri=model.uri,
        search=search_method,
        folds=folds,
        candidates=candidates,
        scoring=scoring,
        seed=seed,
    )
    model.metadata.update(result.metadata)
    for name, value in result.metrics.items():
        search.log_metric(name, value)
    print("\n".join(summary_lines(result)))
