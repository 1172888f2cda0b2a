"""The texts of a person's block: its Google-style docstring, and the fields beside the editor.

The docstring's first line is the block's title (a summary's full stop dropped); the
paragraphs after it, up to the first section, its description. A ``Category: preprocess`` line
puts the block in that palette category. Under ``Args:`` each ``name: what it is`` entry (the
text may go on over more-indented lines) is the help of that port or setting. The title,
category and description typed in the fields beside the editor, when filled, win over the
docstring. Every text is bounded and free of characters that would change how the text around
it shows.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass, field

from designer.userblocks.source_problems import Problems
from designer.userblocks.source_syntax import Def, arguments_with_defaults
from designer.userblocks.spec import CATEGORIES, DEFAULT_CATEGORY, MAX_TEXT_CHARS, MAX_TITLE_CHARS

# Google-style docstring sections; the first ones describe the arguments.
_ARGS_SECTIONS = ("args", "arguments", "parameters", "params", "keyword args", "keyword arguments")
_SECTIONS = frozenset(
    (*_ARGS_SECTIONS, "returns", "return", "yields", "yield", "raises", "note", "notes",
     "example", "examples", "attributes", "todo", "see also", "warning", "warnings",
     "references", "other parameters")
)  # fmt: skip
# Characters that change how the text around them shows (bidirectional overrides and isolates).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Overrides:
    """The title, category and description typed beside the editor (None or blank: unset)."""

    title: str | None = None
    category: str | None = None
    description: str | None = None


@dataclass
class Docstring:
    """What a Google-style docstring says, each piece with the line it came from."""

    title: str = ""
    title_line: int = 0
    description: str = ""
    description_line: int = 0
    category: str = ""
    category_line: int = 0
    #: Argument name -> (its help, the line of its entry).
    args: dict[str, tuple[str, int]] = field(default_factory=dict)


def read_docstring(function: Def, problems: Problems) -> Docstring:
    """What the function's docstring says (empty when it has none); badly written ``Args:``
    entries are problems."""
    doc = Docstring()
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
                problems.add("write each entry under Args: as `name: what it is`", line_of(index))
                current = None
                continue
            current = entry.group(1)
            if current in doc.args:
                problems.add(f"`{current}` is described twice under Args:", line_of(index))
            doc.args[current] = (entry.group(2).strip(), line_of(index))
    doc.description = "\n\n".join(" ".join(p) for p in paragraphs if p)
    return doc


def check_described_args(function: Def, doc: Docstring, problems: Problems) -> None:
    """Each argument ``Args:`` describes exists, and its help is a text the form can show."""
    names = [a.arg for a, _ in arguments_with_defaults(function.args)]
    for name, (help_text, line) in doc.args.items():
        if name not in names:
            known = ", ".join(names) or "none"
            problems.add(
                f"Args: describes `{name}`, which is not an argument of {function.name}() "
                f"(its arguments: {known})",
                line,
            )
        else:
            text_problem(problems, f"the help of `{name}`", help_text, line, one_line=False)


def block_texts(
    function: Def, doc: Docstring, overrides: Overrides, problems: Problems
) -> tuple[str, str, str] | None:
    """Title, category and description: the fields' when filled, else the docstring's (None,
    with problems added, when one of them cannot be used)."""
    title, title_line = doc.title or words(function.name), doc.title_line
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
    title_ok = text_problem(problems, "the title", title, title_line, one_line=True)
    description_ok = text_problem(
        problems, "the description", description, description_line, one_line=False
    )
    category = category.strip().lower()
    if category not in CATEGORIES:
        where = "the Category line" if category_line else "the category"
        named = f"names {category[:40]!r}" if category else "names no category"
        problems.add(f"{where} {named}; choose one of {', '.join(CATEGORIES)}", category_line)
        return None
    if not (title_ok and description_ok):
        return None
    return title, category, description


def text_problem(problems: Problems, what: str, text: str, line: int, *, one_line: bool) -> bool:
    """Adds a problem when a text is too long or holds hidden characters; True if fine."""
    limit = MAX_TITLE_CHARS if one_line else MAX_TEXT_CHARS
    allowed = "" if one_line else "\n\t"
    ok = True
    if len(text) > limit:
        problems.add(f"{what} has {len(text):,} characters; it may have at most {limit:,}", line)
        ok = False
    hidden = next((c for c in text if c not in allowed and _hidden(c)), None)
    if hidden is not None:
        problems.add(
            f"{what} holds a control character (U+{ord(hidden):04X}); "
            + ("keep it to one plain line" if one_line else "use plain text"),
            line,
        )
        ok = False
    return ok


def words(name: str) -> str:
    """A name in words: ``drop_missing_rows`` -> "Drop missing rows"."""
    spaced = " ".join(name.replace("_", " ").split())
    return spaced[:1].upper() + spaced[1:]


def _dedented(docstring: str) -> list[str]:
    """The docstring's lines (one per source line), tabs expanded and common indent removed."""
    lines = [line.expandtabs() for line in re.split(r"\r\n|\r|\n", docstring)]
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = min(indents, default=0)
    return [lines[0].strip(), *(line[margin:].rstrip() for line in lines[1:])]


def _hidden(char: str) -> bool:
    """Control characters, line and paragraph separators, and bidirectional overrides."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS
