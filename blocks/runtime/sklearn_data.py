"""The datasets scikit-learn ships on disk, as tables with their target column."""

from __future__ import annotations

from blocks.runtime.tables import Table

_LOADERS = {
    "iris": ("load_iris", "classification"),
    "wine": ("load_wine", "classification"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "digits": ("load_digits", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}


def load_sample(name: str) -> Table:
    if name not in _LOADERS:
        raise ValueError(f"unknown sample dataset {name!r}; choose one of: {', '.join(_LOADERS)}")
    import sklearn.datasets

    loader, task = _LOADERS[name]
    bunch = getattr(sklearn.datasets, loader)(as_frame=True)
    return Table(bunch.frame, target="target", task=task)
