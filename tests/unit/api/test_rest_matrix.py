"""Who may call which REST endpoint: every endpoint by every persona → the HTTP status.

The personas are those of ``tests/fixtures/people.py``: each cell starts from a fresh database
with the standard shared flow, signs the persona in with a real session (``Authorization:
Bearer``) and calls the endpoint once. The store is real; nothing is mocked.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from designer.store import shares, templates
from tests.fixtures.people import SHARED_FLOW_VERSION, sample_flow
from tests.unit.api import OWNER_PASSWORD, PERSONAS, Persona, Scene, scene, template
from tests.unit.api.deployed import IRIS_ROW, deployed, models_home

__all__ = ["deployed", "models_home", "scene", "template"]

NEXT_DOCUMENT = sample_flow("Shared flow", "load", "split", "train").model_dump(mode="json")

# Statuses in the order of PERSONAS:
#       anonymous owner editor viewer team_viewer team_editor stranger admin
ANYONE_SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 200)
VIEW = (401, 200, 200, 200, 200, 200, 404, 200)
EDIT = (401, 200, 200, 403, 403, 200, 404, 200)
OWN = (401, 200, 403, 403, 403, 403, 404, 200)
#: Team templates of the viewers' team: its admin (owner), its member (team_viewer), site admins.
IN_TEAM = (401, 200, 404, 404, 200, 404, 404, 200)
#: The template of that team the matrix starts from, published by team_viewer.
TEAM_TEMPLATE = "Team template"


def _created(codes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(201 if code == 200 else code for code in codes)


def _gone(codes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(204 if code == 200 else code for code in codes)


def _refused(codes: tuple[int, ...], status: int) -> tuple[int, ...]:
    """Those allowed to try get ``status``: the request itself cannot be done."""
    return tuple(status if code == 200 else code for code in codes)


#: The one table: (method, path, JSON body or None, statuses in the order of PERSONAS).
#: Placeholders: {flow} {run} {link} {token} {team} (the viewers' team), {viewer_id},
#: {team_viewer_id} (a member of {team}), {team_template} (``TEAM_TEMPLATE``, of {team}).
MATRIX: list[tuple[str, str, dict[str, Any] | None, tuple[int, ...]]] = [
    ("POST", "/session", {"username": "owner", "password": OWNER_PASSWORD}, (200,) * 8),
    ("DELETE", "/session", None, (204,) * 8),
    ("GET", "/me", None, ANYONE_SIGNED_IN),
    ("GET", "/flows?scope=mine", None, ANYONE_SIGNED_IN),
    ("GET", "/flows?scope=shared", None, ANYONE_SIGNED_IN),
    ("GET", "/flows?scope={team}", None, (401, 200, 404, 404, 200, 404, 404, 200)),
    ("POST", "/flows", {"name": "Brand new"}, _created(ANYONE_SIGNED_IN)),
    ("GET", "/flows/{flow}", None, VIEW),
    (
        "PUT",
        "/flows/{flow}",
        {"flow": NEXT_DOCUMENT, "base_version": SHARED_FLOW_VERSION, "message": "more"},
        EDIT,
    ),
    ("PATCH", "/flows/{flow}", {"name": "Renamed"}, EDIT),
    ("DELETE", "/flows/{flow}", None, _gone(OWN)),
    ("POST", "/flows/{flow}/duplicate", None, _created(VIEW)),
    ("GET", "/flows/{flow}/versions", None, VIEW),
    ("GET", "/flows/{flow}/versions/1", None, VIEW),
    ("POST", "/flows/{flow}/versions/1/restore", None, EDIT),
    ("GET", "/flows/{flow}/diff?from=1&to=2", None, VIEW),
    ("GET", "/flows/{flow}/runs", None, VIEW),
    ("GET", "/runs/{run}", None, VIEW),
    ("POST", "/flows/{flow}/validate", None, VIEW),
    ("POST", "/flows/{flow}/compile", {"version": 1}, VIEW),
    # Whoever may run the flow (viewers too, by default) is refused only for the node the
    # version lacks, after the permission check: no run starts.
    ("POST", "/flows/{flow}/runs", {"rerun_from": "nowhere"}, _refused(VIEW, 400)),
    ("POST", "/runs/{run}/rerun", {"from": "nowhere"}, _refused(VIEW, 400)),
    # The shared flow's run has finished: nothing to stop.
    ("POST", "/runs/{run}/cancel", None, _refused(VIEW, 409)),
    ("GET", "/openapi.json", None, (200,) * 8),
    # Everyone signed in reads the audit log; the store picks which events (test_rest_audit).
    ("GET", "/audit", None, ANYONE_SIGNED_IN),
    ("GET", "/flows/{flow}/access", None, VIEW),
    ("PUT", "/flows/{flow}/access", {"user": "stranger", "role": "viewer"}, OWN),
    ("PUT", "/flows/{flow}/access", {"team": "{team}", "role": "editor"}, OWN),
    ("DELETE", "/flows/{flow}/access/user/{viewer_id}", None, _gone(OWN)),
    ("DELETE", "/flows/{flow}/access/team/{team}", None, _gone(OWN)),
    ("POST", "/flows/{flow}/links", {"days": 2}, _created(OWN)),
    ("GET", "/flows/{flow}/links", None, OWN),
    ("DELETE", "/flows/{flow}/links/{link}", None, _gone(OWN)),
    ("GET", "/links/{token}", None, (200,) * 8),
    ("GET", "/teams", None, ANYONE_SIGNED_IN),
    ("POST", "/teams", {"name": "Brand new team"}, _created(ANYONE_SIGNED_IN)),
    ("GET", "/teams/{team}/members", None, (401, 200, 404, 404, 200, 404, 404, 200)),
    (
        "POST",
        "/teams/{team}/members",
        {"username": "stranger"},
        (401, 201, 404, 404, 403, 404, 404, 201),
    ),
    (
        "PATCH",
        "/teams/{team}/members/{team_viewer_id}",
        {"role": "admin"},
        (401, 204, 404, 404, 403, 404, 404, 204),
    ),
    # A member may leave a team by themselves; only its admins may remove others.
    (
        "DELETE",
        "/teams/{team}/members/{team_viewer_id}",
        None,
        (401, 204, 404, 404, 204, 404, 404, 204),
    ),
    ("GET", "/users?q=s", None, ANYONE_SIGNED_IN),
    # A deployed model is shared as the flow that deployed it ("iris": the shared flow); the
    # list answers everyone signed in, with only what they may see.
    ("GET", "/models", None, ANYONE_SIGNED_IN),
    ("GET", "/models/iris", None, VIEW),
    ("POST", "/models/iris/predict", {"rows": [IRIS_ROW]}, VIEW),
    ("GET", "/team-templates", None, ANYONE_SIGNED_IN),
    ("GET", "/templates", None, ANYONE_SIGNED_IN),
    ("GET", "/templates/iris-flowers", None, ANYONE_SIGNED_IN),
    ("POST", "/templates/iris-flowers/use", None, _created(ANYONE_SIGNED_IN)),
    ("GET", "/templates/{team_template}", None, IN_TEAM),
    ("POST", "/templates/{team_template}/use", None, _created(IN_TEAM)),
    ("GET", "/team-templates/{team_template}", None, IN_TEAM),
    # Its publisher, an admin of its team or a site admin may unpublish it.
    ("DELETE", "/team-templates/{team_template}", None, _gone(IN_TEAM)),
    # Publishing needs the flow in view and a place in the team; a new title is 201...
    (
        "POST",
        "/flows/{flow}/publish",
        {"team": "{team}", "title": "New", "task": "regression", "difficulty": "advanced"},
        _created(IN_TEAM),
    ),
    # ...and publishing an existing title again replaces that template (200).
    (
        "POST",
        "/flows/{flow}/publish",
        {"team": "{team}", "title": TEAM_TEMPLATE, "task": "other", "difficulty": "beginner"},
        IN_TEAM,
    ),
]
CELLS = [
    pytest.param(method, path, body, persona, status, id=f"{method} {path} as {persona}")
    for method, path, body, statuses in MATRIX
    for persona, status in zip(PERSONAS, statuses, strict=True)
]


def fill(template: Any, scene: Scene, team_template: str = "") -> Any:
    """``template`` with its placeholders replaced by the ids in ``scene``."""
    if isinstance(template, dict):
        return {key: fill(value, scene, team_template) for key, value in template.items()}
    if not isinstance(template, str):
        return template
    world, shared = scene.world, scene.shared
    return template.format(
        flow=shared.id,
        run=shared.run_id,
        link=shared.link_id,
        token=shared.link_token,
        team=world.viewers_team,
        viewer_id=world.viewer.id,
        team_viewer_id=world.team_viewer.id,
        team_template=team_template,
    )


def call(
    scene: Scene,
    persona: Persona,
    method: str,
    path: str,
    body: Any = None,
    team_template: str = "",
) -> Any:
    return scene.api.request(
        method,
        "/api/v1" + fill(path, scene, team_template),
        json=fill(body, scene, team_template),
        headers=scene.headers(persona),
    )


def publish_team_template(scene: Scene) -> str:
    """``TEAM_TEMPLATE``: the shared flow, published to the viewers' team by its member."""
    world = scene.world
    published = templates.publish_template(
        world.engine,
        world.team_viewer,
        scene.shared.id,
        world.viewers_team,
        title=TEAM_TEMPLATE,
        description="",
        task="classification",
        difficulty="beginner",
    )
    return published.id


