"""Exporting a flow as a standalone Python script that builds its pipeline with the KFP SDK.

Someone who outgrows the canvas keeps working in code: the script holds one KFP component per
block and a ``@dsl.pipeline`` function whose parameters are the flow's parameters and whose
body adds one task per node, in the order and with the arguments ``compile_flow`` gives them
for this machine, so compiling the script writes the same IR. A built-in block's component is
made from its function, imported from ``blocks.*`` (the script needs the designer's blocks
package, which holds the code the tasks run); any other component, such as a person's own
block, is written into the script as KFP component YAML.

The designer writes this script and never runs it. Everything a person typed (names, labels,
settings, the source of their own block) enters it only as a Python literal made here or as a
comment with every non-printable character escaped, so no text can end its string or comment
and become code. The script is laid out as black and ``ruff format`` would lay it out.
"""

from __future__ import annotations

import json
import keyword
import math
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import yaml
from kfp.compiler import pipeline_spec_builder

from blocks.base import Block, DatasetLookup, block_image
from blocks.catalogue import BlockLookup, get_block
from blocks.runtime.read_settings import GRANTS_VAR
from designer.flow.compile import FlowInvalid, engine_problems, pipeline_name
from designer.flow.document import Flow, Node
from designer.flow.params import param_reference
from designer.flow.reads import RunReads, plan_reads
from designer.flow.resources import cluster_resources
from designer.flow.validate import FlowCheck, check_flow
from designer.objects.base import ObjectStore
from designer.settings import Settings, load_settings

#: black's default: the script leaves this project, so it follows the common style.
LINE_LENGTH = 88
_INDENT = "    "
_PARAM_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
#: The module constant that switches the nodes' Kubeflow resources on (see ``_RESOURCES_NOTE``).
_RESOURCES_FLAG = "CLUSTER_RESOURCES"
_RESOURCES_NOTE = (
    "# CPU, memory, GPUs and the machines a node may run on matter only on a Kubeflow",
    "# cluster: the designer leaves them out of a pipeline for this machine, and so does",
    "# this script unless this is True. (The designer's own Kubeflow pipeline differs in",
    "# more ways: see `designer compile --engine kubeflow`.)",
)


class Code(str):
    """Python source placed in the script as it is (a flow parameter, a task's output), where
    any other value is written as a literal."""


def export_python(
    flow: Flow,
    check: FlowCheck | None = None,
    datasets: DatasetLookup | None = None,
    *,
    settings: Settings | None = None,
    store: ObjectStore | None = None,
    blocks: BlockLookup | None = None,
) -> str:
    """The source of a Python script that compiles to the IR ``compile_flow`` makes of ``flow``
    for this machine; raise FlowInvalid listing every error when the flow has any.

    The arguments are ``compile_flow``'s: ``datasets`` finds the library datasets the flow
    reads, ``settings`` and ``store`` decide which storage addresses are signed (a signed
    address expires: a script kept for later reads it only while it is valid), ``blocks``
    finds the flow's blocks, people's own among them.
    """
    settings = settings or load_settings()
    check = check or check_flow(flow, datasets, blocks=blocks)
    if not check.valid:
        raise FlowInvalid([d for d in check.diagnostics if d.severity == "error"])
    placed = engine_problems(check, "local", settings)
    if placed:
        raise FlowInvalid(placed)
    reads = plan_reads(flow, check, settings, datasets, store)
    if reads.problems:
        raise FlowInvalid(reads.problems)
    return _Script(flow, check, reads).render()


