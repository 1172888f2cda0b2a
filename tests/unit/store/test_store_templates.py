"""Team templates: publishing a flow to a team's gallery, replacing, listing, unpublishing.

The cast: a site admin (the first account); Alma, who made the team "Analysts" and is its admin;
Pia, who publishes; Max, a plain member; Nora, in a team of her own only. Each has a flow of
their own; Pia's is at version 2. Who may do what is the persona matrix at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import col, select

from designer.store import Actor, FlowNotFound, NotAllowed, SignInRequired, StoreError
from designer.store.accounts import create_user
from designer.store.db import session_scope
from designer.store.flows import create_flow, delete_flow, get_flow
from designer.store.tables import TeamRow, TeamTemplateRow
from designer.store.teams import TeamNotFound, add_member, create_team
from designer.store.templates import (
    DIFFICULTIES,
    TASKS,
    InvalidTemplate,
    TeamTemplate,
    TeamTemplateNotFound,
    get_team_template,
    list_team_templates,
    publish_template,
    unpublish_template,
)
from designer.store.versions import save_draft, save_version
from tests.fixtures.people import sample_flow
from tests.fixtures.threads import at_once

Persona = Literal["anonymous", "member", "team_admin", "non_member", "publisher", "site_admin"]
PERSONAS: tuple[Persona, ...] = get_args(Persona)
SAVED = sample_flow("Iris starter", "load", "split")
MADE_UP = "0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Cast:
    engine: Engine
    site_admin: Actor
    team_admin: Actor
    publisher: Actor
    member: Actor
    non_member: Actor
    team: str
    #: Nora's own team.
    other_team: str
    #: Each signed-in persona's own flow; the publisher's is at version 2 (``SAVED``).
    flows: dict[str, str]

    def actor(self, persona: Persona) -> Actor | None:
        return None if persona == "anonymous" else getattr(self, persona)

    def publish(
        self, persona: Persona, title: str = "Iris starter", **changes: Any
    ) -> TeamTemplate:
        """``persona`` publishes their own flow to the Analysts (or as ``changes`` say)."""
        arguments: dict[str, Any] = {
            "flow_id": self.flows.get(persona, self.flows["publisher"]),
            "team_id": self.team,
            "title": title,
            "description": "Classify iris flowers.",
            "task": "classification",
            "difficulty": "beginner",
            **changes,
        }
        return publish_template(self.engine, self.actor(persona), **arguments)


@pytest.fixture
def cast(engine: Engine) -> Cast:
    people = {
        persona: create_user(engine, name, shown)
        for persona, name, shown in (
            ("site_admin", "root", "Site Admin"),
            ("team_admin", "alma", "Alma Admin"),
            ("publisher", "pia", "Pia Publisher"),
            ("member", "max", "Max Member"),
            ("non_member", "nora", "Nora Outsider"),
        )
    }
    team = create_team(engine, people["team_admin"], "Analysts").id
    add_member(engine, people["team_admin"], team, "pia")
    add_member(engine, people["team_admin"], team, "max")
    other = create_team(engine, people["non_member"], "Elsewhere").id
    flows = {p: create_flow(engine, a, sample_flow(f"{p} flow")).id for p, a in people.items()}
    save_version(engine, people["publisher"], flows["publisher"], SAVED, base_version=1)
    return Cast(engine=engine, team=team, other_team=other, flows=flows, **people)


def test_publishing_snapshots_the_latest_saved_version_not_a_draft(cast: Cast) -> None:
    engine, pia, flow_id = cast.engine, cast.publisher, cast.flows["publisher"]
    save_draft(engine, pia, flow_id, sample_flow("Unsaved", "load", "split", "train"), 2)

    published = cast.publish("publisher", "  Iris starter ")

    assert published == TeamTemplate(
        id=published.id,
        team_id=cast.team,
        team_name="Analysts",
        title="Iris starter",
        description="Classify iris flowers.",
        task="classification",
        difficulty="beginner",
        flow=SAVED,
        source_flow_id=flow_id,
        source_version=2,
        published_by=pia.id,
        publisher_name="Pia Publisher",
        created_at=published.created_at,
        updated_at=published.created_at,
    )
    save_version(engine, pia, flow_id, sample_flow("Later", "load"), base_version=2)
    assert get_team_template(engine, cast.member, published.id) == published


@pytest.mark.parametrize("persona", ["publisher", "team_admin", "site_admin"])
def test_publishing_the_same_title_again_replaces_the_template(
    cast: Cast, persona: Persona
) -> None:
    first = cast.publish("publisher")
    flow_id = cast.flows[persona]
    if persona == "publisher":
        save_version(
            cast.engine, cast.publisher, flow_id, sample_flow("v3", "load"), base_version=2
        )
    latest = get_flow(cast.engine, cast.actor(persona), flow_id)

    again = cast.publish(
        persona, "Iris starter ", description="Now harder.", task="other", difficulty="advanced"
    )

    assert (again.id, again.created_at, again.published_by) == (
        first.id,
        first.created_at,
        cast.publisher.id,  # the template stays Pia's, whoever replaced it
    )
    assert (again.flow, again.source_flow_id, again.source_version) == (
        latest.flow,
        flow_id,
        latest.version,
    )
    assert (again.description, again.task, again.difficulty) == ("Now harder.", "other", "advanced")
    assert again.updated_at > first.updated_at
    assert list_team_templates(cast.engine, cast.member) == [again]


def test_a_member_cannot_replace_someone_elses_template_and_is_told_why(cast: Cast) -> None:
    published = cast.publish("publisher")

    with pytest.raises(NotAllowed) as refused:
        cast.publish("member", description="Mine now.")

    assert str(refused.value) == (
        "Analysts already has a template called 'Iris starter', published by Pia Publisher: "
        "only they or an admin of Analysts can replace it. Publish yours under another title "
        "to add it next to theirs"
    )
    assert get_team_template(cast.engine, cast.member, published.id) == published
    with pytest.raises(NotAllowed, match="only Pia Publisher, who published this template, or"):
        unpublish_template(cast.engine, cast.member, published.id)


def test_members_see_their_teams_templates_newest_first(cast: Cast) -> None:
    iris = cast.publish("publisher", "Iris")
    wine = cast.publish("member", "Wine", task="regression")
    theirs = cast.publish("non_member", "Elsewhere's", team_id=cast.other_team)
    iris = cast.publish("publisher", "Iris", difficulty="advanced")  # published again: newest

    def titles(persona: Persona) -> list[tuple[str, str, str]]:
        found = list_team_templates(cast.engine, cast.actor(persona))
        return [(t.title, t.team_name, t.publisher_name) for t in found]

    ours = [("Iris", "Analysts", "Pia Publisher"), ("Wine", "Analysts", "Max Member")]
    assert titles("member") == titles("team_admin") == titles("publisher") == ours
    assert titles("non_member") == [("Elsewhere's", "Elsewhere", "Nora Outsider")]
    assert titles("site_admin") == [ours[0], ("Elsewhere's", "Elsewhere", "Nora Outsider"), ours[1]]
    assert list_team_templates(cast.engine, cast.member) == [iris, wine]
    assert theirs.team_id == cast.other_team


def test_a_template_outlives_the_flow_it_came_from(cast: Cast) -> None:
    published = cast.publish("publisher")

    delete_flow(cast.engine, cast.publisher, cast.flows["publisher"])

    kept = get_team_template(cast.engine, cast.member, published.id)
    assert kept.source_flow_id is None
    assert (kept.flow, kept.source_version, kept.title) == (SAVED, 2, "Iris starter")


def test_deleting_a_team_deletes_its_templates(cast: Cast) -> None:
    cast.publish("publisher")
    theirs = cast.publish("non_member", team_id=cast.other_team)

    with session_scope(cast.engine) as session:
        session.exec(delete(TeamRow).where(col(TeamRow.id) == cast.team))

    assert list_team_templates(cast.engine, cast.site_admin) == [theirs]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": " "}, "title", "a template needs a name: this one is blank"),
        ({"title": "x" * 201}, "title", "at most 200 characters: this one has 201"),
        ({"title": "two\nlines"}, "title", "one line of plain text: '\\n'"),
        ({"title": "nul\x00"}, "title", "one line of plain text: '\\x00'"),
        ({"description": "x" * 2001}, "description", "at most 2000 characters: this one has 2001"),
        ({"description": "nul\x00"}, "description", "cannot hold a NUL character"),
        ({"description": "\ud800"}, "description", "or a lone surrogate"),
        ({"task": "forecasting"}, "task", f"'forecasting' is not a task a template can have; "
         f"choose one of {', '.join(TASKS)}"),
        ({"difficulty": "Expert"}, "difficulty", "'Expert' is not a difficulty a template can "
         f"have; choose one of {', '.join(DIFFICULTIES)}"),
    ],
)  # fmt: skip
def test_a_value_that_cannot_be_used_is_refused_saying_why(
    cast: Cast, changes: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InvalidTemplate) as refused:
        cast.publish("publisher", **changes)

    assert isinstance(refused.value, ValueError) and isinstance(refused.value, StoreError)
    assert refused.value.field == field
    assert message in str(refused.value)
    assert _all_templates(cast.engine) == []


@pytest.mark.parametrize(
    ("persona", "flow", "team", "error"),
    [
        ("member", "publisher", "team", FlowNotFound),  # in the team, but not shown the flow
        ("publisher", "made up", "team", FlowNotFound),
        ("publisher", "publisher", "other_team", TeamNotFound),
        ("publisher", "publisher", "made up", TeamNotFound),
        ("publisher", "publisher", "bad\x00id", TeamNotFound),
        ("anonymous", "publisher", "team", SignInRequired),
    ],
)
def test_publishing_needs_a_flow_one_sees_and_a_team_one_is_in(
    cast: Cast, persona: Persona, flow: str, team: str, error: type[Exception]
) -> None:
    flow_id = cast.flows.get(flow, MADE_UP)
    team_id = {"team": cast.team, "other_team": cast.other_team}.get(team, team)

    with pytest.raises(error):
        cast.publish(persona, flow_id=flow_id, team_id=team_id)

    assert _all_templates(cast.engine) == []


def test_publishing_one_title_twice_at_once_makes_one_template(cast: Cast) -> None:
    results = at_once([lambda: cast.publish("team_admin"), lambda: cast.publish("site_admin")])

    assert all(isinstance(result, TeamTemplate) for result in results), results
    assert len({result.id for result in results if isinstance(result, TeamTemplate)}) == 1
    assert len(_all_templates(cast.engine)) == 1


def test_people_outside_the_team_are_told_what_a_made_up_id_would_say(cast: Cast) -> None:
    published = cast.publish("publisher")
    asks: list[Callable[[str], object]] = [
        lambda i: get_team_template(cast.engine, cast.non_member, i),
        lambda i: unpublish_template(cast.engine, cast.non_member, i),
    ]

    for ask in asks:
        errors = []
        for template_id in (published.id, MADE_UP, "bad\x00id", "x" * 300):
            with pytest.raises(TeamTemplateNotFound) as hidden:
                ask(template_id)
            errors.append(str(hidden.value))
        assert len(set(errors)) == 1
    assert len(_all_templates(cast.engine)) == 1


# --- who may do what, by persona ---------------------------------------------------------------

Action = Callable[[Cast, Persona, TeamTemplate], object]
Outcome = str | type[Exception]
OK = "ok"
SIGN_IN, HIDDEN, DENIED, NO_TEAM = SignInRequired, TeamTemplateNotFound, NotAllowed, TeamNotFound


def _listed(cast: Cast, persona: Persona, template: TeamTemplate) -> None:
    if template not in list_team_templates(cast.engine, cast.actor(persona)):
        raise TeamTemplateNotFound(template.id)


# Columns in the order of PERSONAS: anonymous, member, team_admin, non_member, publisher,
# site_admin. A persona publishes from a flow of their own.
# fmt: off
MATRIX: dict[str, tuple[Action, tuple[Outcome, ...]]] = {
    "get_team_template": (
        lambda c, p, t: get_team_template(c.engine, c.actor(p), t.id),
        (SIGN_IN, OK, OK, HIDDEN, OK, OK),
    ),
    "list_team_templates": (_listed, (SIGN_IN, OK, OK, HIDDEN, OK, OK)),
    "unpublish_template": (
        lambda c, p, t: unpublish_template(c.engine, c.actor(p), t.id),
        (SIGN_IN, DENIED, OK, HIDDEN, OK, OK),
    ),
    "publish_template, same title": (
        lambda c, p, t: c.publish(p, t.title, description=f"By {p}"),
        (SIGN_IN, DENIED, OK, NO_TEAM, OK, OK),
    ),
    "publish_template, new title": (
        lambda c, p, t: c.publish(p, f"By {p}"),
        (SIGN_IN, OK, OK, NO_TEAM, OK, OK),
    ),
}
# fmt: on


@pytest.mark.parametrize(("action", "expected"), MATRIX.values(), ids=MATRIX.keys())
def test_who_may_do_what_with_a_template(
    cast: Cast, action: Action, expected: tuple[Outcome, ...]
) -> None:
    outcomes: dict[str, Outcome] = {}
    template = cast.publish("publisher")
    for persona, wanted in zip(PERSONAS, expected, strict=True):
        before = _all_templates(cast.engine)
        try:
            action(cast, persona, template)
            outcomes[persona] = OK
        except (SignInRequired, TeamTemplateNotFound, NotAllowed, TeamNotFound) as exc:
            outcomes[persona] = type(exc)
        if _all_templates(cast.engine) != before:
            assert outcomes[persona] == wanted == OK, f"{persona} was refused, yet changed a row"
            _reset(cast)
            template = cast.publish("publisher")  # the next persona starts from a fresh one

    assert outcomes == dict(zip(PERSONAS, expected, strict=True))


def _reset(cast: Cast) -> None:
    with session_scope(cast.engine) as session:
        session.exec(delete(TeamTemplateRow))


def _all_templates(engine: Engine) -> list[dict[str, Any]]:
    """Every template row: what a refused action must leave alone."""
    with session_scope(engine) as session:
        rows = session.exec(select(TeamTemplateRow).order_by(col(TeamTemplateRow.id)))
        return [row.model_dump() for row in rows]


def test_each_view_says_whether_its_viewer_may_unpublish_as_the_matrix_does(cast: Cast) -> None:
    """The gallery offers "Remove" from this flag; it must agree with who may unpublish."""
    template = cast.publish("publisher")
    may_unpublish = dict(zip(PERSONAS, MATRIX["unpublish_template"][1], strict=True))
    for persona in ("member", "team_admin", "publisher", "site_admin"):
        actor = cast.actor(persona)
        listed = next(t for t in list_team_templates(cast.engine, actor) if t == template)
        opened = get_team_template(cast.engine, actor, template.id)
        expected = may_unpublish[persona] == OK
        assert (listed.can_unpublish, opened.can_unpublish) == (expected, expected), persona
