"""Team templates: flows a team publishes to the template gallery its members start from.

A template is a snapshot of a flow's latest saved version (never anyone's unsaved draft), with
a title, a description, the kind of task it solves and how hard it is. It belongs to the team:
every member (and every site admin) sees it; its publisher, an admin of the team or a site admin
may replace it, by publishing the same title again, or unpublish it. It stays as published when
the flow it came from changes or is deleted, and goes when the team is deleted.

Someone outside the team is told a template does not exist, in the very words used for an id
nobody ever had, so template ids cannot be probed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from designer.flow.document import Flow
from designer.store.access import Actor, NotAllowed, Role, require_flow, signed_in
from designer.store.db import StoreError, session_scope
from designer.store.flows import check_name, is_plain_line
from designer.store.tables import FlowRow, TeamMemberRow, TeamRow, TeamTemplateRow, UserRow
from designer.store.teams import TeamNotFound, TeamRole, team_role

Task = Literal["classification", "regression", "clustering", "other"]
Difficulty = Literal["beginner", "intermediate", "advanced"]
#: What a template's flow does, as the gallery groups templates.
TASKS: tuple[Task, ...] = get_args(Task)
#: How much a person should know before starting from a template, easiest first.
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)
MAX_DESCRIPTION = 2000
#: Ids are uuid4 hex; anything longer or with control characters names no template.
MAX_ID_LENGTH = 32


class InvalidTemplate(StoreError, ValueError):
    """A title, description, task or difficulty that cannot be used; the message says why.

    ``field`` names the value at fault ("title", "description", "task" or "difficulty").
    """

    def __init__(self, message: str, field: str = "title") -> None:
        super().__init__(message)
        self.field = field


class TeamTemplateNotFound(StoreError, LookupError):
    """No such template, or one of a team the person is not in (the two read the same)."""

    def __init__(self, template_id: str) -> None:
        # No id in the message: a hidden template and a made-up id must read alike everywhere.
        super().__init__(
            "no such team template: it may have been unpublished, or it belongs to a team "
            "you are not in"
        )
        self.template_id = template_id


@dataclass(frozen=True)
class TeamTemplate:
    """A template as the gallery shows it, with the flow to start from."""

    id: str
    team_id: str
    team_name: str
    title: str
    description: str
    task: Task
    difficulty: Difficulty
    flow: Flow
    #: The flow it was published from; None once that flow was deleted.
    source_flow_id: str | None
    #: The number of the version it is a snapshot of.
    source_version: int
    #: The user id of who first published it (None if that account is gone).
    published_by: str | None
    publisher_name: str
    created_at: datetime
    #: When it was last published; equal to ``created_at`` until it is replaced.
    updated_at: datetime
    #: Whether the person who asked may unpublish (or replace) it: about the viewer, not the
    #: template, so two views of one template are equal whoever asked.
    can_unpublish: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class _Details:
    """What the publisher says about a template, checked."""

    title: str
    description: str
    task: Task
    difficulty: Difficulty


def publish_template(
    engine: Engine,
    actor: Actor | None,
    flow_id: str,
    team_id: str,
    *,
    title: str,
    description: str,
    task: str,
    difficulty: str,
) -> TeamTemplate:
    """Publish the flow's latest saved version to the team's gallery as ``title``.

    ``actor`` must be able to view the flow and be in the team (site admins may publish to any
    team). When the team already has a template with that title, its snapshot and details are
    replaced, which only its publisher, a team admin or a site admin may do.
    """
    person = signed_in(actor)
    details = _check_details(title, description, task, difficulty)
    try:
        return _publish(engine, person, flow_id, team_id, details)
    except IntegrityError:
        # Someone published the same title to the team at the same moment; trying again finds
        # their template and replaces it, if this person may.
        return _publish(engine, person, flow_id, team_id, details)


def list_team_templates(engine: Engine, actor: Actor | None) -> list[TeamTemplate]:
    """Every template of every team ``actor`` is in (of all teams, for a site admin).

    Newest first: a template published again counts as new.
    """
    person = signed_in(actor)
    statement = (
        select(TeamTemplateRow, TeamRow.name, UserRow.display_name)
        .join(TeamRow, col(TeamRow.id) == col(TeamTemplateRow.team_id))
        .join(UserRow, col(UserRow.id) == col(TeamTemplateRow.published_by), isouter=True)
        .order_by(col(TeamTemplateRow.updated_at).desc(), col(TeamTemplateRow.id))
    )
    if not person.is_admin:
        mine = select(TeamMemberRow.team_id).where(TeamMemberRow.user_id == person.id)
        statement = statement.where(col(TeamTemplateRow.team_id).in_(mine))
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
        admin_of = set(
            session.exec(
                select(TeamMemberRow.team_id).where(
                    TeamMemberRow.user_id == person.id, TeamMemberRow.role == TeamRole.ADMIN
                )
            ).all()
        )
    return [
        _template(
            row,
            team,
            publisher or "",
            person.is_admin or row.published_by == person.id or row.team_id in admin_of,
        )
        for row, team, publisher in rows
    ]


def get_team_template(engine: Engine, actor: Actor | None, template_id: str) -> TeamTemplate:
    """The template with its flow, for the members of its team and site admins."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, team = _visible(session, person, template_id)
        manages = _may_manage(session, person, row, team)
        return _template(row, team.name, _publisher_name(session, row, gone=""), manages)


