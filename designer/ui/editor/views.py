"""What the editor's panels show, computed from the flow and its check (no Reflex here).

Each function turns core objects into plain dictionaries of strings and numbers, the shape the
page's ``rx.foreach`` loops read, so the panels stay simple and these stay unit-testable.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from blocks.base import Block
from blocks.catalogue import CATALOGUE, BlockLookup, get_block
from designer.flow.diagnostics import Diagnostic, Severity
from designer.flow.document import Flow
from designer.flow.param_form import LIBRARY_KINDS, NO_CHOICE, FormField, form_fields
from designer.flow.params import param_reference
from designer.flow.resources import setting_title, shown_value
from designer.runs.record import RunRecord, Status

#: Radix colour of each run status, for badges.
STATUS_COLORS = {
    "succeeded": "green",
    "failed": "red",
    "running": "blue",
    "pending": "gray",
    "cancelled": "gray",
    "skipped": "gray",
    "cached": "teal",  # the canvas's colour for a node that reused an earlier result
}


@functools.cache
def block_fields(block_id: str) -> tuple[FormField, ...]:
    """A catalogue block's form fields (blocks never change while the app runs)."""
    block = get_block(block_id)
    return tuple(form_fields(block.params_schema())) if block else ()


def fields_of(block: Block | None) -> tuple[FormField, ...]:
    """A block's form fields: cached for built-in blocks, read each time for a person's."""
    if block is None:
        return ()
    if block.function is not None:
        return block_fields(block.id)
    return tuple(form_fields(block.params_schema()))


def problems_by_node(diagnostics: list[Diagnostic]) -> dict[str, list[str]]:
    """Error messages per node, for the markers on the canvas."""
    found: dict[str, list[str]] = {}
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.ERROR and diagnostic.node:
            found.setdefault(diagnostic.node, []).append(diagnostic.message)
    return found


def diagnostics_view(
    diagnostics: list[Diagnostic], flow: Flow | None = None, blocks: BlockLookup = get_block
) -> list[dict[str, str]]:
    """Every problem for the problems panel, errors first, each with the node to centre on.

    ``where`` names the block as the canvas shows it and the setting as the form does
    ("Train/test split (split) · Test share"), when ``flow`` is given to look them up.
    """
    ordered = sorted(diagnostics, key=lambda d: d.severity is not Severity.ERROR)
    return [
        {
            "severity": str(d.severity),
            "code": d.code,
            "message": d.message,
            "node": d.node or "",
            "param": d.param or "",
            "where": " · ".join(filter(None, _where(d, flow, blocks))),
        }
        for d in ordered
    ]


def _where(diagnostic: Diagnostic, flow: Flow | None, blocks: BlockLookup) -> tuple[str, str]:
    """The block and the setting a problem is about, in the words the editor shows them."""
    node = flow.node(diagnostic.node) if flow is not None and diagnostic.node else None
    if node is None:
        return diagnostic.node or "", diagnostic.param or ""
    block = blocks(node.block)
    name = node.label or (block.title if block else "")
    shown = f"{name} ({node.id})" if name and name != node.id else node.id
    field = next((f for f in fields_of(block) if f.name == diagnostic.param), None)
    other = setting_title(diagnostic.param or "") or diagnostic.param or ""
    return shown, field.title if field else other


def run_blocker(diagnostics: list[Diagnostic]) -> str:
    """Why the flow cannot run yet, in one sentence; empty when it can."""
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if not errors:
        return ""
    first = errors[0]
    where = f"{first.node}: " if first.node else ""
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return f"Fix first: {where}{first.message}" + (more if len(errors) > 1 else "")


