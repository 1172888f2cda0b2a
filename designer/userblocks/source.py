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

This module walks the module and the function; the parts live beside it: the annotations
(``source_annotations``), the docstring and texts (``source_docstring``), the packages
(``source_requirements``), the problems' placing (``source_problems``), and the starter
block a new editor shows (``starter``). People writing blocks read ``docs/blocks.md``.
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings

from designer.userblocks.source_annotations import (
    MAX_NAME_CHARS,
    PARAM_ANNOTATIONS,
    PORT_ANNOTATIONS,
    argument_name_ok,
    read_param,
    read_port,
)
from designer.userblocks.source_docstring import (
    Docstring,
    Overrides,
    block_texts,
    check_described_args,
    read_docstring,
)
from designer.userblocks.source_problems import MAX_PROBLEMS, Problems
from designer.userblocks.source_requirements import read_packages
from designer.userblocks.source_syntax import (
    Def,
    arguments_with_defaults,
    assigned_names,
    component_decorator,
    listing,
    module_statements,
    strip_optional,
)
from designer.userblocks.spec import (
    MAX_PARAMS,
    MAX_PORTS,
    MAX_SOURCE_CHARS,
    BlockSpec,
    ParamSpec,
    PortSpec,
    SourceCheck,
    SourceProblem,
)
from designer.userblocks.starter import STARTER_SOURCE

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_PROBLEMS",
    "PARAM_ANNOTATIONS",
    "PORT_ANNOTATIONS",
    "STARTER_SOURCE",
    "read_source",
]

#: How a block's function may be named.
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_BUILTIN_NAMES = frozenset(dir(builtins))
#: A note for a block without a docstring: not a problem, but the block reads poorly.
_NO_DOCSTRING = (
    "Add a docstring: its first line becomes the block's title, the next paragraph its "
    "description, and an Args: section the help of each port and setting."
)


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
        spec = reader.read(Overrides(title, category, description))
    except RecursionError:
        # A pathologically nested source (thousands of brackets or operators in a row).
        reader.problems.add("the source nests too deeply to read; simplify it", 0)
        spec = None
    problems = reader.problems.listed()
    return SourceCheck(None, problems) if problems or spec is None else SourceCheck(spec)


class _Reader:
    """One reading of one source; ``problems`` collects everything found along the way."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems = Problems(source)
        #: Names the module binds at its top level, where the task looks its types up.
        self.bound: set[str] = set()
        self.star_import = False
        self.undefined: set[str] = set()

    def read(self, overrides: Overrides) -> BlockSpec | None:
        tree = self._parse()
        if tree is None:
            return None
        self._module_bindings(tree)
        function = self._block_function(tree)
        if function is None:
            return None
        decorated = self._decorators(function)
        packages = read_packages(function, self.problems)
        self._signature_shape(function)
        doc = read_docstring(function, self.problems)
        inputs, outputs, params = self._arguments(function, doc, decorated)
        self._returns(function)
        check_described_args(function, doc, self.problems)
        self._bounds(function, inputs, outputs, params)
        texts = block_texts(function, doc, overrides, self.problems)
        if texts is None:
            return None
        title, category, description = texts
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
            notes=(_NO_DOCSTRING,) if ast.get_docstring(function) is None else (),
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
        for statement in module_statements(tree.body):
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
                for target in assigned_names(statement):
                    self.bound.add(target.id)

    def _block_function(self, tree: ast.Module) -> Def | None:
        defs = [s for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
        marked = [d for d in defs if any(component_decorator(x) for x in d.decorator_list)]
        if len(marked) > 1:
            self.problems.at(
                marked[1],
                f"more than one function is marked @dsl.component: {listing(marked)}; a block "
                "is one function: keep the decorator on that one only",
            )
            return None
        if marked:
            chosen = marked[0]
        else:
            public = [d for d in defs if not d.name.startswith("_")]
            if not public:
                helpers = f" ({listing(defs)} start with _, so they are helpers)" if defs else ""
                self.problems.add(
                    "no block function found: write one top-level `def` whose arguments are "
                    f"the block's ports and settings{helpers}",
                    0,
                )
                return None
            if len(public) > 1:
                self.problems.at(
                    public[1],
                    f"several top-level functions could be the block: {listing(public)}; mark "
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

    def _redefinitions(self, tree: ast.Module, function: Def) -> None:
        """Anything that binds the function's name after it would replace it in the task."""
        for statement in module_statements(tree.body):
            if statement is function or statement.lineno <= function.lineno:
                continue
            names = [t.id for t in assigned_names(statement)]
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

    def _decorators(self, function: Def) -> bool:
        """Whether ``@dsl.component`` marks the function; other decorators are problems."""
        marked = False
        for decorator in function.decorator_list:
            if component_decorator(decorator):
                marked = True
                self._names_defined(
                    decorator.func if isinstance(decorator, ast.Call) else decorator
                )
                continue
            self.problems.at(
                decorator,
                f"`@{self.problems.quote(decorator)}` cannot decorate the block's function: only "
                "@dsl.component may (the task calls the plain function)",
            )
        return marked

    def _signature_shape(self, function: Def) -> None:
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

    def _arguments(
        self, function: Def, doc: Docstring, decorated: bool
    ) -> tuple[list[PortSpec], list[PortSpec], list[ParamSpec]]:
        inputs: list[PortSpec] = []
        outputs: list[PortSpec] = []
        params: list[ParamSpec] = []
        for argument, default in arguments_with_defaults(function.args):
            if not argument_name_ok(argument, self.problems):
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
            inner, optional, piped = strip_optional(argument.annotation)
            if piped and decorated:
                self.problems.at(
                    argument.annotation,
                    f"`{self.problems.quote(argument.annotation)}`: under @dsl.component KFP "
                    f"refuses `X | None`; write `Optional[{self.problems.quote(inner)}]`",
                )
            port = read_port(argument, inner, optional, default, help_text, self.problems)
            if port is not None:
                side, spec = port
                if spec is not None:
                    (inputs if side == "input" else outputs).append(spec)
                continue
            param = read_param(
                argument, inner, optional, default, help_text, decorated, self.problems
            )
            if param is not None:
                params.append(param)
        return inputs, outputs, params

    def _returns(self, function: Def) -> None:
        returns = function.returns
        if returns is None or (isinstance(returns, ast.Constant) and returns.value is None):
            return
        self.problems.at(
            returns,
            f"`-> {self.problems.quote(returns)}`: write results to an Output[...] artifact; "
            "return values are not ports (write `-> None`, or no return type)",
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
        function: Def,
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
