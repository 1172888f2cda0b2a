"""The compare page's state: the address read, the runs lined up as rows, refusals said; and
the run history's "Compare" ticks. Real SQLite store, states built as a page load does it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from reflex.state import State
from sqlalchemy import Engine

from designer.api.session import SESSION_COOKIE
from designer.flow.document import Flow
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.runs.run_compare import RunSide, compare_runs
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import Actor, create_user
from designer.store.flows import create_flow
from designer.store.runs import record_run
from designer.store.signin import create_session
from designer.store.versions import save_version
from designer.ui.compare.state import (
    CompareState,
    RunPickState,
    compare_url,
    page_view,
    run_ids_of,
)
from designer.ui.editor.parsed_flows import PARSED
from tests.fixtures.editor_tabs import open_tab
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.threads import run_coroutine

T0 = 1_800_000_000.0
MATRIX = {"annotationSpecs": [{"displayName": "a"}, {"displayName": "b"}], "rows": [[3, 1], [0, 4]]}


def iris(n_estimators: int = 50) -> Flow:
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    train = flow.node("train")
    assert train is not None
    train.params["n_estimators"] = n_estimators
    return flow


def finished(run_id: str, seed: int, accuracy: float, started: float) -> RunRecord:
    output = OutputRecord(uri="", type="system.ClassificationMetrics")
    output.metadata = {"confusionMatrix": MATRIX}
    evaluate = NodeRun(
        status=Status.SUCCEEDED, metrics={"accuracy": accuracy}, outputs={"metrics": output}
    )
    return RunRecord(
        run_id=run_id,
        flow_name="Iris classification",
        engine="local",
        status=Status.SUCCEEDED,
        started_at=started,
        arguments={"seed": seed},
        nodes={"evaluate": evaluate},
    )


@dataclass
class Store:
    engine: Engine
    ann: Actor
    token: str
    flow_id: str
    run_ids: list[str]
    #: A run of a flow Ann may not see.
    hidden_run: str


@pytest.fixture
def store() -> Iterator[Store]:
    """Ann's flow at versions 1 and 2, run once on each; Bob's flow run once."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann, bob = create_user(engine, "ann", "Ann"), create_user(engine, "bob", "Bob")
    flow_id = create_flow(engine, ann, iris()).id
    save_version(engine, ann, flow_id, iris(200), base_version=1)
    runs = [finished("run-old", 7, 0.90, T0), finished("run-new", 8, 0.95, T0 + 60)]
    for version, run in enumerate(runs, start=1):
        record_run(engine, flow_id, version, run, user_id=ann.id)
    bobs = create_flow(engine, bob, iris()).id
    record_run(engine, bobs, 1, finished("run-bob", 1, 0.5, T0), user_id=bob.id)
    token = create_session(engine, ann.id, timedelta(hours=1))
    PARSED.clear()
    yield Store(engine, ann, token, flow_id, [r.run_id for r in runs], "run-bob")
    PARSED.clear()


def loaded_page(query: str, token: str | None) -> Any:
    """The compare page's state after its load, for an address with ``query``."""
    root = State(_reflex_internal_init=True)
    path = f"/runs/compare?{query}"
    cookie = f"{SESSION_COOKIE}={token}" if token else ""
    router = {
        "pathname": "/runs/compare",
        "asPath": path,
        "query": {},
        "token": "tab",
        "sid": "tab",
        "headers": {"cookie": cookie, "origin": "http://127.0.0.1:3000"},
    }
    root.router_data = root._update_router_vars(router, {})
    state = root.get_substate(CompareState.get_full_name().split("."))
    run_coroutine(CompareState.load.fn(state))
    return state


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a,b", ["a", "b"]),
        (" a , b ,, a ", ["a", "b"]),
        ("", []),
        (",,", []),
    ],
)
def test_the_run_ids_are_read_from_the_address(query: str, expected: list[str]) -> None:
    assert run_ids_of(query) == expected


