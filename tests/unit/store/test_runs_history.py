"""What the run history lists without reading records: who started a run, with which parameter
values, whether it reran from a node or ran without the cache, how many nodes were cached; and a
stored run's version and values for a rerun."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from designer.flow.document import Flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.store import Actor
from designer.store.accounts import create_user
from designer.store.db import session_scope
from designer.store.flows import create_flow
from designer.store.runs import (
    RunNotFound,
    get_stored_run,
    list_runs,
    record_run,
    settle_unfinished_run,
)
from tests.fixtures.flow_files import fixture_flow

T0 = 1_800_000_000.0


@pytest.fixture
def ada(engine: Engine) -> Actor:
    return create_user(engine, "ada", "Ada Lovelace")


@pytest.fixture
def flow_id(engine: Engine, ada: Actor) -> str:
    return create_flow(engine, ada, Flow.model_validate(fixture_flow("iris_classification"))).id


def record(run_id: str, *statuses: Status, **fields: object) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        flow_name="Iris",
        engine="local",
        status=Status.RUNNING,
        started_at=T0,
        nodes={f"n{i}": NodeRun(status=status) for i, status in enumerate(statuses)},
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("fields", "statuses", "expected"),
    [
        ({}, (Status.SUCCEEDED,), ({}, "", True, 0, 1)),
        (
            {"arguments": {"seed": 3, "dataset": "iris"}, "rerun_from": "train"},
            (Status.CACHED, Status.CACHED, Status.RUNNING),
            ({"seed": 3, "dataset": "iris"}, "train", True, 2, 3),
        ),
        ({"cache": False}, (Status.PENDING, Status.PENDING), ({}, "", False, 0, 2)),
    ],
)
def test_the_list_says_with_what_and_how_a_run_ran(
    engine: Engine,
    ada: Actor,
    flow_id: str,
    fields: dict[str, object],
    statuses: tuple[Status, ...],
    expected: tuple[object, ...],
) -> None:
    record_run(engine, flow_id, 1, record("r1", *statuses, **fields), ada.id)
    [listed] = list_runs(engine, ada, flow_id)
    assert (listed.user_id, listed.started_by) == (ada.id, "Ada Lovelace")
    assert (
        listed.arguments,
        listed.rerun_from,
        listed.cache,
        listed.cached_nodes,
        listed.node_count,
    ) == expected


def test_cached_nodes_are_counted_as_the_run_goes_and_when_it_is_settled(
    engine: Engine, ada: Actor, flow_id: str
) -> None:
    running = record("r1", Status.CACHED, Status.RUNNING, Status.PENDING, rerun_from="n1")
    record_run(engine, flow_id, 1, running, ada.id)
    assert list_runs(engine, ada, flow_id)[0].cached_nodes == 1
    running.nodes["n1"].status = Status.CACHED
    record_run(engine, flow_id, 1, running)  # later updates name nobody: who stays
    [listed] = list_runs(engine, ada, flow_id)
    assert (listed.cached_nodes, listed.started_by, listed.rerun_from) == (2, "Ada Lovelace", "n1")

    running.nodes["n2"].status = Status.CACHED
    running.status, running.finished_at = Status.SUCCEEDED, T0 + 3
    assert settle_unfinished_run(engine, running)
    assert list_runs(engine, ada, flow_id)[0].cached_nodes == 3


def test_a_run_nobody_started_says_so(engine: Engine, ada: Actor, flow_id: str) -> None:
    record_run(engine, flow_id, 1, record("r1", Status.SUCCEEDED))
    [listed] = list_runs(engine, ada, flow_id)
    assert (listed.user_id, listed.started_by) == (None, "")


def test_values_stored_wrongly_read_as_none(engine: Engine, ada: Actor, flow_id: str) -> None:
    record_run(engine, flow_id, 1, record("r1", arguments={"seed": 3}), ada.id)
    with session_scope(engine) as session:
        session.execute(text("UPDATE runs SET arguments = '[1, 2]'"))
    assert list_runs(engine, ada, flow_id)[0].arguments == {}


def test_a_stored_run_gives_its_version_and_the_values_a_rerun_keeps(
    engine: Engine, ada: Actor, flow_id: str
) -> None:
    record_run(engine, flow_id, 1, record("r1", arguments={"seed": 3, "gone": 1}), ada.id)
    stored = get_stored_run(engine, ada, "r1")
    assert (stored.flow_id, stored.flow_version, stored.record.run_id) == (flow_id, 1, "r1")
    flow = Flow.model_validate(fixture_flow("iris_classification"))  # declares seed only
    assert stored.arguments_for(flow) == {"seed": 3}

    stranger = create_user(engine, "sam", "Sam")
    with pytest.raises(RunNotFound, match="no run with id 'r1'"):
        get_stored_run(engine, stranger, "r1")
    with pytest.raises(RunNotFound, match="no run with id 'nope'"):
        get_stored_run(engine, ada, "nope")
