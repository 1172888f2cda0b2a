"""Recognising a KFP lightweight Python component by its container, without running it.

``@dsl.component`` lays a component out in one way: its container writes the embedded program
(the command's last element, the script's ``$0``) to a file and runs ``kfp.dsl.executor_main``
on one function of it, after an optional ``pip install`` of the packages it declares. A
container laid out exactly so is a "python" block whose program is taken out as text and
parsed (never run); anything else the shell would do (another command, a substitution)
makes it an ordinary container.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass

from kfp.dsl import structures

from designer.userblocks.spec import MAX_SOURCE_CHARS, SourceProblem

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
class Program:
    """A lightweight component's program: its source, the function the task calls, and the
    packages it installs first (kfp itself aside)."""

    source: str
    function: str
    packages: tuple[str, ...]


def python_program(container: structures.ContainerSpecImplementation) -> Program | None:
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
    return Program(source=command[-1], function=args[3], packages=packages)


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


def check_program(program: Program, problems: list[SourceProblem]) -> None:
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
