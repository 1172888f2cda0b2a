"""Runs side by side: differing parameters and settings, better metrics marked, the flow's
changes, and who may compare which runs."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from sqlalchemy import Engine

from designer.flow.document import Flow
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.runs.run_compare import (
    CompareRunsError,
    RunComparison,
    RunSide,
    compare_runs,
)
from designer.runs.run_values import ABSENT
from designer.store import SignInRequired, flows, runs, versions
from designer.store.run_compare import load_run_sides, run_labels
from designer.store.runs import RunNotFound
from tests.fixtures.databases import (
    database_url,
    engine,
    migrated_database_url,
    migrated_template,
)
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.people import World, world

__all__ = ["database_url", "engine", "migrated_database_url", "migrated_template", "world"]

T0 = 1_800_000_000.0


def iris(**changes: Any) -> Flow:
    """The iris fixture flow; ``changes`` maps node ids to params to set (None drops the node)."""
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    for node_id, params in changes.items():
        if params is None:
            flow.nodes = [n for n in flow.nodes if n.id != node_id]
            flow.edges = [e for e in flow.edges if node_id not in (e.source, e.target)]
        else:
            next(n for n in flow.nodes if n.id == node_id).params.update(params)
    return flow


def record(run_id: str, arguments: dict[str, Any] | None = None, **nodes: Any) -> RunRecord:
    """A finished run; each keyword is a node: its metrics, or a NodeRun as is."""
    return RunRecord(
        run_id=run_id,
        flow_name="Iris classification",
        engine="local",
        status=Status.SUCCEEDED,
        started_at=T0,
        arguments=arguments or {},
        nodes={
            node_id: value
            if isinstance(value, NodeRun)
            else NodeRun(status=Status.SUCCEEDED, metrics=value)
            for node_id, value in nodes.items()
        },
    )


def side(run: RunRecord, flow: Flow | None = None) -> RunSide:
    return RunSide(run, flow or iris(), f"label {run.run_id}")


def texts(comparison: RunComparison, section: str) -> dict[str, list[str]]:
    """Each row of parameters or settings: its label -> its cells' texts."""
    rows = getattr(comparison, section)
    return {row["label"]: [cell["text"] for cell in row["cells"]] for row in rows}


# -- parameters and settings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([{"seed": 7}, {"seed": 8}], {"seed": ["7", "8"]}),
        ([{"seed": 7, "k": "a"}, {"seed": 7, "k": "b"}], {"k": ["a", "b"]}),
        ([{"seed": 7}, {"seed": 7}], {}),
        ([{"seed": 1}, {"seed": 1.0}], {"seed": ["1", "1.0"]}),  # as the pipeline sees them
        ([{"seed": 7}, {}], {"seed": ["7", ABSENT]}),
        ([{"seed": 7}, {"seed": 7}, {"seed": 9}], {"seed": ["7", "7", "9"]}),
        ([{"on": True}, {"on": False}], {"on": ["true", "false"]}),
    ],
    ids=["number", "text", "same", "int-float", "missing", "three-runs", "boolean"],
)
def test_only_the_parameters_that_differ_are_listed(
    arguments: list[dict[str, Any]], expected: dict[str, list[str]]
) -> None:
    sides = [side(record(f"r{i}", args)) for i, args in enumerate(arguments)]
    assert texts(compare_runs(sides), "parameters") == expected


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([iris(), iris()], {}),
        (
            [iris(), iris(train={"n_estimators": 200})],
            {"Random forest · n_estimators": ["50", "200"]},
        ),
        (
            [iris(), iris(train={"max_depth": 4})],
            {"Random forest · max_depth": ["default", "4"]},
        ),
        (
            [iris(train={"n_estimators": 10}), iris(train={"n_estimators": {"$param": "seed"}})],
            {"Random forest · n_estimators": ["10", "flow parameter seed"]},
        ),
        (
            [iris(), iris(deploy=None)],
            {
                "Deploy locally · Block": ["deploy.local_model", ABSENT],
                "Deploy locally · Caching": ["on", ABSENT],
                "Deploy locally · model_name": ["iris-forest", ABSENT],
            },
        ),
    ],
    ids=["same", "changed", "set-from-default", "bound-to-parameter", "node-removed"],
)
def test_node_settings_that_differ_are_listed_by_the_nodes_name(
    flows: list[Flow], expected: dict[str, list[str]]
) -> None:
    sides = [side(record(f"r{i}"), flow) for i, flow in enumerate(flows)]
    assert texts(compare_runs(sides), "settings") == expected


def test_how_runs_were_started_is_listed_when_it_differs() -> None:
    first, second = record("r0"), record("r1")
    second.cache, second.rerun_from = False, "train"
    assert texts(compare_runs([side(first), side(second)]), "settings") == {
        "Caching": ["on", "off"],
        "Rerun from": [ABSENT, "train"],
    }


