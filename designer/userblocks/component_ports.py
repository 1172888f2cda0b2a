"""A component's inputs and outputs as a block's ports and parameters.

- an artifact input or output is a port typed by its KFP schema title (our port type name
  when we have one: ``system.Dataset`` is a Dataset port, else a generic port named after the
  title, ``system.HTML``);
- a parameter input is a setting of the block's form and also an optional input port typed
  ``parameter:<KFP TYPE>`` of the same name, so a value another task outputs can feed it
  instead (the form's value then goes unused);
- a parameter output is a port typed ``parameter:<KFP TYPE>`` (``parameter:NUMBER_DOUBLE``),
  which connects only to a port of the very same type.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kfp.dsl import structures
from kfp.dsl.types import type_utils

from blocks.base import CLASSIFICATION_METRICS, DATASET, METRICS, MODEL
from designer.userblocks.component_layout import Layout
from designer.userblocks.spec import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    ParamSpec,
    PortSpec,
    SourceProblem,
)

#: KFP artifact schema titles we have a port type for; any other title is a generic port.
PORT_TYPE_OF_TITLE: dict[str, str] = {
    t.kfp_type.schema_title: t.name for t in (DATASET, MODEL, METRICS, CLASSIFICATION_METRICS)
}
#: KFP parameter types (IR names) -> the form's JSON Schema types.
PARAM_TYPE_OF_KFP: dict[str, str] = {
    "STRING": "string",
    "NUMBER_INTEGER": "integer",
    "NUMBER_DOUBLE": "number",
    "BOOLEAN": "boolean",
    "LIST": "array",
    "STRUCT": "object",
}
#: Prefix of the port type of a parameter input or output (``parameter:NUMBER_DOUBLE``).
PARAMETER_PORT = "parameter:"

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_PORT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def is_parameter_port(port: PortSpec) -> bool:
    """Whether the port carries a value (a KFP parameter), not an artifact."""
    return port.type.startswith(PARAMETER_PORT)


def read_inputs(
    spec: structures.ComponentSpec,
    layout: Layout,
    problems: list[SourceProblem],
    notes: list[str],
) -> tuple[list[PortSpec], list[ParamSpec]]:
    """The input ports (artifacts, then a parameter port for each setting) and the settings."""
    ports: list[PortSpec] = []
    value_ports: list[PortSpec] = []
    params: list[ParamSpec] = []
    problems.extend(layout.clashes("inputs"))
    for name, given in (spec.inputs or {}).items():
        line, described = layout.where("inputs", name)
        if not _named(name, "input", line, problems):
            continue
        if given.is_artifact_list:
            problems.append(_list_problem("input", name, line))
        elif structures.spec_type_is_parameter(given.type):
            kfp_type = _parameter_type(given.type)
            if kfp_type is None:
                problems.append(
                    SourceProblem(
                        f"input {name!r} has type {given.type}, which KFP gives only to exit "
                        "handlers and task settings; a block cannot take one",
                        line,
                    )
                )
                continue
            param_type = PARAM_TYPE_OF_KFP[kfp_type]
            default = _default(name, param_type, given.default, line, problems)
            params.append(
                ParamSpec(
                    name=name,
                    type=param_type,  # type: ignore[arg-type]
                    default=default,
                    required=not given.optional,
                    description=described,
                )
            )
            # The same input as a port: an edge bringing another task's value feeds it.
            value_ports.append(PortSpec(name, f"{PARAMETER_PORT}{kfp_type}", described, True))
        else:
            ports.append(PortSpec(name, _port_type(given.type), described, bool(given.optional)))
    _note_v1_artifacts(layout, "inputs", ports, notes)
    return ports + value_ports, params


def read_outputs(
    spec: structures.ComponentSpec,
    layout: Layout,
    problems: list[SourceProblem],
    notes: list[str],
) -> list[PortSpec]:
    """The output ports: artifacts, and values (parameter outputs)."""
    ports: list[PortSpec] = []
    values: list[str] = []
    problems.extend(layout.clashes("outputs"))
    for name, given in (spec.outputs or {}).items():
        line, described = layout.where("outputs", name)
        if not _named(name, "output", line, problems):
            continue
        if given.is_artifact_list:
            problems.append(_list_problem("output", name, line))
        elif structures.spec_type_is_parameter(given.type):
            kfp_type = _parameter_type(given.type)
            if kfp_type is None:
                problems.append(SourceProblem(f"output {name!r} has type {given.type}", line))
                continue
            ports.append(PortSpec(name, f"{PARAMETER_PORT}{kfp_type}", described))
            values.append(name)
        else:
            ports.append(PortSpec(name, _port_type(given.type), described))
    if values:
        listed = ", ".join(repr(name) for name in values)
        notes.append(
            f"Outputs {listed} are values (KFP parameters), not artifacts: each connects only to "
            "an input of the same kind (parameter:STRING, parameter:NUMBER_DOUBLE...)."
            if len(values) > 1
            else f"Output {listed} is a value (a KFP parameter), not an artifact: it connects "
            "only to an input of the same kind."
        )
    _note_v1_artifacts(layout, "outputs", ports, notes)
    return ports


def _named(name: str, what: str, line: int, problems: list[SourceProblem]) -> bool:
    if isinstance(name, str) and _PORT_NAME.match(name) and len(name) <= MAX_TITLE_CHARS:
        return True
    problems.append(
        SourceProblem(
            f"{what} name {str(name)[:MAX_TITLE_CHARS]!r} must start with a letter and hold only "
            f"letters, digits and underscores (at most {MAX_TITLE_CHARS} characters)",
            line,
        )
    )
    return False


def _list_problem(what: str, name: str, line: int) -> SourceProblem:
    return SourceProblem(
        f"{what} {name!r} is a list of artifacts; a block's {what} carries one artifact", line
    )


def _parameter_type(kfp_type: Any) -> str | None:
    """The IR name (STRING, NUMBER_INTEGER...) of a kfp parameter type; None for KFP's own
    task-status and task-config types."""
    if type_utils.is_task_final_status_type(kfp_type) or type_utils.is_task_config_type(kfp_type):
        return None
    try:
        name = type_utils.get_parameter_type_name(kfp_type)
    except (ValueError, TypeError, AttributeError):
        return None
    return name if name in PARAM_TYPE_OF_KFP else None


def _port_type(kfp_type: Any) -> str:
    title = str(kfp_type).split("@", 1)[0]
    return PORT_TYPE_OF_TITLE.get(title, title)


def _default(
    name: str, param_type: str, value: Any, line: int, problems: list[SourceProblem]
) -> Any:
    """kfp's default for a parameter, as the form holds it (IR writes every number as a
    double, so a whole number of an integer parameter becomes an int again)."""
    if value is None:
        return None
    if param_type == "integer" and isinstance(value, float) and value.is_integer():
        value = int(value)
    fits = isinstance(value, _PY_TYPES[param_type]) and (
        param_type == "boolean" or not isinstance(value, bool)
    )
    if not fits:
        problems.append(
            SourceProblem(
                f"parameter {name!r} is of type {param_type} but its default is {_shown(value)}",
                line,
            )
        )
        return None
    try:
        written = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        problems.append(
            SourceProblem(f"the default of parameter {name!r} is not a plain JSON value", line)
        )
        return None
    if len(written) > MAX_TEXT_CHARS:
        problems.append(
            SourceProblem(
                f"the default of parameter {name!r} is longer than {MAX_TEXT_CHARS:,} characters",
                line,
            )
        )
    return value


def _shown(value: Any) -> str:
    said = repr(value)
    return said if len(said) <= 80 else said[:77] + "..."


def _note_v1_artifacts(
    layout: Layout, direction: str, ports: list[PortSpec], notes: list[str]
) -> None:
    """Say which v1 types KFP read as a plain system.Artifact (CSV, a type of the author's...)."""
    written = layout.v1_types(direction)
    renamed = [
        f"{port.name!r} ({written[port.name] or 'no type'})"
        for port in ports
        if port.type == "system.Artifact"
        and port.name in written
        and written[port.name].lower() != "artifact"
    ]
    if renamed:
        notes.append(
            f"KFP reads the KFP v1 {direction} {', '.join(renamed)} as system.Artifact: each "
            "connects only to a system.Artifact port."
        )
