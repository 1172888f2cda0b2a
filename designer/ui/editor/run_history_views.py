"""What the run history and an opened run say, computed from the store's summaries and a run's
record (no Reflex here): who started each run and with which parameter values, whether a
schedule started it, whether it reran from a node, how many nodes reused earlier results.
"""

from __future__ import annotations

import json
from typing import Any

from designer.runs.record import RunRecord, Status
from designer.ui.editor import views

#: Longest parameter summary shown on a history line; the whole list is in its tooltip.
PARAMS_SHOWN = 48
#: Radix colour of a node that reused an earlier run's result, as the canvas shows it.
CACHED_COLOR = views.STATUS_COLORS[str(Status.CACHED)]
STATUS_COLORS = views.STATUS_COLORS


def history_rows(summaries: list[Any]) -> list[dict[str, Any]]:
    """Rows of the run history: ``views.run_history_view``'s and who, with what, how."""
    rows = views.run_history_view(summaries)
    return [_row(row, summary) for row, summary in zip(rows, summaries, strict=True)]


def _row(row: dict[str, Any], s: Any) -> dict[str, Any]:
    params = parameter_text(s.arguments)
    cached = f"cached {s.cached_nodes} of {s.node_count}" if s.cached_nodes else ""
    who = s.started_by or ("a schedule" if s.schedule_id else "someone before accounts")
    markers = [
        f"rerun from {s.rerun_from}" if s.rerun_from else "",
        "" if s.cache else "no cache",
        cached,
    ]
    whole = " · ".join(
        part
        for part in (
            row["status"],
            row["when"],
            f"version {row['version']}",
            f"started by {who}",
            "started by a schedule" if row["scheduled"] else "",
            row["headline"],
            row["duration"],
            *markers,
        )
        if part
    )
    return {
        **row,
        "who": who,
        "params": _cut(params, PARAMS_SHOWN),
        "params_full": parameter_lines(s.arguments),
        "rerun_from": s.rerun_from,
        "no_cache": not s.cache,
        "cached": cached,
        "title": whole + (f"\nParameters:\n{parameter_lines(s.arguments)}" if params else ""),
    }


def parameter_text(arguments: dict[str, Any]) -> str:
    """ "seed=3, dataset=iris": the values a run used, in one line, by parameter name."""
    return ", ".join(f"{name}={_value(value)}" for name, value in sorted(arguments.items()))


def parameter_lines(arguments: dict[str, Any]) -> str:
    """One ``name = value`` line per parameter (the history line's tooltip)."""
    return "\n".join(f"{name} = {_value(value)}" for name, value in sorted(arguments.items()))


def node_run_detail(record: dict[str, Any], node_id: str) -> dict[str, Any]:
    """``views.node_run_view`` and, for a node that reused a result, the run it came from."""
    view = views.node_run_view(record, node_id)
    if not view:
        return view
    node = record.get("nodes", {}).get(node_id, {})
    return {**view, "cached_from": node.get("cached_from", "") or ""}


def progress_text(record: RunRecord) -> str:
    """ "4 of 5 blocks done (2 reused from earlier runs)": cached nodes count as done."""
    total = len(record.nodes)
    if not total:
        return ""
    done = sum(node.status.done for node in record.nodes.values())
    cached = sum(node.status is Status.CACHED for node in record.nodes.values())
    reused = f" ({cached} reused from earlier runs)" if cached else ""
    return f"{done} of {total} blocks done{reused}"


def run_markers(record: RunRecord) -> list[str]:
    """How the run was started, beyond Run: from a node, without the cache."""
    markers = []
    if record.rerun_from:
        markers.append(
            f"Rerun from {record.rerun_from}: it and the blocks after it ran again; "
            "the blocks before it could reuse earlier results."
        )
    if not record.cache:
        markers.append("Run without the cache: every block ran.")
    return markers


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
