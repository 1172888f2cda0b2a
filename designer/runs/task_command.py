"""What a lightweight task's command does, read without a shell, so it can run in a warm process.

A KFP lightweight component runs as ``sh -ec SCRIPT PROGRAM --executor_input ... --function_to_
execute NAME``: the script makes a folder, writes the program (the script's ``$0``) and maybe a
second file there, and runs ``python3 -m kfp.dsl.executor_main`` on it with the remaining
arguments. Both layouts the designer compiles are that (KFP's own for the built-in blocks, and
``designer.userblocks.components.task_script`` for a person's block without packages).

``read_command`` understands exactly those few script lines. Anything else (a ``pip install``,
an ``export``, another interpreter, a container component) is not understood, and the task runs
as the command says, in a fresh process, as kfp.local would run it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

#: The module a lightweight task runs, and how its command names the program file.
EXECUTOR = "kfp.dsl.executor_main"
_FOLDER = "$program_path"
_MAKE_FOLDER = ["program_path=$(mktemp", "-d)"]


@dataclass(frozen=True)
class LightweightTask:
    """A lightweight task's program files and the executor's arguments."""

    #: File name -> text, written to a fresh folder before the executor starts.
    files: dict[str, str] = field(default_factory=dict)
    #: The file the executor loads (``--component_module_path``), one of ``files``.
    module_file: str = ""
    #: The executor's arguments after ``--component_module_path PATH``.
    arguments: tuple[str, ...] = ()


def read_command(command: list[str]) -> LightweightTask | None:
    """The task ``command`` runs, or None when it is not a plain lightweight component."""
    if len(command) < 4 or command[:2] != ["sh", "-ec"]:
        return None
    script, program, arguments = command[2], command[3], tuple(command[4:])
    lines = _script_lines(script)
    if not lines or lines[0] != _MAKE_FOLDER:
        return None
    files: dict[str, str] = {}
    for words in lines[1:-1]:
        written = _written_file(words, program)
        if written is None:
            return None
        name, text = written
        files[name] = text
    module_file = _executor_module_file(lines[-1])
    if module_file is None or module_file not in files:
        return None
    return LightweightTask(files, module_file, arguments)


def _script_lines(script: str) -> list[list[str]] | None:
    """The script's commands as words; a quoted word may span lines. None when unbalanced."""
    lines: list[list[str]] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        try:
            words = shlex.split(pending)
        except ValueError:  # a quote still open: the command goes on on the next line
            continue
        if words:
            lines.append(words)
        pending = ""
    return None if pending.strip() else lines


def _written_file(words: list[str], program: str) -> tuple[str, str] | None:
    """``printf "%s" TEXT > "$program_path/NAME"``: (NAME, TEXT), with ``$0`` the program."""
    if len(words) != 5 or words[:2] != ["printf", "%s"] or words[3] != ">":
        return None
    name = _file_in_folder(words[4])
    if name is None:
        return None
    return name, program if words[2] == "$0" else words[2]


def _executor_module_file(words: list[str]) -> str | None:
    """``_KFP_RUNTIME=true python3 -m EXECUTOR --component_module_path "$program_path/NAME"
    "$@"``: NAME."""
    expected = ["_KFP_RUNTIME=true", "python3", "-m", EXECUTOR, "--component_module_path"]
    if len(words) != 7 or words[:5] != expected or words[6] != "$@":
        return None
    return _file_in_folder(words[5])


def _file_in_folder(path: str) -> str | None:
    folder, slash, name = path.partition("/")
    plain = name.replace("_", "").replace(".", "").isalnum()
    if folder != _FOLDER or not slash or not plain or not name.endswith(".py"):
        return None
    return name
