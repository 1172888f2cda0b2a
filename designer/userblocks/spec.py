"""What a person's own block is, before it becomes a catalogue ``Block``.

A block a person brings (their own Python function, or a KFP component file) is read into a
``BlockSpec``: its ports, its parameters, the text that describes them, and how its task runs.
Reading never runs the person's code: a Python source is parsed (``designer.userblocks.source``),
a component file is read as YAML (``designer.userblocks.component_file``). The spec is plain data
and round-trips through JSON, so the store keeps it beside the text it came from.

Ports carry our port type names (``blocks.base.PORT_TYPES``: Dataset, Model, Classifier...).
A KFP artifact type we have no name for becomes a *generic* port named after its KFP schema
title ("system.HTML", "acme.Embedding"): it connects only to a port of the very same name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: How a block's task runs: a Python function written out into the task ("python", runs
#: locally and on Kubeflow) or a container whose image and command come from a component file
#: ("container", runs on Kubeflow only: this machine has no container engine).
Kind = Literal["python", "container"]
KINDS: tuple[str, ...] = ("python", "container")

#: Parameter types, named as JSON Schema names them (the form is built from JSON Schema).
ParamType = Literal["string", "integer", "number", "boolean", "array", "object"]
PARAM_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean", "array", "object")

#: Where a block may run, by engine name (``designer.flow.compile.ENGINES``).
ENGINES_FOR_KIND: dict[str, tuple[str, ...]] = {
    "python": ("local", "kubeflow"),
    "container": ("kubeflow",),
}

#: Palette category of a person's block unless it names one of the built-in ones.
DEFAULT_CATEGORY = "custom"
#: The built-in categories a block may join.
CATEGORIES: tuple[str, ...] = (
    "load",
    "split",
    "preprocess",
    "train",
    "evaluate",
    "deploy",
    DEFAULT_CATEGORY,
)

# Bounds on what one block may hold: a block is a step, not a program.
MAX_SOURCE_CHARS = 100_000
MAX_PORTS = 32
MAX_PARAMS = 64
MAX_PACKAGES = 32
MAX_TEXT_CHARS = 2_000
MAX_TITLE_CHARS = 100


@dataclass(frozen=True)
class PortSpec:
    """An artifact input or output: a named, typed end of an edge."""

    name: str
    #: Our port type name (``blocks.base.PORT_TYPES``) or, for a generic port, the KFP schema
    #: title of its artifact type.
    type: str
    description: str = ""
    optional: bool = False


@dataclass(frozen=True)
class ParamSpec:
    """A plain input set in the block's form (a KFP parameter)."""

    name: str
    type: ParamType
    #: None with ``required``: the form asks for a value.
    default: Any = None
    required: bool = False
    title: str = ""
    description: str = ""
    #: The only values allowed (``Literal[...]`` in Python, an enum in a component file).
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True)
class BlockSpec:
    """A person's block as read from its source; everything the catalogue needs to offer it."""

    #: Machine name, unique per owner: lower-case letters, digits and underscores.
    name: str
    title: str
    description: str
    category: str
    kind: Kind
    inputs: tuple[PortSpec, ...] = ()
    outputs: tuple[PortSpec, ...] = ()
    params: tuple[ParamSpec, ...] = ()
    #: Extra pip packages the task installs before it starts (``packages_to_install``).
    packages: tuple[str, ...] = ()
    #: "python": the function the task calls, defined in the block's source.
    function: str = ""
    #: "container": the image the component file names (shown on the block).
    image: str = ""
    #: Anything the reader wants the person to know that is not an error.
    notes: tuple[str, ...] = field(default=())

    @property
    def engines(self) -> tuple[str, ...]:
        return ENGINES_FOR_KIND[self.kind]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BlockSpec:
        """The spec ``to_json`` wrote (the store's own data: trusted, not a person's input)."""
        return cls(
            name=data["name"],
            title=data["title"],
            description=data["description"],
            category=data["category"],
            kind=data["kind"],
            inputs=tuple(PortSpec(**p) for p in data.get("inputs", ())),
            outputs=tuple(PortSpec(**p) for p in data.get("outputs", ())),
            params=tuple(
                ParamSpec(**{**p, "choices": tuple(p.get("choices", ()))})
                for p in data.get("params", ())
            ),
            packages=tuple(data.get("packages", ())),
            function=data.get("function", ""),
            image=data.get("image", ""),
            notes=tuple(data.get("notes", ())),
        )


@dataclass(frozen=True)
class SourceProblem:
    """Why a source does not make a block, and where (1-based line; 0 when not one line)."""

    message: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class SourceCheck:
    """What reading a block's source found: a spec, or the problems (never both)."""

    spec: BlockSpec | None
    problems: tuple[SourceProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.spec is not None


class BlockSourceError(ValueError):
    """A source that does not make a block; ``problems`` say why and where."""

    def __init__(self, problems: tuple[SourceProblem, ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems) or "the source does not make a block")
