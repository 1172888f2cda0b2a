"""Runs in the store: recording a run as its record changes, listing, re-attaching, who ran it."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from designer.flow.document import Flow
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.store import Actor, FlowNotFound, SignInRequired
from designer.store.accounts import create_user
from designer.store.db import session_scope
from designer.store.flows import create_flow, list_flows
from designer.store.runs import (
    RunNotFound,
    get_run_record,
    headline_metric,
    list_runs,
    record_run,
    unfinished_runs,
)
from designer.store.tables import RunRow
from tests.fixtures.flow_files import fixture_flow

T0 = 1_800_000_000.0  # a start time, in seconds since the epoch


@pytest.fixture
def ada(engine: Engine) -> Actor:
    return create_user(engine, "ada", "Ada Lovelace")


def new_flow(engine: Engine, owner: Actor, name: str = "iris_classification") -> str:
    return create_flow(engine, owner, Flow.model_validate(fixture_flow(name))).id


def run(
    run_id: str,
    status: Status = Status.RUNNING,
    started_at: float | None = T0,
    finished_at: float | None = None,
    **metrics: float,
) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        flow_name="Iris classification",
        engine="local",
        status=status,
        started_at=started_at,
        finished_at=finished_at,
        nodes={"evaluate": NodeRun(status=status, metrics=dict(metrics))},
    )


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({}, None),
        ({"evaluate": {"precision": 0.9, "recall": 0.8}}, None),
        ({"evaluate": {"f1": 0.8, "accuracy": 0.9}}, ("accuracy", 0.9)),
        ({"first": {"f1": 0.8}, "second": {"accuracy": 0.7}}, ("accuracy", 0.7)),
        ({"a": {"roc_auc": 0.95}, "b": {"f1": 0.5}}, ("f1", 0.5)),
        ({"score": {"rmse": 2.5, "mae": 1.5, "r2": 0.4}}, ("r2", 0.4)),
        ({"score": {"mae": 3, "rmse": 4}}, ("rmse", 4.0)),
        ({"score": {"mae": 3}}, ("mae", 3.0)),
        ({"evaluate": {"accuracy": math.nan, "f1": 0.5}}, ("f1", 0.5)),
    ],
)
def test_the_headline_metric_is_the_first_preferred_one_logged(
    metrics: dict[str, dict[str, float]], expected: tuple[str, float] | None
) -> None:
    record = RunRecord(
        run_id="r",
        flow_name="f",
        engine="local",
        nodes={node: NodeRun(metrics=values) for node, values in metrics.items()},
    )

    assert headline_metric(record) == expected


def test_a_run_is_updated_in_place_as_its_record_changes(engine: Engine, ada: Actor) -> None:
    flow_id = new_flow(engine, ada)
    record_run(engine, flow_id, 3, run("r1", Status.PENDING))
    record_run(engine, flow_id, 3, run("r1", Status.RUNNING))
    finished = run("r1", Status.SUCCEEDED, T0, T0 + 12.5, accuracy=0.96, f1=0.95)
    finished.nodes["evaluate"].outputs["metrics"] = OutputRecord(uri="/runs/r1/m", type="Metrics")
    finished.nodes["evaluate"].log = "scored 45 rows\n"
    record_run(engine, flow_id, 3, finished)

    [summary] = list_runs(engine, ada, flow_id)

    assert summary.id == "r1"
    assert (summary.flow_id, summary.flow_version, summary.engine) == (flow_id, 3, "local")
    assert summary.status == Status.SUCCEEDED
    assert summary.started_at == datetime.fromtimestamp(T0, UTC)
    assert summary.finished_at == datetime.fromtimestamp(T0 + 12.5, UTC)
    assert summary.duration_s == pytest.approx(12.5)
    assert (summary.headline_name, summary.headline_value) == ("accuracy", 0.96)
    assert summary.error == ""
    assert get_run_record(engine, ada, "r1") == finished


def test_a_failed_run_says_why(engine: Engine, ada: Actor) -> None:
    flow_id = new_flow(engine, ada)
    failed = run("r1", Status.FAILED, T0, T0 + 1)
    failed.nodes["evaluate"].error = "ValueError: the test rows have no 'species' column"
    record_run(engine, flow_id, 1, failed)
    engine_failed = run("r2", Status.FAILED, T0 + 5, T0 + 6)
    engine_failed.error = "the local engine could not start: no space left on device"
    record_run(engine, flow_id, 1, engine_failed)

    errors = {r.id: r.error for r in list_runs(engine, ada, flow_id)}

    assert errors == {
        "r1": "evaluate: ValueError: the test rows have no 'species' column",
        "r2": "the local engine could not start: no space left on device",
    }


def test_a_run_recorded_without_a_start_time_keeps_its_first_one(
    engine: Engine, ada: Actor
) -> None:
    flow_id = new_flow(engine, ada)
    record_run(engine, flow_id, 1, run("r1", Status.PENDING, started_at=None))
    [first] = list_runs(engine, ada, flow_id)

    record_run(engine, flow_id, 1, run("r1", Status.PENDING, started_at=None))

    [again] = list_runs(engine, ada, flow_id)
    assert again.started_at == first.started_at
    assert first.started_at.tzinfo == UTC and first.duration_s is None


def test_runs_are_listed_newest_first_up_to_the_limit(engine: Engine, ada: Actor) -> None:
    flow_id, other = new_flow(engine, ada), new_flow(engine, ada, "wine_boosting")
    for i in (3, 1, 4, 2, 0):
        record_run(engine, flow_id, 1, run(f"r{i}", started_at=T0 + i))
    record_run(engine, other, 1, run("elsewhere", started_at=T0 + 10))

    assert [r.id for r in list_runs(engine, ada, flow_id)] == ["r4", "r3", "r2", "r1", "r0"]
    assert [r.id for r in list_runs(engine, ada, flow_id, limit=2)] == ["r4", "r3"]
    assert list_runs(engine, ada, new_flow(engine, ada)) == []


def test_the_flow_list_shows_the_latest_run(engine: Engine, ada: Actor) -> None:
    flow_id = new_flow(engine, ada)
    record_run(engine, flow_id, 1, run("old", Status.RUNNING, started_at=T0))
    record_run(engine, flow_id, 1, run("new", Status.RUNNING, started_at=T0 + 60))
    # The older run finishing later must not hide the newer one.
    record_run(engine, flow_id, 1, run("old", Status.FAILED, T0, T0 + 90))
    [summary] = list_flows(engine, ada)
    assert (summary.last_run_status, summary.last_run_at) == (
        Status.RUNNING,
        datetime.fromtimestamp(T0 + 60, UTC),
    )

    record_run(engine, flow_id, 1, run("new", Status.SUCCEEDED, T0 + 60, T0 + 70))

    [summary] = list_flows(engine, ada)
    assert summary.last_run_status == Status.SUCCEEDED


def test_unfinished_runs_are_the_pending_and_running_ones_oldest_first(
    engine: Engine, ada: Actor
) -> None:
    first, second = new_flow(engine, ada), new_flow(engine, ada, "wine_boosting")
    statuses = {
        "a": (first, Status.SUCCEEDED),
        "b": (first, Status.RUNNING),
        "c": (second, Status.PENDING),
        "d": (second, Status.FAILED),
        "e": (first, Status.CANCELLED),
        "f": (first, Status.PENDING),
    }
    for offset, (run_id, (flow_id, status)) in enumerate(statuses.items()):
        record_run(engine, flow_id, 1, run(run_id, status, started_at=T0 + offset))

    unfinished = unfinished_runs(engine)

    assert [(r.id, r.flow_id, r.status) for r in unfinished] == [
        ("b", first, Status.RUNNING),
        ("c", second, Status.PENDING),
        ("f", first, Status.PENDING),
    ]
    record_run(engine, first, 1, run("b", Status.SUCCEEDED, T0 + 1, T0 + 2))
    assert [r.id for r in unfinished_runs(engine)] == ["c", "f"]


def test_a_missing_run_is_named_in_the_error(engine: Engine, ada: Actor) -> None:
    with pytest.raises(RunNotFound, match="no run with id 'nope': it was never recorded"):
        get_run_record(engine, ada, "nope")


def _started_by(engine: Engine, run_id: str) -> str | None:
    with session_scope(engine) as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        return row.user_id


@pytest.mark.parametrize("started_at", [T0, None], ids=["with a start time", "without one"])
def test_a_run_remembers_who_started_it(
    engine: Engine, ada: Actor, started_at: float | None
) -> None:
    flow_id = new_flow(engine, ada)
    record_run(engine, flow_id, 1, run("r1", Status.PENDING, started_at), user_id=ada.id)

    # Later progress comes from the engine, which need not say who started the run.
    record_run(engine, flow_id, 1, run("r1", Status.RUNNING, started_at))
    record_run(engine, flow_id, 1, run("r1", Status.SUCCEEDED, started_at))

    assert _started_by(engine, "r1") == ada.id
    assert [r.status for r in list_runs(engine, ada, flow_id)] == [Status.SUCCEEDED]


def test_a_run_of_a_missing_flow_is_not_recorded(engine: Engine, ada: Actor) -> None:
    with pytest.raises(FlowNotFound):
        record_run(engine, "0" * 32, 1, run("r1"))
    with pytest.raises(RunNotFound):
        get_run_record(engine, ada, "r1")


def test_runs_are_shown_only_to_people_who_may_see_the_flow(engine: Engine, ada: Actor) -> None:
    bob = create_user(engine, "bob", "Bob")
    flow_id = new_flow(engine, ada)
    record_run(engine, flow_id, 1, run("r1"), user_id=ada.id)

    with pytest.raises(RunNotFound, match="no run with id 'r1'"):
        get_run_record(engine, bob, "r1")
    for run_id in ("r1", "nope"):
        with pytest.raises(SignInRequired):
            get_run_record(engine, None, run_id)
    with pytest.raises(FlowNotFound):
        list_runs(engine, bob, flow_id)
