"""``GET /api/v1/audit`` per role, with its filters and paging, against a real database.

The scene's owner shared their flow with four people and teams, made a share link and ran it
(six events); asking with a session signs the asker in (one more each).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.api import Persona, Scene, error_of, scene, template
from tests.unit.api.test_rest_runs import PARAMETER_FLOW, finished, post, save

__all__ = ["scene", "template"]

FLOW_EVENTS = ["run_started", "shared", "shared", "shared", "shared", "shared"]


def audit(scene: Scene, persona: Persona, **query: Any) -> Any:
    return scene.api.get("/api/v1/audit", params=query, headers=scene.headers(persona))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", ["signed_in", *FLOW_EVENTS]),
        ("owner", ["signed_in", *FLOW_EVENTS]),
        ("editor", ["signed_in"]),
        ("viewer", ["signed_in"]),
        ("stranger", ["signed_in"]),
    ],
)
def test_who_reads_which_events(scene: Scene, persona: Persona, expected: list[str]) -> None:
    answer = audit(scene, persona)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert sorted(e["action"] for e in page["events"]) == sorted(expected)
    signed_in = [e for e in page["events"] if e["action"] == "signed_in"]
    assert [e["actor_name"] for e in signed_in] == [persona]


def test_the_admin_reads_everyones_sign_ins(scene: Scene) -> None:
    scene.world.session_token("viewer")
    names = {e["actor_name"] for e in audit(scene, "admin", action="signed_in").json()["events"]}
    assert names == {"admin", "viewer"}


def test_nobody_signed_in_is_refused(scene: Scene) -> None:
    assert error_of(audit(scene, "anonymous"))["code"] == "sign_in_required"


def test_filters_and_paging(scene: Scene) -> None:
    shared = audit(scene, "owner", action="shared", kind="flow", object=scene.shared.id).json()
    assert [e["object_id"] for e in shared["events"]] == [scene.shared.id] * 5
    assert {e["object_name"] for e in shared["events"]} == {"Shared flow"}
    assert audit(scene, "owner", person="admin").json()["events"] == []

    first = audit(scene, "owner", action="shared", limit=2).json()
    rest = audit(scene, "owner", action="shared", offset=2, limit=10).json()
    assert first["more"] and not rest["more"]
    assert (len(first["events"]), len(rest["events"])) == (2, 3)
    ids = [e["id"] for e in first["events"] + rest["events"]]
    assert ids == sorted(ids, reverse=True)

    newest = first["events"][0]["at"]
    assert audit(scene, "owner", action="shared", since=newest).json()["events"][0]["at"] == newest
    assert audit(scene, "owner", until="2000-01-01T00:00:00+00:00").json()["events"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"action": "hacked"}, "'action' must be one of signed_in, sign_in_refused"),
        ({"action": ""}, "'action' must be one of"),
        ({"kind": "planet"}, "'kind' must be one of flow, dataset"),
        ({"since": ""}, "'since' must be an ISO 8601 time with its zone"),
        ({"since": "yesterday"}, "'since' must be an ISO 8601 time with its zone"),
        ({"until": "2026-12-01T00:00:00"}, "'until' must be an ISO 8601 time with its zone"),
        ({"limit": "0"}, "a page lists 1 to 500 events"),
        ({"offset": "-1"}, "starts at event 0 or later"),
        ({"offset": "ten"}, "'offset' must be a whole number"),
        ({"person": "a\x01b"}, "'person' must be at most 256 characters of plain text"),
    ],
)
def test_a_bad_filter_is_a_422_saying_why(
    scene: Scene, query: dict[str, str], message: str
) -> None:
    answer = audit(scene, "admin", **query)
    assert answer.status_code == 422
    assert message in error_of(answer)["message"]


def test_a_run_started_and_cancelled_through_the_api_is_in_the_log(scene: Scene) -> None:
    """A real local run: the owner starts it, the editor cancels it while it goes."""
    save(scene, PARAMETER_FLOW)
    started = post(scene, "owner", f"/flows/{scene.shared.id}/runs", {"cache": False})
    assert started.status_code == 201, started.text
    run_id = started.json()["run_id"]
    assert post(scene, "editor", f"/runs/{run_id}/cancel").status_code == 200
    finished(scene, run_id)

    events = audit(scene, "owner", kind="run", object=run_id).json()["events"]
    assert [(e["actor_name"], e["action"]) for e in events] == [
        ("editor", "run_cancelled"),
        ("owner", "run_started"),
    ]
    assert {e["flow_id"] for e in events} == {scene.shared.id}
