"""The packages a block's source asks its task to install, and the decorator options refused.

``@dsl.component(packages_to_install=[...])`` is the one option a person's block may set: a
list of at most ``MAX_PACKAGES`` plain requirements, each a quoted name with optional extras
and versions. Anything pip would fetch from elsewhere or read as an option (URLs, paths,
archives, ``git+`` addresses, ``name @ url``, ``-e``, ``--index-url``) and environment
markers are refused, as are the decorator's other options (``base_image``...): the designer
chooses the image a block runs in and how its packages are installed.
"""

from __future__ import annotations

import ast

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from designer.userblocks.source_problems import Problems
from designer.userblocks.source_syntax import Def, component_decorator
from designer.userblocks.spec import MAX_PACKAGES

# pip takes an argument ending like this as a file to install, not a name to look up.
ARCHIVES = (".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".egg")


def read_packages(function: Def, problems: Problems) -> tuple[str, ...]:
    """``packages_to_install`` of the function's decorator; every other option is a problem."""
    found: list[str] = []
    call = next(
        (d for d in function.decorator_list if isinstance(d, ast.Call) and component_decorator(d)),
        None,
    )
    if call is None:
        return ()
    for argument in call.args:
        problems.at(
            argument,
            "@dsl.component takes no positional arguments here; list extra packages as "
            'packages_to_install=["name>=1.0"]',
        )
    for keyword in call.keywords:
        if keyword.arg is None:
            problems.at(keyword, "`**options` cannot be passed to @dsl.component; write them out")
        elif keyword.arg == "packages_to_install":
            found = _requirements(keyword.value, problems)
        else:
            problems.at(
                keyword,
                f"`{keyword.arg}=` cannot be set in a block's source: the designer chooses "
                "the image a block runs in and how its packages are installed; remove it",
            )
    return tuple(found)


def requirement(text: str) -> tuple[Requirement | None, str]:
    """The requirement a package entry names, or why it is not a plain one."""
    entry = text.strip()
    shown = entry if len(entry) <= 60 else entry[:57] + "..."
    if not entry:
        return None, "an empty package name; remove it"
    if entry.startswith("-"):
        return None, f"`{shown}`: pip options cannot be given here, only package names"
    try:
        parsed = Requirement(entry)
    except InvalidRequirement:
        if "://" in entry or entry.startswith("git+") or "/" in entry or "\\" in entry:
            return None, f"`{shown}`: URLs and paths cannot be installed; name a package on PyPI"
        return None, (
            f"`{shown}` is not a package requirement; write a name with an optional version, "
            'such as "scipy>=1.11"'
        )
    if parsed.url:
        return None, f"`{shown}`: `name @ address` references cannot be installed; name a version"
    if parsed.marker is not None:
        return None, f"`{shown}`: environment markers (after `;`) are not needed here; remove them"
    if entry.lower().endswith(ARCHIVES):
        return None, f"`{shown}` is a file name; name a package on PyPI instead"
    return parsed, ""


def _requirements(node: ast.expr, problems: Problems) -> list[str]:
    """The requirements of a ``packages_to_install=[...]`` list, each checked."""
    if not isinstance(node, ast.List):
        problems.at(
            node,
            'packages_to_install must be a list of quoted names, such as ["scipy>=1.11"]',
        )
        return []
    if len(node.elts) > MAX_PACKAGES:
        problems.at(
            node,
            f"{len(node.elts)} packages to install; a block may install at most {MAX_PACKAGES}",
        )
    found: list[str] = []
    seen: set[str] = set()
    for element in node.elts:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            problems.at(
                element,
                'each package to install is a quoted requirement, such as "scipy>=1.11"',
            )
            continue
        parsed, problem = requirement(element.value)
        if parsed is None:
            problems.at(element, problem)
            continue
        key = canonicalize_name(parsed.name)
        if key in seen:
            problems.at(element, f"`{parsed.name}` is listed twice; keep one")
        seen.add(key)
        found.append(str(parsed))
    return found
