"""The OpenAPI document: it names exactly the routes the API serves, and the running app keeps
to it (schemathesis generates requests from it, in process, and checks every answer).
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode, checks
from starlette.routing import Route

from designer.api.app import build_app
from designer.api.openapi import openapi_document
from designer.api.openapi_paths import OPERATIONS
from designer.api.rest import api_router
from tests.unit.api import Scene, scene, template

__all__ = ["scene", "template"]

API = "/api/v1"
#: Examples schemathesis generates per operation: enough to reach the errors of each parameter,
#: few enough for the whole file to take well under a minute.
EXAMPLES = 6
#: Changes schemathesis may send with the owner's token: checks, compiles, starts and reruns of
#: made-up or real ids, new flows and teams. Not signing out (the token must last the test)
#: and nothing that deletes.
FUZZED_CHANGES = {
    ("POST", "/session"),
    ("POST", "/flows"),
    ("POST", "/teams"),
    ("POST", "/flows/{flow_id}/validate"),
    ("POST", "/flows/{flow_id}/compile"),
    ("POST", "/flows/{flow_id}/runs"),
    ("POST", "/runs/{run_id}/cancel"),
    ("POST", "/runs/{run_id}/rerun"),
    ("POST", "/models/{name}/predict"),
}


def served_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the API's router serves (HEAD goes with GET)."""
    found = set()
    for route in api_router().routes:
        assert isinstance(route, Route)
        path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)  # {node_id:path} is {node_id}
        found |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return found


def documented() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    served, described = served_routes(), documented()

    assert served - described == set(), "routes without an OpenAPI entry"
    assert described - served == set(), "OpenAPI entries without a route"
    assert len(OPERATIONS) == len(described), "an operation is listed twice"


def test_the_document_is_served_to_anyone(scene: Scene) -> None:
    answer = scene.api.get(f"{API}/openapi.json")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    document = answer.json()
    assert document == openapi_document()
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": API}]
    start = document["paths"]["/flows/{flow_id}/runs"]["post"]
    assert {"201", "400", "403", "404"} <= set(start["responses"])


def test_every_operation_loads_and_names_only_defined_schemas() -> None:
    schema = schemathesis.openapi.from_dict(openapi_document())
    names = set(openapi_document()["components"]["schemas"])

    operations = list(schema.get_all_operations())

    assert len(operations) == len(OPERATIONS)
    for result in operations:
        result.ok()  # raises on an operation schemathesis cannot read
    refs = set(re.findall(r"#/components/schemas/(\w+)", str(openapi_document())))
    assert refs <= names


def _selected(context: Any) -> bool:
    operation = context.operation
    return (
        operation.method.upper() == "GET"
        or (
            operation.method.upper(),
            operation.path,
        )
        in FUZZED_CHANGES
    )


#: The document as the app serves it, loaded by schemathesis from the app itself (no server,
#: no port). The app reads its settings on each request, so its requests reach the database of
#: the test's ``scene``.
SERVED = schemathesis.openapi.from_asgi(f"{API}/openapi.json", build_app())
SERVED.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    deterministic=True,
)


@SERVED.include(_selected).parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_app_keeps_to_its_document(case: Any, scene: Scene) -> None:
    """Every answer has a documented status and content type, matches its schema, and no
    request fails the server. Values the document allows may still be refused (422): the store
    decides which names and texts it keeps, with a message that says why."""
    case.call_and_validate(
        headers=scene.headers("owner"), excluded_checks=[checks.positive_data_acceptance]
    )