# -- metrics -------------------------------------------------------------------------------

FAILED = NodeRun(status=Status.FAILED, metrics={"accuracy": 0.99})


@pytest.mark.parametrize(
    ("evaluations", "expected"),
    [
        ([{"accuracy": 0.90}, {"accuracy": 0.95}], {"accuracy": ("higher", ["r1"])}),
        ([{"rmse": 3.0}, {"rmse": 2.5}], {"rmse": ("lower", ["r1"])}),
        ([{"rmse": 2.0}, {"rmse": 2.5}], {"rmse": ("lower", ["r0"])}),
        ([{"accuracy": 0.9}, {"accuracy": 0.9}], {"accuracy": ("higher", [])}),
        ([{"accuracy": 0.9001}, {"accuracy": 0.9002}], {"accuracy": ("higher", [])}),  # unseen
        ([{"score": 1.0}, {"score": 2.0}], {"score": ("", [])}),  # direction unknown
        ([{"accuracy": 0.9}, FAILED], {"accuracy": ("higher", [])}),
        ([{"accuracy": 0.9}, {"accuracy": math.nan}], {"accuracy": ("higher", [])}),
        (
            [{"accuracy": 0.8}, {"accuracy": 0.9}, {"accuracy": 0.9}],
            {"accuracy": ("higher", ["r1", "r2"])},
        ),
        (
            [{"r2": 0.4, "mae": 2.0}, {"r2": 0.5, "mae": 2.5}],
            {"mae": ("lower", ["r0"]), "r2": ("higher", ["r1"])},
        ),
    ],
    ids=[
        "higher-better",
        "lower-better",
        "lower-better-first",
        "tie",
        "tie-at-shown-precision",
        "unknown-metric",
        "failed-node",
        "nan",
        "two-best",
        "both-ways",
    ],
)
def test_the_better_value_of_each_metric_is_marked(
    evaluations: list[Any], expected: dict[str, tuple[str, list[str]]]
) -> None:
    sides = [side(record(f"r{i}", evaluate=e)) for i, e in enumerate(evaluations)]
    (table,) = compare_runs(sides).metrics
    assert table["node"] == "evaluate"
    assert table["label"] == "Random forest"  # the model it scores
    found = {
        row["name"]: (row["better"], [c["run"] for c in row["cells"] if c["best"]])
        for row in table["rows"]
    }
    assert found == expected


def test_a_metric_one_run_lacks_is_not_available_there() -> None:
    sides = [side(record("r0", evaluate={"accuracy": 0.9})), side(record("r1", load={}))]
    (table,) = compare_runs(sides).metrics
    assert [(c["text"], c["best"]) for c in table["rows"][0]["cells"]] == [
        ("0.9", False),
        ("n/a", False),
    ]


def test_confusion_matrices_are_lined_up_per_node() -> None:
    matrix = {
        "annotationSpecs": [{"displayName": "a"}, {"displayName": "b"}],
        "rows": [[3, 1], [0, 4]],
    }
    output = OutputRecord(uri="", type="system.ClassificationMetrics")
    output.metadata = {"confusionMatrix": matrix}
    drew = NodeRun(status=Status.SUCCEEDED, outputs={"metrics": output})
    sides = [side(record("r0", evaluate=drew)), side(record("r1", evaluate={"accuracy": 0.5}))]
    (node,) = compare_runs(sides).matrices
    assert node["node"] == "evaluate"
    first, second = node["runs"]
    assert first["matrix"] is not None and first["matrix"]["rows"] == [[3, 1], [0, 4]]
    assert (second["run"], second["matrix"]) == ("r1", None)


# -- the flow's changes --------------------------------------------------------------------


def test_runs_of_different_flows_show_what_differs_between_them() -> None:
    other = iris(deploy=None, train={"n_estimators": 80})
    other.name = "Iris, smaller"
    other.nodes.append(other.nodes[0].model_copy(update={"id": "load2"}))
    sides = [side(record("r0"), iris()), side(record("r1"), other)]
    comparison = compare_runs(sides)
    (step,) = comparison.steps
    assert (step["from_run"], step["to_run"], step["same"]) == ("r0", "r1", False)
    assert (step["added"], step["removed"], step["changed"]) == (["load2"], ["deploy"], ["train"])
    assert "Renamed the flow 'Iris classification' → 'Iris, smaller'" in step["lines"]
    assert comparison.canvas == {
        "run": "r1",
        "marks": {"load2": "added", "train": "changed"},
        "removed": ["deploy"],
    }


