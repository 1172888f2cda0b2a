"""REST for runs: check, compile, start, follow, read logs, cancel, rerun and compare runs.

Real local runs (kfp.local, a few seconds each) only where a run must really happen: one flow
run, followed to its end and rerun from a node, and one run cancelled while it goes. Everything
refused is refused before anything starts, so those tests need no run at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from designer.api import run_threads
from designer.runs.record import NodeRun, RunRecord, Status
from designer.store import flows, runs, versions
from tests.fixtures.people import SHARED_FLOW_VERSION
from tests.unit.api import PERSONAS, Persona, Scene, error_of, scene, template

__all__ = ["scene", "template"]

API = "/api/v1"
#: How long a run of the one-block flow may take on a busy machine.
RUN_TIMEOUT_S = 90

#: The shared flow's version 3: one block reading the sample named by a flow parameter, and a
#: second one after it (``after``), so a rerun from "second" can reuse "first".
PARAMETER_FLOW: dict[str, Any] = {
    "schema_version": 1,
    "name": "Shared flow",
    "params": [
        {"name": "sample", "type": "string", "default": "iris"},
        {"name": "seed", "type": "integer", "default": 1},
    ],
    "nodes": [
        {"id": "first", "block": "load.sklearn_dataset",
         "params": {"dataset": {"$param": "sample"}}},
        {"id": "second", "block": "load.sklearn_dataset", "after": ["first"]},
    ],
}  # fmt: skip
#: A flow whose parameter has no default: every run must give it a value.
NO_DEFAULT = {**PARAMETER_FLOW, "params": [{"name": "sample", "type": "string"}]}
BROKEN = {**PARAMETER_FLOW, "params": [], "nodes": [{"id": "x", "block": "no.such_block"}]}
PARAMS = PARAMETER_FLOW


def save(scene: Scene, document: dict[str, Any]) -> int:
    """``document`` saved by the owner as the shared flow's newest version; its number."""
    latest = versions.list_versions(scene.world.engine, scene.world.owner, scene.shared.id)[0]
    answer = scene.api.put(
        f"{API}/flows/{scene.shared.id}",
        json={"flow": document, "base_version": latest.number},
        headers=scene.headers("owner"),
    )
    assert answer.status_code == 200, answer.text
    number: int = answer.json()["version"]
    return number


def post(scene: Scene, persona: Persona, path: str, body: Any = None) -> Any:
    return scene.api.post(API + path, json=body, headers=scene.headers(persona))


def get(scene: Scene, persona: Persona, path: str) -> Any:
    return scene.api.get(API + path, headers=scene.headers(persona))


def finished(scene: Scene, run_id: str) -> dict[str, Any]:
    """The run's answer once the follower recorded its end (nobody polls meanwhile)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while run_id in run_threads.following():
        assert time.monotonic() < deadline, f"run {run_id} did not finish"
        time.sleep(0.2)
    answer = get(scene, "owner", f"/runs/{run_id}")
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


def stored_run(
    scene: Scene, run_id: str, version: int = SHARED_FLOW_VERSION, **nodes: Status
) -> None:
    """A finished run of the shared flow's ``version``, recorded as the editor records one."""
    record = RunRecord(
        run_id=run_id,
        flow_name="Shared flow",
        engine="local",
        status=Status.SUCCEEDED,
        started_at=time.time(),
        finished_at=time.time() + 1,
        nodes={
            node: NodeRun(status=status, log=f"{node} said hello", metrics={"accuracy": 0.5})
            for node, status in nodes.items()
        },
    )
    runs.record_run(scene.world.engine, scene.shared.id, version, record, scene.world.owner.id)


@pytest.fixture
def parameters(scene: Scene) -> Iterator[int]:
    yield save(scene, PARAMETER_FLOW)


# -- a real run: started, followed by nobody, recorded, rerun from a node ---------------------


