"""Loading a person's block inside its task (a local worker's subprocess or a pod).

A person's block travels in the pipeline as its source (``designer.userblocks.components``).
The task writes that source to ``block_source.py`` and, beside it, a one-line program that
KFP's executor loads instead::

    from blocks.runtime.block_program import load; globals().update(load(__file__))

``load`` imports the person's source and hands back its names, each function's ``Literal[...]``
settings made plain ``str``/``int``/``float``/``bool`` first: KFP's executor skips arguments it
does not know the type of, so a ``Literal`` setting would otherwise never get the value chosen
in the form. A ``@dsl.component(...)`` on the function (how a block asks for packages) only
marks it here: KFP's runtime mode has no ``dsl.component``, and the designer read its options
when the block was saved. Tracebacks name ``block_source.py`` and the lines as written.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import typing
from typing import Any

#: The file the task writes the person's source to, beside the program KFP loads.
SOURCE_FILE = "block_source.py"
#: What that program says.
PROGRAM = "from blocks.runtime.block_program import load; globals().update(load(__file__))\n"


def load(program: str) -> dict[str, Any]:
    """The names the source beside ``program`` defines, ready for KFP's executor."""
    path = os.path.join(os.path.dirname(os.path.abspath(program)), SOURCE_FILE)
    spec = importlib.util.spec_from_file_location("block_source", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the block's source from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    _decorator_marks_only()
    spec.loader.exec_module(module)
    names = {k: v for k, v in vars(module).items() if not k.startswith("__")}
    for value in names.values():
        plain_choices(getattr(value, "python_func", value))
    return names


def _decorator_marks_only() -> None:
    """``@dsl.component`` and ``@dsl.component(...)`` give the function back unchanged."""
    from kfp import dsl

    def component(function: Any = None, **_options: Any) -> Any:
        return function if function is not None else (lambda inner: inner)

    dsl.component = component  # type: ignore[attr-defined,assignment]


def plain_choices(function: Any) -> None:
    """Make each ``Literal[...]`` annotation of ``function`` the type of its choices."""
    annotations = getattr(function, "__annotations__", None)
    if not isinstance(annotations, dict):
        return
    for name, annotation in list(annotations.items()):
        if typing.get_origin(annotation) is typing.Literal:
            choices = typing.get_args(annotation)
            annotations[name] = type(choices[0]) if choices else str
