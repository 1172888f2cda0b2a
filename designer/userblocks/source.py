"""Reading a person's Python block: the function's signature is the block.

A block written in Python is one function. Its signature says what the canvas needs (ports,
settings, texts), and this module reads it with ``ast`` only: nothing of the source is imported
or run in the designer. The code runs only inside the block's own task.

The rules, as someone writing a block meets them:

**The function.** The block is the top-level ``def`` decorated ``@dsl.component`` (or
``@component``, ``@kfp.dsl.component``, with or without parentheses); without one, the only
top-level function whose name does not start with ``_``. Its name becomes the block's name:
lower-case letters, digits and underscores, starting with a letter, at most 64 characters. It
may not be ``async``, take ``*args`` or ``**kwargs``, have positional-only arguments (before a
``/``) or keyword-only ones (after a ``*``) without a default, or carry other decorators. It
returns nothing (no return type, or ``-> None``): results are written to ``Output[...]``
artifacts. Imports, helper functions and constants may sit beside it; they run only inside the
task, so every name the types and the decorator use must be imported or defined in the source,
and nothing after the function may take its name. ``from __future__ import annotations`` is
refused: it turns the types into text KFP cannot read when the task starts.

**Ports.** An argument typed ``Input[T]`` is an input port, ``Output[T]`` an output port
(``dsl.Input[T]`` and ``kfp.dsl.Input[T]`` work too). T is one of Dataset, Model, Classifier,
Regressor, Clusterer, Preprocessor, Metrics or ClassificationMetrics (the designer's port types,
checked as edges are drawn), or Artifact, HTML, Markdown or SlicedClassificationMetrics (a
generic port: it connects only to a port of the very same KFP type). One line imports them
all: ``from blocks.types import Input, Output, Dataset, Classifier``. An input whose default
is ``None`` is optional (the function then receives None when nothing is connected); an
output has no default.

**Settings.** Every other argument is a setting in the block's form. Its type is ``str``,
``int``, ``float``, ``bool``, ``list`` (or ``list[str]``, ``List[int]``...), ``dict`` (or
``dict[str, int]``...) or ``Literal["a", "b"]`` (a choice among strings, or among whole
numbers). ``Optional[X]`` or ``X | None`` may be left empty and then needs a default (usually
``None``). A default is a plain value of the setting's type, written out (``5``, ``0.5``,
``"median"``, ``["a", "b"]``, ``{"k": 1}``; a whole number is fine for a float); a setting
without one must be filled in on the canvas. Under ``@dsl.component`` KFP itself refuses
``Literal[...]`` and ``X | None`` when the task starts, so there they are problems (write
``Optional[X]``; for choices, drop the decorator or use ``str``).

**Packages.** ``@dsl.component(packages_to_install=["scipy>=1.11"])`` lists extra pip packages
the task installs before it starts: at most 32, each a plain requirement (a name with optional
extras and versions), written as a quoted string in a list. URLs, paths, archives,
``git+`` addresses, ``name @ url`` references, pip options (``-e``, ``--index-url``) and
environment markers are refused. Every other keyword of the decorator (``base_image``,
``target_image``...) is refused too: the designer chooses the image a block runs in.

**Texts** (a Google-style docstring). Its first line is the block's title (default: the
function's name in words, ``drop_missing_rows`` -> "Drop missing rows"); the paragraphs after
it, up to the first section, its description. A ``Category: preprocess`` line puts the block in
that palette category (load, split, preprocess, train, evaluate, deploy or custom; default
custom). Under ``Args:``, each ``name: what it is`` entry (the text may continue on
more-indented lines) describes that port or setting; settings are titled with their name in
words. The title, category and description fields beside the editor, when filled, win over the
docstring.

**Bounds.** A source holds at most 100,000 characters; a block at most 32 ports and 64
settings; a port or setting name is made of ASCII letters, digits and underscores, at most 64
characters, not starting with ``_``; a title is one line of at most 100 characters; each
description at most 2,000. Texts hold no control characters (a description may hold line
breaks and tabs).

Every problem found is reported at once, sorted by line: each names its line (0 when it
belongs to no one line) and 1-based column, and says what to write instead.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from designer.userblocks.spec import (
    CATEGORIES,
    DEFAULT_CATEGORY,
    MAX_PACKAGES,
    MAX_PARAMS,
    MAX_PORTS,
    MAX_SOURCE_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    BlockSpec,
    ParamSpec,
    ParamType,
    PortSpec,
    SourceCheck,
    SourceProblem,
)

#: A function definition, as ``ast`` gives it (``async def`` is read, then refused).
_Def = ast.FunctionDef | ast.AsyncFunctionDef

#: At most this many problems are listed; the last one then says how many more there are.
MAX_PROBLEMS = 20
#: Longest name of a block, port or setting.
MAX_NAME_CHARS = 64
#: Most choices a ``Literal[...]`` setting may offer (a form's drop-down, not a data set).
MAX_CHOICES = 100
#: Largest whole number a default may be: the browser's form holds numbers as doubles.
MAX_SAFE_INTEGER = 2**53 - 1

#: The artifact classes a port may be typed with, and the port type each makes: ours by name,
#: or for a generic port the KFP schema title.
PORT_ANNOTATIONS: dict[str, str] = {
    "Dataset": "Dataset",
    "Model": "Model",
    "Classifier": "Classifier",
    "Regressor": "Regressor",
    "Clusterer": "Clusterer",
    "Preprocessor": "Preprocessor",
    "Metrics": "Metrics",
    "ClassificationMetrics": "ClassificationMetrics",
    "Artifact": "system.Artifact",
    "HTML": "system.HTML",
    "Markdown": "system.Markdown",
    "SlicedClassificationMetrics": "system.SlicedClassificationMetrics",
}
#: The plain types a setting may have, and the JSON Schema type each makes.
PARAM_ANNOTATIONS: dict[str, ParamType] = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}

_NAME = re.compile(r"[a-z][a-z0-9_]*")
# How a name may be spelled: bare (imported) or through the module that defines it.
_KFP_PREFIXES = ("", "dsl.", "kfp.dsl.", "blocks.types.")
_TYPING_PREFIXES = ("", "typing.")
_COMPONENT = {"component", "dsl.component", "kfp.dsl.component"}
_LISTS = {"list", "List", "typing.List"}
_DICTS = {"dict", "Dict", "typing.Dict"}
_BUILTIN_NAMES = frozenset(dir(builtins))
# Google-style docstring sections; the first ones describe the arguments.
_ARGS_SECTIONS = ("args", "arguments", "parameters", "params", "keyword args", "keyword arguments")
_SECTIONS = frozenset(
    (*_ARGS_SECTIONS, "returns", "return", "yields", "yield", "raises", "note", "notes",
     "example", "examples", "attributes", "todo", "see also", "warning", "warnings",
     "references", "other parameters")
)  # fmt: skip
# pip takes an argument ending like this as a file to install, not a name to look up.
_ARCHIVES = (".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".egg")
# Characters that change how the text around them shows (bidirectional overrides and isolates).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_ACCEPTED_PORTS = ", ".join(PORT_ANNOTATIONS)
_ACCEPTED_SETTINGS = 'str, int, float, bool, list, dict, Literal["a", "b"] or Optional[...] of one'

STARTER_SOURCE = '''\
# A block is one Python function: its arguments are the block's ports and settings.
# - Input[...] and Output[...] arguments are ports (Dataset, Model, Classifier, Metrics...).
# - Other arguments are settings in the block's form: str, int, float, bool, list, dict or
#   Literal["a", "b"]; a default makes a setting optional.
# - The docstring gives the title, the description, the palette category and each
#   argument's help. Imports and helpers may sit beside the function: they run in its task.
from kfp import dsl

from blocks.runtime.tables import Table, read_table, require_columns, write_table
from blocks.types import Dataset, Input, Output


@dsl.component
def drop_missing_rows(
    data: Input[Dataset],
    cleaned: Output[Dataset],
    columns: list[str] = [],
) -> None:
    """Drop rows with missing values.

    Keeps only the rows that have a value in every column, or in every column you list. The
    table keeps its target column.

    Category: preprocess

    Args:
        data: The table to clean.
        cleaned: The same table without the rows that had missing values.
        columns: Only look for missing values in these columns. Leave it empty to look in
            every column.
    """
    table = read_table(data.path)
    require_columns(table.frame, columns, "Columns")
    frame = table.frame.dropna(subset=columns or None)
    write_table(Table(frame, table.target, table.task), cleaned.path)
    cleaned.metadata.update({"rows": len(frame), "dropped": len(table.frame) - len(frame)})
    print(f"kept {len(frame)} of {len(table.frame)} rows")
'''


def read_source(
    source: str,
    *,
    title: str | None = None,
    category: str | None = None,
    description: str | None = None,
) -> SourceCheck:
    """The block a Python source defines, or every problem that keeps it from being one.

    ``title``, ``category`` and ``description`` are the fields shown beside the editor: when
    given (and not blank) they win over the docstring. Never raises; never runs the source.
    """
    if len(source) > MAX_SOURCE_CHARS:
        return SourceCheck(
            None,
            (
                SourceProblem(
                    f"the source has {len(source):,} characters; a block holds at most "
                    f"{MAX_SOURCE_CHARS:,}: move large data out of the code"
                ),
            ),
        )
    reader = _Reader(source)
    try:
        spec = reader.read(_Overrides(title, category, description))
    except RecursionError:
        # A pathologically nested source (thousands of brackets or operators in a row).
        reader.problems.add("the source nests too deeply to read; simplify it", 0)
        spec = None
    problems = reader.problems.listed()
    return SourceCheck(None, problems) if problems or spec is None else SourceCheck(spec)


@dataclass(frozen=True)
class _Overrides:
    title: str | None
    category: str | None
    description: str | None


class _Problems:
    """The problems found so far, each placed on a line of the source (clamped into it)."""

    def __init__(self, source: str) -> None:
        # The editor's lines (Python's own line breaks), for turning byte offsets into columns.
        self.lines = re.split(r"\r\n|\r|\n", source)
        self.last_line = len(source.splitlines())
        self.found: list[SourceProblem] = []

    def add(self, message: str, line: int, column: int = 0) -> None:
        line = min(max(line, 0), self.last_line)
        self.found.append(SourceProblem(message, line, column if line else 0))

    def at(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 0) or 0
        self.add(message, line, self.column(line, getattr(node, "col_offset", 0) or 0))

    def column(self, line: int, byte_offset: int) -> int:
        """The 1-based column of ``ast``'s byte offset on a line (0 when unknown)."""
        if not 0 < line <= len(self.lines):
            return 0
        head = self.lines[line - 1].encode("utf-8", "surrogatepass")[:byte_offset]
        return len(head.decode("utf-8", "ignore")) + 1

    def listed(self) -> tuple[SourceProblem, ...]:
        ordered = sorted(set(self.found), key=lambda p: (p.line, p.column, p.message))
        if len(ordered) <= MAX_PROBLEMS:
            return tuple(ordered)
        shown, hidden = ordered[: MAX_PROBLEMS - 1], ordered[MAX_PROBLEMS - 1 :]
        more = SourceProblem(
            f"{len(hidden)} more problems, from here on; fix these first", hidden[0].line
        )
        return (*shown, more)