def unpublish_template(engine: Engine, actor: Actor | None, template_id: str) -> None:
    """Remove the template from its team's gallery (its publisher, a team admin, a site admin)."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, team = _visible(session, person, template_id)
        if not _may_manage(session, person, row, team):
            raise NotAllowed(
                f"only {_publisher_name(session, row)}, who published this template, or an "
                f"admin of {team.name} can unpublish it"
            )
        session.delete(row)


def _publish(
    engine: Engine, person: Actor, flow_id: str, team_id: str, details: _Details
) -> TeamTemplate:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        flow, _ = require_flow(session, person, flow_id, Role.VIEWER)
        team = _team_to_publish_in(session, person, team_id)
        row = session.exec(
            select(TeamTemplateRow).where(
                TeamTemplateRow.team_id == team_id, TeamTemplateRow.title == details.title
            )
        ).first()
        if row is None:
            row = TeamTemplateRow(
                id=uuid.uuid4().hex,
                team_id=team_id,
                title=details.title,
                published_by=person.id,
                created_at=now,
                **_snapshot(flow, details, now),
            )
            session.add(row)
        elif _may_manage(session, person, row, team):
            for key, value in _snapshot(flow, details, now).items():
                setattr(row, key, value)
        else:
            raise NotAllowed(
                f"{team.name} already has a template called {row.title!r}, published by "
                f"{_publisher_name(session, row)}: only they or an admin of {team.name} can "
                "replace it. Publish yours under another title to add it next to theirs"
            )
        session.flush()
        # Whoever may publish (or replace) a template may also unpublish it.
        return _template(row, team.name, _publisher_name(session, row, gone=""), True)


def _check_details(title: str, description: str, task: str, difficulty: str) -> _Details:
    checked = check_name(title, "template", InvalidTemplate).strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidTemplate(
            f"a template description can be at most {MAX_DESCRIPTION} characters: this one "
            f"has {len(description)}",
            "description",
        )
    # Line breaks are welcome in a description; NUL and lone surrogates cannot be stored.
    if "\x00" in description or not is_plain_line(description, ("Cs",)):
        raise InvalidTemplate(
            "a template description cannot hold a NUL character or a lone surrogate",
            "description",
        )
    if task not in TASKS:
        raise InvalidTemplate(
            f"{task!r} is not a task a template can have; choose one of {', '.join(TASKS)}",
            "task",
        )
    if difficulty not in DIFFICULTIES:
        raise InvalidTemplate(
            f"{difficulty!r} is not a difficulty a template can have; choose one of "
            f"{', '.join(DIFFICULTIES)}",
            "difficulty",
        )
    return _Details(checked, description, task, difficulty)  # type: ignore[arg-type]


def _team_to_publish_in(session: Session, person: Actor, team_id: str) -> TeamRow:
    """The team, if ``person`` is in it or a site admin; ``TeamNotFound`` otherwise."""
    team = session.get(TeamRow, team_id) if _could_be_id(team_id) else None
    if team is None or (not person.is_admin and team_role(session, person, team_id) is None):
        raise TeamNotFound(team_id)
    return team


def _visible(session: Session, person: Actor, template_id: str) -> tuple[TeamTemplateRow, TeamRow]:
    """The template and its team, if ``person`` may see it; ``TeamTemplateNotFound`` otherwise."""
    row = session.get(TeamTemplateRow, template_id) if _could_be_id(template_id) else None
    if row is None or (not person.is_admin and team_role(session, person, row.team_id) is None):
        raise TeamTemplateNotFound(template_id)
    team = session.get(TeamRow, row.team_id)
    assert team is not None  # a team's templates are deleted with it
    return row, team


def _may_manage(session: Session, person: Actor, row: TeamTemplateRow, team: TeamRow) -> bool:
    """Whether ``person`` published the template, is an admin of its team, or a site admin."""
    if person.is_admin or row.published_by == person.id:
        return True
    return team_role(session, person, team.id) == TeamRole.ADMIN


def _snapshot(flow: FlowRow, details: _Details, now: datetime) -> dict[str, Any]:
    """The columns publishing (again) sets: the flow's latest saved version and the details."""
    return {
        # The flow row holds its latest saved version's document; unsaved drafts live elsewhere.
        "document": flow.document,
        "source_flow_id": flow.id,
        "source_version": flow.version,
        "description": details.description,
        "task": details.task,
        "difficulty": details.difficulty,
        "updated_at": now,
    }


def _publisher_name(session: Session, row: TeamTemplateRow, gone: str = "a former user") -> str:
    """The publisher's display name, or ``gone`` when their account no longer exists."""
    publisher = session.get(UserRow, row.published_by) if row.published_by else None
    return publisher.display_name if publisher is not None else gone


def _template(
    row: TeamTemplateRow, team_name: str, publisher_name: str, can_unpublish: bool = False
) -> TeamTemplate:
    return TeamTemplate(
        id=row.id,
        team_id=row.team_id,
        team_name=team_name,
        title=row.title,
        description=row.description,
        task=row.task,  # type: ignore[arg-type]  # checked on the way in
        difficulty=row.difficulty,  # type: ignore[arg-type]
        flow=Flow.model_validate_json(row.document),
        source_flow_id=row.source_flow_id,
        source_version=row.source_version,
        published_by=row.published_by,
        publisher_name=publisher_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        can_unpublish=can_unpublish,
    )


def _could_be_id(value: str) -> bool:
    return len(value) <= MAX_ID_LENGTH and is_plain_line(value)