class _Script:
    """Names and writes the parts of one script: imports, components, pipeline, main."""

    def __init__(self, flow: Flow, check: FlowCheck, reads: RunReads) -> None:
        self.flow, self.check, self.reads = flow, check, reads
        for param in flow.params:  # the document allows no other names; the script relies on it
            if not _is_name(param.name):
                raise ValueError(f"flow parameter {param.name!r} is not a Python name")
        self.order: list[str] = list(nx.topological_sort(check.graph))
        self.nodes = {node.id: node for node in flow.nodes}
        # The flow's parameters keep their names (they are the pipeline's); every other name
        # in the script steps aside, so none hides another inside the pipeline function.
        self.names = _Names(p.name for p in flow.params)
        self.blocks = {node_id: self._block(node_id) for node_id in self.order}
        with_resources = [self.nodes[n] for n in self.order if _has_resources(self.nodes[n])]
        kfp_modules = ["compiler", "dsl"]
        if any(_import_path(b) is None for b in self.blocks.values()):
            kfp_modules.append("components")
        if any(_needs_kubernetes(node) for node in with_resources):
            kfp_modules.append("kubernetes")
        self.kfp = {module: self.names.claim(module) for module in sorted(kfp_modules)}
        self.function = self.names.claim("flow")
        self.flag = self.names.claim(_RESOURCES_FLAG) if with_resources else ""
        self.components: dict[str, str] = {}
        for block in self.blocks.values():
            if block.id not in self.components:
                path = _import_path(block)
                preferred = path[1] if path else _identifier(block.component().name, "component")
                self.components[block.id] = self.names.claim(preferred)
        self.tasks = {n: self.names.claim(f"{_identifier(n, 'node')}_task") for n in self.order}

    def _block(self, node_id: str) -> Block:
        block = self.check.blocks.get(node_id) or get_block(self.nodes[node_id].block)
        assert block is not None  # check_flow found every node's block
        return block

    def render(self) -> str:
        parts = [
            _docstring(pipeline_name(self.flow.name)),
            "\n".join(self._imports()),
            "\n\n".join("\n".join(lines) for lines in self._components()),
        ]
        if self.flag:
            parts.append("\n".join([*_RESOURCES_NOTE, f"{self.flag} = False"]))
        text = "\n\n".join(parts) + "\n\n\n" + "\n".join(self._pipeline()) + "\n\n\n"
        return text + "\n".join(self._main()) + "\n"

    def _imports(self) -> list[str]:
        kfp = [m if alias == m else f"{m} as {alias}" for m, alias in self.kfp.items()]
        lines = lay_out("", Group("from kfp import (", _names(kfp), ")", bare=True), "")
        by_module: dict[str, list[str]] = {}
        for block in self.blocks.values():
            path = _import_path(block)
            if path is not None:
                alias = self.components[block.id]
                name = path[1] if alias == path[1] else f"{path[1]} as {alias}"
                by_module.setdefault(path[0], []).append(name)
        if by_module:
            lines.append("")
        for module, names in sorted(by_module.items()):
            group = Group(f"from {module} import (", _names(dict.fromkeys(names)), ")", bare=True)
            lines += lay_out("", group, "")
        return lines

    def _components(self) -> list[list[str]]:
        made: list[list[str]] = []
        image = block_image()
        for block in {b.id: b for b in self.blocks.values()}.values():
            name = self.components[block.id]
            lines = [comment(f"{block.title} ({block.id})")]
            if _import_path(block) is None:
                lines += yaml_component_lines(name, block.component(), self.kfp["components"])
            else:
                # As ``blocks.base`` builds it: the image (or this environment) holds kfp and
                # the block runtime, so no task installs anything.
                call = call_group(
                    f"{self.kfp['dsl']}.component",
                    [Code(name)],
                    {"base_image": image, "install_kfp_package": False},
                )
                lines += lay_out(f"{name} = ", call, "")
            made.append(lines)
        return made

    def _pipeline(self) -> list[str]:
        name = pipeline_name(self.flow.name)
        decorator = {"name": name}
        if self.flow.description:
            decorator["description"] = self.flow.description
        lines = [comment(f"The flow {self.flow.name!r}, as the designer compiles it.")]
        lines += lay_out("@", call_group(f"{self.kfp['dsl']}.pipeline", [], decorator), "")
        # Python wants parameters without a default first; compile_flow orders them so too.
        params = sorted(self.flow.params, key=lambda p: p.default is not None)
        signature = tuple(
            (
                f"{p.name}: {_PARAM_TYPES[p.type]}" + ("" if p.default is None else " = "),
                Code("") if p.default is None else literal(p.default),
            )
            for p in params
        )
        lines += lay_out("", Group(f"def {self.function}(", signature, ")"), " -> None:")
        body: list[str] = []
        for node_id in self.order:
            body += ["", *self._task(self.nodes[node_id])]
        return lines + (body[1:] or [_INDENT + "pass"])

    def _task(self, node: Node) -> list[str]:
        block, task = self.blocks[node.id], self.tasks[node.id]
        title = node.label or block.title
        lines = [_INDENT + comment(f"{title} (node {node.id})")]
        call = call_group(self.components[block.id], [], self._arguments(node))
        lines += lay_out(f"{task} = ", call, "", depth=1)
        steps: list[Group] = []
        if node.after:  # as compile_flow orders it: the nodes it waits for without data
            waited = [Code(self.tasks[w]) for w in dict.fromkeys(node.after)]
            steps.append(call_group(f"{task}.after", waited, {}))
        steps.append(call_group(f"{task}.set_caching_options", [], {"enable_caching": node.cache}))
        grants = self.reads.node_grants.get(node.id)
        if grants:
            # The task's own grants travel with it, as compile_flow sets them.
            steps.append(
                call_group(f"{task}.set_env_variable", [GRANTS_VAR, json.dumps(grants)], {})
            )
        for step in steps:
            lines += lay_out("", step, "", depth=1)
        if _has_resources(node):
            lines.append(f"{_INDENT}if {self.flag}:")
            for step in self._resources(node, task):
                lines += lay_out("", step, "", depth=2)
        return lines

    def _arguments(self, node: Node) -> dict[str, Any]:
        """compile_flow's arguments of the node's task, with flow parameters and task outputs
        as code: every block parameter (defaults included), a library dataset's location, the
        run's signed addresses, then the inputs its edges bring."""
        arguments: dict[str, Any] = self.check.params[node.id].model_dump()
        for name, value in node.params.items():
            ref = param_reference(value)
            if ref is not None:
                arguments[name] = Code(ref)
        if node.id in self.check.tables:
            arguments.update(self.check.tables[node.id].arguments())
        arguments.update(self.reads.arguments.get(node.id, {}))
        for source, _target, data in self.check.graph.in_edges(node.id, data=True):
            if "edge" not in data:  # an order (``after``): see ``_task``
                continue
            edge = data["edge"]
            port = literal(edge.source_port)
            arguments[edge.target_port] = Code(f"{self.tasks[source]}.outputs[{port}]")
        return arguments

    def _resources(self, node: Node, task: str) -> list[Group]:
        """The calls ``designer.flow.resources.apply_resources`` makes for a cluster."""
        assert node.resources is not None
        plan = cluster_resources(node.resources)
        setters = [
            ("set_cpu_request", plan.cpu_request),
            ("set_cpu_limit", plan.cpu_limit),
            ("set_memory_request", plan.memory_request),
            ("set_memory_limit", plan.memory_limit),
        ]
        if plan.gpu:
            setters += [
                ("set_accelerator_type", plan.gpu_type),
                ("set_accelerator_limit", plan.gpu),
            ]
        calls = [call_group(f"{task}.{name}", [value], {}) for name, value in setters if value]
        kubernetes = self.kfp.get("kubernetes", "")
        for key, value in plan.node_selector.items():
            calls.append(
                call_group(
                    f"{kubernetes}.add_node_selector",
                    [Code(task)],
                    {"label_key": key, "label_value": value},
                )
            )
        for key, operator, value, effect in plan.tolerations:
            calls.append(
                call_group(
                    f"{kubernetes}.add_toleration",
                    [Code(task)],
                    {"key": key, "operator": operator, "value": value, "effect": effect},
                )
            )
        return calls

    def _main(self) -> list[str]:
        package = f"{pipeline_name(self.flow.name)}.yaml"
        call = call_group(f"{self.kfp['compiler']}.Compiler().compile", [Code(self.function)], {})
        call = Group(call.open, (*call.items, ("", literal(package))), call.close)
        return ['if __name__ == "__main__":', *lay_out("", call, "", depth=1)]