@dataclass
class _Docstring:
    """What a Google-style docstring says, each piece with the line it came from."""

    title: str = ""
    title_line: int = 0
    description: str = ""
    description_line: int = 0
    category: str = ""
    category_line: int = 0
    #: Argument name -> (its help, the line of its entry).
    args: dict[str, tuple[str, int]] = field(default_factory=dict)


class _Reader:
    """One reading of one source; ``problems`` collects everything found along the way."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems = _Problems(source)
        self.bound: set[str] = set()
        self.star_import = False
        self.undefined: set[str] = set()

    # --- the module and its function ---------------------------------------------------------

    def read(self, overrides: _Overrides) -> BlockSpec | None:
        tree = self._parse()
        if tree is None:
            return None
        self._module_bindings(tree)
        function = self._block_function(tree)
        if function is None:
            return None
        decorated = self._decorators(function)
        packages = self._packages(function)
        self._signature_shape(function)
        doc = self._docstring(function)
        inputs, outputs, params = self._arguments(function, doc, decorated)
        self._returns(function)
        self._doc_args_exist(function, doc)
        self._bounds(function, inputs, outputs, params)
        texts = self._texts(function, doc, overrides)
        if texts is None:
            return None
        title, category, description = texts
        notes = ()
        if ast.get_docstring(function) is None:
            notes = (
                "Add a docstring: its first line becomes the block's title, the next "
                "paragraph its description, and an Args: section the help of each port and "
                "setting.",
            )
        return BlockSpec(
            name=function.name,
            title=title,
            description=description,
            category=category,
            kind="python",
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            params=tuple(params),
            packages=packages,
            function=function.name,
            notes=notes,
        )

    def _parse(self) -> ast.Module | None:
        try:
            # Warnings about the person's code (invalid escapes...) are theirs, not the
            # server's log: silence them for this parse only.
            with warnings.catch_warnings(action="ignore"):
                return ast.parse(self.source)
        except SyntaxError as error:
            line = error.lineno or 0
            column = max(error.offset or 0, 0) if line else 0
            self.problems.add(f"Python cannot read this: {error.msg}", line, column)
        except (ValueError, UnicodeError):
            self.problems.add(
                "the source holds characters that are not text (a null byte or a lone "
                "surrogate); remove them",
                0,
            )
        except (RecursionError, MemoryError):
            self.problems.add("the source nests too deeply to read; simplify it", 0)
        return None

    def _module_bindings(self, tree: ast.Module) -> None:
        """The names the module binds at its top level (where annotations are looked up)."""
        for statement in _module_statements(tree.body):
            if isinstance(statement, ast.ImportFrom):
                if statement.module == "__future__" and any(
                    a.name == "annotations" for a in statement.names
                ):
                    self.problems.at(
                        statement,
                        "`from __future__ import annotations` turns the types into text that "
                        "KFP cannot read when the task starts; remove it",
                    )
                for alias in statement.names:
                    if alias.name == "*":
                        self.star_import = True
                    else:
                        self.bound.add(alias.asname or alias.name)
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    self.bound.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.bound.add(statement.name)
            else:
                for target in _assigned_names(statement):
                    self.bound.add(target.id)

    def _block_function(self, tree: ast.Module) -> _Def | None:
        defs = [s for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
        marked = [d for d in defs if any(_component_decorator(x) for x in d.decorator_list)]
        if len(marked) > 1:
            self.problems.at(
                marked[1],
                f"more than one function is marked @dsl.component: {_listing(marked)}; a block "
                "is one function: keep the decorator on that one only",
            )
            return None
        if marked:
            chosen = marked[0]
        else:
            public = [d for d in defs if not d.name.startswith("_")]
            if not public:
                helpers = f" ({_listing(defs)} start with _, so they are helpers)" if defs else ""
                self.problems.add(
                    "no block function found: write one top-level `def` whose arguments are "
                    f"the block's ports and settings{helpers}",
                    0,
                )
                return None
            if len(public) > 1:
                self.problems.at(
                    public[1],
                    f"several top-level functions could be the block: {_listing(public)}; mark "
                    "the block's one with @dsl.component, or start the helpers' names with _",
                )
                return None
            chosen = public[0]
        self._redefinitions(tree, chosen)
        if isinstance(chosen, ast.AsyncFunctionDef):
            self.problems.at(
                chosen, f"`async def {chosen.name}`: a block's function is a plain `def`"
            )
        if not _NAME.fullmatch(chosen.name) or len(chosen.name) > MAX_NAME_CHARS:
            self.problems.at(
                chosen,
                f"`{chosen.name}` cannot name a block: use lower-case letters, digits and "
                f"underscores, starting with a letter, at most {MAX_NAME_CHARS} characters "
                "(such as `drop_missing_rows`)",
            )
        return chosen

    def _redefinitions(self, tree: ast.Module, function: _Def) -> None:
        """Anything that binds the function's name after it would replace it in the task."""
        for statement in _module_statements(tree.body):
            if statement is function or statement.lineno <= function.lineno:
                continue
            names = [t.id for t in _assigned_names(statement)]
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.append(statement.name)
            if isinstance(statement, ast.Import | ast.ImportFrom):
                names += [a.asname or a.name.split(".")[0] for a in statement.names]
            if function.name in names:
                self.problems.at(
                    statement,
                    f"`{function.name}` is defined again here, replacing the block's "
                    "function; give one of them another name",
                )

    def _decorators(self, function: _Def) -> bool:
        """Whether ``@dsl.component`` marks the function; other decorators are problems."""
        marked = False
        for decorator in function.decorator_list:
            if _component_decorator(decorator):
                marked = True
                self._names_defined(
                    decorator.func if isinstance(decorator, ast.Call) else decorator
                )
                continue
            self.problems.at(
                decorator,
                f"`@{self._text(decorator)}` cannot decorate the block's function: only "
                "@dsl.component may (the task calls the plain function)",
            )
        return marked

    def _packages(self, function: _Def) -> tuple[str, ...]:
        """``packages_to_install`` of the decorator; every other option is a problem."""
        found: list[str] = []
        call = next(
            (
                d
                for d in function.decorator_list
                if isinstance(d, ast.Call) and _component_decorator(d)
            ),
            None,
        )
        if call is None:
            return ()
        for argument in call.args:
            self.problems.at(
                argument,
                "@dsl.component takes no positional arguments here; list extra packages as "
                'packages_to_install=["name>=1.0"]',
            )
        for keyword in call.keywords:
            if keyword.arg is None:
                self.problems.at(
                    keyword, "`**options` cannot be passed to @dsl.component; write them out"
                )
            elif keyword.arg == "packages_to_install":
                found = self._requirements(keyword.value)
            else:
                self.problems.at(
                    keyword,
                    f"`{keyword.arg}=` cannot be set in a block's source: the designer chooses "
                    "the image a block runs in and how its packages are installed; remove it",
                )
        return tuple(found)

    def _requirements(self, node: ast.expr) -> list[str]:
        if not isinstance(node, ast.List):
            self.problems.at(
                node,
                'packages_to_install must be a list of quoted names, such as ["scipy>=1.11"]',
            )
            return []
        if len(node.elts) > MAX_PACKAGES:
            self.problems.at(
                node,
                f"{len(node.elts)} packages to install; a block may install at most {MAX_PACKAGES}",
            )
        found: list[str] = []
        seen: set[str] = set()
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                self.problems.at(
                    element,
                    'each package to install is a quoted requirement, such as "scipy>=1.11"',
                )
                continue
            requirement, problem = _requirement(element.value)
            if requirement is None:
                self.problems.at(element, problem)
                continue
            key = canonicalize_name(requirement.name)
            if key in seen:
                self.problems.at(element, f"`{requirement.name}` is listed twice; keep one")
            seen.add(key)
            found.append(str(requirement))
        return found

    def _signature_shape(self, function: _Def) -> None:
        arguments = function.args
        if arguments.posonlyargs:
            self.problems.at(
                arguments.posonlyargs[0],
                "positional-only arguments (before `/`) cannot be given by name, which is how "
                "the task calls the function; remove the `/`",
            )
        if arguments.vararg is not None:
            self.problems.at(
                arguments.vararg,
                f"`*{arguments.vararg.arg}` cannot be set on the canvas; name each port or "
                "setting as its own argument",
            )
        if arguments.kwarg is not None:
            self.problems.at(
                arguments.kwarg,
                f"`**{arguments.kwarg.arg}` cannot be set on the canvas; name each port or "
                "setting as its own argument",
            )
        for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
            if default is None:
                self.problems.at(
                    argument,
                    f"`{argument.arg}` comes after `*` and has no default; move it before the "
                    "`*` or give it a default",
                )

    # --- ports and settings ------------------------------------------------------------------

    def _arguments(
        self, function: _Def, doc: _Docstring, decorated: bool
    ) -> tuple[list[PortSpec], list[PortSpec], list[ParamSpec]]:
        inputs: list[PortSpec] = []
        outputs: list[PortSpec] = []
        params: list[ParamSpec] = []
        for argument, default in _arguments_with_defaults(function.args):
            if not self._argument_name(argument):
                continue
            help_text = doc.args.get(argument.arg, ("", 0))[0]
            if argument.annotation is None:
                self.problems.at(
                    argument,
                    f"`{argument.arg}` has no type; write `{argument.arg}: Input[Dataset]` for a "
                    f"port, or `{argument.arg}: int = 5` for a setting",
                )
                continue
            if isinstance(argument.annotation, ast.Constant):
                self.problems.at(
                    argument.annotation,
                    f"`{argument.arg}`: write its type without quotes, such as "
                    f"`{argument.arg}: int` or `{argument.arg}: Input[Dataset]`",
                )
                continue
            self._names_defined(argument.annotation)
            inner, optional, piped = _strip_optional(argument.annotation)
            if piped and decorated:
                self.problems.at(
                    argument.annotation,
                    f"`{self._text(argument.annotation)}`: under @dsl.component KFP refuses "
                    f"`X | None`; write `Optional[{self._text(inner)}]`",
                )
            port = self._port(argument, inner, optional, default, help_text)
            if port is not None:
                side, spec = port
                if spec is not None:
                    (inputs if side == "input" else outputs).append(spec)
                continue
            param = self._param(argument, inner, optional, default, help_text, decorated)
            if param is not None:
                params.append(param)
        return inputs, outputs, params

    def _argument_name(self, argument: ast.arg) -> bool:
        name = argument.arg
        if name.startswith("_"):
            self.problems.at(
                argument, f"`{name}`: port and setting names cannot start with `_`; rename it"
            )
            return False
        if not name.isascii():
            self.problems.at(
                argument,
                f"`{name}`: port and setting names use plain letters (a-z, A-Z), digits and "
                "underscores; rename it",
            )
            return False
        if len(name) > MAX_NAME_CHARS:
            self.problems.at(
                argument,
                f"`{name[:20]}...` is {len(name)} characters long; a port or setting name has "
                f"at most {MAX_NAME_CHARS}",
            )
            return False
        return True

    def _port(
        self,
        argument: ast.arg,
        annotation: ast.expr,
        optional: bool,
        default: ast.expr | None,
        help_text: str,
    ) -> tuple[str, PortSpec | None] | None:
        """("input" or "output", its port) for an ``Input[T]``/``Output[T]`` argument; the port
        is None when it has problems. None when the argument is not typed as a port."""
        if not isinstance(annotation, ast.Subscript):
            return None
        direction = _strip_prefix(_dotted(annotation.value), _KFP_PREFIXES)
        if direction not in ("Input", "Output"):
            return None
        side = "input" if direction == "Input" else "output"
        name = argument.arg
        type_name = _strip_prefix(_dotted(annotation.slice), _KFP_PREFIXES)
        port_type = PORT_ANNOTATIONS.get(type_name or "")
        ok = port_type is not None
        if port_type is None:
            self.problems.at(
                annotation.slice,
                f"`{direction}[{self._text(annotation.slice)}]` is not a port type; write "
                f"{direction}[T] with T one of {_ACCEPTED_PORTS}",
            )
        is_none = _is_none(default)
        if side == "output" and (default is not None or optional):
            ok = False
            self.problems.at(
                default or argument,
                f"output `{name}` cannot be optional or have a default; the block always writes it",
            )
        elif side == "input" and default is not None and not is_none:
            ok = False
            self.problems.at(
                default,
                f"input `{name}` can only default to None (which makes it optional: nothing "
                "need be connected)",
            )
        elif side == "input" and optional and default is None:
            ok = False
            self.problems.at(
                argument,
                f"input `{name}` may be left unconnected, so it needs `= None` as its default",
            )
        if not ok or port_type is None:
            return side, None
        return side, PortSpec(name, port_type, help_text, optional=side == "input" and is_none)

    def _param(
        self,
        argument: ast.arg,
        annotation: ast.expr,
        optional: bool,
        default: ast.expr | None,
        help_text: str,
        decorated: bool,
    ) -> ParamSpec | None:
        """The setting a plainly typed argument is (None, with a problem, when it is not)."""
        name = argument.arg
        reported = len(self.problems.found)
        kind = self._param_type(annotation)
        if kind is None and len(self.problems.found) > reported:
            return None
        if kind is None:
            self.problems.at(
                annotation,
                f"`{name}: {self._text(argument.annotation)}` is neither a port nor a setting; "
                f"a setting is {_ACCEPTED_SETTINGS} of them, a port Input[T] or Output[T] with T "
                f"one of {_ACCEPTED_PORTS}",
            )
            return None
        param_type, choices = kind
        if choices and decorated:
            self.problems.at(
                annotation,
                f"`{name}`: under @dsl.component KFP refuses Literal[...] when the task starts; "
                "remove the decorator (keep it only to install packages) or type it `str`",
            )
        title = _words(name)
        if default is None:
            if optional:
                self.problems.at(
                    argument,
                    f"`{name}` may be left empty, so it needs a default: write "
                    f"`{name}: {self._text(argument.annotation)} = None`",
                )
            return ParamSpec(
                name,
                param_type,
                required=True,
                title=title,
                description=help_text,
                choices=choices,
            )
        value = self._default(name, default, param_type, choices, optional)
        return ParamSpec(
            name, param_type, default=value, title=title, description=help_text, choices=choices
        )

    def _param_type(self, node: ast.expr) -> tuple[ParamType, tuple[Any, ...]] | None:
        """The JSON Schema type (and choices) of a setting's annotation; None if not one (or,
        after adding a problem, when its ``Literal[...]`` choices are wrong)."""
        plain = PARAM_ANNOTATIONS.get(_dotted(node) or "")
        if plain is not None:
            return plain, ()
        name = _dotted(node)
        if name in _LISTS:
            return "array", ()
        if name in _DICTS:
            return "object", ()
        if not isinstance(node, ast.Subscript):
            return None
        base = _dotted(node.value)
        if base in _LISTS:
            return "array", ()
        if base in _DICTS:
            return "object", ()
        if _strip_prefix(base, _TYPING_PREFIXES) == "Literal":
            return self._choices(node)
        return None

    def _choices(self, node: ast.Subscript) -> tuple[ParamType, tuple[Any, ...]] | None:
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        values: list[Any] = []
        for item in items:
            ok, value = _literal(item)
            if not ok or type(value) not in (str, int) or not _json_safe(value):
                self.problems.at(
                    item,
                    f"`{self._text(item)}`: the choices of Literal[...] are quoted strings or "
                    "whole numbers",
                )
                return None
            if value in values:
                self.problems.at(item, f"{value!r} is offered twice in Literal[...]")
            values.append(value)
        if not values or len({type(v) for v in values}) > 1:
            self.problems.at(
                node, "the choices of Literal[...] are all strings or all whole numbers"
            )
            return None
        if len(values) > MAX_CHOICES:
            self.problems.at(node, f"{len(values)} choices; a setting offers at most {MAX_CHOICES}")
        kind: ParamType = "string" if isinstance(values[0], str) else "integer"
        return kind, tuple(dict.fromkeys(values))

    def _default(
        self,
        name: str,
        node: ast.expr,
        param_type: ParamType,
        choices: tuple[Any, ...],
        optional: bool,
    ) -> Any:
        """The default of a setting, checked against its type (None, with a problem, if bad)."""
        ok, value = _literal(node)
        if not ok:
            self.problems.at(
                node,
                f"the default of `{name}` must be a value written out, such as 5, 0.5, "
                f'"text", True, [1, 2] or {{"key": 1}}, not `{self._text(node)}`',
            )
            return None
        if value is None:
            if not optional:
                self.problems.at(
                    node,
                    f"`{name}` defaults to None but its type does not allow it; write "
                    f"Optional[...] around the type",
                )
            return None
        expected = _DEFAULT_TYPES[param_type]
        if param_type == "number" and type(value) is int:
            value = float(value)
        if type(value) not in expected:
            self.problems.at(
                node,
                f"the default of `{name}` is {_kind_of(value)}, but the setting holds "
                f"{_KIND_OF_TYPE[param_type]}",
            )
            return None
        if not _json_safe(value):
            self.problems.at(
                node,
                f"the default of `{name}` holds something a form cannot keep (only text, "
                "numbers up to 2**53, true/false, lists, and dicts with text keys)",
            )
            return None
        if choices and value not in choices:
            self.problems.at(
                node,
                f"the default of `{name}` is {value!r}, not one of its choices: "
                f"{', '.join(map(repr, choices))}",
            )
            return None
        return value

    def _returns(self, function: _Def) -> None:
        returns = function.returns
        if returns is None or (isinstance(returns, ast.Constant) and returns.value is None):
            return
        self.problems.at(
            returns,
            f"`-> {self._text(returns)}`: write results to an Output[...] artifact; return "
            "values are not ports (write `-> None`, or no return type)",
        )

    def _names_defined(self, node: ast.expr) -> None:
        """Every name a type or decorator uses is defined when the task runs the source."""
        if self.star_import:
            return
        for child in ast.walk(node):
            if not isinstance(child, ast.Name) or child.id in self.undefined:
                continue
            if child.id in self.bound or child.id in _BUILTIN_NAMES:
                continue
            self.undefined.add(child.id)  # said once, where first used
            self.problems.at(
                child, f"`{child.id}` is not defined in this source; {_import_hint(child.id)}"
            )

    def _bounds(
        self,
        function: _Def,
        inputs: list[PortSpec],
        outputs: list[PortSpec],
        params: list[ParamSpec],
    ) -> None:
        if len(inputs) + len(outputs) > MAX_PORTS:
            self.problems.at(
                function,
                f"{len(inputs) + len(outputs)} ports; a block has at most {MAX_PORTS}",
            )
        if len(params) > MAX_PARAMS:
            self.problems.at(function, f"{len(params)} settings; a block has at most {MAX_PARAMS}")

    # --- texts -------------------------------------------------------------------------------

    def _docstring(self, function: _Def) -> _Docstring:
        doc = _Docstring()
        first = function.body[0] if function.body else None
        if not (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            return doc
        start, end = first.lineno, first.end_lineno or first.lineno

        def line_of(index: int) -> int:
            return min(start + index, end)

        lines = _dedented(first.value.value)
        titled = next((i for i, text in enumerate(lines) if text.strip()), None)
        if titled is None:
            return doc
        # A summary line ends with a full stop; a title does not.
        title = lines[titled].strip()
        doc.title = title[:-1] if title.endswith(".") and not title.endswith("..") else title
        doc.title_line = line_of(titled)
        paragraphs: list[list[str]] = [[]]
        section = ""
        entry_indent: int | None = None
        current: str | None = None
        for index in range(titled + 1, len(lines)):
            text = lines[index]
            stripped = text.strip()
            indent = len(text) - len(text.lstrip())
            if not stripped:
                if section == "" and paragraphs[-1]:
                    paragraphs.append([])
                continue
            if indent == 0:
                category = re.fullmatch(r"(?i)category:\s*(.*)", stripped)
                header = re.fullmatch(r"([A-Za-z][A-Za-z ]*):", stripped)
                if header and header.group(1).strip().lower() not in _SECTIONS:
                    header = None
                if (category or header) and paragraphs[-1]:
                    paragraphs.append([])  # text after a section starts a new paragraph
                if category:
                    doc.category, doc.category_line = category.group(1).strip(), line_of(index)
                    section = ""
                    continue
                if header:
                    section = header.group(1).strip().lower()
                    entry_indent, current = None, None
                    continue
                section = ""
            if section == "":
                if not doc.description_line:
                    doc.description_line = line_of(index)
                paragraphs[-1].append(stripped)
            elif section in _ARGS_SECTIONS:
                if entry_indent is None:
                    entry_indent = indent
                if indent > entry_indent and current is not None:
                    help_text, line = doc.args[current]
                    doc.args[current] = (f"{help_text} {stripped}".strip(), line)
                    continue
                entry = re.fullmatch(r"\*{0,2}([^\W\d]\w*)\s*(?:\([^)]*\))?\s*:(.*)", stripped)
                if entry is None:
                    self.problems.add(
                        "write each entry under Args: as `name: what it is`",
                        line_of(index),
                    )
                    current = None
                    continue
                current = entry.group(1)
                if current in doc.args:
                    self.problems.add(f"`{current}` is described twice under Args:", line_of(index))
                doc.args[current] = (entry.group(2).strip(), line_of(index))
        doc.description = "\n\n".join(" ".join(p) for p in paragraphs if p)
        return doc

    def _doc_args_exist(self, function: _Def, doc: _Docstring) -> None:
        names = [a.arg for a, _ in _arguments_with_defaults(function.args)]
        for name, (help_text, line) in doc.args.items():
            if name not in names:
                known = ", ".join(names) or "none"
                self.problems.add(
                    f"Args: describes `{name}`, which is not an argument of {function.name}() "
                    f"(its arguments: {known})",
                    line,
                )
            else:
                self._text_problem(f"the help of `{name}`", help_text, line, one_line=False)

    def _texts(
        self, function: _Def, doc: _Docstring, overrides: _Overrides
    ) -> tuple[str, str, str] | None:
        """Title, category and description: the fields' when filled, else the docstring's."""
        title, title_line = doc.title or _words(function.name), doc.title_line
        if overrides.title is not None and overrides.title.strip():
            title, title_line = overrides.title.strip(), 0
        category, category_line = doc.category, doc.category_line
        if not category_line:
            category = DEFAULT_CATEGORY
        if overrides.category is not None and overrides.category.strip():
            category, category_line = overrides.category, 0
        description, description_line = doc.description, doc.description_line
        if overrides.description is not None and overrides.description.strip():
            description, description_line = overrides.description.strip(), 0
        description = description.replace("\r\n", "\n").replace("\r", "\n")
        title_ok = self._text_problem("the title", title, title_line, one_line=True)
        description_ok = self._text_problem(
            "the description", description, description_line, one_line=False
        )
        category = category.strip().lower()
        if category not in CATEGORIES:
            where = "the Category line" if category_line else "the category"
            named = f"names {category[:40]!r}" if category else "names no category"
            self.problems.add(
                f"{where} {named}; choose one of {', '.join(CATEGORIES)}", category_line
            )
            return None
        if not (title_ok and description_ok):
            return None
        return title, category, description

    def _text_problem(self, what: str, text: str, line: int, *, one_line: bool) -> bool:
        """Adds a problem when a text is too long or holds hidden characters; True if fine."""
        limit = MAX_TITLE_CHARS if one_line else MAX_TEXT_CHARS
        allowed = "" if one_line else "\n\t"
        ok = True
        if len(text) > limit:
            self.problems.add(
                f"{what} has {len(text):,} characters; it may have at most {limit:,}", line
            )
            ok = False
        hidden = next((c for c in text if c not in allowed and _hidden(c)), None)
        if hidden is not None:
            self.problems.add(
                f"{what} holds a control character (U+{ord(hidden):04X}); "
                + ("keep it to one plain line" if one_line else "use plain text"),
                line,
            )
            ok = False
        return ok

    def _text(self, node: ast.AST) -> str:
        """The source text of a node, shortened for a message."""
        text = ast.get_source_segment(self.source, node) or "..."
        text = " ".join(text.split())
        return text if len(text) <= 60 else text[:57] + "..."


# --- small helpers ---------------------------------------------------------------------------

_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (float,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_KIND_OF_TYPE = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "True or False",
    "array": "a list",
    "object": "a dict",
}


def _kind_of(value: Any) -> str:
    kinds = {str: "text", int: "a whole number", float: "a number", bool: "True or False"}
    kinds |= {list: "a list", dict: "a dict", tuple: "a tuple", set: "a set", bytes: "bytes"}
    return kinds.get(type(value), type(value).__name__)


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at the module's top level, including inside if/try/with/for blocks."""
    pending = list(reversed(body))
    while pending:
        statement = pending.pop()
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        nested: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            nested += getattr(statement, name, None) or []
        for handler in getattr(statement, "handlers", None) or []:
            nested += handler.body
        pending += reversed(nested)


def _assigned_names(statement: ast.stmt) -> Iterator[ast.Name]:
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        targets = [statement.target]
    elif isinstance(statement, ast.With | ast.AsyncWith):
        targets = [i.optional_vars for i in statement.items if i.optional_vars is not None]
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                yield node


def _component_decorator(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    return _dotted(node) in _COMPONENT


def _dotted(node: ast.expr | None) -> str | None:
    """``a.b.c`` for a name or a chain of attributes on a name; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _strip_prefix(name: str | None, prefixes: Iterable[str]) -> str | None:
    """The bare name when ``name`` is one of the prefixed spellings (``dsl.Input`` -> Input)."""
    if name is None:
        return None
    for prefix in sorted(prefixes, key=len, reverse=True):
        if prefix and name.startswith(prefix) and "." not in name[len(prefix) :]:
            return name[len(prefix) :]
    return name if "." not in name else None


def _strip_optional(node: ast.expr) -> tuple[ast.expr, bool, bool]:
    """(inner type, whether None is allowed, whether written ``X | None``) of an annotation."""
    if isinstance(node, ast.Subscript):
        base = _strip_prefix(_dotted(node.value), _TYPING_PREFIXES)
        if base == "Optional":
            return node.slice, True, False
        if base == "Union" and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
            others = [e for e in node.slice.elts if not _is_none(e)]
            if len(others) == 1:
                return others[0], True, False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        others = [e for e in sides if not _is_none(e)]
        if len(others) == 1:
            return others[0], True, True
    return node, False, False


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _arguments_with_defaults(
    arguments: ast.arguments,
) -> Iterator[tuple[ast.arg, ast.expr | None]]:
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    defaults += arguments.defaults
    yield from zip(positional, defaults, strict=True)
    yield from zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)


def _literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _json_safe(value: Any) -> bool:
    """Whether a value survives JSON and the browser's form as it is."""
    pending = [value]
    while pending:
        item = pending.pop()
        if item is None or isinstance(item, bool | str):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                return False
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            pending += item.values()
        else:
            return False
    return True


def _requirement(text: str) -> tuple[Requirement | None, str]:
    """The requirement a package entry names, or why it is not a plain one."""
    entry = text.strip()
    shown = entry if len(entry) <= 60 else entry[:57] + "..."
    if not entry:
        return None, "an empty package name; remove it"
    if entry.startswith("-"):
        return None, f"`{shown}`: pip options cannot be given here, only package names"
    try:
        requirement = Requirement(entry)
    except InvalidRequirement:
        if "://" in entry or entry.startswith("git+") or "/" in entry or "\\" in entry:
            return None, f"`{shown}`: URLs and paths cannot be installed; name a package on PyPI"
        return None, (
            f"`{shown}` is not a package requirement; write a name with an optional version, "
            'such as "scipy>=1.11"'
        )
    if requirement.url:
        return None, f"`{shown}`: `name @ address` references cannot be installed; name a version"
    if requirement.marker is not None:
        return None, f"`{shown}`: environment markers (after `;`) are not needed here; remove them"
    if entry.lower().endswith(_ARCHIVES):
        return None, f"`{shown}` is a file name; name a package on PyPI instead"
    return requirement, ""


def _dedented(docstring: str) -> list[str]:
    """The docstring's lines (one per source line), tabs expanded and common indent removed."""
    lines = [line.expandtabs() for line in re.split(r"\r\n|\r|\n", docstring)]
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = min(indents, default=0)
    return [lines[0].strip(), *(line[margin:].rstrip() for line in lines[1:])]


def _hidden(char: str) -> bool:
    """Control characters, line and paragraph separators, and bidirectional overrides."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def _words(name: str) -> str:
    """A name in words: ``drop_missing_rows`` -> "Drop missing rows"."""
    words = " ".join(name.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _listing(defs: list[Any]) -> str:
    return ", ".join(f"{d.name}() (line {d.lineno})" for d in defs)


def _import_hint(name: str) -> str:
    if name in PORT_ANNOTATIONS or name in ("Input", "Output"):
        return f"add `from blocks.types import {name}`"
    if name in ("List", "Dict", "Optional", "Union", "Literal"):
        return f"add `from typing import {name}`"
    hints = {
        "dsl": "add `from kfp import dsl`",
        "kfp": "add `import kfp`",
        "component": "add `from kfp.dsl import component`",
        "typing": "add `import typing`",
        "blocks": "add `import blocks.types`",
    }
    return hints.get(name, "import it or define it at the top of the source")