def test_the_address_quotes_each_run_id() -> None:
    assert compare_url(["a", "b/c", "d,e"]) == "/runs/compare?runs=a,b%2Fc,d%2Ce"


def test_the_page_shows_what_differs_and_marks_the_better_run(store: Store) -> None:
    page = loaded_page(f"runs={store.run_ids[1]},{store.run_ids[0]}", store.token)
    assert page.error == ""
    assert [run["run_id"] for run in page.runs] == ["run-old", "run-new"]  # oldest first
    assert [(r["name"], [c["text"] for c in r["cells"]]) for r in page.parameters] == [
        ("seed", ["7", "8"])
    ]
    assert [(r["node"], r["name"]) for r in page.settings] == [("train", "n_estimators")]
    (table,) = page.metrics
    (row,) = table["rows"]
    assert (row["arrow"], row["about"]) == ("↑", "higher is better")
    assert [(c["run"], c["best"]) for c in row["cells"]] == [("run-old", False), ("run-new", True)]
    (matrices,) = page.matrices
    assert [m["has"] for m in matrices["runs"]] == [True, True]
    assert matrices["runs"][0]["rows"][0]["cells"][0]["text"] == "3"
    assert page.marks == {"train": "changed"}
    assert [n["id"] for n in page.scene["nodes"]][:1] == ["load"]
    assert page.flow_href == f"/flows/{store.flow_id}"


@pytest.mark.parametrize(
    ("query", "signed_in", "said"),
    [
        ("runs=run-old", True, "pick at least 2 runs to compare; you picked only 1"),
        ("", True, "you picked none"),
        ("runs=run-old,run-bob", True, "no run with id 'run-bob'"),
        ("runs=run-old,nope", True, "no run with id 'nope'"),
        ("runs=run-old,run-new", False, "sign in"),
        ("runs=" + ",".join(f"r{i}" for i in range(9)), True, "pick at most 8"),
        ("runs=" + ",".join(f"r{i}" for i in range(100)), True, "names 100 runs"),
    ],
    ids=["one", "none", "not-theirs", "unknown", "signed-out", "nine", "hundred"],
)
def test_a_comparison_that_cannot_be_made_says_why(
    store: Store, query: str, signed_in: bool, said: str
) -> None:
    page = loaded_page(query, store.token if signed_in else None)
    assert said.lower() in page.error.lower()
    assert (page.runs, page.metrics, page.marks) == ([], [], {})


def test_page_view_leaves_unknown_metrics_without_arrow() -> None:
    flow = iris()
    runs = [
        RunSide(
            RunRecord(run_id=f"r{i}", flow_name="f", engine="local", nodes={"e": node}), flow, "x"
        )
        for i, node in enumerate([NodeRun(metrics={"score": 1.0}), NodeRun(metrics={"score": 2.0})])
    ]
    (table,) = page_view(compare_runs(runs))["metrics"]
    assert [(r["arrow"], r["about"]) for r in table["rows"]] == [("", "")]
    assert [m["has"] for m in page_view(compare_runs(runs))["matrices"]] == []


def test_ticked_runs_of_the_history_open_the_comparison(store: Store) -> None:
    tab = open_tab(f"/flows/{store.flow_id}", store.token)
    picks = tab.state(RunPickState)
    picks.pick("run-new", True)
    said = run_coroutine(RunPickState.compare.fn(picks))
    assert "Tick two or more runs" in str(said)
    picks.pick("run-old", True)
    picks.pick("run-gone", True)  # a tick on a run no longer listed is dropped
    picks.pick("run-gone", False)
    picks.pick("elsewhere", True)
    assert picks.picked == ["run-new", "run-old", "elsewhere"]
    redirect = run_coroutine(RunPickState.compare.fn(picks))
    assert "/runs/compare?runs=run-new,run-old" in str(redirect)
    assert picks.picked == []
