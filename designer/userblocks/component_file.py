"""Reading a KFP component file into a block spec, without running anything in it.

People bring components written for Kubeflow Pipelines: a KFP v1 ``component.yaml`` (``name``,
``inputs``, ``outputs``, ``implementation: container: {image, command, args}``) or a component
compiled by the KFP v2 SDK (pipeline IR holding one task). The file is read as data:

- the YAML is scanned before it is loaded, bounding its size, nesting and aliases (PyYAML's C
  loader crashes the process on deeply nested text; an alias can repeat a part of the file
  without limit), then loaded with a safe loader;
- kfp's own reader (``ComponentSpec.from_yaml_documents``) reads it next, so a file is accepted
  exactly when KFP accepts it; whatever kfp raises becomes a problem with its message;
- artifact inputs and outputs become ports, parameter inputs the block's form (each also an
  optional input port, so another task's value can feed it), parameter outputs ports of
  their own kind (``parameter:STRING``...);
- a KFP lightweight Python component (its container writes an embedded program to a file and
  runs ``kfp.dsl.executor_main`` on one function of it, exactly as ``@dsl.component`` lays it
  out) is a "python" block whose program is taken out as text; any other container is a
  "container" block, which runs on Kubeflow only.

What the designer keeps is ``ComponentRead.component_yaml``: the component as KFP writes a
compiled component (IR YAML whatever format it came in, without comments, aliases or platform
settings), checked to read back into the very component the file described.

The file is split by what each part knows: ``component_yaml_scan`` (bounded YAML and lines),
``component_layout`` (which format, where its parts are), ``component_ports`` (inputs and
outputs as ports and settings), ``lightweight`` (KFP's lightweight Python layout) and
``component_fetch`` (downloading one); this module puts them together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import docstring_parser
import yaml
from google.protobuf import json_format
from kfp import components
from kfp.compiler import pipeline_spec_builder
from kfp.dsl import structures

from designer.userblocks.component_fetch import FETCH_TIMEOUT_S, fetch_component
from designer.userblocks.component_layout import Layout, pipeline_problem
from designer.userblocks.component_ports import (
    PARAM_TYPE_OF_KFP,
    PARAMETER_PORT,
    PORT_TYPE_OF_TITLE,
    is_parameter_port,
    read_inputs,
    read_outputs,
)
from designer.userblocks.component_yaml_scan import (
    MAX_COMPONENT_BYTES,
    MAX_COMPONENT_CHARS,
    MAX_NESTING,
    MAX_VALUES,
    Refused,
    at,
    said,
)
from designer.userblocks.lightweight import Program, check_program, python_program
from designer.userblocks.spec import (
    DEFAULT_CATEGORY,
    MAX_PACKAGES,
    MAX_PARAMS,
    MAX_PORTS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    BlockSpec,
    ParamSpec,
    PortSpec,
    SourceCheck,
    SourceProblem,
)

#: The longest machine name of a block (``designer.userblocks.blocks.BLOCK_ID``).
MAX_NAME_CHARS = 64
#: The note every container block carries.
KUBEFLOW_ONLY = (
    "Runs on Kubeflow only: its container needs a container engine, which the designer does "
    "not have to run it on this computer."
)

#: The note of a compiled component that carries platform settings.
PLATFORM_LEFT_OUT = (
    "The file's KFP platform settings (its second YAML document) are left out: KFP applies "
    "them to pipelines, not to a component used in one."
)
#: Characters YAML refuses anywhere in a stream, comments included.
_NOT_YAML_PRINTABLE = re.compile(
    "[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


@dataclass(frozen=True)
class ComponentRead:
    """What reading a component file found."""

    #: The block spec, or the problems (with the file's line where the YAML gives one).
    check: SourceCheck
    #: The component as the designer stores it and compiles it (``load_component_text``).
    component_yaml: str = ""
    #: A "python" block's program, as the component embeds it; "" for a container block.
    source: str = ""


def read_component(text: str) -> ComponentRead:
    """The block a KFP component file makes, or why it makes none; never raises."""
    try:
        return _read(text)
    except Refused as refused:
        return ComponentRead(SourceCheck(None, refused.problems))
    except Exception as exc:  # the last guard: kfp and PyYAML raise errors of every kind
        problem = SourceProblem(f"KFP cannot read this component: {said(exc)}")
        return ComponentRead(SourceCheck(None, (problem,)))


def load_component_text(text: str) -> Any:
    """The KFP component (a ``YamlComponent``) of a stored ``ComponentRead.component_yaml``."""
    return components.load_component_from_text(text)


def _read(text: str) -> ComponentRead:
    if not isinstance(text, str):
        raise Refused(SourceProblem("a component file is text (YAML)"))
    if len(text) > MAX_COMPONENT_CHARS:
        raise Refused(
            SourceProblem(
                f"the file has {len(text):,} characters; a component file may have at most "
                f"{MAX_COMPONENT_CHARS:,}"
            )
        )
    if not text.strip():
        raise Refused(SourceProblem("the file is empty; choose a KFP component YAML file"))
    layout = Layout.of(text)
    spec = _kfp_spec(text)
    if spec.implementation.graph is not None:
        raise Refused(pipeline_problem(layout.line("root")))
    container = spec.implementation.container
    if container is None:
        raise Refused(SourceProblem("the component runs no container (it is an importer?)"))

    problems: list[SourceProblem] = []
    notes: list[str] = []
    inputs, params = read_inputs(spec, layout, problems, notes)
    outputs = read_outputs(spec, layout, problems, notes)
    title, name = _names(layout, problems)
    description = _description(spec.description, problems)
    program = python_program(container)
    if program is not None:
        check_program(program, problems)
    elif not (isinstance(container.image, str) and container.image.strip()):
        problems.append(SourceProblem("the component's container names no image", layout.image))
    elif len(container.image) > MAX_TEXT_CHARS:
        problems.append(SourceProblem("the container's image name is too long", layout.image))
    _bounds(inputs, outputs, params, program, problems)
    if problems:
        raise Refused(*problems)

    if program is None:
        notes.insert(0, KUBEFLOW_ONLY)
    if layout.platform:
        notes.append(PLATFORM_LEFT_OUT)
    block = BlockSpec(
        name=name,
        title=title,
        description=description,
        category=DEFAULT_CATEGORY,
        kind="container" if program is None else "python",
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        params=tuple(params),
        packages=program.packages if program else (),
        function=program.function if program else "",
        image="" if program else container.image,
        notes=tuple(notes),
    )
    component_yaml = _canonical(spec, description)
    return ComponentRead(SourceCheck(block), component_yaml, program.source if program else "")


def _kfp_spec(text: str) -> structures.ComponentSpec:
    try:
        return structures.ComponentSpec.from_yaml_documents(text)
    except Exception as exc:
        raise Refused(SourceProblem(f"KFP cannot read this component: {said(exc)}")) from None


def _names(layout: Layout, problems: list[SourceProblem]) -> tuple[str, str]:
    """The title (the component's name as written) and the block's machine name."""
    path = ("name",) if layout.version == 1 else ("pipelineInfo", "name")
    written = at(layout.document, *path)
    line = layout.line(*path)
    title = written.strip() if isinstance(written, str) else ""
    if not title:
        problems.append(SourceProblem("the component has no name", line))
        return "", ""
    if len(title) > MAX_TITLE_CHARS:
        problems.append(
            SourceProblem(f"the component's name is longer than {MAX_TITLE_CHARS} characters", line)
        )
    name = block_name(title)
    if not name:
        problems.append(
            SourceProblem(
                f"the component's name {title[:MAX_TITLE_CHARS]!r} has no letter to make a block "
                "name from",
                line,
            )
        )
    return title, name


def block_name(title: str) -> str:
    """``title`` as a block's machine name: lower-case ASCII letters, digits and underscores,
    starting with a letter ("" when it has no letter)."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_.lower())
    slug = re.sub(r"^[^a-z]+", "", slug)
    return slug[:MAX_NAME_CHARS].rstrip("_")


def _description(written: str | None, problems: list[SourceProblem]) -> str:
    """The component's description; a Python function's docstring without its Args section."""
    description = written.strip() if isinstance(written, str) else ""
    try:  # docstring_parser: kfp's own dependency, which it reads these docstrings with
        parsed = docstring_parser.parse(description)
        if parsed.params or parsed.returns or parsed.raises:
            parts = (parsed.short_description, parsed.long_description)
            description = "\n\n".join(p.strip() for p in parts if p and p.strip())
    except Exception:  # a description that is no docstring stays as written
        pass
    if len(description) > MAX_TEXT_CHARS:
        problems.append(
            SourceProblem(
                f"the component's description is longer than {MAX_TEXT_CHARS:,} characters"
            )
        )
    return description


def _bounds(
    inputs: list[PortSpec],
    outputs: list[PortSpec],
    params: list[ParamSpec],
    program: Program | None,
    problems: list[SourceProblem],
) -> None:
    # A parameter input's port is its setting again: it is counted (and its text checked) once,
    # as a parameter.
    artifacts = [p for p in inputs if not is_parameter_port(p)]
    for what, count, most in (
        ("ports (inputs and outputs)", len(artifacts) + len(outputs), MAX_PORTS),
        ("parameters", len(params), MAX_PARAMS),
        ("packages", len(program.packages) if program else 0, MAX_PACKAGES),
    ):
        if count > most:
            problems.append(
                SourceProblem(f"the component has {count} {what}; a block may have at most {most}")
            )
    described = [(f"input {p.name!r}", p.description) for p in artifacts]
    described += [(f"output {p.name!r}", p.description) for p in outputs]
    described += [(f"parameter {p.name!r}", p.description) for p in params]
    described += [(f"package {p[:40]!r}", p) for p in (program.packages if program else ())]
    for what, text in described:
        if len(text) > MAX_TEXT_CHARS:
            problems.append(
                SourceProblem(f"the text of {what} is longer than {MAX_TEXT_CHARS:,} characters")
            )


# -- what the designer keeps -----------------------------------------------------------------


def _canonical(spec: structures.ComponentSpec, description: str) -> str:
    """The component as KFP writes a compiled component, checked to read back the same."""
    try:
        ir = json_format.MessageToDict(spec.to_pipeline_spec())
        header = pipeline_spec_builder.extract_comments_from_pipeline_spec(
            ir, _NOT_YAML_PRINTABLE.sub("", description) or None
        )
        text = header + yaml.safe_dump(ir, sort_keys=True)
        again = structures.ComponentSpec.from_yaml_documents(text)
        same = json_format.MessageToDict(again.to_pipeline_spec()) == ir
    except Exception as exc:
        raise Refused(SourceProblem(f"KFP cannot compile this component: {said(exc)}")) from None
    if not same:
        raise Refused(
            SourceProblem("KFP reads this component differently once it is written out again")
        )
    return text


__all__ = [
    "FETCH_TIMEOUT_S",
    "KUBEFLOW_ONLY",
    "MAX_COMPONENT_BYTES",
    "MAX_COMPONENT_CHARS",
    "MAX_NESTING",
    "MAX_VALUES",
    "PARAMETER_PORT",
    "PARAM_TYPE_OF_KFP",
    "PLATFORM_LEFT_OUT",
    "PORT_TYPE_OF_TITLE",
    "ComponentRead",
    "block_name",
    "fetch_component",
    "load_component_text",
    "read_component",
]