@pytest.fixture(autouse=True)
def _models(deployed: Path) -> Path:
    """Every cell runs with some models deployed, for the model endpoints."""
    return deployed


@pytest.mark.parametrize(("method", "path", "body", "persona", "expected"), CELLS)
def test_who_may_call_what(
    scene: Scene,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    persona: Persona,
    expected: int,
) -> None:
    response = call(scene, persona, method, path, body, publish_team_template(scene))

    assert response.status_code != 500, response.text
    assert response.status_code == expected, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    if response.status_code == 204:
        assert response.content == b""


FLOW_ENDPOINTS = [(m, p, b) for m, p, b, _ in MATRIX if "{flow}" in p]


@pytest.mark.parametrize(("method", "path", "body"), FLOW_ENDPOINTS)
def test_a_stranger_cannot_tell_a_real_flow_from_a_made_up_one(
    scene: Scene, method: str, path: str, body: dict[str, Any] | None
) -> None:
    made_up = "0123456789abcdef0123456789abcdef"
    assert len(made_up) == len(scene.shared.id)

    real = call(scene, "stranger", method, path, body)
    invented = call(scene, "stranger", method, path.replace("{flow}", made_up), body)

    assert real.status_code == invented.status_code == 404
    assert real.content == invented.content
    assert same_headers(real, invented)
    assert scene.shared.id not in real.text


