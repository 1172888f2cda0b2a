"""The datasets scikit-learn ships on disk, as tables with their target column.

scikit-learn keeps a classification target as codes (0, 1, 2) and the class names beside them
(``target_names``). The names are put in the column itself here, at the start of the flow, so
every later view (the confusion matrix, a deployed model's answer, its probabilities) says
"setosa", not "0", with nothing to carry alongside. The target column is named after what it
holds ("species"), which is also what the Models page says a model predicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported when a sample is loaded, not to name its target
    from blocks.runtime.tables import Table


@dataclass(frozen=True)
class Sample:
    loader: str
    task: str
    #: What the target column is called in the loaded table.
    target: str


SAMPLES = {
    "iris": Sample("load_iris", "classification", "species"),
    "wine": Sample("load_wine", "classification", "cultivar"),
    "breast_cancer": Sample("load_breast_cancer", "classification", "diagnosis"),
    "digits": Sample("load_digits", "classification", "digit"),
    "diabetes": Sample("load_diabetes", "regression", "progression"),
}


def target_column(name: str) -> str:
    """The name of the sample's target column ("species" for iris)."""
    return _sample(name).target


def load_sample(name: str) -> Table:
    sample = _sample(name)
    import pandas as pd
    import sklearn.datasets

    from blocks.runtime.tables import Table

    bunch = getattr(sklearn.datasets, sample.loader)(as_frame=True)
    frame = bunch.frame.rename(columns={"target": sample.target})
    names = getattr(bunch, "target_names", None)
    if sample.task == "classification" and names is not None:
        # Codes index target_names; digits' names are the digits themselves, kept as numbers.
        labels = [n.item() if hasattr(n, "item") else n for n in names]
        if any(isinstance(label, str) for label in labels):
            codes = frame[sample.target].to_numpy()
            frame[sample.target] = pd.Series([str(labels[c]) for c in codes], index=frame.index)
    return Table(frame, target=sample.target, task=sample.task)


def _sample(name: str) -> Sample:
    if name not in SAMPLES:
        raise ValueError(f"unknown sample dataset {name!r}; choose one of: {', '.join(SAMPLES)}")
    return SAMPLES[name]
