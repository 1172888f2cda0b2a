"""The choices of a dataset block's settings: which dataset, which version, which column.

Plain data from the store's answers (no Reflex here), so the properties panel can offer only
what exists: the datasets the person may use, the versions of the chosen one, and its columns
with the likely target marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blocks.base import DatasetLookup
from designer.flow.param_form import NO_CHOICE
from designer.store.datasets import DatasetDetail, DatasetSummary

Choice = dict[str, str]


def library_choices(
    datasets: Sequence[DatasetSummary],
    chosen: str,
    detail: DatasetDetail | None,
    version: int,
    suggested_target: str | None,
) -> dict[str, list[Choice]]:
    """Choices per field kind for a node reading dataset ``chosen`` at ``version`` (0: latest).

    ``detail`` is the chosen dataset (None when it is gone or not shared with the person).
    """
    dataset_choices = [
        {"value": d.id, "label": d.name if d.role == "owner" else f"{d.name} ({d.owner})"}
        for d in datasets
    ]
    if chosen and all(c["value"] != chosen for c in dataset_choices):
        dataset_choices.append({"value": chosen, "label": "A dataset you cannot open"})
    if detail is None:
        return {"dataset": dataset_choices, "dataset_version": [], "dataset_column": []}
    latest = detail.versions[0]
    versions = [{"value": "0", "label": f"Latest (now v{latest.number})"}] + [
        {
            "value": str(v.number),
            "label": f"v{v.number} · {v.filename} · {v.rows:,} rows · {v.created_at:%d %b %Y}",
        }
        for v in detail.versions
    ]
    picked = next((v for v in detail.versions if v.number == version), latest)
    columns = [{"value": NO_CHOICE, "label": "(none)"}] + [
        {
            "value": name,
            "label": f"{name} (likely target)" if name == suggested_target else name,
        }
        for name in picked.columns
    ]
    return {"dataset": dataset_choices, "dataset_version": versions, "dataset_column": columns}


def dataset_defaults(datasets: DatasetLookup, dataset_id: str, target: Any) -> dict[str, Any]:
    """What else changes when a node switches to another dataset: back to its latest version,
    and the target column kept if the new dataset has it, else its likely target."""
    try:
        table = datasets(dataset_id, 0)
    except LookupError:
        return {}
    keep = isinstance(target, str) and target in table.columns
    return {"version": 0, "target": target if keep else table.suggested_target or ""}


def chosen_dataset(params: dict[str, Any]) -> tuple[str, int]:
    """The dataset id and version a node's raw parameters name (version 0 when unreadable)."""
    dataset = params.get("dataset")
    version = params.get("version", 0)
    return (
        dataset if isinstance(dataset, str) else "",
        version if isinstance(version, int) and not isinstance(version, bool) else 0,
    )
