"""What the dataset pages show, as plain rows of text (no Reflex here, so it can be tested).

Each function turns the store's values (``DatasetSummary``, ``DatasetVersion``, the profile
dict of ``TableProfile.to_dict()``) into the strings and small dicts the pages render with
``rx.foreach``: "v3", "60 rows by 4 columns", "2.1 KB", "min 1 · max 6", histogram bar
heights. Who may use a dataset is shaped as a block's is (``sharing_views.share_entry_rows``).
Times are compared with an explicit ``now`` so the tests can pin it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote

from blocks.runtime.target_kind import TargetKind, target_kind
from designer.datasets.target import summary_of
from designer.store.datasets import DatasetSummary, DatasetVersion
from designer.ui.sharing_views import count_label, exact_time, relative_time

API = "/api/v1/datasets"
#: The dataset lists the tabs switch between, as (value, label).
SCOPES = (("all", "All"), ("mine", "Mine"), ("shared", "Shared with me"))
FORMAT_LABELS = {"csv": "CSV", "parquet": "Parquet"}
#: Radix colour of a column's type badge.
TYPE_COLORS = {
    "integer": "blue",
    "number": "blue",
    "boolean": "amber",
    "datetime": "purple",
    "text": "gray",
}
NUMERIC_TYPES = ("integer", "number")
#: What the person may do, in their words.
ROLE_SENTENCES = {"owner": "You own it", "editor": "You can edit", "viewer": "You can view"}
#: How a missing value shows in the preview table.
MISSING = "—"
SIZE_UNITS = ("B", "KB", "MB", "GB", "TB")
TIMES = "\N{MULTIPLICATION SIGN}"
DASH = "\N{EN DASH}"


# -- small formats -----------------------------------------------------------------------------


def human_size(size: int) -> str:
    """A byte count in decimal units, as the upload limit is given: "812 B", "2.1 KB"."""
    amount, unit = float(max(size, 0)), 0
    while amount >= 1000 and unit < len(SIZE_UNITS) - 1:
        amount, unit = amount / 1000, unit + 1
    if unit == 0:
        return f"{int(amount)} B"
    return (
        f"{amount:.1f} {SIZE_UNITS[unit]}" if amount < 100 else f"{amount:.0f} {SIZE_UNITS[unit]}"
    )


def shape_label(rows: int, columns: int) -> str:
    """ "60 rows x 4 columns" (with a multiplication sign)."""
    rows_part = f"{rows:,} {'row' if rows == 1 else 'rows'}"
    return f"{rows_part} {TIMES} {count_label(columns, 'column')}"


def format_label(file_format: str) -> str:
    return FORMAT_LABELS.get(file_format, file_format.upper())


def format_number(value: float | str | None) -> str:
    """A statistic shown short: 3.7, 1950, 198,348, 0.00012; text (a date) as it is.

    Whole numbers of four digits go without a separator, so a year reads 1950, not 1,950.
    """
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 10_000:
        return str(int(value))
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 0.01:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.2g}"


def day(moment: datetime, zone: tzinfo | None = None) -> str:
    """ "22 Nov 2024", in ``zone`` (default: the server's)."""
    return moment.astimezone(zone).strftime("%d %b %Y")


# -- the list ----------------------------------------------------------------------------------


def dataset_row(summary: DatasetSummary, now: datetime) -> dict[str, Any]:
    """One line of the datasets list."""
    role = str(summary.role)
    return {
        "id": summary.id,
        "name": summary.name,
        "href": dataset_href(summary.id),
        "version": f"v{summary.version}",
        "shape": shape_label(summary.rows, summary.columns),
        "size": human_size(summary.size),
        "format": format_label(summary.format),
        "owner": summary.owner,
        "updated": relative_time(summary.updated_at, now),
        "updated_exact": exact_time(summary.updated_at),
        "shared": summary.shared,
        "role": role,
        "is_owner": role == "owner",
    }


def dataset_href(dataset_id: str) -> str:
    return f"/datasets/{dataset_id}"


def dataset_id_from_path(path: str) -> str:
    """The id in ``/datasets/<id>`` (a static server may add a trailing slash), else ""."""
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    return parts[1] if len(parts) == 2 and parts[0] == "datasets" else ""


def upload_url(dataset_id: str = "") -> str:
    """Where the upload zone posts a file: a new dataset, or a new version of ``dataset_id``."""
    return f"{API}/{quote(dataset_id)}/versions" if dataset_id else API


def file_url(dataset_id: str, number: int) -> str:
    return f"{API}/{quote(dataset_id)}/versions/{number}/file"


def uploaded_message(reply: Mapping[str, Any], filename: str = "") -> str:
    """What to say after an upload, from the REST API's answer."""
    where = f"“{reply.get('name', '')}” version {reply.get('number', '?')}"
    if reply.get("created"):
        return f"Added {where}"
    what = filename or "This file"
    return f"{what} is already stored as {where}: nothing was added"


def in_use_message(flows: Sequence[str], hidden: int) -> str:
    """Why deleting needs a second confirmation: the flows reading the dataset."""
    names = [f"“{name}”" for name in flows[:5]]
    if len(flows) > 5:
        names.append(f"{len(flows) - 5} more")
    if hidden:
        names.append(f"{count_label(hidden, 'flow')} not shared with you")
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f"It is used by {listed}. Those flows will fail to run without it. "
        "Delete it anyway only if you are sure."
    )


