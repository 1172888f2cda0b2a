"""Small questions about a block's syntax tree, answered without running anything.

How a name is spelled (``dsl.Input`` or ``Input``), whether a type allows None, which
argument has which default, what the module binds at its top level, what a literal is worth:
the pieces the reader (``designer.userblocks.source``) and its helpers share.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Any

#: A function definition, as ``ast`` gives it (``async def`` is read, then refused).
Def = ast.FunctionDef | ast.AsyncFunctionDef

# How a name may be spelled: bare (imported) or through the module that defines it.
KFP_PREFIXES = ("", "dsl.", "kfp.dsl.", "blocks.types.")
TYPING_PREFIXES = ("", "typing.")
#: The spellings of KFP's ``component`` decorator.
COMPONENT = {"component", "dsl.component", "kfp.dsl.component"}


def dotted(node: ast.expr | None) -> str | None:
    """``a.b.c`` for a name or a chain of attributes on a name; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def strip_prefix(name: str | None, prefixes: Iterable[str]) -> str | None:
    """The bare name when ``name`` is one of the prefixed spellings (``dsl.Input`` -> Input)."""
    if name is None:
        return None
    for prefix in sorted(prefixes, key=len, reverse=True):
        if prefix and name.startswith(prefix) and "." not in name[len(prefix) :]:
            return name[len(prefix) :]
    return name if "." not in name else None


def strip_optional(node: ast.expr) -> tuple[ast.expr, bool, bool]:
    """(inner type, whether None is allowed, whether written ``X | None``) of an annotation."""
    if isinstance(node, ast.Subscript):
        base = strip_prefix(dotted(node.value), TYPING_PREFIXES)
        if base == "Optional":
            return node.slice, True, False
        if base == "Union" and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
            others = [e for e in node.slice.elts if not is_none(e)]
            if len(others) == 1:
                return others[0], True, False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        others = [e for e in sides if not is_none(e)]
        if len(others) == 1:
            return others[0], True, True
    return node, False, False


def is_none(node: ast.expr | None) -> bool:
    """Whether ``node`` is the literal ``None``."""
    return isinstance(node, ast.Constant) and node.value is None


def component_decorator(node: ast.expr) -> bool:
    """Whether a decorator is KFP's ``component``, bare or called with options."""
    if isinstance(node, ast.Call):
        node = node.func
    return dotted(node) in COMPONENT


def arguments_with_defaults(
    arguments: ast.arguments,
) -> Iterator[tuple[ast.arg, ast.expr | None]]:
    """Each argument of a signature, in order, with its default (None when it has none)."""
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    defaults += arguments.defaults
    yield from zip(positional, defaults, strict=True)
    yield from zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)


def literal_value(node: ast.expr) -> tuple[bool, Any]:
    """(True, its value) when ``node`` is a value written out; (False, None) otherwise."""
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
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


def assigned_names(statement: ast.stmt) -> Iterator[ast.Name]:
    """The names an assignment, ``for`` or ``with`` statement binds."""
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


def listing(defs: list[Any]) -> str:
    """Functions named with their lines, for a message: ``a() (line 3), b() (line 9)``."""
    return ", ".join(f"{d.name}() (line {d.lineno})" for d in defs)
