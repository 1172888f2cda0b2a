"""Deployed model names belong to people: who may deploy under a name, who may see a model.

Every rule is a persona table (tests/fixtures/people.py) on SQLite and PostgreSQL. ``owner``
deploys "churn" from the standard shared flow, so sharing a model follows that flow's sharing;
"operator" is the command line without ``--as`` (no person).
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import pytest
from sqlalchemy import Engine

from designer.store import Actor, Role, flows, shares
from designer.store.models import (
    ModelNameTaken,
    claim_model_name,
    deploy_refusal,
    model_owner,
    visible_models,
)
from tests.fixtures.people import PERSONAS, Persona, World, sample_flow, world
from tests.fixtures.threads import at_once

__all__ = ["world"]

Deployer = Persona | Literal["operator"]
OK = "ok"
TAKEN = ModelNameTaken
SEEN, HIDDEN = True, False
SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]


def person(world: World, who: Deployer) -> Actor | None:
    return None if who == "operator" else world.actor(who)


def claim(world: World, who: Deployer, name: str = "churn", **kwargs: object) -> object:
    try:
        return claim_model_name(world.engine, person(world, who), name, **kwargs)  # type: ignore[arg-type]
    except ModelNameTaken as exc:
        return exc


# fmt: off
#: Deploying under "churn", which ``owner`` deployed first: the owner and admins only.
DEPLOY_OVER_OWNED = {
    "owner": OK, "editor": TAKEN, "viewer": TAKEN, "team_viewer": TAKEN,
    "team_editor": TAKEN, "stranger": TAKEN, "admin": OK, "operator": TAKEN,
}
#: Deploying under a name whose folder exists with no owner on record (deployed before models
#: had owners): site admins and the operator only.
DEPLOY_OVER_UNOWNED = {
    "owner": TAKEN, "editor": TAKEN, "viewer": TAKEN, "team_viewer": TAKEN,
    "team_editor": TAKEN, "stranger": TAKEN, "admin": OK, "operator": OK,
}
#: Seeing "churn" deployed from the shared flow: whoever may see the flow, and admins.
SEE_SHARED = {
    "owner": SEEN, "editor": SEEN, "viewer": SEEN, "team_viewer": SEEN,
    "team_editor": SEEN, "stranger": HIDDEN, "admin": SEEN,
}
#: Seeing a model whose flow nobody else may see (or that no flow deployed): owner and admins.
SEE_PRIVATE = {
    "owner": SEEN, "editor": HIDDEN, "viewer": HIDDEN, "team_viewer": HIDDEN,
    "team_editor": HIDDEN, "stranger": HIDDEN, "admin": SEEN,
}
#: Seeing a model deployed before models had owners: admins only.
SEE_UNOWNED = {**SEE_PRIVATE, "owner": HIDDEN}
# fmt: on


@pytest.mark.parametrize(("who", "expected"), DEPLOY_OVER_OWNED.items())
def test_who_may_deploy_under_a_name_someone_owns(
    world: World, who: Deployer, expected: object
) -> None:
    shared = world.shared_flow()
    claim_model_name(world.engine, world.owner, "churn", flow_id=shared.id)

    result = claim(world, who, flow_id=None)
    refusal = deploy_refusal(world.engine, person(world, who), "churn", files_exist=True)

    if expected is OK:
        assert not isinstance(result, Exception) and refusal is None
        assert model_owner(world.engine, "churn").owner_id == world.owner.id  # type: ignore[union-attr]
    else:
        assert isinstance(result, ModelNameTaken)
        assert "the model name 'churn' belongs to Olive Owner" in str(result)
        assert refusal == str(result)
        if who == "operator":
            assert "--as owner" in refusal
        else:
            assert "choose another name" in refusal


@pytest.mark.parametrize(("who", "expected"), DEPLOY_OVER_UNOWNED.items())
def test_who_may_deploy_under_a_name_deployed_before_owners(
    world: World, who: Deployer, expected: object
) -> None:
    result = claim(world, who, files_exist=True)

    if expected is OK:
        owner = model_owner(world.engine, "churn")
        assert owner is not None and not isinstance(result, Exception)
        # An admin takes the name over; the operator leaves it unowned.
        assert owner.owner_id == (world.admin.id if who == "admin" else None)
    else:
        assert isinstance(result, ModelNameTaken)
        assert "no owner" in str(result) and "ask a site admin" in str(result)
        assert model_owner(world.engine, "churn") is None


@pytest.mark.parametrize("who", [*SIGNED_IN, "operator"])
def test_the_first_to_deploy_a_new_name_owns_it(world: World, who: Deployer) -> None:
    owner = claim_model_name(world.engine, person(world, who), "fresh-name")

    expected = person(world, who)
    assert owner.owner_id == (expected.id if expected else None)
    assert owner.owner_name == (expected.display_name if expected else "")
    assert deploy_refusal(world.engine, expected, "fresh-name", files_exist=True) is None


@pytest.mark.parametrize(("who", "seen"), SEE_SHARED.items())
def test_a_model_is_shared_as_the_flow_that_deployed_it(
    world: World, who: Persona, seen: bool
) -> None:
    shared = world.shared_flow()
    claim_model_name(world.engine, world.owner, "churn", flow_id=shared.id)

    visible = visible_models(world.engine, world.actor(who), ["churn", "nobody-made-this"])  # type: ignore[arg-type]

    assert ("churn" in visible) is seen
    if seen:
        assert visible["churn"].owner_name == "Olive Owner"
    assert "nobody-made-this" not in visible or who == "admin"


@pytest.mark.parametrize(("who", "seen"), SEE_PRIVATE.items())
@pytest.mark.parametrize("flow", ["own flow", "no flow", "deleted flow"])
def test_a_model_from_a_private_flow_is_its_owners(
    world: World, who: Persona, seen: bool, flow: str
) -> None:
    flow_id = None
    if flow != "no flow":
        flow_id = flows.create_flow(world.engine, world.owner, sample_flow("Private")).id
    claim_model_name(world.engine, world.owner, "churn", flow_id=flow_id)
    if flow == "deleted flow":
        shared = world.shared_flow()
        claim_model_name(world.engine, world.owner, "churn", flow_id=shared.id)
        flows.delete_flow(world.engine, world.owner, shared.id)  # its sharing goes with it

    visible = visible_models(world.engine, world.actor(who), ["churn"])  # type: ignore[arg-type]

    assert ("churn" in visible) is seen


@pytest.mark.parametrize(("who", "seen"), SEE_UNOWNED.items())
def test_a_model_deployed_before_owners_is_seen_by_admins(
    world: World, who: Persona, seen: bool
) -> None:
    visible = visible_models(world.engine, world.actor(who), ["legacy"])  # type: ignore[arg-type]

    assert ("legacy" in visible) is seen
    if seen:
        assert visible["legacy"].owner_id is None


def test_sharing_the_flow_later_shares_the_model(world: World) -> None:
    flow_id = flows.create_flow(world.engine, world.owner, sample_flow("Later")).id
    claim_model_name(world.engine, world.owner, "churn", flow_id=flow_id)
    assert visible_models(world.engine, world.stranger, ["churn"]) == {}

    shares.share_with_user(world.engine, world.owner, flow_id, "stranger", Role.VIEWER)

    assert list(visible_models(world.engine, world.stranger, ["churn"])) == ["churn"]


def test_deploying_again_follows_the_newest_flow(world: World) -> None:
    shared = world.shared_flow()
    private = flows.create_flow(world.engine, world.owner, sample_flow("Private")).id
    first = claim_model_name(world.engine, world.owner, "churn", flow_id=shared.id)
    again = claim_model_name(world.engine, world.owner, "churn", flow_id=private)

    assert again.flow_id == private and again.created_at == first.created_at
    assert again.updated_at is not None and again.updated_at >= first.updated_at  # type: ignore[operator]
    assert visible_models(world.engine, world.viewer, ["churn"]) == {}


def test_twenty_people_deploying_one_new_name_at_once_make_one_owner(world: World) -> None:
    people = [world.editor, world.viewer, world.team_viewer, world.team_editor, world.stranger]
    calls = [partial(claim_model_name, world.engine, people[i % 5], "race") for i in range(20)]

    results = at_once(calls)

    owner = model_owner(world.engine, "race")
    assert owner is not None and owner.owner_id in {p.id for p in people}
    for result in results:
        if isinstance(result, Exception):
            assert isinstance(result, ModelNameTaken), result
            assert f"belongs to {owner.owner_name}" in str(result)
        else:
            assert result.owner_id == owner.owner_id  # type: ignore[attr-defined]
    assert any(not isinstance(r, Exception) for r in results)


def test_the_refusal_names_the_owner_not_the_asker(world: World, engine: Engine) -> None:
    claim_model_name(engine, world.stranger, "churn")

    refusal = deploy_refusal(engine, world.viewer, "churn", files_exist=False)

    assert refusal == (
        "the model name 'churn' belongs to Stan Stranger; choose another name for your model, "
        "or ask Stan Stranger or a site admin to deploy it"
    )