TEMPLATE_ENDPOINTS = [(m, p, b) for m, p, b, _ in MATRIX if "{team_template}" in p]


@pytest.mark.parametrize(("method", "path", "body"), TEMPLATE_ENDPOINTS)
def test_a_stranger_cannot_tell_a_real_team_template_from_a_made_up_one(
    scene: Scene, method: str, path: str, body: dict[str, Any] | None
) -> None:
    real_id = publish_team_template(scene)
    made_up = "0123456789abcdef0123456789abcdef"
    assert len(made_up) == len(real_id)

    real = call(scene, "stranger", method, path, body, real_id)
    invented = call(scene, "stranger", method, path, body, made_up)

    assert real.status_code == invented.status_code == 404
    assert real.content == invented.content
    assert same_headers(real, invented)
    assert real_id not in real.text


def test_a_stranger_cannot_tell_a_real_run_from_a_made_up_one(scene: Scene) -> None:
    made_up = "run-" + "f" * (len(scene.shared.run_id) - 4)

    real = call(scene, "stranger", "GET", "/runs/{run}")
    invented = call(scene, "stranger", "GET", f"/runs/{made_up}")

    assert real.status_code == invented.status_code == 404
    assert real.content == invented.content


def test_a_share_link_token_is_long_and_url_safe(scene: Scene) -> None:
    made = call(scene, "owner", "POST", "/flows/{flow}/links", {"days": 1}).json()

    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", made["token"])
    assert made["url"] == "http://testserver/links/" + made["token"]
    assert made["link"]["active"] is True
    opened = scene.api.get("/api/v1/links/" + made["token"])
    assert opened.status_code == 200
    assert opened.json()["id"] == scene.shared.id
    assert opened.json()["role"] == "viewer"
    listed = call(scene, "owner", "GET", "/flows/{flow}/links")
    assert made["token"] not in listed.text


def test_a_revoked_link_opens_nothing(scene: Scene) -> None:
    assert call(scene, "anonymous", "GET", "/links/{token}").status_code == 200

    revoked = call(scene, "owner", "DELETE", "/flows/{flow}/links/{link}")

    assert revoked.status_code == 204
    answer = call(scene, "anonymous", "GET", "/links/{token}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "link_not_valid"
    assert "revoked" in answer.json()["error"]["message"]


def test_an_expired_link_opens_nothing(scene: Scene) -> None:
    world = scene.world
    _, token = shares.create_link(
        world.engine, world.owner, scene.shared.id, timedelta(milliseconds=50)
    )
    time.sleep(0.1)

    answer = scene.api.get(f"/api/v1/links/{token}")

    assert answer.status_code == 404
    assert "expired" in answer.json()["error"]["message"]


@pytest.mark.parametrize("token", ["x", "A" * 43, "%00", "a" * 300, "%E2%80%AE", "%F0%9F%92%A9"])
def test_a_made_up_link_opens_nothing(scene: Scene, token: str) -> None:
    answer = scene.api.get(f"/api/v1/links/{token}")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "link_not_valid"


def same_headers(one: Any, other: Any) -> bool:
    """Whether two answers carry the same headers, but for their own request ids (random)."""

    def kept(answer: Any) -> dict[str, str]:
        return {k: v for k, v in answer.headers.items() if k.lower() != "x-request-id"}

    return kept(one) == kept(other)
