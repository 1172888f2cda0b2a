"""Reading a KFP component file into a block spec, without running anything in it.

People bring components written for Kubeflow Pipelines: a KFP v1 ``component.yaml`` (``name``,
``inputs``, ``outputs``, ``implementation: container: {image, command, args}``) or a component
compiled by the KFP v2 SDK (pipeline IR holding one task). The file is read as data:

- the YAML is scanned before it is loaded, bounding its size, nesting and aliases (PyYAML's C
  loader crashes the process on deeply nested text; an alias can repeat a part of the file
  without limit), then loaded with a safe loader;
- kfp's own reader (``ComponentSpec.from_yaml_documents``) reads it next, so a file is accepted
  exactly when KFP accepts it; whatever kfp raises becomes a problem with its message;
- artifact inputs and outputs become ports, parameter inputs the block's form, parameter
  outputs ports of their own kind (``parameter:STRING``...);
- a KFP lightweight Python component (its container writes an embedded program to a file and
  runs ``kfp.dsl.executor_main`` on one function of it, exactly as ``@dsl.component`` lays it
  out) is a "python" block whose program is taken out as text; any other container is a
  "container" block, which runs on Kubeflow only.

What the designer keeps is ``ComponentRead.component_yaml``: the component as KFP writes a
compiled component (IR YAML whatever format it came in, without comments, aliases or platform
settings), checked to read back into the very component the file described.
"""

from __future__ import annotations

import ast
import http.client
import json
import re
import shlex
import ssl
import time
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import docstring_parser
import yaml
from google.protobuf import json_format
from kfp import components
from kfp.compiler import pipeline_spec_builder
from kfp.dsl import structures, utils
from kfp.dsl.types import type_utils

from blocks.base import CLASSIFICATION_METRICS, DATASET, METRICS, MODEL
from blocks.runtime import web_fetch
from blocks.runtime.read_policy import ReadPolicy, ReadRefused, WebAddress
from blocks.runtime.read_settings import allowed_networks as parse_allowed_networks
from designer.userblocks.spec import (
    DEFAULT_CATEGORY,
    MAX_PACKAGES,
    MAX_PARAMS,
    MAX_PORTS,
    MAX_SOURCE_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    BlockSpec,
    ParamSpec,
    PortSpec,
    SourceCheck,
    SourceProblem,
)

