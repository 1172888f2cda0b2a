"""Loading a KFP file a person brought (a component, a compiled pipeline) as bounded YAML data,
and finding the line of any part of it for the messages that point there.

The text is scanned before it is loaded, bounding its nesting and its number of documents
(PyYAML's C loader crashes the process on deeply nested text), then loaded with a safe loader;
the loaded values are counted, each alias as a copy of what it repeats (an alias can repeat a
part of the file without limit, or loop back on itself). What goes wrong is a ``Refused``
holding the problems, each with its line when the YAML gives one.
"""

from __future__ import annotations

from typing import Any

import yaml

from designer.userblocks.spec import MAX_SOURCE_CHARS, SourceProblem

#: Longest component file read: five times a block's source, as it embeds one (in quotes).
MAX_COMPONENT_CHARS = MAX_SOURCE_CHARS * 5
#: Largest download: the most bytes MAX_COMPONENT_CHARS characters take in UTF-8.
MAX_COMPONENT_BYTES = MAX_COMPONENT_CHARS * 4
#: Lists and mappings inside one another; KFP's own files need about ten.
MAX_NESTING = 64
#: Values in the loaded file, each alias counted as a copy of what it repeats.
MAX_VALUES = 200_000

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Refused(Exception):
    """The file is refused; ``problems`` say why (and where)."""

    def __init__(self, *problems: SourceProblem) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def load_documents(
    text: str, *, what: str = "component file", max_values: int = MAX_VALUES
) -> tuple[list[Any], list[yaml.Node]]:
    """The YAML documents of ``text`` (at most two) as data and as nodes (which keep their
    lines); ``Refused`` when the text is no YAML or is beyond the bounds. ``what`` names the
    file in the messages ("component file", "pipeline file")."""
    _scan(text, what)
    try:
        nodes = list(yaml.compose_all(text, Loader=LOADER))
        documents = [LOADER("").construct_document(node) for node in nodes]
    except yaml.YAMLError as exc:
        raise Refused(yaml_problem(exc, text)) from None
    except ValueError as exc:  # a value YAML reads but Python will not hold (a 5,000-digit int)
        raise Refused(SourceProblem(f"this is not valid YAML: {said(exc)}")) from None
    _count_values(documents, what, max_values)
    return documents, nodes


def _scan(text: str, what: str) -> None:
    """Refuse YAML nested too deep or holding more than two documents, before building it."""
    depth = documents = 0
    try:
        for event in yaml.parse(text, Loader=LOADER):
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise Refused(
                        SourceProblem(
                            f"the YAML nests lists and mappings more than {MAX_NESTING} deep; a "
                            f"{what} needs far fewer",
                            mark_line(event.start_mark),
                        )
                    )
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 2:
                    raise Refused(
                        SourceProblem(
                            f"a {what} holds one YAML document (two when it carries KFP "
                            "platform settings); this one holds more",
                            mark_line(event.start_mark),
                        )
                    )
    except yaml.YAMLError as exc:
        raise Refused(yaml_problem(exc, text)) from None


def _count_values(documents: list[Any], what: str, max_values: int) -> None:
    """Refuse a file whose aliases repeat its parts into more than ``max_values`` values (or
    into a loop, which a YAML alias can make and KFP would follow forever)."""
    budget = max_values
    stack = list(documents)
    while stack:
        value = stack.pop()
        budget -= 1
        if budget < 0:
            raise Refused(
                SourceProblem(
                    f"the file holds more than {max_values:,} values (each YAML alias, *name, "
                    f"counted as a copy of what it repeats); a {what} holds far fewer"
                )
            )
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def yaml_problem(exc: yaml.YAMLError, text: str) -> SourceProblem:
    """A YAML error in words, at its line and column."""
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or "the YAML is malformed"
        if exc.context:
            problem += f" ({exc.context})"
        mark = exc.problem_mark or exc.context_mark
        column = mark.column + 1 if mark is not None else 0
        return SourceProblem(f"this is not valid YAML: {problem}", mark_line(mark), column)
    position = getattr(exc, "position", None)
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(position, int):
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        return SourceProblem(f"this is not valid YAML: {first}", line, column)
    return SourceProblem(f"this is not valid YAML: {first}")


def mark_line(mark: Any) -> int:
    return mark.line + 1 if mark is not None else 0


def node_line(node: yaml.Node) -> int:
    return mark_line(node.start_mark)


def path_line(node: yaml.Node, path: tuple[str | int, ...]) -> int:
    """The line of the deepest part of ``path`` the document has (a mapping entry's key line)."""
    line = node_line(node)
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                    line, node = node_line(key), value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                return line
            node = node.value[step]
            line = node_line(node)
        else:
            return line
    return line


def at(value: Any, *path: Any) -> Any:
    """The value at ``path`` of nested mappings; None where a step is missing."""
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def kind_of(value: Any) -> str:
    """What a YAML value is, in words ("a list")."""
    if value is None:
        return "nothing"
    kinds = {str: "a string", list: "a list", bool: "a true/false value"}
    return next((text for t, text in kinds.items() if isinstance(value, t)), "a single value")


def said(exc: BaseException) -> str:
    """An exception from kfp in words: its message, never a traceback."""
    if isinstance(exc, KeyError):
        return f"the field {exc.args[0]!r} is missing" if exc.args else "a field is missing"
    if isinstance(exc, RecursionError):
        return "the file nests too deep"
    text = " ".join(str(exc).split())
    if not text:
        return type(exc).__name__
    return text if len(text) <= 500 else text[:497] + "..."
