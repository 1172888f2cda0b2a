"""What the gallery shows of a template, as plain data (no Reflex, so it is tested alone)."""

from __future__ import annotations

from typing import Any

from designer.templates.gallery import DIFFICULTY_LABELS, TASK_LABELS, Template
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
    return {
        "id": template.id,
        "title": template.title,
        "summary": template.summary,
        "task": template.task,
        "task_label": TASK_LABELS.get(template.task, template.task),
        "task_color": TASK_COLORS.get(template.task, "gray"),
        "difficulty": template.difficulty,
        "difficulty_label": DIFFICULTY_LABELS.get(template.difficulty, template.difficulty),
        "difficulty_color": DIFFICULTY_COLORS.get(template.difficulty, "gray"),
        "run": template.expected_run,
        "learn": list(template.learn),
        "blocks": len(template.flow.nodes),
        "thumbnail": thumbnail_data_uri(template.flow),
        "team": template.team_name,
        "publisher": template.publisher,
        "can_remove": template.can_remove,
        "href": f"/gallery/{template.id}",
    }


def template_detail(template: Template) -> dict[str, Any]:
    """The preview's side of a template: the card plus the full description."""
    return {**template_card(template), "description": template.description}