def properties_view(
    flow: Flow,
    node_id: str,
    diagnostics: list[Diagnostic],
    choices: dict[str, list[dict[str, str]]] | None = None,
    blocks: BlockLookup = get_block,
    newer: str = "",
) -> dict[str, Any]:
    """The properties panel for one node: its form fields with values and errors, its ports.

    ``choices`` holds the options of library fields by kind (see ``dataset_choices``);
    ``newer`` the id of a newer version of the node's block (a person's block), if any.
    """
    node = flow.node(node_id)
    block = blocks(node.block) if node else None
    if node is None or block is None:
        return {}
    param_errors: dict[str, str] = {}
    general: list[str] = []
    for d in diagnostics:
        if d.node != node_id or d.severity is not Severity.ERROR:
            continue
        if d.param:
            param_errors.setdefault(d.param, d.message)
        else:
            general.append(d.message)
    fed = {(e.target, e.target_port): f"{e.source}.{e.source_port}" for e in flow.edges}
    feeds: dict[str, list[str]] = {}
    for e in flow.edges:
        if e.source == node_id:
            feeds.setdefault(e.source_port, []).append(f"{e.target}.{e.target_port}")
    return {
        "id": node.id,
        "block": block.id,
        "title": block.title,
        "label": node.label,
        "description": block.description,
        "icon": block.icon,
        "fields": [
            field_view(
                f,
                node.params.get(f.name),
                param_errors.get(f.name, ""),
                (choices or {}).get(f.kind, []),
            )
            for f in fields_of(block)
        ],
        "inputs": [
            {
                "name": p.name,
                "type": p.type.name,
                "color": p.type.color,
                "link": fed.get((node.id, p.name), "optional" if p.optional else "not connected"),
            }
            for p in block.inputs
        ],
        "outputs": [
            {
                "name": p.name,
                "type": p.type.name,
                "color": p.type.color,
                "link": ", ".join(feeds.get(p.name, [])) or "not connected",
            }
            for p in block.outputs
        ],
        "problems": general,
        # Nodes this one waits for without taking data from them (an imported .after()).
        "after": ", ".join(node.after),
        # A person's block: whose, which version, a newer one to move to, where it runs.
        "owner": block.owner,
        "version": block.version if block.owner else "",
        "newer": newer,
        "newer_version": newer.rsplit("@", 1)[-1] if newer else "",
        "kubeflow_only": "local" not in block.engines,
        "packages": ", ".join(block.packages),
    }


