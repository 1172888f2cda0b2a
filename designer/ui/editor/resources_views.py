"""What the Resources section of the properties panel shows (no Reflex here).

``resources_view`` turns a node's resources and its problems into plain dictionaries of
strings, the shape the section's ``rx.foreach`` loops read: each box with what was typed in it
and the problem under it, one row per node selector label and per toleration.
"""

from __future__ import annotations

from typing import Any

from designer.flow.resources import (
    PARAM_PREFIX,
    TITLES,
    NodeResources,
    Toleration,
    shown_value,
)
from designer.flow.resources import resources_summary as summary

#: What the effect select sends for "any effect" (a select cannot send an empty value).
ANY_EFFECT = "any"
EFFECT_CHOICES = (ANY_EFFECT, "NoSchedule", "PreferNoSchedule", "NoExecute")
OPERATOR_CHOICES = ("Equal", "Exists")

#: The boxes of the section, two to a row: (name, placeholder, help).
BOXES = (
    ("cpu_request", "e.g. 500m", "CPUs guaranteed: 500m is half a CPU"),
    ("cpu_limit", "e.g. 2", "CPUs it may use at most"),
    ("memory_request", "e.g. 512Mi", "Memory guaranteed: 512Mi, 2Gi, 1G"),
    ("memory_limit", "e.g. 2Gi", "Memory it may use at most"),
    ("gpu", "0", "Whole GPUs, 0 to 16"),
    ("gpu_type", "nvidia.com/gpu", "The device's resource name"),
)


def resources_view(
    resources: NodeResources | None, diagnostics: list[dict[str, str]]
) -> dict[str, Any]:
    """The section for one node. ``diagnostics`` are the node's, as the Problems tab has them."""
    errors: dict[str, str] = {}
    for d in diagnostics:
        param = d.get("param", "")
        if d.get("severity") == "error" and param.partition(".")[0] == PARAM_PREFIX:
            errors.setdefault(param, d["message"])
    r = resources or NodeResources()
    general = [
        message
        for param, message in errors.items()
        if param in (PARAM_PREFIX, f"{PARAM_PREFIX}.node_selector", f"{PARAM_PREFIX}.tolerations")
    ]
    return {
        "fields": [
            {
                "name": name,
                "title": TITLES[name],
                "value": shown_value(getattr(r, name)),
                "error": errors.get(f"{PARAM_PREFIX}.{name}", ""),
                "placeholder": placeholder,
                "help": help_text,
            }
            for name, placeholder, help_text in BOXES
        ],
        "selectors": [
            {
                "index": index,
                "key": key,
                "value": shown_value(value),
                "error": errors.get(f"{PARAM_PREFIX}.node_selector.{index}.key")
                or errors.get(f"{PARAM_PREFIX}.node_selector.{index}.value", ""),
            }
            for index, (key, value) in enumerate((r.node_selector or {}).items())
        ],
        "tolerations": [
            _toleration_row(index, toleration, errors)
            for index, toleration in enumerate(r.tolerations or [])
        ],
        "general": general,
        "problems": len(errors),
        "summary": summary(resources),
    }


def effect_choice(raw: str) -> str:
    """The effect to keep for what the select sent ("any" keeps none)."""
    return "" if raw == ANY_EFFECT else raw


def _toleration_row(index: int, toleration: Toleration, errors: dict[str, str]) -> dict[str, Any]:
    where = f"{PARAM_PREFIX}.tolerations.{index}"
    problems = [
        errors.get(f"{where}.{part}", "") for part in ("key", "operator", "value", "effect")
    ]
    operator = shown_value(toleration.operator) or "Equal"
    effect = shown_value(toleration.effect)
    return {
        "index": index,
        "key": shown_value(toleration.key),
        # A select shows only its choices: anything else was typed into the file, and the
        # problem under the row says so.
        "operator": operator if operator in OPERATOR_CHOICES else "Equal",
        "value": shown_value(toleration.value),
        "effect": effect if effect in EFFECT_CHOICES else ANY_EFFECT,
        "error": next((p for p in problems if p), ""),
    }
