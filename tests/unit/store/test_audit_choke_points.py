"""Every change the audit log covers writes its event, from the store function that makes it:
the pages, the REST API and the command line all go through these functions."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from designer.auth.signin import SignInFailed, sign_in, sign_up
from designer.runs.record import RunRecord, Status
from designer.settings import Settings
from designer.store import NotAllowed, Role, flows, runs, shares, versions
from designer.store.accounts import AccountDisabled, disable_user
from designer.store.audit import AuditEvent, AuditFilter, list_events
from designer.store.block_shares import share_block, unshare_block
from designer.store.dataset_shares import share_dataset, unshare_dataset
from designer.store.dataset_versions import NewVersion, add_version
from designer.store.datasets import delete_dataset
from designer.store.signin import create_session
from designer.store.userblocks import delete_block, save_block
from designer.userblocks.spec import BlockSpec, ParamSpec, PortSpec
from tests.fixtures.people import World, sample_flow, world

__all__ = ["world"]

PASSWORD = "correct horse battery"


def events(world: World, **filters: Any) -> list[AuditEvent]:
    """Every event an admin reads, oldest first."""
    found = list_events(world.engine, world.admin, AuditFilter(**filters), limit=500).events
    return list(reversed(found))


def summary(event: AuditEvent) -> tuple[Any, ...]:
    return (event.actor_name, event.action, event.object_kind, event.object_name, event.detail)


def own_flow(world: World) -> str:
    return flows.create_flow(world.engine, world.owner, sample_flow("Churn")).id


def test_sharing_a_flow_and_stopping(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    shares.share_with_user(engine, owner, flow_id, "viewer", Role.VIEWER)
    shares.share_with_team(engine, owner, flow_id, world.editors_team, Role.EDITOR)
    link, token = shares.create_link(engine, owner, flow_id, timedelta(days=1))
    shares.revoke_link(engine, owner, flow_id, link.id)
    shares.remove_access(engine, owner, flow_id, "user", world.viewer.id)
    shares.remove_access(engine, owner, flow_id, "team", world.editors_team)
    shares.remove_access(engine, owner, flow_id, "team", world.editors_team)  # nothing to remove

    found = events(world, object_id=flow_id)

    shared, unshared = ("owner", "shared", "flow", "Churn"), ("owner", "unshared", "flow", "Churn")
    assert [summary(e)[:4] for e in found] == [shared] * 3 + [unshared] * 3
    details = [e.detail for e in found]
    assert details[0] == {"user": "viewer", "role": "viewer"}
    assert details[1] == {"team": "Editors", "role": "editor"}
    assert details[2]["link"] == link.id and details[2]["until"] is not None
    assert details[3:] == [{"link": link.id}, {"user": "viewer"}, {"team": "Editors"}]
    assert all(e.owner_id == owner.id and e.flow_id == flow_id for e in found)
    assert token not in str([e.detail for e in found])  # the link's token is never kept


def test_a_refused_share_leaves_no_event(world: World) -> None:
    flow_id = own_flow(world)
    shares.share_with_user(world.engine, world.owner, flow_id, "viewer", Role.VIEWER)
    with pytest.raises(NotAllowed, match="only the flow's owner"):
        shares.share_with_user(world.engine, world.viewer, flow_id, "editor", Role.EDITOR)
    assert [e.actor_name for e in events(world, action="shared")] == ["owner"]


def test_deleting_a_flow_is_kept_after_the_flow_is_gone(world: World) -> None:
    flow_id = own_flow(world)
    flows.delete_flow(world.engine, world.owner, flow_id)
    [event] = events(world, action="deleted")
    assert summary(event) == ("owner", "deleted", "flow", "Churn", {"versions": 1})
    assert [e.action for e in list_events(world.engine, world.owner).events] == ["deleted"]


def new_version(content: str) -> NewVersion:
    sha = hashlib.sha256(content.encode()).hexdigest()
    return NewVersion(
        sha256=sha,
        size=len(content),
        format="csv",
        filename="houses.csv",
        rows=3,
        columns=("rooms", "price"),
        profile={"format": "csv", "delimiter": ",", "columns": []},
        object_key=f"datasets/sha256/{sha[:2]}/{sha}",
    )


def test_sharing_and_deleting_a_dataset(world: World) -> None:
    engine, owner = world.engine, world.owner
    dataset_id = add_version(engine, owner, new_version("a"), name="houses").dataset_id
    share_dataset(engine, owner, dataset_id, "user", "viewer", Role.VIEWER)
    share_dataset(engine, owner, dataset_id, "team", world.viewers_team, Role.VIEWER)
    unshare_dataset(engine, owner, dataset_id, "user", world.viewer.id)
    delete_dataset(engine, owner, dataset_id)

    assert [summary(e) for e in events(world, object_id=dataset_id)] == [
        ("owner", "shared", "dataset", "houses", {"user": "viewer", "role": "viewer"}),
        ("owner", "shared", "dataset", "houses", {"team": "Viewers", "role": "viewer"}),
        ("owner", "unshared", "dataset", "houses", {"user": "viewer"}),
        ("owner", "deleted", "dataset", "houses", {"versions": 1}),
    ]
    assert {e.owner_id for e in events(world, object_id=dataset_id)} == {owner.id}


def test_restoring_a_flow_version(world: World) -> None:
    flow_id = own_flow(world)
    versions.save_version(
        world.engine, world.owner, flow_id, sample_flow("Churn", "load", "split"), base_version=1
    )
    versions.restore_version(world.engine, world.owner, flow_id, 1)
    [event] = events(world, action="restored")
    assert summary(event) == ("owner", "restored", "flow", "Churn", {"version": 1, "as_version": 3})
    assert event.flow_id == flow_id


def block_spec() -> BlockSpec:
    return BlockSpec(
        name="drop_missing",
        title="Drop missing rows",
        description="Rows with a gap go.",
        category="preprocess",
        kind="python",
        inputs=(PortSpec("data", "Dataset"),),
        outputs=(PortSpec("cleaned", "Dataset"),),
        params=(ParamSpec("min_rows", "integer", 5),),
        function="drop_missing",
    )


def test_sharing_deleting_and_restoring_a_block(world: World) -> None:
    engine, owner = world.engine, world.owner
    text = "def drop_missing(data, cleaned, min_rows: int = 5):\n    pass\n"
    block_id = save_block(engine, owner, block_spec(), text, "python").block.id
    share_block(engine, owner, block_id, "user", "editor", Role.EDITOR)
    unshare_block(engine, owner, block_id, "user", world.editor.id)
    delete_block(engine, owner, block_id)
    save_block(engine, owner, block_spec(), text, "python")  # the same name brings it back

    found = events(world, object_kind="block")
    assert [(e.action, e.object_name) for e in found] == [
        ("shared", "Drop missing rows"),
        ("unshared", "Drop missing rows"),
        ("deleted", "Drop missing rows"),
        ("restored", "Drop missing rows"),
    ]
    assert {e.actor_name for e in found} == {"owner"}
    assert found[2].detail == {"name": "drop_missing"}
    assert found[3].detail == {"name": "drop_missing", "version": 2}
    assert {e.object_id for e in found} == {block_id}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, kubeflow=None, database_url="unused", session_days=1)


def test_a_sign_in_is_kept(world: World) -> None:
    create_session(world.engine, world.viewer.id, timedelta(hours=1))
    [event] = events(world, action="signed_in")
    assert summary(event) == ("viewer", "signed_in", "user", "viewer", {})
    assert event.owner_id == world.viewer.id


@pytest.mark.parametrize(
    ("username", "password", "reason", "owned"),
    [
        ("ada", "a wrong guess", "wrong password", True),
        ("nobody\there", PASSWORD, "no such account", False),
    ],
)
def test_a_refused_sign_in_keeps_the_name_tried_and_never_the_password(
    world: World, settings: Settings, username: str, password: str, reason: str, owned: bool
) -> None:
    ada = sign_up(world.engine, settings, "ada", PASSWORD, confirm=PASSWORD).actor
    with pytest.raises(SignInFailed):
        sign_in(world.engine, settings, username, password, "203.0.113.7")

    [event] = events(world, action="sign_in_refused")
    shown = "ada" if owned else "nobodyhere"
    assert (event.actor_id, event.object_kind, event.object_name) == (None, "user", shown)
    assert event.detail == {"address": "203.0.113.7", "reason": reason}
    assert event.owner_id == (ada.id if owned else None)
    assert password not in repr(event)


def test_a_disabled_account_is_refused_and_kept(world: World, settings: Settings) -> None:
    sign_up(world.engine, settings, "ada", PASSWORD, confirm=PASSWORD)
    disable_user(world.engine, "ada")
    with pytest.raises(AccountDisabled):
        sign_in(world.engine, settings, "ada", PASSWORD, "203.0.113.7")
    [event] = events(world, action="sign_in_refused")
    assert event.detail["reason"] == "account disabled"


def test_a_run_is_kept_when_it_starts_and_when_it_is_cancelled(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    record = RunRecord(run_id="run-1", flow_name="Churn", engine="local", status=Status.RUNNING)
    runs.record_run(engine, flow_id, 1, record, user_id=world.editor.id)
    record.status = Status.SUCCEEDED
    runs.record_run(engine, flow_id, 1, record, user_id=world.editor.id)  # progress: no event
    runs.record_cancel(engine, owner, "run-1")

    found = events(world, object_kind="run")
    assert [summary(e) for e in found] == [
        ("editor", "run_started", "run", "Churn", {"version": 1, "engine": "local"}),
        ("owner", "run_cancelled", "run", "Churn", {"version": 1}),
    ]
    assert all(e.flow_id == flow_id and e.owner_id == owner.id for e in found)
    # The flow's owner reads them; the editor who ran it does not own the flow.
    assert len(list_events(engine, owner, AuditFilter(object_kind="run")).events) == 2
    assert list_events(engine, world.editor).events == []


def test_a_run_started_from_the_command_line_has_no_person(world: World) -> None:
    flow_id = own_flow(world)
    record = RunRecord(run_id="run-2", flow_name="Churn", engine="local", status=Status.RUNNING)
    runs.record_run(world.engine, flow_id, 1, record)
    [event] = events(world, action="run_started")
    assert (event.actor_id, event.actor_name) == (None, "")


def test_cancelling_a_run_nobody_may_see_is_refused_and_not_kept(world: World) -> None:
    flow_id = own_flow(world)
    record = RunRecord(run_id="run-3", flow_name="Churn", engine="local", status=Status.RUNNING)
    runs.record_run(world.engine, flow_id, 1, record, user_id=world.owner.id)
    with pytest.raises(runs.RunNotFound):
        runs.record_cancel(world.engine, world.stranger, "run-3")
    assert events(world, action="run_cancelled") == []