def test_consecutive_runs_are_diffed_and_the_canvas_marks_first_to_last() -> None:
    flows = [iris(), iris(), iris(train={"n_estimators": 9})]
    comparison = compare_runs([side(record(f"r{i}"), f) for i, f in enumerate(flows)])
    assert [(s["same"], s["changed"]) for s in comparison.steps] == [(True, []), (False, ["train"])]
    assert comparison.canvas["marks"] == {"train": "changed"}


def test_the_comparison_is_plain_json() -> None:
    sides = [side(record("r0", {"seed": 1}, evaluate={"accuracy": 0.5})), side(record("r1"))]
    data = compare_runs(sides).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert [run["run_id"] for run in data["runs"]] == ["r0", "r1"]
    assert set(data) == {"runs", "parameters", "settings", "metrics", "matrices", "steps", "canvas"}


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (0, "pick at least 2 runs to compare; you picked none"),
        (1, "pick at least 2 runs to compare; you picked only 1"),
        (9, "pick at most 8 runs to compare; you picked 9"),
    ],
)
def test_too_few_or_too_many_runs_are_refused(count: int, message: str) -> None:
    with pytest.raises(CompareRunsError, match=message):
        compare_runs([side(record(f"r{i}")) for i in range(count)])


def test_a_run_picked_twice_is_refused() -> None:
    with pytest.raises(CompareRunsError, match="run 'r0' is picked twice"):
        compare_runs([side(record("r0")), side(record("r0"))])


# -- loading runs from the store, as a person ----------------------------------------------


def stored_runs(world: World, count: int = 2) -> tuple[str, list[str]]:
    """A flow of the world's owner, shared as usual, with ``count`` runs of versions 2, 3..."""
    shared = world.shared_flow()
    run_ids = []
    for i in range(count):
        number = versions.save_version(
            world.engine,
            world.owner,
            shared.id,
            iris(train={"n_estimators": 10 + i}),
            base_version=shared.version + i,
        ).number
        run = record(f"run-{i}-{shared.id}", {"seed": i}, evaluate={"accuracy": 0.5 + i / 10})
        run.started_at = T0 - 60 * i  # each run older than the one before: loaded oldest first
        runs.record_run(world.engine, shared.id, number, run, user_id=world.owner.id)
        run_ids.append(run.run_id)
    return shared.id, run_ids


@pytest.mark.parametrize("persona", ["owner", "viewer", "team_viewer", "admin"])
def test_people_who_may_open_the_runs_may_compare_them(world: World, persona: str) -> None:
    _, run_ids = stored_runs(world)
    sides = load_run_sides(world.engine, world.actor(persona), [*run_ids, run_ids[0]])
    assert [s.record.run_id for s in sides] == run_ids[::-1]
    assert [s.flow.node("train").params["n_estimators"] for s in sides] == [11, 10]
    assert [s.label.split(" · ")[0] for s in sides] == ["v4", "v3"]
    comparison = compare_runs(sides)
    assert texts(comparison, "parameters") == {"seed": ["1", "0"]}


@pytest.mark.parametrize(
    ("persona", "error"), [("stranger", RunNotFound), ("anonymous", SignInRequired)]
)
def test_a_run_the_person_cannot_open_is_refused(
    world: World, persona: str, error: type[Exception]
) -> None:
    _, run_ids = stored_runs(world)
    mine = flows.create_flow(world.engine, world.stranger, iris()).id
    own = record("stranger-run")
    runs.record_run(world.engine, mine, 1, own, user_id=world.stranger.id)
    with pytest.raises(error):
        load_run_sides(world.engine, world.actor(persona), [own.run_id, run_ids[0]])


def test_an_unknown_run_is_named_and_bad_counts_are_refused_before_any_query(
    world: World, engine: Engine
) -> None:
    _, run_ids = stored_runs(world)
    with pytest.raises(RunNotFound, match="no-such-run"):
        load_run_sides(engine, world.owner, [run_ids[0], "no-such-run"])
    with pytest.raises(CompareRunsError, match="you picked only 1"):
        load_run_sides(engine, world.owner, [run_ids[0]] * 3)
    with pytest.raises(CompareRunsError, match="you picked 500"):
        load_run_sides(engine, None, [f"r{i}" for i in range(500)])


def test_labels_name_the_flow_only_for_several_and_the_run_when_alike() -> None:
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(T0, UTC)
    same = run_labels([("Iris", 3, at, "20260101-aaaaaaaa"), ("Iris", 3, at, "20260101-bbbbbbbb")])
    assert [label.rsplit(" · ", 1)[1] for label in same] == ["aaaaaaaa", "bbbbbbbb"]
    several = run_labels([("Iris", 3, at, "a"), ("Wine", 1, at, "b")])
    assert [label.split(" · ")[:2] for label in several] == [["Iris", "v3"], ["Wine", "v1"]]
