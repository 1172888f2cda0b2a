"""Hyperparameter search with cross-validation over the catalogue's own estimators.

The estimators and the checks on the training table are the plain trainers' (``training``), so a
tuned model fails in the same words and is the same kind of object as a trained one: evaluation
and deployment cannot tell them apart. Best settings are reported in the plain trainers' terms
(``max_depth`` 0 means no limit), so a person can copy them onto a plain train block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator

from blocks.runtime.tables import Table
from blocks.runtime.training import ESTIMATORS, training_data

#: The tuning blocks' titles by task: messages name the block placed and suggest the other one.
TUNERS = {"classification": "Tune a classifier", "regression": "Tune a regressor"}

#: Small grids on purpose: 5-fold grid search on iris takes a few seconds on one core.
GRIDS: dict[str, dict[str, list[Any]]] = {
    "random_forest": {"n_estimators": [50, 100, 200], "max_depth": [None, 3, 6]},
    "gradient_boosting": {
        "n_estimators": [50, 100],
        "learning_rate": [0.05, 0.2],
        "max_depth": [2, 3],
    },
    "logistic_regression": {"C": [0.01, 0.1, 1.0, 10.0, 100.0]},
    "random_forest_regressor": {"n_estimators": [50, 100, 200], "max_depth": [None, 4, 8]},
    "linear_regression": {"alpha": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]},
}

#: What the trainers' factories start from; the search then sets the tuned settings. Ridge's
#: alpha must start above 0, else the linear factory gives LinearRegression, which has none.
BASE_PARAMS: dict[str, dict[str, Any]] = {
    "random_forest": {"n_estimators": 100, "max_depth": 0},
    "gradient_boosting": {"n_estimators": 100, "learning_rate": 0.1, "max_depth": 3},
    "logistic_regression": {"C": 1.0, "max_iter": 1000},
    "random_forest_regressor": {"n_estimators": 100, "max_depth": 0},
    "linear_regression": {"alpha": 1.0},
}
SEEDED = {"random_forest", "gradient_boosting", "random_forest_regressor"}

#: Where a search may run: in the block's own process, or as a Katib Experiment (one trial pod
#: per setting) when the block runs on a Kubeflow cluster.
SEARCH_PLACES = ("here", "katib")
#: What a local run's log says when the block was asked to search on Katib.
KATIB_HERE_NOTE = "Katib runs on a Kubeflow cluster; this run searched in the block"

#: Scoring choice -> (task, scikit-learn scorer, True when the scorer is a negated error that
#: is shown positive, lower being better).
SCORINGS: dict[str, tuple[str, str, bool]] = {
    "accuracy": ("classification", "accuracy", False),
    "f1": ("classification", "f1_macro", False),
    "balanced_accuracy": ("classification", "balanced_accuracy", False),
    "r2": ("regression", "r2", False),
    "rmse": ("regression", "neg_root_mean_squared_error", True),
    "mae": ("regression", "neg_mean_absolute_error", True),
}


@dataclass(frozen=True)
class Candidate:
    """One setting tried: its parameters (trainer terms) and its cross-validated score."""

    params: dict[str, Any]
    score: float
    std: float


@dataclass(frozen=True)
class TuningResult:
    model: BaseEstimator
    metadata: dict[str, Any]
    metrics: dict[str, float]
    #: Every candidate tried, best first.
    ranking: list[Candidate]
    scoring: str
    folds: int


def ranges(estimator: str) -> dict[str, Any]:
    """What random search draws from: wider than the grids, spread on a log scale for C/alpha."""
    from scipy.stats import loguniform, randint

    trees = {"n_estimators": randint(20, 301), "max_depth": [None, 2, 3, 4, 6, 8, 12]}
    return {
        "random_forest": trees,
        "random_forest_regressor": trees,
        "gradient_boosting": {
            "n_estimators": randint(20, 301),
            "learning_rate": loguniform(0.01, 0.5),
            "max_depth": randint(1, 6),
        },
        "logistic_regression": {"C": loguniform(1e-3, 1e3)},
        "linear_regression": {"alpha": loguniform(1e-3, 1e3)},
    }[estimator]


def base_estimator(estimator: str, seed: int) -> BaseEstimator:
    """The trainer's own estimator, before the search sets the tuned settings."""
    factory = ESTIMATORS[estimator][2]
    return factory(**BASE_PARAMS[estimator], **({"seed": seed} if estimator in SEEDED else {}))