def test_a_run_started_through_the_api_is_recorded_to_its_end_and_reruns_from_a_node(
    scene: Scene, parameters: int
) -> None:
    started = post(
        scene, "editor", f"/flows/{scene.shared.id}/runs", {"parameters": {"sample": "wine"}}
    )

    assert started.status_code == 201, started.text
    run = started.json()
    assert run["flow_id"] == scene.shared.id and run["flow_version"] == parameters
    assert run["status"] in ("pending", "running")
    assert started.headers["location"] == f"{API}/runs/{run['run_id']}"
    assert run["arguments"] == {"sample": "wine", "seed": 1}

    done = finished(scene, run["run_id"])
    assert done["status"] == "succeeded", done
    assert set(done["nodes"]) == {"first", "second"}
    # The follower wrote the end to the history although nobody asked in between.
    [listed] = get(scene, "viewer", f"/flows/{scene.shared.id}/runs").json()["runs"][:1]
    assert (listed["id"], listed["status"]) == (run["run_id"], "succeeded")
    # Each node's log and each output are a link away.
    log_link = done["links"]["logs"]["first"]
    log = scene.api.get(log_link, headers=scene.headers("viewer"))
    assert log.status_code == 200
    assert log.json()["status"] == "succeeded" and "wine" in log.json()["log"]
    [table] = [a for a in done["links"]["artifacts"] if a["node"] == "first"]
    download = scene.api.get(table["href"], headers=scene.headers("viewer"))
    assert download.status_code == 200 and len(download.content) == table["size"]

    again = post(scene, "editor", f"/runs/{run['run_id']}/rerun", {"from": "second"})

    assert again.status_code == 201, again.text
    assert again.json()["rerun_from"] == "second"
    assert again.json()["arguments"] == {"sample": "wine", "seed": 1}  # the old run's values
    rerun = finished(scene, again.json()["run_id"])
    assert rerun["status"] == "succeeded", rerun
    assert rerun["nodes"]["first"]["status"] == "cached"
    assert rerun["nodes"]["first"]["cached_from"] == run["run_id"]
    assert rerun["nodes"]["second"]["status"] == "succeeded"
    # A finished run cannot be cancelled, and says so.
    late = post(scene, "editor", f"/runs/{run['run_id']}/cancel")
    assert (late.status_code, error_of(late)["code"]) == (409, "run_finished")


