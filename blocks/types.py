"""The artifact types a block's ports are written with, all importable from one place.

A person's block declares its ports in its function's signature with KFP annotations:
``Input[Dataset]`` for a table it reads, ``Output[Classifier]`` for the model it writes. One
line, ``from blocks.types import Input, Output, Dataset, Classifier``, serves every type such a
block may use.

Kubeflow knows one kind of model, ``system.Model``. The designer tells models apart (a
classifier cannot feed a regression evaluator), so Classifier, Regressor, Clusterer and
Preprocessor are subclasses of ``kfp.dsl.Model`` that keep its schema title: to KFP each is a
Model, and the compiled pipeline is an ordinary KFP pipeline. What the subclass adds is its
*name*, which the designer reads from the block's source to type the port.

Two things follow from KFP's handling of artifact classes (checked in
``tests/unit/userblocks/test_types.py``):

- ``dsl.component`` accepts the subclasses and writes ``from blocks.types import Classifier``
  (and so on) into the task's program, so the task needs this project importable (the block
  image holds it; locally the designer's own environment does).
- At run time KFP builds each artifact object from its schema title, so a function annotated
  ``Output[Classifier]`` receives a plain ``kfp.dsl.Model``: use its ``path``, ``uri`` and
  ``metadata`` as with any model, and do not test ``isinstance(model, Classifier)``.
"""

from __future__ import annotations

from kfp.dsl import (
    HTML,
    Artifact,
    ClassificationMetrics,
    Dataset,
    Input,
    Markdown,
    Metrics,
    Model,
    Output,
    SlicedClassificationMetrics,
)

__all__ = [
    "HTML",
    "Artifact",
    "ClassificationMetrics",
    "Classifier",
    "Clusterer",
    "Dataset",
    "Input",
    "Markdown",
    "Metrics",
    "Model",
    "Output",
    "Preprocessor",
    "Regressor",
    "SlicedClassificationMetrics",
]


class Classifier(Model):
    """A trained model that predicts a category (a KFP ``system.Model``)."""


class Regressor(Model):
    """A trained model that predicts a number (a KFP ``system.Model``)."""


class Clusterer(Model):
    """A trained model that puts rows into groups (a KFP ``system.Model``)."""


class Preprocessor(Model):
    """Fitted data preparation steps to reuse on new data (a KFP ``system.Model``)."""


#: Our model port types (``blocks.base.PORT_TYPES``) by name, as KFP artifact classes.
MODEL_KINDS: dict[str, type[Model]] = {
    cls.__name__: cls for cls in (Classifier, Regressor, Clusterer, Preprocessor)
}
