"""Grouping rows with k-means, and scoring how well separated the groups are.

The model is always a scikit-learn Pipeline ending in KMeans (with a scaler first when asked),
so the saved file carries its own preparation: deployment and evaluation feed it raw rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from blocks.runtime.evaluation import model_features
from blocks.runtime.tables import Table
from blocks.runtime.training import feature_matrix

CLUSTER_COLUMN = "cluster"
#: Silhouette compares every row with every other: above this many rows it uses a sample.
SILHOUETTE_ROWS = 5000
TRAINER = "K-means clustering"
EVALUATOR = "Evaluate clustering"


def cluster_features(table: Table, who: str) -> pd.DataFrame:
    """The columns to group rows by: every column but the target, all numbers, none empty."""
    if table.frame.empty:
        raise ValueError(f"{who} got a table with no rows")
    if CLUSTER_COLUMN in table.frame.columns:
        raise ValueError(
            f"{who} adds a {CLUSTER_COLUMN!r} column, and the table already has one; drop or "
            "rename it first (a Prepare columns block can drop it)"
        )
    columns = [str(c) for c in table.features.columns]
    if not columns:
        raise ValueError(f"{who} needs at least one column besides the target to group rows by")
    return feature_matrix(table.frame, columns, who)


def fit_kmeans(table: Table, n_clusters: int, scale: bool, seed: int) -> tuple[Any, dict[str, Any]]:
    """The fitted pipeline and the facts worth keeping next to the model file."""
    from sklearn.cluster import KMeans
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = cluster_features(table, TRAINER)
    distinct = len(features.drop_duplicates())
    if distinct < n_clusters:
        raise ValueError(
            f"{TRAINER} cannot make {n_clusters} groups from {distinct} different row(s); "
            "lower Number of groups or add rows"
        )
    # Standardising inside the pipeline keeps one column measured in large units from deciding
    # the groups alone, and new rows get the same scaling when the model is used later.
    steps = [StandardScaler()] if scale else []
    model = make_pipeline(*steps, KMeans(n_clusters=n_clusters, n_init=10, random_state=seed))
    model.fit(features)
    metadata = {
        "estimator": "KMeans",
        "feature_columns": list(features.columns),
        # The model predicts a group number, not the table's target, which it never saw.
        "target": "",
        "unused_target": table.target or "",
        "task": "clustering",
        "training_rows": len(features),
        "n_clusters": n_clusters,
        "scaled": scale,
    }
    return model, metadata


def assign_clusters(model: Any, table: Table) -> Table:
    """The rows with their group number in a new last column; target and task unchanged."""
    features = cluster_features(table, TRAINER)
    frame = table.frame.copy()
    frame[CLUSTER_COLUMN] = model.predict(features).astype("int64")
    return Table(frame, table.target, table.task)


def sizes_line(grouped: Table, columns: list[str]) -> str:
    """The log line after grouping: how many rows went into each group."""
    sizes = grouped.frame[CLUSTER_COLUMN].value_counts().sort_index()
    listed = ", ".join(f"group {group}: {count} rows" for group, count in sizes.items())
    return f"grouped {len(grouped.frame)} rows by {len(columns)} column(s); {listed}"


def clustering_scores(model: Any, table: Table, seed: int = 0) -> dict[str, float]:
    """How compact and separate the groups are on these rows, and how they match the target."""
    from sklearn import metrics
    from sklearn.base import is_clusterer

    if not is_clusterer(model):
        raise ValueError(
            "this model predicts a target, not groups: use Evaluate classification or "
            "Evaluate regression"
        )
    features = _scoring_features(model, table)
    groups = np.asarray(model.predict(features))
    space = _cluster_space(model, features)
    n_clusters = int(_final_step(model).n_clusters)
    sizes = np.bincount(groups, minlength=n_clusters)
    scores: dict[str, float] = {
        "n_clusters": float(n_clusters),
        "smallest_cluster": float(sizes.min()),
        "largest_cluster": float(sizes.max()),
        # KMeans.score is minus the inertia: the summed squared distance to each centre.
        "inertia": float(-model.score(features)),
    }
    found = len(np.unique(groups))
    if 2 <= found < len(groups):  # silhouette is undefined for one group or one row per group
        sample = SILHOUETTE_ROWS if len(groups) > SILHOUETTE_ROWS else None
        scores["silhouette"] = float(
            metrics.silhouette_score(space, groups, sample_size=sample, random_state=seed)
        )
    if table.target and table.target in table.frame.columns:
        truth = table.frame[table.target]
        known = truth.notna().to_numpy()
        scores["adjusted_rand"] = float(metrics.adjusted_rand_score(truth[known], groups[known]))
    return scores


def summary_line(scores: dict[str, float]) -> str:
    """One readable line for the log."""
    parts = [
        f"{int(scores['n_clusters'])} groups of {int(scores['smallest_cluster'])} to "
        f"{int(scores['largest_cluster'])} rows"
    ]
    if "silhouette" in scores:
        parts.append(f"silhouette {scores['silhouette']:.3f} (1 is best, near 0 overlapping)")
    else:
        parts.append("silhouette skipped: the rows fall into fewer than 2 groups")
    if "adjusted_rand" in scores:
        parts.append(f"agreement with the target (adjusted Rand) {scores['adjusted_rand']:.3f}")
    parts.append(f"inertia {scores['inertia']:.4g}")
    return "; ".join(parts)


def _scoring_features(model: Any, table: Table) -> pd.DataFrame:
    columns = model_features(model)
    missing = [c for c in columns if c not in table.frame.columns]
    if missing:
        raise ValueError(
            f"the table lacks column(s) the model grouped by: {', '.join(map(repr, missing))}; "
            f"the table has: {', '.join(map(str, table.frame.columns))}. Prepare these rows "
            "the same way as the rows the model learned from"
        )
    if table.frame.empty:
        raise ValueError(f"{EVALUATOR} got a table with no rows")
    return feature_matrix(table.frame, columns, EVALUATOR)


def _final_step(model: Any) -> Any:
    from sklearn.pipeline import Pipeline

    return model[-1] if isinstance(model, Pipeline) else model


def _cluster_space(model: Any, features: pd.DataFrame) -> Any:
    """The rows as k-means measured them (scaled when the pipeline scales): where distances
    for the silhouette must be taken too."""
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline) and len(model) > 1:
        return model[:-1].transform(features)
    return features