def storage_message(problem: str) -> str:
    problem = problem.rstrip(". ")
    return (
        f"Storage is unreachable: {problem}. Uploads and downloads will not work until it is back."
    )


# -- one dataset -------------------------------------------------------------------------------


def role_sentence(role: str) -> str:
    return ROLE_SENTENCES.get(role, role)


def version_option(version: DatasetVersion, zone: tzinfo | None = None) -> dict[str, str]:
    """An entry of the version picker: "v2 · houses.csv · 60 rows · 22 Nov 2024 · Ada"."""
    parts = [
        f"v{version.number}",
        version.filename,
        f"{version.rows:,} {'row' if version.rows == 1 else 'rows'}",
        day(version.created_at, zone),
    ]
    if version.author:
        parts.append(version.author)
    return {"value": str(version.number), "label": " · ".join(parts)}


def version_facts(version: DatasetVersion) -> dict[str, str]:
    """The chosen version's headline: its file, shape, size, format and download address."""
    return {
        "number": str(version.number),
        "filename": version.filename,
        "shape": shape_label(version.rows, len(version.columns)),
        "size": human_size(version.size),
        "format": format_label(version.format),
        "download": file_url(version.dataset_id, version.number),
        "added": exact_time(version.created_at),
        "author": version.author,
    }


def target_line(profile: Mapping[str, Any]) -> str:
    """ "Likely target: price (regression)", or "" when no column looks like one.

    The task is the one Task auto picks today, from the target's column (a profile stored
    before the rule changed may hold another ``suggested_task``)."""
    target = profile.get("suggested_target")
    if not target:
        return ""
    kind = _target_kind(profile)
    task = kind.task if kind is not None else profile.get("suggested_task")
    return f"Likely target: {target}" + (f" ({task})" if task else "")


def target_reason(profile: Mapping[str, Any]) -> str:
    """Why the likely target's task, in a sentence, or "" without a likely target."""
    kind = _target_kind(profile)
    return kind.reason if kind is not None else ""


def _target_kind(profile: Mapping[str, Any]) -> TargetKind | None:
    target = profile.get("suggested_target")
    column = next((c for c in profile.get("columns", []) if c.get("name") == target), None)
    if not target or column is None:
        return None
    summary = summary_of(
        str(target), column.get("type", ""), column.get("distinct"), column.get("stats")
    )
    return target_kind(summary)


def column_summary(column: Mapping[str, Any]) -> str:
    """The column's statistics in one line, by type."""
    stats: Mapping[str, Any] = column.get("stats") or {}
    kind = column.get("type", "")
    if kind in NUMERIC_TYPES or kind == "datetime":
        if stats.get("min") is None and stats.get("max") is None:
            return ""
        parts = [f"min {format_number(stats.get('min'))}", f"max {format_number(stats.get('max'))}"]
        if kind in NUMERIC_TYPES and stats.get("mean") is not None:
            parts.append(f"mean {format_number(stats['mean'])}")
        return " · ".join(parts)
    if kind == "boolean":
        return f"true {stats.get('true', 0):,} · false {stats.get('false', 0):,}"
    if stats.get("top") is not None:
        return f"top: {stats['top']} ({stats.get('top_count', 0):,})"
    return ""


def histogram_bars(histogram: Iterable[Mapping[str, float]]) -> list[dict[str, str]]:
    """One bar per bin: its height as a share of the tallest bin, and what it covers."""
    bins = list(histogram)
    tallest = max((int(b["count"]) for b in bins), default=0)
    bars = []
    for bin_ in bins:
        count = int(bin_["count"])
        # A bin with values is never drawn flat: one row among thousands must still show.
        share = 0.0 if not tallest or not count else max(4.0, 100.0 * count / tallest)
        span = f"{format_number(bin_['start'])} {DASH} {format_number(bin_['end'])}"
        bars.append(
            {
                "height": f"{share:.0f}%",
                "title": f"{span}: {count:,} {'row' if count == 1 else 'rows'}",
            }
        )
    return bars


def column_rows(profile: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The columns table: name, type and its colour, missing, distinct, statistics, bars."""
    target = profile.get("suggested_target")
    rows = []
    for column in profile.get("columns", []):
        kind = column.get("type", "")
        distinct = column.get("distinct")
        rows.append(
            {
                "name": column["name"],
                "type": kind,
                "color": TYPE_COLORS.get(kind, "gray"),
                "missing": f"{column.get('missing', 0):,}",
                "has_missing": bool(column.get("missing")),
                "distinct": "many" if distinct is None else f"{distinct:,}",
                "summary": column_summary(column),
                "bars": histogram_bars(column.get("histogram") or []),
                "is_target": column["name"] == target,
            }
        )
    return rows


def preview_table(profile: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The column names and the first rows, a missing value shown as a dash."""
    headers = [str(column["name"]) for column in profile.get("columns", [])]
    rows = [
        [MISSING if cell is None else str(cell) for cell in row]
        for row in profile.get("preview", [])
    ]
    return headers, rows
