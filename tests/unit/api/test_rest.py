"""The REST API end to end: what each endpoint answers, its errors, and bad input of every kind.

Most tests use a copy of the template SQLite database (``scene``); a handful run on PostgreSQL
as well (``database``), since the two differ in what text they can store and how they lock.
The body parsers are fuzzed with hypothesis in test_rest_fuzz.py.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from designer.api import rest_flows
from designer.runs.record import NodeRun, RunRecord, Status
from designer.store import runs
from tests.fixtures.databases import postgres_database
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.people import SHARED_FLOW_VERSION, sample_flow
from tests.unit.api import (
    OWNER_PASSWORD,
    Scene,
    World,
    bearer,
    client_for,
    error_of,
    populate,
    scene,
    template,
)

__all__ = ["scene", "template"]

API = "/api/v1"
DOCUMENT = sample_flow("Shared flow", "load", "split", "train").model_dump(mode="json")


@pytest.fixture(scope="module")
def postgres_world() -> Iterator[tuple[str, World]]:
    """One PostgreSQL database with the personas for this module's tests on PostgreSQL.

    Creating a PostgreSQL database and its schema takes seconds, so they share it; each test
    gets a shared flow of its own (see ``database``).
    """
    with postgres_database() as url:
        world, _ = populate(url)
        yield url, world


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Scene:
    """Like ``scene``, on each kind of database the store supports."""
    if request.param == "sqlite":
        scene: Scene = request.getfixturevalue("scene")
        return scene
    url, world = request.getfixturevalue("postgres_world")
    return Scene(client_for(monkeypatch, url), url, world, world.shared_flow())


# --- on SQLite and PostgreSQL -------------------------------------------------------------------


def test_a_script_signs_in_and_works_on_a_flow(database: Scene) -> None:
    api = database.api
    signed = api.post(f"{API}/session", json={"username": "owner", "password": OWNER_PASSWORD})
    assert signed.status_code == 200
    assert signed.json()["user"]["username"] == "owner"
    auth = bearer(signed.json()["token"])
    api.cookies.clear()  # from here on, only the bearer token signs the requests in
    assert api.get(f"{API}/me", headers=auth).json()["display_name"] == "Olive Owner"

    created = api.post(f"{API}/flows", json={"name": "Scripted"}, headers=auth)
    assert created.status_code == 201
    flow = created.json()
    assert created.headers["location"] == f"{API}/flows/{flow['id']}"
    assert (flow["version"], flow["role"], flow["owner"]) == (1, "owner", "Olive Owner")
    assert flow["created_at"].endswith("+00:00")

    document = {**DOCUMENT, "name": "Scripted"}
    body = {"flow": document, "base_version": 1, "message": "three blocks"}
    saved = api.put(f"{API}/flows/{flow['id']}", json=body, headers=auth)
    assert saved.json() == {"version": 2, "created": True}
    again = api.put(f"{API}/flows/{flow['id']}", json={**body, "base_version": 2}, headers=auth)
    assert again.json() == {"version": 2, "created": False}

    opened = api.get(f"{API}/flows/{flow['id']}", headers=auth).json()
    assert opened["flow"] == document
    assert (opened["version"], opened["base_version"], opened["saved"]) == (2, 2, True)
    history = api.get(f"{API}/flows/{flow['id']}/versions", headers=auth).json()["versions"]
    assert [(v["number"], v["message"], v["author"]) for v in history] == [
        (2, "three blocks", "Olive Owner"),
        (1, "Created", "Olive Owner"),
    ]
    diff = api.get(f"{API}/flows/{flow['id']}/diff?from=1&to=2", headers=auth).json()
    assert diff["counts"]["nodes_added"] == 3
    assert "Added block 'load' (load.sklearn_dataset)" in diff["lines"]

    renamed = api.patch(f"{API}/flows/{flow['id']}", json={"name": "Renamed"}, headers=auth)
    assert renamed.json() == {"version": 3, "name": "Renamed"}
    restored = api.post(f"{API}/flows/{flow['id']}/versions/1/restore", headers=auth)
    assert restored.json() == {"version": 4, "restored": 1}
    old = api.get(f"{API}/flows/{flow['id']}/versions/2", headers=auth).json()
    assert old == {"number": 2, "flow": document}

    copy = api.post(f"{API}/flows/{flow['id']}/duplicate", json={"name": "Mine"}, headers=auth)
    assert copy.status_code == 201
    assert copy.json()["flow"]["name"] == "Mine"
    mine = api.get(f"{API}/flows?scope=mine", headers=auth).json()["flows"]
    assert {f["name"] for f in mine} >= {"Scripted", "Mine", "Shared flow"}

    assert api.delete(f"{API}/flows/{flow['id']}", headers=auth).status_code == 204
    gone = api.get(f"{API}/flows/{flow['id']}", headers=auth)
    assert error_of(gone)["code"] == "flow_not_found"

    assert api.delete(f"{API}/session", headers=auth).status_code == 204
    assert error_of(api.get(f"{API}/me", headers=auth))["code"] == "sign_in_required"


def test_a_save_over_a_newer_version_is_a_conflict_that_names_it(database: Scene) -> None:
    api, flow_id = database.api, database.shared.id
    body = {"flow": DOCUMENT, "base_version": SHARED_FLOW_VERSION}
    first = api.put(f"{API}/flows/{flow_id}", json=body, headers=database.headers("editor"))
    assert first.json()["version"] == SHARED_FLOW_VERSION + 1

    changed = {**DOCUMENT, "description": "mine"}
    late = api.put(
        f"{API}/flows/{flow_id}", json={**body, "flow": changed}, headers=database.headers("owner")
    )

    assert late.status_code == 409
    error = error_of(late)
    assert error["code"] == "version_conflict"
    assert error["base_version"] == SHARED_FLOW_VERSION
    assert error["latest"]["number"] == SHARED_FLOW_VERSION + 1
    assert error["latest"]["author"] == "Eddie Editor"
    assert error["latest"]["created_at"].endswith("+00:00")
    assert "Eddie Editor saved version 3" in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/flows/%00", "flow_not_found"),
        ("GET", "/flows/ab%00cd/versions", "flow_not_found"),
        ("GET", "/runs/%00", "run_not_found"),
        ("GET", "/links/%00", "link_not_valid"),
        ("GET", "/teams/%00/members", "team_not_found"),
        ("GET", "/flows?scope=%00", "invalid_request"),
        ("GET", "/users?q=%00", "invalid_request"),
        ("DELETE", "/flows/{flow}/access/user/%00", "invalid_request"),
    ],
)
def test_text_no_database_can_keep_is_refused_not_a_crash(
    database: Scene, method: str, path: str, code: str
) -> None:
    path = path.format(flow=database.shared.id)
    answer = database.api.request(method, API + path, headers=database.headers("owner"))

    assert error_of(answer)["code"] == code


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/teams", {"name": "nul\u0000team"}),
        ("/flows", {"name": "nul\u0000flow"}),
        ("/flows", {**DOCUMENT, "description": "\ud800"}),
        ("/session", {"username": "owner\u0000", "password": "x"}),
    ],
)
def test_json_with_unstorable_text_is_a_bad_request(
    database: Scene, path: str, body: dict[str, Any]
) -> None:
    raw = json.dumps(body)  # keeps \u0000 and \ud800 as escapes, which JSON allows
    answer = database.api.post(
        API + path,
        content=raw,
        headers={**database.headers("owner"), "Content-Type": "application/json"},
    )

    assert answer.status_code == 400
    assert error_of(answer)["code"] == "malformed_json"


# --- on SQLite ----------------------------------------------------------------------------------


def test_a_whole_flow_document_can_be_posted(scene: Scene) -> None:
    document = fixture_flow("iris_classification")

    created = scene.api.post(f"{API}/flows", json=document, headers=scene.headers("viewer"))

    assert created.status_code == 201
    opened = scene.api.get(created.headers["location"], headers=scene.headers("viewer")).json()
    assert opened["flow"]["nodes"] == created.json()["flow"]["nodes"]
    assert [n["id"] for n in opened["flow"]["nodes"]] == [n["id"] for n in document["nodes"]]


def test_a_broken_flow_document_is_refused_with_every_problem(scene: Scene) -> None:
    document = fixture_flow("iris_classification")
    document["nodes"][1]["position"] = {"x": "left"}
    document["nodes"][2]["colour"] = "red"

    answer = scene.api.post(f"{API}/flows", json=document, headers=scene.headers("owner"))

    assert answer.status_code == 422
    error = error_of(answer)
    assert error["code"] == "invalid_flow"
    assert len(error["problems"]) == 2
    assert {p["node"] for p in error["problems"]} == {"split", "train"}
    assert "nodes[1].position.x" in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("PUT", "/flows/{flow}", {"flow": DOCUMENT}, "invalid_request"),
        ("PUT", "/flows/{flow}", {"flow": DOCUMENT, "base_version": "2"}, "invalid_request"),
        ("PUT", "/flows/{flow}", {"flow": DOCUMENT, "base_version": True}, "invalid_request"),
        ("PUT", "/flows/{flow}", {"flow": DOCUMENT, "base_version": 2.5}, "invalid_request"),
        ("PUT", "/flows/{flow}", {"flow": [], "base_version": 2}, "invalid_flow"),
        ("PUT", "/flows/{flow}", {"flow": {"name": "x"}, "base_version": 2}, "invalid_flow"),
        ("PUT", "/flows/{flow}", {"flow": {**DOCUMENT, "name": "a\nb"}, "base_version": 2},
         "invalid_flow_name"),
        ("PUT", "/flows/{flow}", {"flow": DOCUMENT, "base_version": 2, "message": 7},
         "invalid_request"),
        ("PATCH", "/flows/{flow}", {}, "invalid_request"),
        ("PATCH", "/flows/{flow}", {"name": ""}, "invalid_flow_name"),
        ("PATCH", "/flows/{flow}", {"name": "x" * 201}, "invalid_flow_name"),
        ("PATCH", "/flows/{flow}", {"name": ["x"]}, "invalid_request"),
        ("POST", "/flows", {"name": 3}, "invalid_request"),
        ("POST", "/flows", {"nmae": "typo"}, "invalid_request"),
        ("POST", "/flows", {"name": "tab\there"}, "invalid_flow_name"),
        ("POST", "/flows/{flow}/duplicate", {"name": ""}, "invalid_flow_name"),
        ("GET", "/flows/{flow}/versions/one", None, "invalid_request"),
        ("GET", "/flows/{flow}/versions/--1", None, "invalid_request"),
        ("GET", "/flows/{flow}/versions/%C2%B2", None, "invalid_request"),
        ("GET", "/flows/{flow}/versions/99", None, "version_not_found"),
        ("POST", "/flows/{flow}/versions/1e3/restore", None, "invalid_request"),
        ("GET", "/flows/{flow}/diff?from=1", None, "invalid_request"),
        ("GET", "/flows/{flow}/diff?from=1&to=x", None, "invalid_request"),
        ("GET", "/flows/{flow}/diff?from=1&to=99999999999999999999", None, "invalid_request"),
        ("GET", "/flows/{flow}/runs?limit=0", None, "invalid_request"),
        ("GET", "/flows/{flow}/runs?limit=-1", None, "invalid_request"),
        ("PUT", "/flows/{flow}/access", {"role": "viewer"}, "invalid_request"),
        ("PUT", "/flows/{flow}/access", {"user": "editor", "team": "t", "role": "viewer"},
         "invalid_request"),
        ("PUT", "/flows/{flow}/access", {"user": "editor", "role": "owner"}, "invalid_request"),
        ("PUT", "/flows/{flow}/access", {"user": "nobody-here", "role": "viewer"},
         "user_not_found"),
        ("PUT", "/flows/{flow}/access", {"team": "nope", "role": "viewer"}, "team_not_found"),
        ("DELETE", "/flows/{flow}/access/group/x", None, "no_such_endpoint"),
        ("POST", "/flows/{flow}/links", {"days": 0}, "invalid_request"),
        ("POST", "/flows/{flow}/links", {"days": 366}, "invalid_request"),
        ("POST", "/flows/{flow}/links", {"days": "7"}, "invalid_request"),
        ("DELETE", "/flows/{flow}/links/nope", None, "link_not_valid"),
        ("POST", "/teams", {"name": "   "}, "invalid_team"),
        ("POST", "/teams", {"name": "Viewers"}, "invalid_team"),
        ("POST", "/teams/{team}/members", {"username": "editor", "role": "boss"},
         "invalid_request"),
        ("POST", "/teams/{team}/members", {"username": "team-viewer"}, "invalid_team"),
        ("PATCH", "/teams/{team}/members/{owner_id}", {"role": "member"}, "invalid_team"),
        ("DELETE", "/teams/{team}/members/nobody", None, "invalid_team"),
        ("GET", "/users?q=s&limit=lots", None, "invalid_request"),
        ("POST", "/session", {"username": "owner"}, "invalid_request"),
        ("POST", "/session", {"username": "owner", "password": "wrong"}, "sign_in_failed"),
    ],
)  # fmt: skip
def test_bad_values_are_answered_with_what_is_wrong(
    scene: Scene, method: str, path: str, body: dict[str, Any] | None, code: str
) -> None:
    world = scene.world
    path = path.format(flow=scene.shared.id, team=world.viewers_team, owner_id=world.owner.id)

    answer = scene.api.request(method, API + path, json=body, headers=scene.headers("owner"))

    assert 400 <= answer.status_code < 500
    assert error_of(answer)["code"] == code


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{", "application/json", 400, "malformed_json"),
        (b"[1, 2]", "application/json", 400, "bad_request"),
        (b'"name"', "application/json", 400, "bad_request"),
        (b"\xff\xfe{}", "application/json", 400, "malformed_json"),
        (b'{"name": NaN}', "application/json", 400, "malformed_json"),
        (b'{"name": 1e999}', "application/json", 400, "malformed_json"),
        (b'{"n": ' + b"9" * 5000 + b"}", "application/json", 400, "malformed_json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 413, "too_large"),
        (b"[" * 100 + b"]" * 100, "application/json", 400, "malformed_json"),
        (b'{"name": "x"}', "text/plain", 415, "unsupported_media_type"),
        (b"name=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"", "application/json", 400, "no_body"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    scene: Scene, body: bytes, content_type: str, status: int, code: str
) -> None:
    answer = scene.api.post(
        f"{API}/teams",
        content=body,
        headers={**scene.headers("owner"), "Content-Type": content_type},
    )

    assert answer.status_code == status
    assert error_of(answer)["code"] == code


def test_bodies_are_limited_in_size(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rest_flows, "MAX_FLOW_BODY_BYTES", 2000)
    big = {**DOCUMENT, "description": "x" * 3000}
    headers = scene.headers("owner")

    posted = scene.api.post(f"{API}/flows", json=big, headers=headers)
    put = scene.api.put(
        f"{API}/flows/{scene.shared.id}", json={"flow": big, "base_version": 2}, headers=headers
    )
    renamed = scene.api.patch(
        f"{API}/flows/{scene.shared.id}", json={"name": "x" * 70_000}, headers=headers
    )

    for answer in (posted, put, renamed):
        assert answer.status_code == 413
        assert error_of(answer)["code"] == "too_large"


def test_an_unknown_endpoint_or_method_is_a_json_error(scene: Scene) -> None:
    missing = scene.api.get(f"{API}/nothing/here")
    wrong = scene.api.post(f"{API}/flows/{scene.shared.id}/versions")

    assert (missing.status_code, error_of(missing)["code"]) == (404, "no_such_endpoint")
    assert (wrong.status_code, error_of(wrong)["code"]) == (405, "method_not_allowed")
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD"}
    everything = scene.api.request("OPTIONS", f"{API}/flows/{scene.shared.id}")
    assert everything.status_code == 405
    assert set(everything.headers["allow"].split(", ")) == {
        "GET", "HEAD", "PUT", "PATCH", "DELETE"
    }  # fmt: skip


def test_too_many_failed_sign_ins_are_answered_429_with_when_to_retry(scene: Scene) -> None:
    wrong = {"username": "owner", "password": "not the password"}
    answers = [scene.api.post(f"{API}/session", json=wrong) for _ in range(6)]

    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert "wait" in error_of(answers[-1])["message"]
    right = {"username": "owner", "password": OWNER_PASSWORD}
    assert scene.api.post(f"{API}/session", json=right).status_code == 429


#: A database URL, what no client may be told of it, and what the operator's log says.
UNREACHABLE_DATABASES = {
    "postgresql, nothing listening": (
        "postgresql://secretuser:pw@127.0.0.1:1/secretdb?connect_timeout=2",
        ["secretuser", "127.0.0.1", "secretdb", ":pw@"],
        "postgresql://secretuser:***@127.0.0.1:1/secretdb",
    ),
    "sqlite, no such folder": (
        "sqlite:////proc/no-such-folder/secretdb.db",
        ["no-such-folder", "secretdb"],
        "/proc/no-such-folder",
    ),
    "a malformed URL": ("secretdb-not-a-url", ["secretdb"], "not one SQLAlchemy understands"),
}


@pytest.mark.parametrize(
    ("url", "secrets", "logged"), UNREACHABLE_DATABASES.values(), ids=UNREACHABLE_DATABASES.keys()
)
def test_an_unreachable_database_is_503_saying_nothing_of_where_it_is(
    url: str,
    secrets: list[str],
    logged: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = client_for(monkeypatch, url)

    answers = [
        api.get(f"{API}/flows", headers=bearer("some-token")),
        api.get(f"{API}/flows"),
        api.post(f"{API}/session", json={"username": "a", "password": "b"}),
    ]
    form = api.post(
        "/auth/sign-in", data={"username": "a", "password": "b"}, follow_redirects=False
    )

    for answer in answers:
        assert answer.status_code == 503
        error = error_of(answer)
        assert error["code"] == "store_unavailable"
        assert error["message"].startswith("the database is unreachable just now")
        assert not [secret for secret in secrets if secret in answer.text]
        assert answer.headers["retry-after"]
    assert "unreachable" in unquote(form.headers["location"])
    assert not [secret for secret in secrets if secret in unquote(form.headers["location"])]
    # The operator finds where and why in the log (never the password).
    assert logged in caplog.text and ":pw@" not in caplog.text


def test_the_session_cookie_signs_a_browser_in(scene: Scene) -> None:
    signed = scene.api.post(
        f"{API}/session", json={"username": "OWNER", "password": OWNER_PASSWORD}
    )

    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"designer_session={signed.json()['token']};")
    for flag in ("HttpOnly", "Path=/", "SameSite=lax", "Max-Age=604800"):
        assert flag in cookie
    assert "Secure" not in cookie
    assert scene.api.get(f"{API}/me").json()["username"] == "owner"


def test_a_cookie_request_from_another_site_may_read_but_not_change(scene: Scene) -> None:
    api = scene.api
    api.cookies.set("designer_session", scene.token("owner") or "")
    flow = f"{API}/flows/{scene.shared.id}"
    evil = {"Origin": "https://evil.example"}

    assert api.get(flow, headers=evil).status_code == 200
    refused = api.patch(flow, json={"name": "pwned"}, headers=evil)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "cross_origin")
    assert api.delete(flow, headers=evil).status_code == 403
    assert api.patch(flow, json={"name": "ok"}, headers={"Origin": "http://testserver"}).is_success
    # A page may add an Authorization header of its own; the cookie still comes along.
    with_header = {**evil, "Authorization": "Bearer not-a-token"}
    assert api.patch(flow, json={"name": "pwned"}, headers=with_header).status_code == 403
    api.cookies.clear()  # a script with a token and no cookie is no browser acting for someone
    token_only = {**evil, **scene.headers("owner")}
    assert api.patch(flow, json={"name": "scripted"}, headers=token_only).is_success


def test_a_run_record_is_plain_json_even_with_a_nan_metric(scene: Scene) -> None:
    record = RunRecord(
        run_id="run-nan",
        flow_name="Shared flow",
        engine="local",
        status=Status.SUCCEEDED,
        started_at=time.time(),
        nodes={"train": NodeRun(status=Status.SUCCEEDED, metrics={"loss": math.nan})},
    )
    runs.record_run(scene.world.engine, scene.shared.id, 2, record, scene.world.owner.id)

    listed = scene.api.get(f"{API}/flows/{scene.shared.id}/runs", headers=scene.headers("viewer"))
    one = scene.api.get(f"{API}/runs/run-nan", headers=scene.headers("viewer"))

    assert listed.json()["runs"][0]["id"] == "run-nan"
    assert one.json()["nodes"]["train"]["metrics"] == {"loss": None}
    assert one.json()["status"] == "succeeded"


def test_sharing_through_the_api(scene: Scene) -> None:
    api, world, flow = scene.api, scene.world, f"{API}/flows/{scene.shared.id}"
    owner = scene.headers("owner")

    found = api.get(f"{API}/users?q=st", headers=owner).json()["users"]
    assert [u["username"] for u in found] == ["stranger"]
    assert api.get(f"{API}/users?q=", headers=owner).json() == {"users": []}
    shared = api.put(f"{flow}/access", json={"user": "Stranger", "role": "editor"}, headers=owner)
    assert shared.json() == {
        "kind": "user",
        "id": world.stranger.id,
        "name": "Stan Stranger",
        "detail": "stranger",
        "role": "editor",
    }
    access = api.get(f"{flow}/access", headers=scene.headers("stranger")).json()["access"]
    assert access[0] == {
        "kind": "owner",
        "id": world.owner.id,
        "name": "Olive Owner",
        "detail": "owner",
        "role": "owner",
    }
    theirs = api.get(f"{API}/flows?scope=shared", headers=scene.headers("stranger")).json()
    assert [(f["id"], f["role"]) for f in theirs["flows"]] == [(scene.shared.id, "editor")]

    removed = api.delete(f"{flow}/access/user/{world.stranger.id}", headers=owner)
    assert removed.status_code == 204
    assert api.get(flow, headers=scene.headers("stranger")).status_code == 404


def test_teams_through_the_api(scene: Scene) -> None:
    api, world = scene.api, scene.world
    stranger = scene.headers("stranger")

    team = api.post(f"{API}/teams", json={"name": "  Night   shift "}, headers=stranger).json()
    assert (team["name"], team["role"], team["member_count"]) == ("Night shift", "admin", 1)
    members = f"{API}/teams/{team['id']}/members"
    added = api.post(members, json={"username": "viewer", "role": "admin"}, headers=stranger)
    assert added.status_code == 201
    assert added.json() == {
        "user_id": world.viewer.id,
        "username": "viewer",
        "display_name": "Vera Viewer",
        "role": "admin",
    }
    demoted = api.patch(f"{members}/{world.stranger.id}", json={"role": "member"}, headers=stranger)
    assert demoted.status_code == 204
    listed = api.get(members, headers=scene.headers("viewer")).json()["members"]
    assert [(m["username"], m["role"]) for m in listed] == [
        ("viewer", "admin"),
        ("stranger", "member"),
    ]
    assert api.delete(f"{members}/{world.stranger.id}", headers=stranger).status_code == 204
    mine = api.get(f"{API}/teams", headers=stranger).json()
    assert mine == {"teams": []}


def test_a_team_you_are_not_in_is_listed_as_no_such_team(scene: Scene) -> None:
    """docs/api.md: to someone outside it, a team is 404, exactly like one that does not exist."""
    api, team = scene.api, scene.world.viewers_team

    outside = api.get(f"{API}/flows?scope={team}", headers=scene.headers("stranger"))
    invented = api.get(f"{API}/flows?scope={'0' * 32}", headers=scene.headers("stranger"))
    member = api.get(f"{API}/flows?scope={team}", headers=scene.headers("team_viewer"))

    assert (outside.status_code, error_of(outside)["code"]) == (404, "team_not_found")
    assert invented.status_code == 404
    assert error_of(outside)["message"].replace(team, "ID") == error_of(invented)[
        "message"
    ].replace("0" * 32, "ID")
    assert [flow["id"] for flow in member.json()["flows"]] == [scene.shared.id]