def _docstring(name: str) -> str:
    # Only the KFP-safe pipeline name (lower-case letters, digits, dashes) goes in here.
    return "\n".join(
        [
            '"""A flow exported from the designer as a Kubeflow Pipelines script.',
            "",
            "It builds the pipeline the designer compiles for a run on this machine: one KFP",
            "component per block and one task per node, in the order the designer adds them.",
            "Run it with Python to write that pipeline, as Kubeflow Pipelines IR, to",
            "",
            f"    {name}.yaml",
            "",
            "It needs kfp and the designer's blocks package, which holds the blocks' code.",
            '"""',
        ]
    )


def yaml_component_lines(
    variable: str, component: Any, components_module: str = "components"
) -> list[str]:
    """``variable = components.load_component_from_text(...)`` with the component written out
    as KFP component YAML (``component_yaml``): how the script holds a component it cannot
    import, such as a person's own block."""
    return [
        f"{variable} = {components_module}.load_component_from_text(",
        _INDENT + text_block(component_yaml(component)),
        ")",
    ]


def component_yaml(component: Any) -> str:
    """The KFP component YAML of ``component`` (a component object, say a ``YamlComponent``),
    made from its ``component_spec`` with kfp's own writer.

    ``ComponentSpec.save_to_component_yaml`` would drop the description and the platform
    spec, so the spec is written as it does, with those two passed on. kfp writes the
    description as comment lines, as it is: one holding a character YAML refuses (a NUL, say)
    is left out, which changes no pipeline (the IR has no component descriptions).
    """
    spec = component.component_spec
    description = spec.description
    if description and yaml.reader.Reader.NON_PRINTABLE.search(description):
        description = None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "component.yaml"
        pipeline_spec_builder.write_pipeline_spec_to_file(
            spec.to_pipeline_spec(), description, spec.platform_spec, str(path)
        )
        return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Group:
    """Bracketed items (a call's arguments, a list) laid out on one line when they fit, else
    one a line with a trailing comma, as black does. Each item is (prefix, value): a value is
    ``Code``, a literal's source, or a nested Group. ``bare``: drop the brackets when the
    group fits on one line (``from m import a, b``)."""

    open: str
    items: tuple[tuple[str, Any], ...]
    close: str
    bare: bool = False
    #: A one-item tuple needs its comma even on one line.
    tuple_of_one: bool = False

    def flat(self) -> str:
        inner = ", ".join(prefix + _flat(value) for prefix, value in self.items)
        if self.tuple_of_one:
            inner += ","
        if self.bare:
            return self.open.rstrip("(") + inner
        return self.open + inner + self.close


