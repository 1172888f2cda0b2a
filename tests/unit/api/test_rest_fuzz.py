"""The REST API's body, path and query parsers, fuzzed: no input may fail the server."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from httpx import Response
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from designer.store import templates
from tests.fixtures.people import sample_flow
from tests.unit.api import Persona, Scene, scene, template

__all__ = ["scene", "template"]

API = "/api/v1"
DOCUMENT = sample_flow("Shared flow", "load", "split", "train").model_dump(mode="json")


# --- fuzzing the bodies -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
flow_keys = st.sampled_from(
    ["schema_version", "name", "description", "params", "nodes", "edges", "id", "block",
     "position", "x", "y", "params", "label", "cache", "source", "target", "source_port",
     "target_port", "type", "default"]
)  # fmt: skip
flowish_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from([1, "load.sklearn_dataset", "integer", "seed", {"$param": "seed"}]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(flow_keys | st.text(max_size=5), children, max_size=6)
    ),
    max_leaves=30,
)
flowish = st.fixed_dictionaries(
    {"schema_version": st.sampled_from([1, 1, 1, 0, 2, "1", None])},
    optional={
        "name": st.text(max_size=210) | flowish_values,
        "description": st.text() | flowish_values,
        "nodes": st.lists(
            st.fixed_dictionaries(
                {"id": st.text(max_size=130), "block": st.text(max_size=20)},
                optional={"params": flowish_values, "position": flowish_values,
                          "label": flowish_values, "cache": flowish_values},
            ) | flowish_values,
            max_size=4,
        ) | flowish_values,
        "edges": flowish_values,
        "params": flowish_values,
    },
)  # fmt: skip

#: JSON any store can keep: finite numbers, text without NUL.
storable_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_characters="\x00"), max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
#: The sample document with a field or a node's parameters replaced: often a valid flow.
mutated = st.dictionaries(
    st.sampled_from(["name", "description", "params", "nodes", "edges"]),
    st.text(max_size=40) | flowish_values,
    max_size=2,
).map(lambda changes: {**DOCUMENT, **changes}) | st.dictionaries(
    st.text(max_size=8), storable_values, max_size=3
).map(lambda params: {**DOCUMENT, "nodes": [{**DOCUMENT["nodes"][0], "params": params}]})


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    body=st.binary(max_size=300)
    | json_values.map(_json_bytes)
    | flowish.map(_json_bytes)
    | mutated.map(_json_bytes)
)
def test_posting_any_bytes_as_a_flow_never_fails_the_server(scene: Scene, body: bytes) -> None:
    answer = scene.api.post(
        f"{API}/flows",
        content=body,
        headers={**scene.headers("owner"), "Content-Type": "application/json"},
    )

    event(f"answered {answer.status_code}")
    assert answer.status_code in (201, 400, 413, 422), answer.text
    if answer.status_code == 201:
        opened = scene.api.get(answer.headers["location"], headers=scene.headers("owner"))
        assert opened.status_code == 200, opened.text


envelopes = st.fixed_dictionaries(
    {
        "flow": flowish | mutated | mutated,
        "base_version": st.sampled_from([None, "2", True, 2.0, -1, 1] + ["LATEST"] * 6),
    },
    optional={"message": st.text(max_size=20) | json_values},
).map(_json_bytes)


@FUZZ
@given(body=st.binary(max_size=300) | json_values.map(_json_bytes) | envelopes | envelopes)
def test_putting_any_bytes_as_a_version_never_fails_the_server(scene: Scene, body: bytes) -> None:
    flow = f"{API}/flows/{scene.shared.id}"
    current = scene.api.get(flow, headers=scene.headers("editor")).json()["version"]
    body = body.replace(b'"LATEST"', str(current).encode())

    answer = scene.api.put(
        flow, content=body, headers={**scene.headers("editor"), "Content-Type": "application/json"}
    )

    event(f"answered {answer.status_code}")
    assert answer.status_code in (200, 400, 409, 413, 422), answer.text
    reopened = scene.api.get(flow, headers=scene.headers("viewer"))
    assert reopened.status_code == 200, reopened.text
    assert scene.api.get(f"{flow}/versions", headers=scene.headers("viewer")).status_code == 200


#: A team template's id in a fuzzed path or body, replaced by a real one before the request.
TEAM_TEMPLATE = "TEAM-TEMPLATE"
#: The team in a fuzzed publish body, replaced by the personas' viewers team before the request.
VIEWERS = "VIEWERS"
#: Every endpoint that reads text from its path or query string: ``{text}`` is the fuzzed
#: value, ``{flow}`` the shared flow. A body is sent with the viewers team added (publishing
#: needs a good one to get as far as the flow id).
TEXT_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/flows/{text}", None),
    ("GET", "/flows/{flow}/versions/{text}", None),
    ("GET", "/flows/{flow}/diff?from=1&to={text}", None),
    ("GET", "/flows/{flow}/runs?limit={text}", None),
    ("GET", "/flows?scope={text}", None),
    ("GET", "/users?q={text}", None),
    ("GET", "/links/{text}", None),
    ("GET", "/runs/{text}", None),
    ("GET", "/teams/{text}/members", None),
    ("GET", "/templates/{text}", None),
    ("POST", "/templates/{text}/use", None),
    ("GET", "/team-templates/{text}", None),
    ("POST", "/flows/{text}/publish", {"title": "Fuzzed", "task": "other",
                                        "difficulty": "beginner"}),
    ("DELETE", "/team-templates/{text}", None),
]  # fmt: skip
path_texts = st.text(max_size=40) | st.sampled_from(
    ["", "-", "--1", "1e3", "0x10", "٣", "9" * 40, "iris-flowers", TEAM_TEMPLATE, "a" * 32,
     "../", "..", "x/", "/", "%2F"]
)  # fmt: skip


def published_template(scene: Scene) -> str:
    """The id of a team template of the viewers team (published again if a test deleted it)."""
    world = scene.world
    return templates.publish_template(
        world.engine, world.owner, scene.shared.id, world.viewers_team,
        title="Fuzz target", description="", task="other", difficulty="beginner",
    ).id  # fmt: skip


def assert_answered(answer: Response, what: object) -> None:
    """Never a server error nor a redirect, and every client error is a JSON body that says
    what is wrong."""
    assert answer.status_code < 500, (what, answer.text)
    assert not 300 <= answer.status_code < 400, (what, answer.headers.get("location"))
    if answer.status_code >= 400:
        error = answer.json()["error"]
        assert isinstance(error["code"], str) and error["code"], (what, answer.text)
        assert isinstance(error["message"], str) and error["message"], (what, answer.text)


@FUZZ
@given(value=path_texts)
def test_any_text_in_a_path_or_query_never_fails_the_server(scene: Scene, value: str) -> None:
    if value == TEAM_TEMPLATE:
        value = published_template(scene)
    text = quote(value, safe="")

    for method, path, body in TEXT_ENDPOINTS:
        url = API + path.format(text=text, flow=scene.shared.id)
        if body is not None:
            body = {**body, "team": scene.world.viewers_team}
        answer = scene.api.request(method, url, json=body, headers=scene.headers("owner"))
        assert_answered(answer, (method, url))


def test_a_line_feed_in_a_path_is_answered_in_json(scene: Scene) -> None:
    answer = scene.api.get(f"{API}/team-templates/a%0Ab", headers=scene.headers("owner"))
    assert_answered(answer, "a line feed")


@pytest.mark.parametrize(
    "path",
    ["/team-templates/..%2F", "/team-templates/..%2f", "/team-templates/", "/flows/", "/",
     "", "/flows/x%2F", "/%2E%2E/", "/..%2F..%2Fsignin"],
)  # fmt: skip
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_every_path_under_the_api_is_answered_in_json_never_redirected(
    scene: Scene, method: str, path: str
) -> None:
    answer = scene.api.request(
        method, API + path, headers=scene.headers("owner"), follow_redirects=False
    )

    assert answer.status_code in (404, 405), (answer.status_code, answer.headers)
    assert_answered(answer, path)


#: A publish request the store accepts, and what may replace its fields: a good value for
#: another field, text, or anything JSON can hold (null reads as missing).
GOOD_PUBLISH = {
    "team": VIEWERS,
    "title": "Iris starter",
    "description": "Sort iris flowers into species.",
    "task": "classification",
    "difficulty": "beginner",
}
field_values = (
    st.sampled_from(
        [VIEWERS, "", " Padded ", "x" * 300, "Two\nlines", "\x00", "Other", "expert",
         *templates.TASKS, *templates.DIFFICULTIES]
    )
    | st.text(max_size=70)
    | json_values
)  # fmt: skip
publish_bodies = (
    st.dictionaries(st.sampled_from(list(GOOD_PUBLISH)), field_values, max_size=2)
    .map(lambda changes: {**GOOD_PUBLISH, **changes})
    .map(_json_bytes)
)


@FUZZ
@given(
    body=st.binary(max_size=300) | json_values.map(_json_bytes) | publish_bodies | publish_bodies,
    persona=st.sampled_from(["team_viewer", "team_viewer", "owner", "stranger", "anonymous"]),
)
def test_publishing_any_bytes_never_fails_the_server(
    scene: Scene, body: bytes, persona: Persona
) -> None:
    team = json.dumps(scene.world.viewers_team).encode()
    body = body.replace(json.dumps(VIEWERS).encode(), team)

    answer = scene.api.post(
        f"{API}/flows/{scene.shared.id}/publish",
        content=body,
        headers={**scene.headers(persona), "Content-Type": "application/json"},
    )

    assert_answered(answer, body)
    event(f"answered {answer.status_code}")
    if answer.status_code >= 400:
        event(f"error {answer.json()['error']['code']}")
    if answer.status_code in (200, 201):
        opened = scene.api.get(answer.headers["location"], headers=scene.headers(persona))
        assert opened.status_code == 200, opened.text
