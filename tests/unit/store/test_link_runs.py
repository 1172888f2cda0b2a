"""What a share link shows of a flow's runs: the owner's latest run that succeeded, nothing
else; and nothing at all through a link that no longer works."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from designer.flow.document import Flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.store import Actor, Role
from designer.store.accounts import create_user
from designer.store.flows import create_flow
from designer.store.link_runs import latest_link_run
from designer.store.runs import record_run
from designer.store.shares import LinkNotValid, create_link, revoke_link, share_with_user
from tests.fixtures.flow_files import fixture_flow

T0 = 1_800_000_000.0


def run(run_id: str, status: Status, started_at: float) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        flow_name="Iris classification",
        engine="local",
        status=status,
        started_at=started_at,
        finished_at=started_at + 5 if status.finished else None,
        nodes={"evaluate": NodeRun(status=status, metrics={"accuracy": started_at - T0})},
    )


@pytest.fixture
def people(engine: Engine) -> tuple[Actor, Actor]:
    return create_user(engine, "ada", "Ada Lovelace"), create_user(engine, "bob", "Bob")


def linked_flow(engine: Engine, owner: Actor) -> tuple[str, str, str]:
    """A new flow of ``owner``'s and a link to it: the flow's id, the link's id and token."""
    flow = create_flow(engine, owner, Flow.model_validate(fixture_flow("iris_classification")))
    link, token = create_link(engine, owner, flow.id, timedelta(days=1))
    return flow.id, link.id, token


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([], None),
        ([("r1", Status.FAILED, 1, "owner")], None),
        ([("r1", Status.SUCCEEDED, 1, "owner"), ("r2", Status.FAILED, 2, "owner")], "r1"),
        ([("r1", Status.SUCCEEDED, 1, "owner"), ("r2", Status.SUCCEEDED, 2, "owner")], "r2"),
        ([("r1", Status.SUCCEEDED, 1, "owner"), ("r2", Status.RUNNING, 3, "owner")], "r1"),
        ([("r1", Status.SUCCEEDED, 1, "owner"), ("r2", Status.SUCCEEDED, 2, "editor")], "r1"),
    ],
    ids=["no-runs", "only-failed", "failed-later", "latest", "still-running", "not-the-owners"],
)
def test_a_link_shows_the_owners_latest_success(
    engine: Engine,
    people: tuple[Actor, Actor],
    runs: list[tuple[str, Status, int, str]],
    expected: str | None,
) -> None:
    owner, editor = people
    flow_id, _, token = linked_flow(engine, owner)
    share_with_user(engine, owner, flow_id, "bob", Role.EDITOR)
    for run_id, status, minute, who in runs:
        by = owner if who == "owner" else editor
        record_run(engine, flow_id, 3, run(run_id, status, T0 + 60 * minute), by.id)

    found = latest_link_run(engine, token)

    assert (found.record.run_id if found else None) == expected
    if found is not None:
        assert (found.flow_id, found.flow_version) == (flow_id, 3)
        assert found.record.nodes["evaluate"].status is Status.SUCCEEDED


def test_a_revoked_or_made_up_link_shows_nothing(
    engine: Engine, people: tuple[Actor, Actor]
) -> None:
    owner, _ = people
    flow_id, link_id, token = linked_flow(engine, owner)
    record_run(engine, flow_id, 1, run("r1", Status.SUCCEEDED, T0), owner.id)
    assert latest_link_run(engine, token) is not None
    with pytest.raises(LinkNotValid, match="check it was copied whole"):
        latest_link_run(engine, "not-" + token)
    revoke_link(engine, owner, flow_id, link_id)
    with pytest.raises(LinkNotValid, match="revoked"):
        latest_link_run(engine, token)
