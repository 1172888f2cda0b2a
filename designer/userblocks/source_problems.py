"""The problems one reading of a block's source finds, each placed where the person sees it.

``ast`` counts columns in UTF-8 bytes; the editor counts characters. Each problem is placed on
its line (clamped into the source) at the 1-based character column, and the list is sorted by
line and cut short, so a badly broken source shows the first problems to fix and how many more
there are.
"""

from __future__ import annotations

import ast
import re

from designer.userblocks.spec import SourceProblem

#: At most this many problems are listed; the last one then says how many more there are.
MAX_PROBLEMS = 20


class Problems:
    """The problems found so far in one source, each placed on a line of it."""

    def __init__(self, source: str) -> None:
        self.source = source
        # The editor's lines (Python's own line breaks), for turning byte offsets into columns.
        self.lines = re.split(r"\r\n|\r|\n", source)
        self.last_line = len(source.splitlines())
        self.found: list[SourceProblem] = []

    def add(self, message: str, line: int, column: int = 0) -> None:
        """A problem on ``line`` (0: on no one line) at the 1-based ``column`` (0: unknown)."""
        line = min(max(line, 0), self.last_line)
        self.found.append(SourceProblem(message, line, column if line else 0))

    def at(self, node: ast.AST, message: str) -> None:
        """A problem where ``node`` starts."""
        line = getattr(node, "lineno", 0) or 0
        self.add(message, line, self.column(line, getattr(node, "col_offset", 0) or 0))

    def column(self, line: int, byte_offset: int) -> int:
        """The 1-based column of ``ast``'s byte offset on a line (0 when unknown)."""
        if not 0 < line <= len(self.lines):
            return 0
        head = self.lines[line - 1].encode("utf-8", "surrogatepass")[:byte_offset]
        return len(head.decode("utf-8", "ignore")) + 1

    def quote(self, node: ast.AST) -> str:
        """The source text of a node on one line, shortened for a message."""
        text = ast.get_source_segment(self.source, node) or "..."
        text = " ".join(text.split())
        return text if len(text) <= 60 else text[:57] + "..."

    def listed(self) -> tuple[SourceProblem, ...]:
        """Every problem once, by line and column; past ``MAX_PROBLEMS``, how many more."""
        ordered = sorted(set(self.found), key=lambda p: (p.line, p.column, p.message))
        if len(ordered) <= MAX_PROBLEMS:
            return tuple(ordered)
        shown, hidden = ordered[: MAX_PROBLEMS - 1], ordered[MAX_PROBLEMS - 1 :]
        more = SourceProblem(
            f"{len(hidden)} more problems, from here on; fix these first", hidden[0].line
        )
        return (*shown, more)