def call_group(function: str, args: list[Any], kwargs: dict[str, Any]) -> Group:
    """A call of ``function``: plain values become literals; a keyword that is no Python
    name (a component input could be called anything) goes in a ``**{...}``."""
    items: list[tuple[str, Any]] = [("", _expression(a)) for a in args]
    odd: dict[str, Any] = {}
    for name, value in kwargs.items():
        if _is_name(name):
            items.append((f"{name}=", _expression(value)))
        else:
            odd[name] = value
    if odd:
        items.append(("**", _expression(odd)))
    return Group(f"{function}(", tuple(items), ")")


def literal(value: Any) -> str:
    """``value`` (a JSON-like value) as Python source that evaluates to an equal value."""
    return _flat(_expression(value))


def string_literal(text: str) -> str:
    """``text`` as a one-line Python string literal, quoted as black quotes it: double quotes
    unless the text holds more of them than single ones. Backslashes, the quote and every
    non-printable character (line breaks, NUL, bidirectional controls, lone surrogates) are
    escaped, so the literal always ends where it should."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + "".join(_escaped(ch, quote) for ch in text) + quote


def text_block(text: str) -> str:
    """``text`` as a triple-quoted literal that keeps its lines readable: only line breaks
    (``\\n``) stay as they are; backslashes, double quotes and other non-printable characters
    are escaped as in ``string_literal``."""
    return '"""\\\n' + "".join(ch if ch == "\n" else _escaped(ch, '"') for ch in text) + '"""'


def comment(text: str) -> str:
    """``# text`` on one line: non-printable characters, line breaks among them, are shown as
    their escapes, so nothing after them can leave the comment."""
    shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return f"# {shown.strip()}".rstrip()