def check_folds(labels: pd.Series, task: str, folds: int) -> None:
    """Every fold needs rows to test on (and, for categories, some of each class)."""
    if task == "classification":
        counts = labels.value_counts()
        few = counts[counts < folds]
        if len(few):
            listed = ", ".join(f"{label!r} ({count})" for label, count in few.items())
            raise ValueError(
                f"{folds} folds need at least {folds} rows of each class; the training rows "
                f"hold fewer of class(es) {listed}: lower Folds or add rows"
            )
    elif len(labels) < folds:
        raise ValueError(
            f"{folds} folds need at least {folds} rows; the training table has "
            f"{len(labels)}: lower Folds or add rows"
        )


def block_value(value: Any) -> Any:
    """A setting as the plain trainers take it: no depth limit is 0, numbers are plain Python."""
    if value is None:
        return 0
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class Problem:
    """A search's training rows, checked, and how each setting is scored: what every search
    starts from, in the block or in a Katib trial, so both score a setting the same way."""

    estimator: str
    task: str
    features: pd.DataFrame
    labels: pd.Series
    target: str | None
    scoring: str
    folds: int
    seed: int

    @property
    def scorer(self) -> str:
        return SCORINGS[self.scoring][1]

    @property
    def negated(self) -> bool:
        return SCORINGS[self.scoring][2]

    def splitter(self) -> Any:
        """Shuffled folds: tables often arrive sorted (by class, by date), which would leave a
        fold with nothing like the rows it is tested on."""
        from sklearn.model_selection import KFold, StratifiedKFold

        kind = StratifiedKFold if self.task == "classification" else KFold
        return kind(n_splits=self.folds, shuffle=True, random_state=self.seed)


def checked(table: Table, estimator: str, scoring: str, folds: int, seed: int) -> Problem:
    """The table checked for ``estimator`` and ``scoring``; ValueError in the trainers' words."""
    task = ESTIMATORS[estimator][0]
    who = TUNERS[task]
    scoring_task = SCORINGS[scoring][0]
    if scoring_task != task:
        choices = ", ".join(name for name, spec in SCORINGS.items() if spec[0] == task)
        raise ValueError(f"{who} cannot score by {scoring!r}; choose one of: {choices}")
    other = next(t for t in TUNERS if t != task)
    features, labels = training_data(table, task, who, TUNERS[other])
    check_folds(labels, task, folds)
    return Problem(estimator, task, features, labels, table.target, scoring, folds, seed)


def tune(
    table: Table,
    estimator: str,
    search: str,
    folds: int,
    candidates: int,
    scoring: str,
    seed: int,
) -> TuningResult:
    """Search ``estimator``'s settings by cross-validation, then refit the best on all rows."""
    problem = checked(table, estimator, scoring, folds, seed)
    searcher = _searcher(problem, search, candidates)
    searcher.fit(problem.features, problem.labels)
    return _result(problem, searcher.best_estimator_, _ranking(searcher.cv_results_, problem))


def estimator_params(params: dict[str, Any]) -> dict[str, Any]:
    """Settings in the trainers' terms as the estimator takes them (depth 0: no limit)."""
    return {k: None if k == "max_depth" and v == 0 else v for k, v in params.items()}


def cross_validate(problem: Problem, params: dict[str, Any]) -> Candidate:
    """One setting (trainer terms) scored as the in-block search scores it: the same folds,
    scorer, mean and spread, so a Katib trial's score equals the grid search's."""
    import numpy as np
    from sklearn.model_selection import cross_validate as sk_cross_validate

    model = base_estimator(problem.estimator, problem.seed)
    model.set_params(**estimator_params(params))
    scores = sk_cross_validate(
        model,
        problem.features,
        problem.labels,
        scoring=problem.scorer,
        cv=problem.splitter(),
        error_score="raise",
    )["test_score"]
    mean = np.average(scores)
    std = np.sqrt(np.average((scores - mean) ** 2))
    sign = -1.0 if problem.negated else 1.0
    return Candidate(dict(params), sign * float(mean), float(std))


