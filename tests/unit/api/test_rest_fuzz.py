"""The REST API's body, path and query parsers, fuzzed: no input may fail the server."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.fixtures.people import sample_flow
from tests.unit.api import Scene, scene, template

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


@FUZZ
@given(value=st.text(max_size=40) | st.sampled_from(["", "-", "--1", "1e3", "0x10", "٣", "9" * 40]))
def test_any_text_in_a_path_or_query_never_fails_the_server(scene: Scene, value: str) -> None:
    flow, text = scene.shared.id, quote(value, safe="")
    paths = [
        f"/flows/{text}",
        f"/flows/{flow}/versions/{text}",
        f"/flows/{flow}/diff?from=1&to={text}",
        f"/flows/{flow}/runs?limit={text}",
        f"/flows?scope={text}",
        f"/users?q={text}",
        f"/links/{text}",
        f"/runs/{text}",
        f"/teams/{text}/members",
    ]

    for path in paths:
        answer = scene.api.get(API + path, headers=scene.headers("owner"))
        assert answer.status_code < 500, (path, answer.text)
