"""Problems found in a flow, in a shape the canvas can pin on a node, an edge or a form field."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One problem. ``message`` says what was expected, what was found and the valid choices."""

    severity: Severity
    code: str
    message: str
    node: str | None = None
    edge: str | None = None
    #: The parameter of ``node`` the problem is about, so a form can mark the field.
    param: str | None = None
    #: Other nodes involved (the rest of a cycle, the other end of a doubled input).
    related: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        data["related"] = list(self.related)
        return data

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"node {self.node}" if self.node else "",
                f"edge {self.edge}" if self.edge else "",
                f"param {self.param}" if self.param else "",
            )
            if part
        )
        return f"{self.severity}[{self.code}] {where + ': ' if where else ''}{self.message}"


def error(code: str, message: str, **where: Any) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, **where)


def warning(code: str, message: str, **where: Any) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, message, **where)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def choices(values: Any, limit: int = 12) -> str:
    """A readable list of valid choices, cut short when it is long."""
    items = [str(v) for v in values]
    if not items:
        return "(none)"
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")
