"""What the guided start shows, as plain data (no Reflex, so it is tested alone)."""

from __future__ import annotations

from typing import Any

from blocks import get_block
from designer.datasets.profile import ColumnProfile, TableProfile
from designer.templates.guided import Proposal
from designer.templates.samples import SAMPLE_TABLES, SAMPLES
from designer.ui.dataset_views import MISSING

TASK_WORDS = {"classification": "Predict a category", "regression": "Predict a number"}


def sample_cards() -> list[dict[str, str]]:
    """The wizard's ready-made data: scikit-learn's samples, then the shipped CSV files."""
    cards = [
        {
            "value": f"sample:{s.name}",
            "title": s.title,
            "description": s.description,
            "task": TASK_WORDS[s.task],
        }
        for s in SAMPLES
    ]
    cards += [
        {
            "value": f"table:{t.name}",
            "title": t.title,
            "description": t.description,
            "task": "You pick the column",
        }
        for t in SAMPLE_TABLES
    ]
    return cards


def column_option(column: ColumnProfile, rows: int) -> dict[str, str]:
    """A column as the "column to predict" list shows it: its name and what it holds."""
    count = "over 10,000" if column.distinct is None else f"{column.distinct:,}"
    facts = [column.type, f"{count} different values"]
    if column.missing:
        facts.append(f"{column.missing:,} of {rows:,} empty")
    return {"name": column.name, "label": f"{column.name} ({', '.join(facts)})"}


def column_options(profile: TableProfile) -> list[dict[str, str]]:
    return [column_option(c, profile.rows) for c in profile.columns]


def target_first_preview(
    profile: TableProfile, target: str, limit: int
) -> tuple[list[str], list[list[str]]]:
    """The table's first ``limit`` rows with the column to predict moved first, so it stays in
    view however many columns the table has (the preview scrolls sideways for the rest)."""
    names = profile.column_names()
    order = list(range(len(names)))
    if target in names:
        first = names.index(target)
        order = [first, *(i for i in order if i != first)]
    headers = [names[i] for i in order]
    rows = [
        [MISSING if row[i] is None else str(row[i]) for i in order]
        for row in profile.preview[:limit]
    ]
    return headers, rows


def proposal_view(proposal: Proposal) -> dict[str, Any]:
    nodes = {node.id: node for node in proposal.flow.nodes}
    steps = []
    for number, step in enumerate(proposal.steps, start=1):
        block = get_block(nodes[step.node].block)
        steps.append(
            {
                "number": str(number),
                "title": step.title,
                "block": block.title if block else nodes[step.node].block,
                "explanation": step.explanation,
            }
        )
    return {
        "task": proposal.task,
        "task_words": TASK_WORDS.get(proposal.task, proposal.task),
        "reason": proposal.reason,
        "steps": steps,
        "notes": list(proposal.notes),
        "name": proposal.flow.name,
    }