#: Longest component file read: five times a block's source, as it embeds one (in quotes).
MAX_COMPONENT_CHARS = MAX_SOURCE_CHARS * 5
#: Largest download: the most bytes MAX_COMPONENT_CHARS characters take in UTF-8.
MAX_COMPONENT_BYTES = MAX_COMPONENT_CHARS * 4
#: Lists and mappings inside one another; KFP's own files need about ten.
MAX_NESTING = 64
#: Values in the loaded file, each alias counted as a copy of what it repeats.
MAX_VALUES = 200_000
#: Seconds a whole download may take.
FETCH_TIMEOUT_S = 10.0
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
#: Prefix of the port type of a parameter output (``parameter:NUMBER_DOUBLE``).
PARAMETER_PORT = "parameter:"

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PORT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Characters YAML refuses anywhere in a stream, comments included.
_NOT_YAML_PRINTABLE = re.compile(
    "[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

# What ``@dsl.component`` writes (kfp.dsl.component_factory), whitespace aside: a launcher that
# saves the program ($0) and runs KFP's executor on it, and the optional pip install before it.
_LAUNCHER = re.compile(
    r'program_path=\$\(mktemp -d\)\s+printf "%s" "\$0" > "\$program_path/ephemeral_component\.py"'
    r"\s+(?:_KFP_RUNTIME=true\s+)?python3 -m kfp\.dsl\.executor_main\s+--component_module_path"
    r'\s+"\$program_path/ephemeral_component\.py"\s+"\$@"'
)
_PIP_PRELUDE = re.compile(
    r'if ! \[ -x "\$\(command -v pip\)" \]; then\s+python3 -m ensurepip \|\| python3 -m '
    r"ensurepip --user \|\| apt-get install python3-pip\s+fi\s+PIP_DISABLE_PIP_VERSION_CHECK=1 "
    r'(?P<installs>.+) && "\$0" "\$@"',
    re.DOTALL,
)
_VENV = re.compile(
    r'export PIP_DISABLE_PIP_VERSION_CHECK=1\s+tmp=\$\(mktemp -d\)\s+python3 -m venv "\$tmp/venv"'
    r' --system-site-packages\s+\. "\$tmp/venv/bin/activate"'
)
_PIP_INSTALL = ["python3", "-m", "pip", "install"]
_PIP_FLAGS = {"--quiet", "--no-warn-script-location", "--no-deps"}
_PIP_OPTIONS = {"--index-url", "--extra-index-url", "--trusted-host"}
_EXECUTOR_ARGS = ["--executor_input", "{{$}}", "--function_to_execute"]


@dataclass(frozen=True)
class ComponentRead:
    """What reading a component file found."""

    #: The block spec, or the problems (with the file's line where the YAML gives one).
    check: SourceCheck
    #: The component as the designer stores it and compiles it (``load_component_text``).
    component_yaml: str = ""
    #: A "python" block's program, as the component embeds it; "" for a container block.
    source: str = ""


class _Refused(Exception):
    def __init__(self, *problems: SourceProblem) -> None:
        super().__init__()
        self.problems = problems


def read_component(text: str) -> ComponentRead:
    """The block a KFP component file makes, or why it makes none; never raises."""
    try:
        return _read(text)
    except _Refused as refused:
        return ComponentRead(SourceCheck(None, refused.problems))
    except Exception as exc:  # the last guard: kfp and PyYAML raise errors of every kind
        problem = SourceProblem(f"KFP cannot read this component: {_said(exc)}")
        return ComponentRead(SourceCheck(None, (problem,)))


def load_component_text(text: str) -> Any:
    """The KFP component (a ``YamlComponent``) of a stored ``ComponentRead.component_yaml``."""
    return components.load_component_from_text(text)


def _read(text: str) -> ComponentRead:
    if not isinstance(text, str):
        raise _Refused(SourceProblem("a component file is text (YAML)"))
    if len(text) > MAX_COMPONENT_CHARS:
        raise _Refused(
            SourceProblem(
                f"the file has {len(text):,} characters; a component file may have at most "
                f"{MAX_COMPONENT_CHARS:,}"
            )
        )
    if not text.strip():
        raise _Refused(SourceProblem("the file is empty; choose a KFP component YAML file"))
    layout = _Layout.of(text)
    spec = _kfp_spec(text)
    if spec.implementation.graph is not None:
        raise _Refused(_pipeline_problem(layout.line("root")))
    container = spec.implementation.container
    if container is None:
        raise _Refused(SourceProblem("the component runs no container (it is an importer?)"))

    problems: list[SourceProblem] = []
    notes: list[str] = []
    inputs, params = _inputs(spec, layout, problems, notes)
    outputs = _outputs(spec, layout, problems, notes)
    title, name = _names(layout, problems)
    description = _description(spec.description, problems)
    program = _python_program(container)
    if program is not None:
        _check_program(program, problems)
    elif not (isinstance(container.image, str) and container.image.strip()):
        problems.append(SourceProblem("the component's container names no image", layout.image))
    elif len(container.image) > MAX_TEXT_CHARS:
        problems.append(SourceProblem("the container's image name is too long", layout.image))
    _bounds(inputs, outputs, params, program, problems)
    if problems:
        raise _Refused(*problems)

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


# -- the YAML, as data and as lines ------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """The file as loaded: its first document, which KFP format it is in, and where its parts
    are (the YAML's nodes keep their line numbers)."""

    document: dict[Any, Any]
    node: yaml.Node
    #: 1 (``implementation:``) or 2 (compiled IR).
    version: int
    #: v2: the path of the component's own definitions (``components/comp-x`` or ``root``).
    component_path: tuple[str, ...] = ()
    #: v2: the file carries KFP platform settings (a second document), which are not kept.
    platform: bool = False

    @classmethod
    def of(cls, text: str) -> _Layout:
        _scan(text)
        try:
            nodes = list(yaml.compose_all(text, Loader=_LOADER))
            documents = [_LOADER("").construct_document(node) for node in nodes]
        except yaml.YAMLError as exc:
            raise _Refused(_yaml_problem(exc, text)) from None
        except ValueError as exc:  # a value YAML reads but Python will not hold (a 5,000-digit int)
            raise _Refused(SourceProblem(f"this is not valid YAML: {_said(exc)}")) from None
        _count_values(documents)
        first = documents[0] if documents else None
        if not isinstance(first, dict):
            raise _Refused(
                SourceProblem(
                    "a component file is a YAML mapping: name, inputs, outputs and "
                    "implementation (KFP v1), or pipelineInfo, components, deploymentSpec and "
                    f"root (compiled by KFP v2); this file holds {_kind_of(first)}",
                    _node_line(nodes[0]) if nodes else 1,
                )
            )
        if len(documents) == 2 and documents[1] is not None and not isinstance(documents[1], dict):
            raise _Refused(
                SourceProblem(
                    "the second YAML document of a compiled component holds its platform "
                    f"settings, a mapping; this one holds {_kind_of(documents[1])}",
                    _node_line(nodes[1]),
                )
            )
        if "implementation" in first:
            _check_v1_container(first, nodes[0])
            return cls(first, nodes[0], 1)
        missing = [
            key
            for key in ("pipelineInfo", "components", "deploymentSpec", "root")
            if key not in first
        ]
        if missing:
            raise _Refused(
                SourceProblem(
                    "this is not a KFP component: a KFP v1 component.yaml has implementation: "
                    "and a component compiled by KFP v2 has pipelineInfo:, components:, "
                    f"deploymentSpec: and root:; this file lacks {', '.join(missing)}",
                    _node_line(nodes[0]),
                )
            )
        if _task_count(first) > 1:
            raise _Refused(_pipeline_problem(_path_line(nodes[0], ("root", "dag", "tasks"))))
        platform = len(documents) == 2 and bool(documents[1])
        return cls(first, nodes[0], 2, _component_path(first), platform)

    def line(self, *path: str | int) -> int:
        return _path_line(self.node, path)

    @property
    def image(self) -> int:
        if self.version == 1:
            return self.line("implementation", "container", "image")
        return self.line("deploymentSpec")

    def _v1_index(self, direction: str, name: str) -> int | None:
        entries = self.document.get(direction)
        if not isinstance(entries, list):
            return None
        for index, entry in enumerate(entries):
            if (
                isinstance(entry, dict)
                and utils.sanitize_input_name(str(entry.get("name"))) == name
            ):
                return index
        return None

    def _v2_definition(self, direction: str, name: str) -> tuple[str | int, ...]:
        definitions = _at(self.document, *self.component_path, f"{direction[:-1]}Definitions")
        for group in ("parameters", "artifacts"):
            if isinstance(_at(definitions, group, name), dict):
                return (*self.component_path, f"{direction[:-1]}Definitions", group, name)
        return self.component_path

    def where(self, direction: str, name: str) -> tuple[int, str]:
        """The line of input or output ``name`` and the description the file gives it."""
        if self.version == 1:
            index = self._v1_index(direction, name)
            if index is None:
                return self.line(direction), ""
            described = self.document[direction][index].get("description")
            return self.line(direction, index), described if isinstance(described, str) else ""
        path = self._v2_definition(direction, name)
        described = _at(self.document, *path, "description")
        return self.line(*path), described if isinstance(described, str) else ""

    def v1_types(self, direction: str) -> dict[str, str]:
        """v1 only: the type each input or output is written with ("" when it has none)."""
        entries = self.document.get(direction) if self.version == 1 else None
        found: dict[str, str] = {}
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict):
                written = entry.get("type")
                kind = written if isinstance(written, str) else (str(written) if written else "")
                found[utils.sanitize_input_name(str(entry.get("name")))] = kind
        return found

    def clashes(self, direction: str) -> list[SourceProblem]:
        """v1 only: names KFP turns into the same one (``Learning rate`` and ``learning_rate``),
        which it merges without a word."""
        entries = self.document.get(direction) if self.version == 1 else None
        seen: dict[str, str] = {}
        problems = []
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            if not isinstance(entry, dict):
                continue
            written = str(entry.get("name"))
            name = utils.sanitize_input_name(written)
            if name in seen:
                problems.append(
                    SourceProblem(
                        f"{direction[:-1]}s {seen[name]!r} and {written!r} both become {name!r} "
                        "in KFP; rename one",
                        self.line(direction, index),
                    )
                )
            seen.setdefault(name, written)
        return problems


def _check_v1_container(document: dict[Any, Any], node: yaml.Node) -> None:
    """A v1 component runs a container with an image (KFP says so too, less plainly)."""
    implementation = document["implementation"]
    if isinstance(implementation, dict) and "graph" in implementation:
        raise _Refused(_pipeline_problem(_path_line(node, ("implementation", "graph"))))
    container = _at(implementation, "container")
    if not isinstance(container, dict):
        raise _Refused(
            SourceProblem(
                "implementation: must hold a container: with its image, command and args",
                _path_line(node, ("implementation",)),
            )
        )
    image = container.get("image")
    if not isinstance(image, str) or not image.strip():
        raise _Refused(
            SourceProblem(
                "the component's container names no image",
                _path_line(node, ("implementation", "container", "image")),
            )
        )


def _scan(text: str) -> None:
    """Refuse YAML nested too deep or holding more than two documents, before building it."""
    depth = documents = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise _Refused(
                        SourceProblem(
                            f"the YAML nests lists and mappings more than {MAX_NESTING} deep; a "
                            "component file needs far fewer",
                            _mark_line(event.start_mark),
                        )
                    )
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 2:
                    raise _Refused(
                        SourceProblem(
                            "a component file holds one YAML document (two when it carries KFP "
                            "platform settings); this one holds more",
                            _mark_line(event.start_mark),
                        )
                    )
    except yaml.YAMLError as exc:
        raise _Refused(_yaml_problem(exc, text)) from None


def _count_values(documents: list[Any]) -> None:
    """Refuse a file whose aliases repeat its parts into more than MAX_VALUES values (or into a
    loop, which a YAML alias can make and KFP would follow forever)."""
    budget = MAX_VALUES
    stack = list(documents)
    while stack:
        value = stack.pop()
        budget -= 1
        if budget < 0:
            raise _Refused(
                SourceProblem(
                    f"the file holds more than {MAX_VALUES:,} values (each YAML alias, *name, "
                    "counted as a copy of what it repeats); a component file holds far fewer"
                )
            )
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _yaml_problem(exc: yaml.YAMLError, text: str) -> SourceProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        said = exc.problem or "the YAML is malformed"
        if exc.context:
            said += f" ({exc.context})"
        mark = exc.problem_mark or exc.context_mark
        column = mark.column + 1 if mark is not None else 0
        return SourceProblem(f"this is not valid YAML: {said}", _mark_line(mark), column)
    position = getattr(exc, "position", None)
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(position, int):
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        return SourceProblem(f"this is not valid YAML: {first}", line, column)
    return SourceProblem(f"this is not valid YAML: {first}")


def _mark_line(mark: Any) -> int:
    return mark.line + 1 if mark is not None else 0


def _node_line(node: yaml.Node) -> int:
    return _mark_line(node.start_mark)


def _path_line(node: yaml.Node, path: tuple[str | int, ...]) -> int:
    """The line of the deepest part of ``path`` the document has (a mapping entry's key line)."""
    line = _node_line(node)
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                    line, node = _node_line(key), value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                return line
            node = node.value[step]
            line = _node_line(node)
        else:
            return line
    return line


def _at(value: Any, *path: Any) -> Any:
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    kinds = {str: "a string", list: "a list", bool: "a true/false value"}
    return next((said for t, said in kinds.items() if isinstance(value, t)), "a single value")


def _task_count(document: dict[Any, Any]) -> int:
    tasks = _at(document, "root", "dag", "tasks")
    return len(tasks) if isinstance(tasks, dict) else 0


def _component_path(document: dict[Any, Any]) -> tuple[str, ...]:
    """Where kfp finds the component's inputs and outputs in compiled IR (``from_ir_dicts``)."""
    name = _at(document, "pipelineInfo", "name")
    key = utils.sanitize_component_name(name) if isinstance(name, str) else ""
    components_ = document.get("components")
    if isinstance(components_, dict) and key in components_:
        return ("components", key)
    return ("root",)


def _pipeline_problem(line: int) -> SourceProblem:
    return SourceProblem(
        "this is a pipeline, not a single component: import it as a flow instead", line
    )


# -- kfp's reading -------------------------------------------------------------------------------


def _kfp_spec(text: str) -> structures.ComponentSpec:
    try:
        return structures.ComponentSpec.from_yaml_documents(text)
    except Exception as exc:
        raise _Refused(SourceProblem(f"KFP cannot read this component: {_said(exc)}")) from None


def _said(exc: BaseException) -> str:
    """An exception from kfp in words: its message, never a traceback."""
    if isinstance(exc, KeyError):
        return f"the field {exc.args[0]!r} is missing" if exc.args else "a field is missing"
    if isinstance(exc, RecursionError):
        return "the file nests too deep"
    said = " ".join(str(exc).split())
    if not said:
        return type(exc).__name__
    return said if len(said) <= 500 else said[:497] + "..."


def _inputs(
    spec: structures.ComponentSpec,
    layout: _Layout,
    problems: list[SourceProblem],
    notes: list[str],
) -> tuple[list[PortSpec], list[ParamSpec]]:
    ports: list[PortSpec] = []
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
        else:
            ports.append(PortSpec(name, _port_type(given.type), described, bool(given.optional)))
    _note_v1_artifacts(layout, "inputs", ports, notes)
    return ports, params


def _outputs(
    spec: structures.ComponentSpec,
    layout: _Layout,
    problems: list[SourceProblem],
    notes: list[str],
) -> list[PortSpec]:
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
    layout: _Layout, direction: str, ports: list[PortSpec], notes: list[str]
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


def _names(layout: _Layout, problems: list[SourceProblem]) -> tuple[str, str]:
    """The title (the component's name as written) and the block's machine name."""
    path = ("name",) if layout.version == 1 else ("pipelineInfo", "name")
    written = _at(layout.document, *path)
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


# -- lightweight Python components ---------------------------------------------------------


@dataclass(frozen=True)
class _Program:
    source: str
    function: str
    packages: tuple[str, ...]


def _python_program(container: structures.ContainerSpecImplementation) -> _Program | None:
    """The embedded program of a KFP lightweight component, laid out exactly as
    ``@dsl.component`` lays it out; None for any other container."""
    command = list(container.command or [])
    args = list(container.args or [])
    if container.env or not all(isinstance(part, str) for part in (*command, *args)):
        return None
    if len(command) < 4 or command[-4:-2] != ["sh", "-ec"]:
        return None
    if not _LAUNCHER.fullmatch(command[-2].strip()):
        return None
    if len(args) != 4 or args[:3] != _EXECUTOR_ARGS or not args[3].isidentifier():
        return None
    prelude = command[:-4]
    if not prelude:
        packages: tuple[str, ...] | None = ()
    elif len(prelude) == 3 and prelude[:2] == ["sh", "-c"]:
        packages = _installed_packages(prelude[2])
    else:
        packages = None
    if packages is None:
        return None
    return _Program(source=command[-1], function=args[3], packages=packages)


def _installed_packages(script: str) -> tuple[str, ...] | None:
    """The packages kfp's pip prelude installs, kfp itself aside; None for any other script.

    Only plain ``python3 -m pip install`` commands joined by ``&&`` pass: anything else the
    shell would do (another command, a substitution) makes the container not kfp's layout.
    """
    found = _PIP_PRELUDE.fullmatch(script.strip())
    if found is None:
        return None
    installs = _VENV.sub(" ", found["installs"])
    try:
        lexer = shlex.shlex(installs, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return None
    if any(c in token for token in tokens for c in "$`\\"):
        return None
    packages: list[str] = []
    for command in _split(tokens, "&&"):
        requirements = _pip_requirements(command)
        if requirements is None:
            return None
        names = [_requirement_name(r) for r in requirements]
        if "kfp" in names and "--no-deps" in command:
            continue  # kfp installing itself (and its typing shim), as @dsl.component adds
        packages += [r for r, n in zip(requirements, names, strict=True) if n != "kfp"]
    return tuple(packages)


def _split(tokens: list[str], separator: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == separator:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _pip_requirements(command: list[str]) -> list[str] | None:
    if command[: len(_PIP_INSTALL)] != _PIP_INSTALL:
        return None
    requirements: list[str] = []
    rest = iter(command[len(_PIP_INSTALL) :])
    for token in rest:
        if token in _PIP_OPTIONS:
            if next(rest, None) is None:
                return None
        elif token in _PIP_FLAGS:
            continue
        elif token.startswith("-") or not re.match(r"[A-Za-z0-9]", token):
            return None  # another option, or a shell operator (;, |, >...)
        else:
            requirements.append(token)
    return requirements


def _requirement_name(requirement: str) -> str:
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    return re.sub(r"[-_.]+", "-", found.group(0)).lower() if found else ""


def _check_program(program: _Program, problems: list[SourceProblem]) -> None:
    """The program parses and defines the function the component calls (parsed, never run)."""
    if len(program.source) > MAX_SOURCE_CHARS:
        problems.append(
            SourceProblem(
                f"the component's Python program has {len(program.source):,} characters; a "
                f"block's program may have at most {MAX_SOURCE_CHARS:,}"
            )
        )
        return
    try:
        tree = ast.parse(program.source)
    except SyntaxError as exc:
        problems.append(
            SourceProblem(
                f"the component's Python program does not parse: {exc.msg} (line {exc.lineno} "
                "of the program)"
            )
        )
        return
    except (ValueError, RecursionError, MemoryError) as exc:
        problems.append(SourceProblem(f"the component's Python program does not parse: {exc}"))
        return
    defined = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    if program.function not in defined:
        problems.append(
            SourceProblem(
                f"the component calls {program.function}(), which its Python program does not "
                "define"
            )
        )


def _bounds(
    inputs: list[PortSpec],
    outputs: list[PortSpec],
    params: list[ParamSpec],
    program: _Program | None,
    problems: list[SourceProblem],
) -> None:
    for what, count, most in (
        ("ports (inputs and outputs)", len(inputs) + len(outputs), MAX_PORTS),
        ("parameters", len(params), MAX_PARAMS),
        ("packages", len(program.packages) if program else 0, MAX_PACKAGES),
    ):
        if count > most:
            problems.append(
                SourceProblem(f"the component has {count} {what}; a block may have at most {most}")
            )
    described = [(f"input {p.name!r}", p.description) for p in inputs]
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
        raise _Refused(SourceProblem(f"KFP cannot compile this component: {_said(exc)}")) from None
    if not same:
        raise _Refused(
            SourceProblem("KFP reads this component differently once it is written out again")
        )
    return text


# -- downloading -----------------------------------------------------------------------------


def fetch_component(
    url: str,
    *,
    timeout: float = FETCH_TIMEOUT_S,
    max_bytes: int = MAX_COMPONENT_BYTES,
    allowed_networks: tuple[str, ...] = (),
) -> str:
    """The text of the component file at an http(s) ``url``; ValueError saying why not.

    The designer's outbound rules apply (``blocks.runtime.read_policy``): only public internet
    addresses, or the networks and server names in ``allowed_networks`` (the designer's
    ``Settings.allowed_networks``), each redirect judged again and the connection made to the
    very address judged (``blocks.runtime.web_fetch``). At most ``max_bytes`` are read, within
    ``timeout`` seconds in all.
    """
    if not isinstance(url, str) or not _is_web(url.strip()):
        raise ValueError("give the http:// or https:// address of a component file")
    networks, hosts = parse_allowed_networks(",".join(allowed_networks))
    policy = ReadPolicy(data_dirs=(), networks=networks, hosts=hosts)
    deadline = time.monotonic() + timeout
    current = url.strip()
    try:
        for _hop in range(web_fetch.MAX_REDIRECTS + 1):
            web = policy.check(current) if _is_web(current) else None
            if not isinstance(web, WebAddress):
                raise ValueError(f"{_plain(url)} redirects to an address that is not on the web")
            status, reason, location, body = _get_once(web, policy, deadline, max_bytes)
            if status in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                continue
            if status >= 300:
                raise ValueError(f"{_plain(url)} answered HTTP {status} {reason}".rstrip())
            return _decoded(body, url)
    except ReadRefused as exc:
        raise ValueError(str(exc)) from None
    except OSError as exc:
        raise ValueError(f"could not download {_plain(url)}: {_said(exc)}") from None
    raise ValueError(f"{_plain(url)} redirects more than {web_fetch.MAX_REDIRECTS} times")


def _get_once(
    web: WebAddress, policy: ReadPolicy, deadline: float, max_bytes: int
) -> tuple[int, str, str | None, bytes]:
    """One GET on a connection to an address the policy allows, reading at most max_bytes."""
    last_error: OSError | None = None
    # web_fetch's own download() reads a whole body, however large: its two steps are reused
    # here, with a bounded read.
    for ip in web_fetch._judged_addresses(web, policy):
        connection = web_fetch._connection(web, ip, _left(deadline, web))
        try:
            connection.request("GET", web.target, headers={"User-Agent": "designer"})
            response = connection.getresponse()
            location = response.getheader("Location")
            if 300 <= response.status < 400:
                return response.status, response.reason, location, b""
            length = response.getheader("Content-Length") or ""
            if length.isdigit() and int(length) > max_bytes:
                raise ValueError(_too_big(web.address, max_bytes))
            body = bytearray()
            while chunk := response.read1(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise ValueError(_too_big(web.address, max_bytes))
                _left(deadline, web)
            return response.status, response.reason, location, bytes(body)
        except ssl.SSLCertVerificationError as exc:
            raise ValueError(
                f"could not download {_plain(web.address)}: its certificate is not valid for "
                f"{web.host} ({exc.verify_message})"
            ) from None
        except http.client.HTTPException as exc:
            raise ValueError(
                f"could not download {_plain(web.address)}: the server's answer is not valid "
                f"HTTP ({type(exc).__name__})"
            ) from None
        except OSError as exc:  # this address did not answer (in time): try the next one
            last_error = exc
        finally:
            connection.close()
    raise ConnectionError(_said(last_error) if last_error else "no address to connect to")


def _is_web(address: str) -> bool:
    return urlsplit(address).scheme.lower() in ("http", "https")


def _left(deadline: float, web: WebAddress) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"{_plain(web.address)} did not answer in time")
    return left


def _too_big(address: str, max_bytes: int) -> str:
    return f"the file at {_plain(address)} is larger than {max_bytes:,} bytes"


def _decoded(body: bytes, url: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"the file at {_plain(url)} is not UTF-8 text") from None


def _plain(url: str) -> str:
    """The address as messages show it: no query string (it may hold a signature)."""
    return repr(url.split("?", 1)[0][:200])


__all__ = [
    "KUBEFLOW_ONLY",
    "MAX_COMPONENT_BYTES",
    "MAX_COMPONENT_CHARS",
    "PARAMETER_PORT",
    "PLATFORM_LEFT_OUT",
    "ComponentRead",
    "block_name",
    "fetch_component",
    "load_component_text",
    "read_component",
]