def test_a_run_going_on_is_cancelled(scene: Scene, parameters: int) -> None:
    started = post(scene, "owner", f"/flows/{scene.shared.id}/runs", {"cache": False})
    assert started.status_code == 201, started.text
    run_id = started.json()["run_id"]
    assert started.json()["cache"] is False

    cancelled = post(scene, "editor", f"/runs/{run_id}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["message"] and cancelled.json()["run"]["run_id"] == run_id
    assert finished(scene, run_id)["status"] == "cancelled"


# -- refused before anything starts -----------------------------------------------------------

#: (the flow's version to save, the request's body, status, error code, words in the message)
BAD_STARTS: list[tuple[dict[str, Any], Any, int, str, str]] = [
    (PARAMS, {"parameters": {"seed": "many"}}, 400, "bad_parameters", "'seed' expects a whole"),
    (PARAMS, {"parameters": {"seed": True}}, 400, "bad_parameters", "'seed' expects"),
    (PARAMS, {"parameters": {"sample": 3}}, 400, "bad_parameters", "'sample' expects"),
    (PARAMS, {"parameters": {"colour": "red"}}, 400, "bad_parameters", "no parameter 'colour'"),
    (NO_DEFAULT, {}, 400, "bad_parameters", "'sample' has no default"),
    (NO_DEFAULT, {"parameters": {"sample": None}}, 400, "bad_parameters", "'sample' has no"),
    (PARAMS, {"rerun_from": "nowhere"}, 400, "unknown_node", "no node 'nowhere'"),
    (PARAMS, {"parameters": ["seed", 3]}, 422, "invalid_request", "'parameters' must be an"),
    (PARAMS, {"cache": "yes"}, 422, "invalid_request", "'cache' must be true or false"),
    (PARAMS, {"version": 0}, 422, "invalid_request", "'version' must be 1 or more"),
    (PARAMS, {"version": "2"}, 422, "invalid_request", "'version' must be a whole number"),
    (PARAMS, {"version": 99}, 404, "version_not_found", "99"),
    (PARAMS, {"params": {}}, 422, "invalid_request", "unknown field 'params'"),
    (BROKEN, {}, 422, "flow_has_errors", "no.such_block"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "body", "status", "code", "words"), BAD_STARTS)
def test_a_bad_start_is_refused_with_a_clear_message_and_starts_nothing(
    scene: Scene, document: dict[str, Any], body: Any, status: int, code: str, words: str
) -> None:
    save(scene, document)
    before = runs.list_runs(scene.world.engine, scene.world.owner, scene.shared.id)

    answer = post(scene, "owner", f"/flows/{scene.shared.id}/runs", body)

    error = error_of(answer)
    assert (answer.status_code, error["code"]) == (status, code), answer.text
    assert words in error["message"]
    assert runs.list_runs(scene.world.engine, scene.world.owner, scene.shared.id) == before


#: (the rerun's body, status, error code, words in the message), of a run of PARAMETER_FLOW.
BAD_RERUNS: list[tuple[Any, int, str, str]] = [
    ({"from": "nowhere"}, 400, "unknown_node", "no node 'nowhere'"),
    ({"from": "second", "parameters": {"seed": 1.5}}, 400, "bad_parameters", "'seed' expects"),
    ({}, 422, "invalid_request", "'from' is required"),
    ({"from": "second", "cache": False}, 422, "invalid_request", "unknown field 'cache'"),
]


@pytest.mark.parametrize(("body", "status", "code", "words"), BAD_RERUNS)
def test_a_bad_rerun_is_refused(
    scene: Scene, parameters: int, body: Any, status: int, code: str, words: str
) -> None:
    stored_run(scene, "run-old", parameters, first=Status.SUCCEEDED, second=Status.FAILED)

    answer = post(scene, "owner", "/runs/run-old/rerun", body)

    error = error_of(answer)
    assert (answer.status_code, error["code"]) == (status, code), answer.text
    assert words in error["message"]


def test_a_rerun_of_a_deleted_run_says_it_is_gone(scene: Scene) -> None:
    run_id = scene.shared.run_id
    flows.delete_flow(scene.world.engine, scene.world.owner, scene.shared.id)

    answer = post(scene, "owner", f"/runs/{run_id}/rerun", {"from": "load"})

    error = error_of(answer)
    assert (answer.status_code, error["code"]) == (404, "run_not_found")
    assert "deleted" in error["message"]


# -- checking and compiling -------------------------------------------------------------------


def test_validate_and_compile_a_stored_version(scene: Scene, parameters: int) -> None:
    flow = scene.shared.id

    checked = post(scene, "viewer", f"/flows/{flow}/validate")
    compiled = post(scene, "viewer", f"/flows/{flow}/compile", {"version": parameters})
    older = post(scene, "viewer", f"/flows/{flow}/validate", {"version": 1})

    assert checked.status_code == 200 and checked.json()["valid"] is True
    assert checked.json()["version"] == parameters
    assert isinstance(checked.json()["diagnostics"], list)
    assert older.json()["version"] == 1
    assert compiled.status_code == 200, compiled.text
    body = compiled.json()
    assert body["engine"] == "local" and body["version"] == parameters
    assert "pipelineInfo" in body["pipeline_yaml"]
    assert body["parameters"] == {"sample": "iris", "seed": 1}


def test_a_broken_version_validates_false_and_does_not_compile(scene: Scene) -> None:
    save(scene, BROKEN)
    flow = scene.shared.id

    checked = post(scene, "owner", f"/flows/{flow}/validate")
    compiled = post(scene, "owner", f"/flows/{flow}/compile")

    assert checked.status_code == 200 and checked.json()["valid"] is False
    assert any(d["node"] == "x" for d in checked.json()["diagnostics"])
    error = error_of(compiled)
    assert (compiled.status_code, error["code"]) == (422, "flow_has_errors")
    assert "no.such_block" in error["message"] and error["problems"][0]["node"] == "x"


# -- following, logs and comparing recorded runs ------------------------------------------------


def test_a_recorded_run_links_its_logs(scene: Scene) -> None:
    stored_run(scene, "run-logged", load=Status.SUCCEEDED, split=Status.CACHED)

    run = get(scene, "viewer", "/runs/run-logged").json()
    log = scene.api.get(run["links"]["logs"]["load"], headers=scene.headers("viewer"))
    missing = get(scene, "viewer", "/runs/run-logged/nodes/nowhere/log")

    assert run["flow_id"] == scene.shared.id and run["flow_version"] == SHARED_FLOW_VERSION
    assert log.json() == {
        "run_id": "run-logged",
        "node_id": "load",
        "status": "succeeded",
        "log": "load said hello",
    }
    assert (missing.status_code, error_of(missing)["code"]) == (404, "node_not_found")


def test_runs_are_compared(scene: Scene) -> None:
    stored_run(scene, "run-a", load=Status.SUCCEEDED)
    stored_run(scene, "run-b", load=Status.SUCCEEDED)

    compared = get(scene, "viewer", "/runs/compare?runs=run-a,run-b")
    alone = get(scene, "viewer", "/runs/compare?runs=run-a")
    hidden = get(scene, "stranger", "/runs/compare?runs=run-a,run-b")

    assert compared.status_code == 200, compared.text
    assert [c["run_id"] for c in compared.json()["runs"]] == ["run-a", "run-b"]
    assert (alone.status_code, error_of(alone)["code"]) == (422, "bad_comparison")
    assert (hidden.status_code, error_of(hidden)["code"]) == (404, "run_not_found")


# -- who may do what, when viewers may not run --------------------------------------------------

#: (method, path, body, statuses in the order of PERSONAS) with DESIGNER_VIEWERS_CAN_RUN=false:
#: viewers may still look, but neither start, rerun nor cancel runs. A start or rerun naming
#: a node the flow lacks is refused after the permission check, so no run starts.
VIEWERS_MAY_NOT_RUN = [
    ("POST", "/flows/{flow}/runs", {"rerun_from": "x"}, (401, 400, 400, 403, 403, 400, 404, 400)),
    ("POST", "/runs/{run}/rerun", {"from": "nowhere"}, (401, 400, 400, 403, 403, 400, 404, 400)),
    ("POST", "/runs/{run}/cancel", None, (401, 409, 409, 403, 403, 409, 404, 409)),
    ("GET", "/runs/{run}", None, (401, 200, 200, 200, 200, 200, 404, 200)),
    ("POST", "/flows/{flow}/validate", None, (401, 200, 200, 200, 200, 200, 404, 200)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "persona", "expected"),
    [
        pytest.param(m, p, b, persona, s, id=f"{m} {p} as {persona}")
        for m, p, b, statuses in VIEWERS_MAY_NOT_RUN
        for persona, s in zip(PERSONAS, statuses, strict=True)
    ],
)
def test_who_may_run_when_viewers_may_not(
    scene: Scene,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    body: Any,
    persona: Persona,
    expected: int,
) -> None:
    monkeypatch.setenv("DESIGNER_VIEWERS_CAN_RUN", "false")
    url = API + path.format(flow=scene.shared.id, run=scene.shared.run_id)

    answer = scene.api.request(method, url, json=body, headers=scene.headers(persona))

    assert answer.status_code == expected, answer.text
    if expected == 403:
        assert "view only" in error_of(answer)["message"]