def _escaped(ch: str, quote: str) -> str:
    if ch in ("\\", quote):
        return "\\" + ch
    return ch if ch.isprintable() else repr(ch)[1:-1]


def _expression(value: Any) -> Any:
    """A value as an item of a Group: Code as it is, containers as Groups, the rest literal."""
    if isinstance(value, Code):
        return value
    if value is None or isinstance(value, bool):
        return Code(repr(value))
    # int's and float's own repr: a subclass (an IntEnum, say) may show itself otherwise.
    if isinstance(value, int):
        return Code(int.__repr__(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no literal in a flow document (JSON has none)")
        return Code(float.__repr__(value))
    if isinstance(value, str):
        return Code(string_literal(value))
    if isinstance(value, list | tuple):
        items = tuple(("", _expression(v)) for v in value)
        if isinstance(value, list):
            return Group("[", items, "]")
        return Group("(", items, ")", tuple_of_one=len(items) == 1)
    if isinstance(value, dict):
        return Group("{", tuple((f"{literal(k)}: ", _expression(v)) for k, v in value.items()), "}")
    raise TypeError(f"cannot write a {type(value).__name__} into the script: {value!r}")


def _names(names: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(("", Code(name)) for name in names)


def _flat(value: Any) -> str:
    return value.flat() if isinstance(value, Group) else str(value)


def lay_out(prefix: str, value: Any, suffix: str, depth: int = 0) -> list[str]:
    """The lines of ``prefix value suffix`` indented ``depth`` levels: one line when it fits
    in ``LINE_LENGTH``, else the Group's items one a line (each laid out the same way) with a
    trailing comma, which black and ruff keep as it is. Only an item that cannot be split (a
    long string) makes a line longer than that."""
    pad = _INDENT * depth
    one_line = pad + prefix + _flat(value) + suffix
    if not isinstance(value, Group) or not value.items or _width(one_line) <= LINE_LENGTH:
        return [one_line]
    lines = [pad + prefix + value.open]
    for item_prefix, item in value.items:
        lines += lay_out(item_prefix, item, ",", depth + 1)
    return [*lines, pad + value.close + suffix]


def _width(line: str) -> int:
    """Columns as a formatter counts them: wide East Asian characters take two."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in line
    )


class _Names:
    """Hands out Python names once each, after the ones already taken."""

    def __init__(self, taken: Any = ()) -> None:
        self.taken: set[str] = {"__name__", *taken}

    def claim(self, preferred: str) -> str:
        if keyword.iskeyword(preferred) or keyword.issoftkeyword(preferred):
            preferred += "_"
        name, n = preferred, 1
        while name in self.taken:
            n += 1
            name = f"{preferred}_{n}"
        self.taken.add(name)
        return name


def _is_name(text: str) -> bool:
    """Whether ``text`` can stand as a name in Python source and still be itself: Python
    reads names in NFKC form, so ``ﬀ`` written as a keyword argument would arrive as ``ff``."""
    return (
        text.isidentifier()
        and not keyword.iskeyword(text)
        and unicodedata.normalize("NFKC", text) == text
    )


def _identifier(text: str, fallback: str) -> str:
    """A readable lower-case Python name made from a node id or component name."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not name:
        return fallback
    return f"{fallback}_{name}" if name[0].isdigit() else name


def _import_path(block: Block) -> tuple[str, str] | None:
    """(module, name) to import a block's component function from; None when it has none
    that can be imported (a person's block, a function made inside another)."""
    function: Callable[..., Any] | None = block.function
    if function is None:
        return None
    module = sys.modules.get(getattr(function, "__module__", None) or "")
    name = getattr(function, "__qualname__", "")
    if module is None or not _is_name(name) or getattr(module, name, None) is not function:
        return None
    return module.__name__, name


def _has_resources(node: Node) -> bool:
    return node.resources is not None and not node.resources.is_empty()


def _needs_kubernetes(node: Node) -> bool:
    plan = cluster_resources(node.resources) if node.resources is not None else None
    return plan is not None and bool(plan.node_selector or plan.tolerations)
