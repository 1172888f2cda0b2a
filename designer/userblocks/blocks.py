"""A person's block as the catalogue offers it: a ``blocks.base.Block`` made from a spec.

The block's id says whose block it is and which version a flow uses: ``ana/clean_rows@3``.
Its parameters get a pydantic model built from the spec (so the form, the checks and the
compiler treat them as the built-in blocks' parameters); its component is made from the stored
source or component text (``designer.userblocks.components``) only when a flow is compiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from kfp import dsl
from pydantic import BaseModel, ConfigDict, Field, create_model

from blocks.base import PORT_TYPES, Block, Port, PortType
from designer.userblocks.components import container_component, python_component
from designer.userblocks.spec import BlockSpec, ParamSpec, PortSpec

#: ``owner/name@version``: the id a flow's node holds for a person's block.
BLOCK_ID = re.compile(
    r"^(?P<owner>[^/@\s]{1,64})/(?P<name>[a-z][a-z0-9_]{0,63})@(?P<version>\d{1,9})$"
)
#: Colour of a port whose KFP type has no name of ours: grey, connects only to its own type.
GENERIC_COLOR = "#64748b"
#: Icon of a person's block in the palette, by kind.
ICONS = {"python": "code", "container": "package"}

_PYTHON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
}


@dataclass(frozen=True)
class BlockRef:
    """The parts of a person's block id."""

    owner: str
    name: str
    version: int

    @property
    def id(self) -> str:
        return f"{self.owner}/{self.name}@{self.version}"

    @property
    def unversioned(self) -> str:
        return f"{self.owner}/{self.name}"


def parse_block_id(block_id: str) -> BlockRef | None:
    """The owner, name and version of a person's block id; None for any other id."""
    found = BLOCK_ID.match(block_id)
    if found is None:
        return None
    return BlockRef(found["owner"], found["name"], int(found["version"]))


def make_block(ref: BlockRef, spec: BlockSpec, text: str, from_file: bool = False) -> Block:
    """The catalogue block of version ``ref`` of a person's block.

    ``text`` is what the spec was read from: a Python source, or (``from_file``) a KFP
    component file, which compiles to exactly the command and image it names, whatever its
    kind (a lightweight component file keeps its own command too).
    """

    def build(engine: str, image: str) -> Any:
        if from_file:
            return container_component(text)
        return python_component(spec, text, engine, image)

    return Block(
        id=ref.id,
        version=str(ref.version),
        category=spec.category,
        title=spec.title,
        description=spec.description,
        icon=ICONS.get(spec.kind, "box"),
        inputs=tuple(_port(p) for p in spec.inputs),
        outputs=tuple(_port(p) for p in spec.outputs),
        params=params_model(spec),
        function=None,
        build=build,
        engines=spec.engines,
        packages=spec.packages,
        owner=ref.owner,
    )


def port_type(name: str) -> PortType:
    """Our port type of that name, or a generic one that accepts only its own name."""
    ours = PORT_TYPES.get(name)
    if ours is not None:
        return ours
    return _generic(name)


_GENERIC: dict[str, PortType] = {}


#: KFP's plain artifact type: an input of it takes any artifact, as in KFP.
ANY_ARTIFACT = "system.Artifact"
#: Port types of parameter values (a component's parameter inputs and outputs).
PARAMETER_PREFIX = "parameter:"


@dataclass(frozen=True)
class AnyArtifactType(PortType):
    """``system.Artifact``: accepts every artifact (our types and generic ones alike), never a
    parameter value."""

    def accepts(self, other: PortType) -> bool:
        return not other.name.startswith(PARAMETER_PREFIX)


def _generic(name: str) -> PortType:
    known = _GENERIC.get(name)
    if known is None:
        if name == ANY_ARTIFACT:
            known = AnyArtifactType(
                name, dsl.Artifact, "Any artifact: takes what any output makes.", GENERIC_COLOR
            )
        else:
            known = PortType(
                name,
                dsl.Artifact,
                f"A {name} artifact: connects only to a port of the same type.",
                GENERIC_COLOR,
            )
        if len(_GENERIC) < 10_000:  # names come from people's files: keep the cache bounded
            _GENERIC[name] = known
    return known


def _port(port: PortSpec) -> Port:
    return Port(port.name, port_type(port.type), port.description, port.optional)


def params_model(spec: BlockSpec) -> type[BaseModel]:
    """A pydantic model of the block's parameters, as the built-in blocks have."""
    fields: dict[str, Any] = {param.name: _field(param) for param in spec.params}
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"Params_{spec.name}",
        __config__=ConfigDict(extra="forbid", title=spec.title),
        **fields,
    )


def _field(param: ParamSpec) -> tuple[Any, Any]:
    annotation: Any = _PYTHON_TYPES[param.type]
    if param.choices:
        annotation = Literal[tuple(param.choices)]  # type: ignore[valid-type]
    title = param.title or param.name.replace("_", " ").capitalize()
    if param.required:
        return annotation, Field(..., title=title, description=param.description or None)
    if param.default is None:
        annotation = annotation | None
    return annotation, Field(param.default, title=title, description=param.description or None)


__all__ = ["BlockRef", "make_block", "params_model", "parse_block_id", "port_type"]
