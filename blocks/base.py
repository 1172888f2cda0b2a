"""What a block is: typed ports, a parameter model and the KFP component that does the work.

A block is data plus one KFP lightweight component. The data (id, ports, parameter model) is
what the canvas draws and what validation checks; the component is what a run executes.
Component functions run in a separate process (or a container on a cluster), so their bodies
import what they need, including the helpers in ``blocks.runtime``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kfp import dsl
from pydantic import BaseModel

#: Image the components run in on a cluster: it must hold this project (see deploy/).
DEFAULT_BLOCK_IMAGE = "designer-blocks:0.1.0"


@dataclass(frozen=True)
class PortType:
    """The kind of thing that travels along an edge.

    Types form a small tree: a port of type ``Model`` accepts a ``Classifier``, but a port of
    type ``Classifier`` does not accept a ``Regressor``. Each maps to a KFP artifact class.
    """

    name: str
    kfp_type: type
    description: str
    color: str
    parent: PortType | None = None

    def accepts(self, other: PortType) -> bool:
        """True when a value of type ``other`` may feed a port of this type."""
        current: PortType | None = other
        while current is not None:
            if current.name == self.name:
                return True
            current = current.parent
        return False


DATASET = PortType("Dataset", dsl.Dataset, "A table of rows and named columns.", "#2563eb")
MODEL = PortType("Model", dsl.Model, "A trained model.", "#9333ea")
CLASSIFIER = PortType(
    "Classifier", dsl.Model, "A trained model that predicts a category.", "#a855f7", MODEL
)
REGRESSOR = PortType(
    "Regressor", dsl.Model, "A trained model that predicts a number.", "#c026d3", MODEL
)
CLUSTERER = PortType(
    "Clusterer", dsl.Model, "A trained model that puts rows into groups.", "#db2777", MODEL
)
PREPROCESSOR = PortType(
    "Preprocessor", dsl.Model, "Fitted data preparation steps to reuse on new data.", "#0d9488"
)
METRICS = PortType("Metrics", dsl.Metrics, "Named scores such as accuracy or RMSE.", "#ea580c")
CLASSIFICATION_METRICS = PortType(
    "ClassificationMetrics",
    dsl.ClassificationMetrics,
    "A confusion matrix and ROC curve.",
    "#d97706",
)

DEPLOYMENT = PortType(
    "Deployment", dsl.Artifact, "Where a deployed model answers predictions.", "#16a34a"
)

PORT_TYPES: dict[str, PortType] = {
    t.name: t
    for t in (
        DATASET,
        MODEL,
        CLASSIFIER,
        REGRESSOR,
        CLUSTERER,
        PREPROCESSOR,
        METRICS,
        CLASSIFICATION_METRICS,
        DEPLOYMENT,
    )
}


@dataclass(frozen=True)
class Port:
    """A named, typed input or output of a block."""

    name: str
    type: PortType
    description: str = ""
    optional: bool = False


@dataclass(frozen=True)
class TableSchema:
    """What is known about a table before it exists: its columns and which one is the target."""

    columns: tuple[str, ...]
    target: str | None = None
    #: "classification", "regression" or None when not known.
    task: str | None = None
    #: False when a block knows the target and task of its output but not all of its columns
    #: (one-hot encoding makes new ones): ``columns`` then holds only columns known to exist,
    #: so checks for a missing column must be skipped.
    columns_known: bool = True
    #: When Task is auto: what the target holds that decided the task, quoted in messages
    #: ("five whole numbers from 1 to 5, like a rating or a class code").
    task_reason: str | None = None

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c != self.target)


@dataclass(frozen=True)
class ParamProblem:
    """A parameter value that cannot work with the data that reaches the block."""

    param: str
    message: str


@dataclass(frozen=True)
class Inference:
    """What a block's ``infer`` returns: the schema of each output table and any problems."""

    outputs: Mapping[str, TableSchema | None] = field(default_factory=dict)
    problems: tuple[ParamProblem, ...] = ()


#: ``infer(params, input_schemas)``: input schemas are None where unknown.
InferFn = Callable[[Any, Mapping[str, TableSchema | None]], Inference]


