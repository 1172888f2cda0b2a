"""Who may call which REST endpoint: every endpoint by every persona → the HTTP status.

The personas are those of ``tests/fixtures/people.py``: each cell starts from a fresh database
with the standard shared flow, signs the persona in with a real session (``Authorization:
Bearer``) and calls the endpoint once. The store is real; nothing is mocked.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest

from designer.store import shares
from tests.fixtures.people import SHARED_FLOW_VERSION, sample_flow
from tests.unit.api import OWNER_PASSWORD, PERSONAS, Persona, Scene, scene, template

__all__ = ["scene", "template"]

NEXT_DOCUMENT = sample_flow("Shared flow", "load", "split", "train").model_dump(mode="json")

# Statuses in the order of PERSONAS:
#       anonymous owner editor viewer team_viewer team_editor stranger admin
ANYONE_SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 200)
VIEW = (401, 200, 200, 200, 200, 200, 404, 200)
EDIT = (401, 200, 200, 403, 403, 200, 404, 200)
OWN = (401, 200, 403, 403, 403, 403, 404, 200)


def _created(codes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(201 if code == 200 else code for code in codes)


def _gone(codes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(204 if code == 200 else code for code in codes)


#: The one table: (method, path, JSON body or None, statuses in the order of PERSONAS).
#: Placeholders: {flow} {run} {link} {token} {team} (the viewers' team), {viewer_id},
#: {team_viewer_id} (a member of {team}).
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
]
CELLS = [
    pytest.param(method, path, body, persona, status, id=f"{method} {path} as {persona}")
    for method, path, body, statuses in MATRIX
    for persona, status in zip(PERSONAS, statuses, strict=True)
]


def fill(template: Any, scene: Scene) -> Any:
    """``template`` with its placeholders replaced by the ids in ``scene``."""
    if isinstance(template, dict):
        return {key: fill(value, scene) for key, value in template.items()}
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
    )


def call(scene: Scene, persona: Persona, method: str, path: str, body: Any = None) -> Any:
    return scene.api.request(
        method,
        "/api/v1" + fill(path, scene),
        json=fill(body, scene),
        headers=scene.headers(persona),
    )


@pytest.mark.parametrize(("method", "path", "body", "persona", "expected"), CELLS)
def test_who_may_call_what(
    scene: Scene,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    persona: Persona,
    expected: int,
) -> None:
    response = call(scene, persona, method, path, body)

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
    assert dict(real.headers) == dict(invented.headers)
    assert scene.shared.id not in real.text


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