def refit(problem: Problem, ranking: list[Candidate]) -> TuningResult:
    """The best of ``ranking`` (best first) refitted on all rows, reported as ``tune`` does."""
    model = base_estimator(problem.estimator, problem.seed)
    model.set_params(**estimator_params(ranking[0].params))
    model.fit(problem.features, problem.labels)
    return _result(problem, model, ranking)


def _result(problem: Problem, model: BaseEstimator, ranking: list[Candidate]) -> TuningResult:
    best = ranking[0]
    best_params = dict(best.params)
    metadata = {
        "estimator": type(model).__name__,
        "feature_columns": list(problem.features.columns),
        "target": problem.target,
        "task": problem.task,
        "training_rows": len(problem.features),
        "best_params": best_params,
        "tuned_model": ESTIMATORS[problem.estimator][1],
    }
    metrics = {
        "best_cv_score": best.score,
        "cv_score_std": best.std,
        "candidates_tried": float(len(ranking)),
        **{
            f"best_{name}": float(value)
            for name, value in best_params.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        },
    }
    return TuningResult(model, metadata, metrics, ranking, problem.scoring, problem.folds)


def _searcher(problem: Problem, search: str, candidates: int) -> Any:
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    base = base_estimator(problem.estimator, problem.seed)
    common = {
        "scoring": problem.scorer,
        "cv": problem.splitter(),
        "refit": True,
        "error_score": "raise",
    }
    if search == "grid":
        return GridSearchCV(base, GRIDS[problem.estimator], **common)
    if search == "random":
        return RandomizedSearchCV(
            base,
            ranges(problem.estimator),
            n_iter=candidates,
            random_state=problem.seed,
            **common,
        )
    raise ValueError(f"unknown search {search!r}; choose grid or random")


def _ranking(results: dict[str, Any], problem: Problem) -> list[Candidate]:
    sign = -1.0 if problem.negated else 1.0
    rows = sorted(range(len(results["params"])), key=lambda i: results["rank_test_score"][i])
    return [
        Candidate(
            {k: block_value(v) for k, v in results["params"][i].items()},
            sign * float(results["mean_test_score"][i]),
            float(results["std_test_score"][i]),
        )
        for i in rows
    ]


def summary_lines(result: TuningResult, top: int = 5) -> list[str]:
    """What the log shows: the best settings, then the first few candidates."""
    better = " (lower is better)" if SCORINGS[result.scoring][2] else ""
    best = result.ranking[0]
    shown = result.ranking[:top]
    lines = [
        f"best {result.scoring}{better}: {best.score:.4f} ± {best.std:.4f} over "
        f"{result.folds} folds, with {_settings(best.params)}",
        f"tried {len(result.ranking)} candidate(s); the best, refitted on all "
        f"{result.metadata['training_rows']} rows, is the model. Top {len(shown)}:",
    ]
    for place, candidate in enumerate(shown, start=1):
        lines.append(
            f"  {place}. {candidate.score:.4f} ± {candidate.std:.4f}  {_settings(candidate.params)}"
        )
    if any(c.params.get("max_depth") == 0 for c in shown):
        lines.append("(max_depth 0 means no limit)")
    return lines


def _settings(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in sorted(params.items())
    )


def tune_block(
    table_path: str,
    model_path: str,
    estimator: str,
    *,
    where: str = "here",
    model_uri: str = "",
    **options: Any,
) -> TuningResult:
    """What each tuning component does: read, search (here, or as a Katib Experiment when the
    block runs on a Kubeflow cluster), save the best model."""
    import joblib

    from blocks.runtime.tables import read_table

    if where not in SEARCH_PLACES:
        raise ValueError(f"unknown place to search {where!r}; choose one of: here, katib")
    table = read_table(table_path)
    result = None
    if where == "katib":
        from blocks.runtime import katib_search

        if katib_search.on_cluster(model_uri):
            result = katib_search.search(table, table_path, model_uri, estimator, **options)
        else:
            print(KATIB_HERE_NOTE)
    if result is None:
        result = tune(table, estimator, **options)
    joblib.dump(result.model, model_path)
    return result
