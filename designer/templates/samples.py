"""The data the guided start offers: the sample datasets that ship with the designer, a
person's own library datasets, and the tables the proposals load them with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from designer.datasets.profile import TableProfile, inspect_file
from designer.store import datasets as dataset_store
from designer.store.access import Actor
from designer.templates.gallery import SAMPLES_DIR


class CannotPropose(ValueError):
    """The chosen data or column cannot be predicted; the message says why and what to do."""


@dataclass(frozen=True)
class Sample:
    """A dataset that ships with the designer, offered as the wizard's first choice."""

    name: str
    title: str
    description: str
    task: str
    #: What the column to predict means.
    target_meaning: str


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "iris",
        "Iris flowers",
        "150 flowers, 4 measurements each.",
        "classification",
        "the species (setosa, versicolor or virginica)",
    ),
    Sample(
        "breast_cancer",
        "Breast tumours",
        "569 biopsies, 30 measurements of the cells.",
        "classification",
        "whether the tumour is malignant or benign",
    ),
    Sample(
        "wine",
        "Wines",
        "178 wines, 13 chemical measurements.",
        "classification",
        "which of 3 grape growers made it",
    ),
    Sample(
        "digits",
        "Handwritten digits",
        "1,797 tiny 8x8 images of digits.",
        "classification",
        "the digit, 0 to 9",
    ),
    Sample(
        "diabetes",
        "Diabetes patients",
        "442 patients, 10 health measures.",
        "regression",
        "how far the disease progressed in a year (a number)",
    ),
)


@dataclass(frozen=True)
class TableSource:
    """Where the wizard's table comes from: the block that loads it and its settings."""

    block: str
    params: dict[str, Any]
    name: str

    @classmethod
    def library(cls, dataset_id: str, name: str) -> TableSource:
        """A dataset from the person's library, following its newest version."""
        return cls("load.dataset", {"dataset": dataset_id, "version": 0}, name)

    @classmethod
    def file(cls, uri: str, name: str) -> TableSource:
        return cls("load.table_file", {"uri": uri, "format": "auto"}, name)


@dataclass(frozen=True)
class SampleTable:
    """A CSV file that ships with the designer (assets/samples/), read by a Table file block."""

    name: str
    title: str
    description: str
    filename: str

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / self.filename


SAMPLE_TABLES: tuple[SampleTable, ...] = (
    SampleTable(
        "customers",
        "Phone customers (messy CSV)",
        "800 customers with empty cells and text columns; did they leave?",
        "customers.csv",
    ),
)


def sample(name: str) -> Sample:
    found = next((s for s in SAMPLES if s.name == name), None)
    if found is None:
        choices = ", ".join(s.name for s in SAMPLES)
        raise CannotPropose(f"there is no sample dataset {name!r}; choose one of: {choices}")
    return found


def sample_table(name: str) -> tuple[TableSource, TableProfile]:
    """A shipped CSV as the wizard reads it: the block that loads it and its profile."""
    found = next((t for t in SAMPLE_TABLES if t.name == name), None)
    if found is None:
        choices = ", ".join(t.name for t in SAMPLE_TABLES)
        raise CannotPropose(f"there is no sample table {name!r}; choose one of: {choices}")
    profile = inspect_file(found.path, found.filename)
    return TableSource.file(str(found.path), found.title), profile


def library_table(
    engine: Engine, actor: Actor | None, dataset_id: str
) -> tuple[TableSource, TableProfile]:
    """The newest version of a library dataset the person may use, and its profile.

    Raises the store's DatasetNotFound for a dataset they may not see.
    """
    version, profile = dataset_store.get_version(engine, actor, dataset_id, 0)
    source = TableSource.library(dataset_id, version.dataset_name)
    return source, TableProfile.from_dict(profile)