@dataclass(frozen=True)
class StoredTable:
    """One version of a dataset from the designer's library, as a block that reads it sees it."""

    dataset_id: str
    name: str
    version: int
    #: Where the component reads the file: a path on this machine or an s3:// address.
    uri: str
    #: "csv" or "parquet", and the CSV field separator ("" for Parquet).
    format: str
    delimiter: str
    columns: tuple[str, ...]
    suggested_target: str | None = None
    #: The task a column would be as the target when Task is auto, from its type and how many
    #: different values it holds (the same rule the block applies when it runs).
    tasks: Mapping[str, str] = field(default_factory=dict)
    #: Why each of those tasks, as ``TableSchema.task_reason`` says it.
    task_reasons: Mapping[str, str] = field(default_factory=dict)

    def arguments(self) -> dict[str, Any]:
        """What the reading component is given besides its parameters (the version is the one
        found, so a run of "latest" records which upload it read)."""
        return {
            "version": self.version,
            "uri": self.uri,
            "file_format": self.format,
            "delimiter": self.delimiter,
        }


class DatasetLookup(Protocol):
    """Finds a dataset version the person checking a flow may use (version 0: the newest).

    Raises LookupError with a message for the person when there is none.
    """

    def __call__(self, dataset_id: str, version: int) -> StoredTable: ...


class ComponentBuilder(Protocol):
    """Makes the KFP component of a block for an engine ("local" or "kubeflow") and image."""

    def __call__(self, engine: str, image: str) -> Any: ...


#: ``infer_dataset(params, table)``: the table is None when it could not be found.
InferDatasetFn = Callable[[Any, StoredTable | None], Inference]


@dataclass(frozen=True)
class Block:
    """One entry of the catalogue."""

    id: str
    version: str
    category: str
    title: str
    description: str
    icon: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    params: type[BaseModel]
    #: The component function of a built-in block; None for a person's own block, whose
    #: component ``build`` makes from its stored source.
    function: Callable[..., Any] | None
    infer: InferFn | None = None
    #: Set (instead of ``infer``) by a block that reads a dataset from the library. Its params
    #: hold ``dataset`` (an id) and ``version``; the checker finds that version with a
    #: ``DatasetLookup``, and its component takes ``StoredTable.arguments()`` as well.
    infer_dataset: InferDatasetFn | None = None
    #: A block that is not part of this project (a person's own code, an imported KFP
    #: component): ``build(engine, image)`` makes its KFP component for that engine.
    build: ComponentBuilder | None = None
    #: The engines its task can run on (``designer.flow.compile.ENGINES``): a container
    #: component runs only where there are containers.
    engines: tuple[str, ...] = ("local", "kubeflow")
    #: The pip packages its task installs before it starts (a person's own block only).
    packages: tuple[str, ...] = ()
    #: Who wrote it: "" for a built-in block, else the owner's username.
    owner: str = ""

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    def params_schema(self) -> dict[str, Any]:
        """The JSON Schema of the parameters: types, defaults, bounds, enums and help text."""
        schema = self.params.model_json_schema()
        schema.setdefault("properties", {})
        schema.setdefault("required", [])
        return schema

    def component(self) -> Any:
        """The KFP component as a local run executes it, built once per block image."""
        if self.build is not None:
            return self.build("local", block_image())
        assert self.function is not None  # a built-in block always has one
        return _build_component(self.function, block_image())

    def describe(self) -> dict[str, Any]:
        """The public description used by ``designer blocks --json`` and the canvas palette."""
        return {
            "id": self.id,
            "version": self.version,
            "category": self.category,
            "title": self.title,
            "description": self.description,
            "icon": self.icon,
            "inputs": [_describe_port(p) for p in self.inputs],
            "outputs": [_describe_port(p) for p in self.outputs],
            "params": self.params_schema(),
            "engines": list(self.engines),
            "packages": list(self.packages),
            "owner": self.owner,
        }


def _describe_port(port: Port) -> dict[str, Any]:
    return {
        "name": port.name,
        "type": port.type.name,
        "description": port.description,
        "optional": port.optional,
        "color": port.type.color,
    }


def block_image() -> str:
    return os.environ.get("DESIGNER_BLOCK_IMAGE", DEFAULT_BLOCK_IMAGE)


@functools.cache
def _build_component(function: Callable[..., Any], image: str) -> Any:
    # install_kfp_package=False and no packages_to_install: the image (or, locally, this
    # virtual environment) already holds kfp and the block runtime, so no task pip-installs.
    return dsl.component(function, base_image=image, install_kfp_package=False)
