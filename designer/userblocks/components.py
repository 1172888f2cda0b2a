"""The KFP component of a person's own block, made from its stored text without running it.

A Python block becomes a lightweight component laid out as the KFP SDK lays its own out: an
``sh -ec`` script writes the block's whole source (the script's ``$0``) to a file in a fresh
folder and runs KFP's executor on the named function, loaded through
``blocks.runtime.block_program`` (which gives ``Literal`` settings their values). Nothing of
the source is imported here: the component is assembled from the ``BlockSpec`` the source was
read into.

- Locally the executor is ``kfp.dsl.executor_main`` (what kfp.local's subprocess runner runs).
- On a cluster it is ``blocks.runtime.kfp_task``, which also writes the task's report beside its
  outputs, as the built-in blocks' tasks do.
- Packages the block declares are installed into the task's own folder (``pip install
  --target``) and put first on its ``PYTHONPATH``, never into the image or the designer's
  environment; whether a task may install at all is the designer's setting, checked before
  compiling (``designer.flow.compile``).

A component file's block (kind "container") is compiled from the component text it came in.
"""

from __future__ import annotations

import shlex
from typing import Any

from kfp import components
from kfp.dsl import structures, yaml_component

from blocks.base import PORT_TYPES
from blocks.runtime.block_program import PROGRAM, SOURCE_FILE
from designer.userblocks.spec import BlockSpec, ParamSpec, PortSpec

#: The program KFP's executor loads (kfp.local's runner knows this name: the element after a
#: script naming it is a person's code, never rewritten); it loads the block's source.
PROGRAM_FILE = '"$program_path/ephemeral_component.py"'
#: The executor module each engine runs the function with.
EXECUTORS = {"local": "kfp.dsl.executor_main", "kubeflow": "blocks.runtime.kfp_task"}

_PARAM_KFP_TYPES = {
    "string": "String",
    "integer": "Integer",
    "number": "Float",
    "boolean": "Boolean",
    "array": "List",
    "object": "Dict",
}


def kfp_artifact_type(port_type: str) -> str:
    """The KFP type (``schema_title@version``) of a port type name or generic schema title."""
    ours = PORT_TYPES.get(port_type)
    if ours is not None:
        kfp_type = ours.kfp_type
        return f"{kfp_type.schema_title}@{kfp_type.schema_version}"
    return port_type if "@" in port_type else f"{port_type}@0.0.1"


def task_script(engine: str, packages: tuple[str, ...]) -> str:
    """The ``sh -ec`` script of a task: write the program, install packages, run it."""
    lines = [
        "program_path=$(mktemp -d)",
        f'printf "%s" "$0" > "$program_path/{SOURCE_FILE}"',
        f"printf '%s' {shlex.quote(PROGRAM)} > {PROGRAM_FILE}",
    ]
    if packages:
        quoted = " ".join(shlex.quote(p) for p in packages)
        lines += [
            "PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --quiet "
            f'--no-warn-script-location --target "$program_path/packages" {quoted}',
            'export PYTHONPATH="$program_path/packages${PYTHONPATH:+:$PYTHONPATH}"',
        ]
    lines.append(
        f"_KFP_RUNTIME=true python3 -m {EXECUTORS[engine]} --component_module_path "
        f'{PROGRAM_FILE} "$@"'
    )
    return "\n".join(lines) + "\n"


def python_component(spec: BlockSpec, source: str, engine: str, image: str) -> Any:
    """The lightweight component running ``spec.function`` of ``source`` on ``engine``."""
    inputs: dict[str, structures.InputSpec] = {}
    for port in spec.inputs:
        inputs[port.name] = _artifact_input(port)
    for param in spec.params:
        inputs[param.name] = _param_input(param)
    outputs = {
        port.name: structures.OutputSpec(type=kfp_artifact_type(port.type)) for port in spec.outputs
    }
    container = structures.ContainerSpecImplementation(
        image=image,
        command=["sh", "-ec", task_script(engine, spec.packages), source],
        args=["--executor_input", "{{$}}", "--function_to_execute", spec.function],
    )
    component_spec = structures.ComponentSpec(
        name=spec.name.replace("_", "-"),
        description=spec.description or None,
        inputs=inputs or None,
        outputs=outputs or None,
        implementation=structures.Implementation(container=container),
    )
    return yaml_component.YamlComponent(component_spec, component_yaml="")


def container_component(component_yaml: str) -> Any:
    """The component a component file describes, compiled from its own text."""
    return components.load_component_from_text(component_yaml)


def _artifact_input(port: PortSpec) -> structures.InputSpec:
    return structures.InputSpec(type=kfp_artifact_type(port.type), optional=port.optional)


def _param_input(param: ParamSpec) -> structures.InputSpec:
    optional = not param.required
    return structures.InputSpec(
        type=_PARAM_KFP_TYPES[param.type],
        default=param.default if optional else None,
        optional=optional,
    )
