"""The values runs were given, side by side: run parameters and settings that differ.

A run's parameters are ``RunRecord.arguments``; its settings are how it was started (engine,
caching, rerun) and its flow's node settings (block, caching, each parameter), nodes matched by
id. Values are equal only when equal as JSON (``1`` and ``1.0`` differ, as in the flow's
history: the pipeline sees the difference). Part of ``designer.runs.run_compare``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from blocks.catalogue import get_block
from designer.flow.document import Node
from designer.flow.params import param_reference

if TYPE_CHECKING:
    from designer.runs.run_compare import RunSide

#: What a cell says when the run's flow has no such parameter or node.
ABSENT = "—"
#: A node setting left to its block's default.
DEFAULT = "default"


class TextCell(TypedDict):
    run: str
    text: str


class ValueRow(TypedDict):
    """A run parameter or a setting whose value is not the same in every run."""

    #: "" for a run parameter or a run-wide setting; else the node the setting belongs to.
    node: str
    node_label: str
    name: str
    label: str
    cells: list[TextCell]


#: A parameter or node the run's flow does not have; a parameter a node leaves to its block.
_MISSING, _DEFAULT = object(), object()


def parameter_rows(runs: Sequence[RunSide]) -> list[ValueRow]:
    """The flow parameters the runs were given different values for (or only some were)."""
    names = _first_seen(name for side in runs for name in side.record.arguments)
    rows = []
    for name in names:
        values = [side.record.arguments.get(name, _MISSING) for side in runs]
        if _differ(values):
            rows.append(_value_row(runs, "", "", name, name, [_text(v) for v in values]))
    return rows


def run_setting_rows(runs: Sequence[RunSide]) -> list[ValueRow]:
    """How each run was started: engine, caching, where a rerun started from."""
    settings = {
        "engine": ("Engine", [side.record.engine for side in runs]),
        "cache": ("Caching", ["on" if side.record.cache else "off" for side in runs]),
        "rerun_from": ("Rerun from", [side.record.rerun_from or ABSENT for side in runs]),
    }
    return [
        _value_row(runs, "", "", name, label, texts)
        for name, (label, texts) in settings.items()
        if len(set(texts)) > 1
    ]


def node_setting_rows(runs: Sequence[RunSide]) -> list[ValueRow]:
    """Each node's block, caching and parameters, where the runs' flows set them differently."""
    nodes = [{node.id: node for node in side.flow.nodes} for side in runs]
    rows = []
    for node_id in _first_seen(node.id for side in runs for node in side.flow.nodes):
        found = [by_id.get(node_id) for by_id in nodes]
        label = _node_label(next(n for n in reversed(found) if n is not None))
        keys = _first_seen(key for node in found if node is not None for key in node.params)
        raw: list[tuple[str, str, list[Any]]] = [
            ("block", "Block", [_MISSING if n is None else n.block for n in found]),
            ("cache", "Caching", [_MISSING if n is None else n.cache for n in found]),
            *((key, key, [_param(n, key) for n in found]) for key in keys),
        ]
        for name, shown, values in raw:
            if _differ(values):
                texts = [_setting_text(v) for v in values]
                rows.append(_value_row(runs, node_id, label, name, f"{label} · {shown}", texts))
    return rows


def _param(node: Node | None, key: str) -> Any:
    if node is None:
        return _MISSING
    return node.params.get(key, _DEFAULT)


def _setting_text(value: Any) -> str:
    if value is True or value is False:
        return "on" if value else "off"
    reference = param_reference(value)
    return f"flow parameter {reference}" if reference else _text(value)


def _value_row(
    runs: Sequence[RunSide], node: str, node_label: str, name: str, label: str, texts: list[str]
) -> ValueRow:
    return {
        "node": node,
        "node_label": node_label,
        "name": name,
        "label": label,
        "cells": [
            {"run": side.record.run_id, "text": text}
            for side, text in zip(runs, texts, strict=True)
        ],
    }


def _differ(values: list[Any]) -> bool:
    return len({_canonical(value) for value in values}) > 1


def _canonical(value: Any) -> str:
    # 1 and 1.0 differ, as in the flow's history: the run and its pipeline see the difference.
    if value is _MISSING or value is _DEFAULT:
        return _text(value)  # no JSON text is either
    return json.dumps(value, sort_keys=True, default=repr)


def _text(value: Any) -> str:
    if value is _MISSING:
        return ABSENT
    if value is _DEFAULT:
        return DEFAULT
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=repr)


def _node_label(node: Node) -> str:
    block = get_block(node.block)
    return node.label or (block.title if block is not None else "") or node.id


def _first_seen(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
