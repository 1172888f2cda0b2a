"""The template gallery: ready-made flows a beginner can copy, run and learn from.

Each built-in template is one JSON file in ``builtin/``: what the gallery card says (title,
plain-language description, task, difficulty, expected run time, what you will learn) and a
complete flow document. Teams add their own through ``designer.store.templates``; both kinds
become ``Template`` values here, so the gallery filters and shows them the same way.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from blocks import get_block
from blocks.base import Port
from designer.flow.document import Flow, Node, parse_flow

if TYPE_CHECKING:
    from designer.store.templates import TeamTemplate

BUILTIN_DIR = Path(__file__).parent / "builtin"
#: Sample files that ship with the designer; a template names them as ``samples/<file>``.
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "samples"
SAMPLE_PREFIX = "samples/"

Task = Literal["classification", "regression", "clustering", "other"]
Difficulty = Literal["beginner", "intermediate", "advanced"]
TASK_LABELS: dict[str, str] = {
    "classification": "Classification",
    "regression": "Regression",
    "clustering": "Clustering",
    "other": "Other",
}
#: The model port types that say what task a flow does.
MODEL_TASKS = {"Classifier": "classification", "Regressor": "regression", "Clusterer": "clustering"}
DIFFICULTY_LABELS: dict[str, str] = {
    "beginner": "Beginner",
    "intermediate": "Intermediate",
    "advanced": "Advanced",
}


class TemplateFile(BaseModel):
    """The card part of a built-in template file; ``flow`` is checked by ``parse_flow``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)
    title: str = Field(min_length=1, max_length=60)
    summary: str = Field(min_length=1, max_length=140)
    description: str = Field(min_length=1, max_length=600)
    task: Task
    difficulty: Difficulty
    #: What the card promises: a local run's median on a quiet two-core machine
    #: (bench/template_bench.py), times 1.5 for a busier one, rounded up to 5 s.
    run_seconds: int = Field(ge=1, le=3600)
    learn: list[str] = Field(min_length=1, max_length=5)
    flow: dict


@dataclass(frozen=True)
class Template:
    """One gallery entry: a built-in template or a team's."""

    id: str
    title: str
    summary: str
    description: str
    task: str
    difficulty: str
    flow: Flow
    run_seconds: int = 0
    learn: tuple[str, ...] = ()
    #: Team templates only: whose it is and who published it.
    team_id: str = ""
    team_name: str = ""
    publisher: str = ""
    #: Whether the person looking may take it out of their team's gallery.
    can_remove: bool = False

    @property
    def builtin(self) -> bool:
        return not self.team_id

    @property
    def expected_run(self) -> str:
        return expected_run(self.run_seconds)


class TemplateError(ValueError):
    """A built-in template file that cannot be used; names the file and what is wrong."""


def expected_run(seconds: int) -> str:
    """A run time as a card says it: "about 20 s", "about 2 min"; "" when not known."""
    if seconds <= 0:
        return ""
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5)} s"
    return f"about {round(seconds / 60)} min"


@functools.cache
def builtin_templates() -> tuple[Template, ...]:
    """Every built-in template, easiest first, then by title."""
    loaded = [load_template_file(path) for path in sorted(BUILTIN_DIR.glob("*.json"))]
    order = list(DIFFICULTY_LABELS)
    return tuple(sorted(loaded, key=lambda t: (order.index(t.difficulty), t.title)))


def get_builtin(template_id: str) -> Template | None:
    return next((t for t in builtin_templates() if t.id == template_id), None)


def load_template_file(path: Path) -> Template:
    try:
        card = TemplateFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise TemplateError(f"{path.name}: {exc}") from exc
    if card.id != path.stem:
        raise TemplateError(f"{path.name}: its id {card.id!r} must match the file name")
    flow, diagnostics = parse_flow(card.flow)
    if flow is None or diagnostics:
        problems = "; ".join(d.message for d in diagnostics) or "not a flow document"
        raise TemplateError(f"{path.name}: the flow cannot be read: {problems}")
    return Template(
        id=card.id,
        title=card.title,
        summary=card.summary,
        description=card.description,
        task=card.task,
        difficulty=card.difficulty,
        flow=with_sample_paths(flow),
        run_seconds=card.run_seconds,
        learn=tuple(card.learn),
    )