def field_view(
    field: FormField, value: Any, error: str, choices: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """One form field with the value to show: the node's own, else the block's default."""
    ref = param_reference(value)
    shown = field.default if value is None else value
    library = field.kind in LIBRARY_KINDS
    if library and _text(shown) == "":
        shown = NO_CHOICE if field.kind == "dataset_column" else ""
    return {
        "name": field.name,
        "title": field.title,
        "kind": "reference" if ref else field.kind,
        "help": field.help,
        "value": _text(shown) if ref is None else f"flow parameter {ref}",
        "checked": bool(shown) if field.kind == "switch" else False,
        "options": list(field.options),
        "choices": list(choices or []),
        "min": "" if field.minimum is None else _text(field.minimum),
        "max": "" if field.maximum is None else _text(field.maximum),
        "step": "1" if field.kind == "integer" else "any",
        "error": error,
        "bounds": "" if library else _bounds(field),
    }


def _bounds(field: FormField) -> str:
    if field.minimum is None and field.maximum is None:
        return ""
    if field.minimum is not None and field.maximum is not None:
        return f"{_text(field.minimum)} to {_text(field.maximum)}"
    if field.minimum is not None:
        return f"at least {_text(field.minimum)}"
    return f"at most {_text(field.maximum)}"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return shown_value(value)


def palette_groups() -> list[dict[str, Any]]:
    """The palette: categories in catalogue order, each with its blocks' summaries."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for block in CATALOGUE:
        groups.setdefault(block.category, []).append(
            {
                "id": block.id,
                "title": block.title,
                "description": block.description,
                "icon": block.icon,
                "search": f"{block.title} {block.id} {block.description}".lower(),
            }
        )
    return [{"category": c, "blocks": bs} for c, bs in groups.items()]


def when(timestamp: float | None) -> str:
    """A moment as people read it in a list: "22 Nov 14:05"."""
    if timestamp is None:
        return ""
    return time.strftime("%d %b %H:%M", time.localtime(timestamp))


def duration(started: float | None, finished: float | None) -> str:
    if started is None:
        return ""
    seconds = max(0.0, (finished or time.time()) - started)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def run_history_view(summaries: list[Any]) -> list[dict[str, Any]]:
    """Rows of the run history: when, which version, status, duration, headline metric."""
    return [
        {
            "id": s.id,
            "when": when(s.started_at.timestamp() if s.started_at else None),
            "version": s.flow_version,
            "status": str(s.status),
            "duration": "" if s.duration_s is None else duration(0.0, s.duration_s),
            "headline": ""
            if s.headline_name is None or s.headline_value is None
            else f"{s.headline_name} {s.headline_value:.3f}",
            "engine": s.engine,
            "scheduled": s.schedule_id is not None,
        }
        for s in summaries
    ]


def version_history_view(
    summaries: list[Any], latest: int, viewing: int = 0
) -> list[dict[str, Any]]:
    """Rows of the History tab: number, message, who and when, and which one is on show."""
    return [
        {
            "number": v.number,
            # Pickers compare their value as text: the number as text, not as the browser's number.
            "key": str(v.number),
            "message": v.message or "(no message)",
            "author": v.author or "someone before accounts",
            "when": when(v.created_at.timestamp()),
            "nodes": v.node_count,
            "latest": v.number == latest,
            "viewing": v.number == viewing,
        }
        for v in summaries
    ]


def copy_name(name: str, why: str, limit: int = 200) -> str:
    """``name`` with ``(why)`` after it, the name shortened so the whole fits ``limit``."""
    suffix = f" ({why})"
    return name[: limit - len(suffix)] + suffix


def run_failure(record: RunRecord) -> str:
    """Why a run did not succeed, in one line: the first failed node's error."""
    for node_id, node in record.nodes.items():
        if node.status is Status.FAILED:
            return f"{node_id}: {node.error or 'failed'}"
    return record.error.splitlines()[0] if record.error else "no block reported an error"


def node_run_view(record: dict[str, Any], node_id: str) -> dict[str, Any]:
    """The selected node in the run on show: status, timing, log tail, error, outputs."""
    node = record.get("nodes", {}).get(node_id)
    if node is None:
        return {}
    log = node.get("log", "")
    return {
        "id": node_id,
        "status": node.get("status", ""),
        "duration": duration(node.get("started_at"), node.get("finished_at"))
        if node.get("finished_at")
        else "",
        "error": node.get("error", ""),
        "log": log[-LOG_TAIL_CHARS:],
        "log_cut": len(log) > LOG_TAIL_CHARS,
        "outputs": [
            {
                "port": port,
                "type": out.get("type", "").removeprefix("system."),
                "uri": out.get("uri", ""),
            }
            for port, out in node.get("outputs", {}).items()
        ],
        "metrics": [{"name": k, "value": f"{v:.4g}"} for k, v in node.get("metrics", {}).items()],
    }


#: The end of a node's log shown in the panel (the whole log is in the run folder).
LOG_TAIL_CHARS = 6000


RESIDUAL_LABELS = {
    "mean": "Mean",
    "std": "Spread (std)",
    "min": "Smallest",
    "p25": "25th percentile",
    "median": "Median",
    "p75": "75th percentile",
    "max": "Largest",
}


def run_panel_view(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The run report flattened into the lists the run panel loops over."""
    nodes = report.get("nodes", [])
    return {
        "metrics": [
            {"node": n["node"], "label": m["label"], "text": m["text"]}
            for n in nodes
            for m in n["metrics"]
        ],
        "matrices": [
            _matrix_view(n["node"], n["confusion_matrix"])
            for n in nodes
            if n.get("confusion_matrix")
        ],
        "rocs": [
            {
                "node": n["node"],
                "auc": n["roc"]["auc_text"],
                "average": n["roc"]["average"],
                "points": [{"fpr": p["fpr"], "tpr": p["tpr"]} for p in n["roc"]["points"]],
            }
            for n in nodes
            if n.get("roc")
        ],
        "residuals": [
            {
                "node": n["node"],
                "items": [
                    {"label": RESIDUAL_LABELS.get(key, key), "text": number["text"]}
                    for key, number in n["residuals"].items()
                ],
            }
            for n in nodes
            if n.get("residuals")
        ],
        "artifacts": [
            {
                "node": a["node"],
                "port": a["port"],
                "type": a["type"].removeprefix("system."),
                "size": _size(a["size"]),
                "downloadable": a["downloadable"],
                "href": a.get("href", ""),
                "reason": a["reason"],
            }
            for n in nodes
            for a in n["artifacts"]
        ],
    }


def _matrix_view(node: str, matrix: dict[str, Any]) -> dict[str, Any]:
    return {
        "node": node,
        "categories": matrix["categories"],
        "rows": [
            {
                "label": label,
                "cells": [
                    {
                        "text": str(count),
                        "alpha": f"{max(share, 0.04) * 100:.0f}%",
                        "dark": share > 0.55,
                    }
                    for count, share in zip(counts, shares, strict=True)
                ],
            }
            for label, counts, shares in zip(
                matrix["categories"], matrix["rows"], matrix["shares"], strict=True
            )
        ],
    }


def _size(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return ""
