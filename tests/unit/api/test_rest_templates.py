"""Team templates through the REST API: publish, list, open, replace, unpublish, bad input.

Who may call which endpoint is in test_rest_matrix.py; here, what the answers say. The round
trip runs on SQLite and PostgreSQL (the ``database`` fixture of test_rest.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from designer.store.versions import save_draft
from tests.fixtures.people import SHARED_FLOW_VERSION, sample_flow
from tests.unit.api import Scene, error_of, scene, template
from tests.unit.api.test_rest import database, postgres_world

__all__ = ["database", "postgres_world", "scene", "template"]

API = "/api/v1"
#: The shared flow's latest saved version (see tests/fixtures/people.py).
SAVED = sample_flow("Shared flow", "load", "split").model_dump(mode="json")
DRAFT = sample_flow("Shared flow", "load", "split", "train")


def publish_body(scene: Scene, **changes: Any) -> dict[str, Any]:
    return {
        "team": scene.world.viewers_team,
        "title": "Iris starter",
        "description": "Sort iris flowers into species.",
        "task": "classification",
        "difficulty": "beginner",
        **changes,
    }


def test_a_team_publishes_lists_opens_replaces_and_unpublishes_a_template(
    database: Scene,
) -> None:
    api, world, flow_id = database.api, database.world, database.shared.id
    member, admin = database.headers("team_viewer"), database.headers("owner")
    # An unsaved draft of the flow's owner is not what gets published.
    save_draft(world.engine, world.owner, flow_id, DRAFT, SHARED_FLOW_VERSION)

    published = api.post(
        f"{API}/flows/{flow_id}/publish", json=publish_body(database), headers=member
    )

    assert published.status_code == 201, published.text
    body = published.json()
    assert published.headers["location"] == f"{API}/team-templates/{body['id']}"
    assert {key: body[key] for key in body if key not in ("id", "created_at", "updated_at")} == {
        "team_id": world.viewers_team,
        "team_name": "Viewers",
        "title": "Iris starter",
        "description": "Sort iris flowers into species.",
        "task": "classification",
        "difficulty": "beginner",
        "flow": SAVED,
        "source_flow_id": flow_id,
        "source_version": SHARED_FLOW_VERSION,
        "published_by": world.team_viewer.id,
        "publisher_name": "Tess Teamviewer",
        "can_unpublish": True,
    }
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith("+00:00")

    listed = api.get(f"{API}/team-templates", headers=admin).json()["templates"]
    assert listed == [{**{k: v for k, v in body.items() if k != "flow"}, "node_count": 2}]
    assert api.get(f"{API}/team-templates", headers=database.headers("stranger")).json() == {
        "templates": []
    }
    opened = api.get(f"{API}/team-templates/{body['id']}", headers=admin)
    assert opened.json() == body

    again = api.post(
        f"{API}/flows/{flow_id}/publish",
        json=publish_body(database, task="other", difficulty="advanced"),
        headers=admin,
    )
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["created_at"]) == (body["id"], body["created_at"])
    assert (again.json()["task"], again.json()["publisher_name"]) == ("other", "Tess Teamviewer")

    gone = api.delete(f"{API}/team-templates/{body['id']}", headers=member)
    assert (gone.status_code, gone.content) == (204, b"")
    missing = api.get(f"{API}/team-templates/{body['id']}", headers=admin)
    assert (missing.status_code, error_of(missing)["code"]) == (404, "team_template_not_found")


def test_a_member_may_not_replace_or_unpublish_someone_elses_template(scene: Scene) -> None:
    api, path = scene.api, f"{API}/flows/{scene.shared.id}/publish"
    made = api.post(path, json=publish_body(scene), headers=scene.headers("owner")).json()

    replaced = api.post(
        path, json=publish_body(scene, task="other"), headers=scene.headers("team_viewer")
    )
    removed = api.delete(f"{API}/team-templates/{made['id']}", headers=scene.headers("team_viewer"))

    for answer in (replaced, removed):
        assert (answer.status_code, error_of(answer)["code"]) == (403, "not_allowed")
        assert "Olive Owner" in error_of(answer)["message"]
    kept = api.get(f"{API}/team-templates/{made['id']}", headers=scene.headers("team_viewer"))
    assert kept.json() == {**made, "can_unpublish": False}


@pytest.mark.parametrize(
    ("changes", "status", "code", "field", "message"),
    [
        ({"title": None}, 422, "invalid_request", "title", "'title' is required"),
        ({"title": 7}, 422, "invalid_request", "title", "'title' must be a string"),
        ({"title": "  "}, 422, "invalid_template", "title", "a template needs a name"),
        ({"title": "x" * 201}, 422, "invalid_template", "title", "at most 200 characters"),
        ({"title": "a\tb"}, 422, "invalid_template", "title", "one line of plain text"),
        ({"description": "x" * 2001}, 422, "invalid_template", "description", "at most 2000"),
        ({"description": ["x"]}, 422, "invalid_request", "description", "must be a string"),
        ({"task": "forecasting"}, 422, "invalid_template", "task",
         "choose one of classification, regression, clustering, other"),
        ({"task": None}, 422, "invalid_request", "task", "'task' is required"),
        ({"difficulty": "expert"}, 422, "invalid_template", "difficulty",
         "choose one of beginner, intermediate, advanced"),
        ({"team": None}, 422, "invalid_request", "team", "'team' is required"),
        ({"team": 3}, 422, "invalid_request", "team", "'team' must be a string"),
        ({"team": "no-such-team"}, 404, "team_not_found", None, "no team with id"),
    ],
)  # fmt: skip
def test_bad_values_are_answered_with_the_field_and_what_is_wrong(
    scene: Scene,
    changes: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
    message: str,
) -> None:
    body = {k: v for k, v in publish_body(scene, **changes).items() if v is not None}

    answer = scene.api.post(
        f"{API}/flows/{scene.shared.id}/publish", json=body, headers=scene.headers("owner")
    )

    assert answer.status_code == status, answer.text
    error = error_of(answer)
    assert (error["code"], error.get("field")) == (code, field)
    assert message in error["message"]
    listed = scene.api.get(f"{API}/team-templates", headers=scene.headers("owner"))
    assert listed.json() == {"templates": []}


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/team-templates/%00", "team_template_not_found"),
        ("DELETE", "/team-templates/" + "a" * 300, "team_template_not_found"),
        ("POST", "/flows/%00/publish", "flow_not_found"),
        ("PUT", "/team-templates", "method_not_allowed"),
        ("PUT", "/flows/{flow}/publish", "method_not_allowed"),
    ],
)
def test_odd_paths_and_methods_are_json_errors(
    scene: Scene, method: str, path: str, code: str
) -> None:
    answer = scene.api.request(
        method,
        API + path.format(flow=scene.shared.id),
        json=publish_body(scene),
        headers=scene.headers("owner"),
    )

    assert error_of(answer)["code"] == code