def with_sample_paths(flow: Flow) -> Flow:
    """The flow with every ``samples/<file>`` a Table file block reads made a full path, so
    it reads the shipped file whichever folder the designer runs from."""
    nodes = [_sample_node(node) for node in flow.nodes]
    return flow.model_copy(update={"nodes": nodes})


def _sample_node(node: Node) -> Node:
    uri = node.params.get("uri")
    if node.block != "load.table_file" or not isinstance(uri, str):
        return node
    if not uri.startswith(SAMPLE_PREFIX):
        return node
    path = SAMPLES_DIR / uri.removeprefix(SAMPLE_PREFIX)
    return node.model_copy(update={"params": {**node.params, "uri": str(path)}})


def filter_templates(
    templates: Iterable[Template], *, task: str = "", difficulty: str = "", query: str = ""
) -> list[Template]:
    """The templates of ``task`` and ``difficulty`` ("" for any) whose words hold every word of
    ``query``, in the order given."""
    words = query.lower().split()
    return [
        t
        for t in templates
        if (not task or t.task == task)
        and (not difficulty or t.difficulty == difficulty)
        and all(word in _searchable(t) for word in words)
    ]


def _searchable(template: Template) -> str:
    parts = (
        template.title,
        template.summary,
        template.description,
        TASK_LABELS.get(template.task, template.task),
        template.team_name,
        *template.learn,
        *(_block_title(node.block) for node in template.flow.nodes),
    )
    return " ".join(parts).lower()


def _block_title(block_id: str) -> str:
    block = get_block(block_id)
    return block.title if block else block_id


def task_of(flow: Flow) -> str:
    """The task a flow's models do, from the types their outputs carry: what a team template
    is filed under unless its publisher says otherwise."""
    found = {
        MODEL_TASKS[port.type.name]
        for node in flow.nodes
        for port in _outputs(node.block)
        if port.type.name in MODEL_TASKS
    }
    return found.pop() if len(found) == 1 else "other"


def _outputs(block_id: str) -> tuple[Port, ...]:
    block = get_block(block_id)
    return block.outputs if block else ()


def from_team(published: TeamTemplate) -> Template:
    """A team's template as a gallery entry. Its summary is the first line of what the
    publisher wrote: a card has room for one sentence, the preview shows the rest."""
    first_line = published.description.strip().split("\n", 1)[0]
    summary = first_line[:137] + "…" if len(first_line) > 140 else first_line
    return Template(
        id=published.id,
        title=published.title,
        summary=summary or f"Published by {published.publisher_name}.",
        description=published.description,
        task=published.task,
        difficulty=published.difficulty,
        flow=published.flow,
        team_id=published.team_id,
        team_name=published.team_name,
        publisher=published.publisher_name,
        can_remove=published.can_unpublish,
    )


def copy_for(template: Template, name: str) -> Flow:
    """The flow a person gets from "Use this template": the template's flow under ``name``."""
    return template.flow.model_copy(deep=True, update={"name": name})


def card(template: Template) -> dict[str, Any]:
    """A template as a list shows it (the REST API and ``designer templates list --json``):
    everything but the flow, and the flow's size."""
    return {
        "id": template.id,
        "title": template.title,
        "summary": template.summary,
        "description": template.description,
        "task": template.task,
        "difficulty": template.difficulty,
        "run_seconds": template.run_seconds,
        "learn": list(template.learn),
        "builtin": template.builtin,
        "team_id": template.team_id,
        "team_name": template.team_name,
        "publisher": template.publisher,
        "node_count": len(template.flow.nodes),
    }
