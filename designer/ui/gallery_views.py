"""What the gallery shows of a template, as plain data (no Reflex, so it is tested alone)."""

from __future__ import annotations

from typing import Any

from designer.templates.gallery import DIFFICULTY_LABELS, TASK_LABELS, Template, card
from designer.templates.thumbnail import thumbnail_data_uri

#: The filter choices: value "" means any.
TASK_FILTERS = [{"value": "", "label": "All tasks"}] + [
    {"value": k, "label": v} for k, v in TASK_LABELS.items() if k != "other"
]
DIFFICULTY_FILTERS = [{"value": "", "label": "Any level"}] + [
    {"value": k, "label": v} for k, v in DIFFICULTY_LABELS.items()
]
DIFFICULTY_COLORS = {"beginner": "green", "intermediate": "amber", "advanced": "red"}
TASK_COLORS = {
    "classification": "violet",
    "regression": "pink",
    "clustering": "cyan",
    "other": "gray",
}


def template_card(template: Template) -> dict[str, Any]:
    """The card the REST API lists (``designer.templates.gallery.card``) plus what the page
    draws: labels, colours, the expected run in words, the picture and the links."""
    return {
        **card(template),
        "task_label": TASK_LABELS.get(template.task, template.task),
        "task_color": TASK_COLORS.get(template.task, "gray"),
        "difficulty_label": DIFFICULTY_LABELS.get(template.difficulty, template.difficulty),
        "difficulty_color": DIFFICULTY_COLORS.get(template.difficulty, "gray"),
        "run": template.expected_run,
        "thumbnail": thumbnail_data_uri(template.flow),
        "can_remove": template.can_remove,
        "href": f"/gallery/{template.id}",
    }
