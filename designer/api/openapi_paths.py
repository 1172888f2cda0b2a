"""Every REST operation under ``/api/v1``, as data: what it takes and what it answers.

One row per (method, path), the path written as the router has it. ``designer.api.openapi``
turns the table into the OpenAPI document served at ``/api/v1/openapi.json``; a test checks the
table names exactly the routes the router serves, so neither can change without the other.
Schemas are named in ``designer.api.openapi_schemas``; ``"object"`` is any JSON object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from designer.store.audit import ACTIONS as AUDIT_ACTIONS
from designer.store.audit import KINDS as AUDIT_KINDS

#: Errors any operation may answer: no session (401), a change sent from another site's page
#: (403), something not found or not shared (404), a value it cannot use (422), the database
#: unreachable (503).
ALWAYS = (401, 403, 404, 422, 503)
#: And those of an operation that reads a JSON body: unreadable (400), too large (413), not JSON
#: (415).
WITH_BODY = (400, 413, 415)


#: What the API takes as text in a query string: at most 256 characters, no control characters.
QUERY_TEXT: dict[str, Any] = {
    "type": "string",
    "maxLength": 256,
    "pattern": "^[^\\x00-\\x1f\\x7f]*$",
}


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: QUERY_TEXT)
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    #: The success status and the schema of its body (None: no body).
    answer: tuple[int, str | None] = (200, "object")
    #: Other success statuses answered with the same body (200 for "it was already there").
    also: tuple[int, ...] = ()
    #: The JSON body's schema; "file" for raw bytes (an upload); None for no body.
    body: str | None = None
    #: Whether the body may be left out.
    body_optional: bool = False
    query: tuple[Query, ...] = ()
    #: Error statuses beyond ``ALWAYS`` (and ``WITH_BODY`` for operations with a body).
    errors: tuple[int, ...] = ()
    #: False when nobody needs to be signed in.
    signed_in: bool = True
    #: The media type of a success answer that is not JSON.
    download: str | None = None
    description: str = ""


def _q(
    name: str, description: str, schema: dict[str, Any] | None = None, *, required: bool = False
) -> Query:
    return Query(name, description, schema or QUERY_TEXT, required)


def _limit(most: int) -> Query:
    schema = {"type": "integer", "minimum": 1, "maximum": most}
    return _q("limit", f"how many to list at most (1 to {most})", schema)


#: A point in time as the audit filters take it.
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}

VERSION_NUMBER = {"type": "integer", "minimum": -(10**18) + 1, "maximum": 10**18 - 1}

OPERATIONS: tuple[Operation, ...] = (
    # -- the document itself -----------------------------------------------------------------
    Operation("GET", "/openapi.json", "This OpenAPI document", "meta", signed_in=False),
    # -- session and people ------------------------------------------------------------------
    Operation("POST", "/session", "Sign in: a bearer token", "people", (200, "Session"),
              body="SignIn", errors=(429,), signed_in=False),
    Operation("DELETE", "/session", "Sign out (harmless without a session)", "people",
              (204, None), signed_in=False),
    Operation("GET", "/me", "Who is signed in", "people", (200, "Person")),
    Operation("GET", "/users", "People whose names start with q, to share with", "people",
              query=(_q("q", "the start of a user or display name"), _limit(50))),
    Operation("GET", "/teams", "The teams you are in", "people"),
    Operation("POST", "/teams", "Make a team (you become its admin)", "people", (201, "object"),
              body="Named", errors=(409,)),
    Operation("GET", "/teams/{team_id}/members", "A team's members", "people"),
    Operation("POST", "/teams/{team_id}/members", "Add someone to a team", "people",
              (201, "object"), body="NewMember", errors=(409,)),
    Operation("PATCH", "/teams/{team_id}/members/{user_id}", "Change a member's team role",
              "people", (204, None), body="TeamRole"),
    Operation("DELETE", "/teams/{team_id}/members/{user_id}", "Remove a member, or leave",
              "people", (204, None)),
    # -- flows and versions ------------------------------------------------------------------
    Operation("GET", "/flows", "Your flows, those shared with you, or a team's", "flows",
              (200, "FlowList"), query=(_q("scope", "mine, shared or a team id"),)),
    Operation("POST", "/flows", "Make a flow from a document, or an empty one by name",
              "flows", (201, "object"), body="object", body_optional=True, errors=(409,)),
    Operation("GET", "/flows/{flow_id}", "A flow's latest version (or your draft)", "flows"),
    Operation("PUT", "/flows/{flow_id}", "Save a new version", "flows", body="SaveFlow",
              errors=(409,)),
    Operation("PATCH", "/flows/{flow_id}", "Rename a flow", "flows", body="Named",
              errors=(409,)),
    Operation("DELETE", "/flows/{flow_id}", "Delete a flow and its runs", "flows", (204, None)),
    Operation("POST", "/flows/{flow_id}/duplicate", "Copy a flow into your flows", "flows",
              (201, "object"), body="object", body_optional=True, errors=(409,)),
    Operation("GET", "/flows/{flow_id}/versions", "A flow's versions, newest first", "flows"),
    Operation("GET", "/flows/{flow_id}/versions/{number}", "One version's document", "flows"),
    Operation("POST", "/flows/{flow_id}/versions/{number}/restore",
              "Save an old version again as the newest", "flows", errors=(409,)),
    Operation("GET", "/flows/{flow_id}/diff", "What changed between two versions", "flows",
              query=(_q("from", "the older version", VERSION_NUMBER, required=True),
                     _q("to", "the newer version", VERSION_NUMBER, required=True))),
    # -- runs ----------------------------------------------------------------------------------
    Operation("POST", "/flows/{flow_id}/validate", "Check a saved version as you would run it",
              "runs", (200, "Validation"), body="Version", body_optional=True),
    Operation("POST", "/flows/{flow_id}/compile", "The KFP pipeline a saved version compiles to",
              "runs", (200, "Compiled"), body="Version", body_optional=True, errors=(409,)),
    Operation("GET", "/flows/{flow_id}/runs", "A flow's runs, newest first", "runs",
              (200, "RunList"), query=(_limit(500),)),
    Operation("POST", "/flows/{flow_id}/runs", "Start a run of a saved version", "runs",
              (201, "Run"), body="StartRun", body_optional=True, errors=(409,),
              description="400 `bad_parameters` when a parameter value is of the wrong type, "
              "names no parameter or is missing; 400 `unknown_node` for a `rerun_from` the "
              "version lacks; nothing starts then."),
    Operation("GET", "/runs/compare", "Two to eight runs side by side", "runs",
              query=(_q("runs", "two to eight run ids, separated by commas", required=True),)),
    Operation("GET", "/runs/{run_id}", "A run as it is now", "runs", (200, "Run")),
    Operation("POST", "/runs/{run_id}/cancel", "Stop a run that is going", "runs",
              (200, "Cancelled"), errors=(409,)),
    Operation("POST", "/runs/{run_id}/rerun", "Run a run's version again from a node", "runs",
              (201, "Run"), body="Rerun", errors=(409,)),
    Operation("GET", "/runs/{run_id}/nodes/{node_id}/log", "A node's log in a run", "runs",
              (200, "NodeLog")),
    Operation("GET", "/runs/{run_id}/artifacts/{node_id}/{port}", "Download a run's output",
              "runs", (200, None), download="application/octet-stream"),
    # -- sharing -------------------------------------------------------------------------------
    Operation("GET", "/flows/{flow_id}/access", "Who has access to a flow", "sharing"),
    Operation("PUT", "/flows/{flow_id}/access", "Share a flow with a person or a team",
              "sharing", body="Share"),
    Operation("DELETE", "/flows/{flow_id}/access/{kind}/{target}", "Stop sharing a flow",
              "sharing", (204, None)),
    Operation("GET", "/flows/{flow_id}/links", "A flow's share links", "sharing"),
    Operation("POST", "/flows/{flow_id}/links", "Make a view-only share link", "sharing",
              (201, "object"), body="Days", body_optional=True),
    Operation("DELETE", "/flows/{flow_id}/links/{link_id}", "Revoke a share link", "sharing",
              (204, None)),
    Operation("GET", "/links/{token}", "The flow a share link opens", "sharing",
              signed_in=False),
    # -- datasets ------------------------------------------------------------------------------
    Operation("GET", "/datasets", "Datasets you may use", "datasets",
              query=(_q("q", "words in names, file names or columns"),
                     _q("scope", "all, mine or shared", {"enum": ["all", "mine", "shared"]}))),
    Operation("POST", "/datasets", "Upload a table as a new dataset", "datasets",
              (201, "object"), also=(200,), body="file", errors=(409,),
              query=(_q("filename", "the file's name"), _q("name", "the dataset's name"))),
    Operation("GET", "/datasets/{dataset_id}", "A dataset and its versions", "datasets"),
    Operation("DELETE", "/datasets/{dataset_id}", "Delete a dataset", "datasets", errors=(409,),
              query=(_q("confirm", "true to delete although flows read it"),)),
    Operation("POST", "/datasets/{dataset_id}/versions", "Upload a new version", "datasets",
              (201, "object"), also=(200,), body="file", errors=(409,),
              query=(_q("filename", "the file's name"),)),
    Operation("GET", "/datasets/{dataset_id}/versions/{number}", "One version (or latest)",
              "datasets"),
    Operation("GET", "/datasets/{dataset_id}/versions/{number}/file", "Download a version",
              "datasets", (200, None), download="application/octet-stream"),
    Operation("GET", "/datasets/{dataset_id}/flows", "Flows reading a dataset", "datasets"),
    Operation("GET", "/datasets/{dataset_id}/access", "Who has access to a dataset",
              "datasets"),
    Operation("PUT", "/datasets/{dataset_id}/access", "Share a dataset", "datasets",
              body="Share"),
    Operation("DELETE", "/datasets/{dataset_id}/access/{kind}/{target}",
              "Stop sharing a dataset", "datasets", (204, None)),
    # -- deployed models -----------------------------------------------------------------------
    Operation("GET", "/models", "Deployed models", "models"),
    Operation("GET", "/models/{name}", "A deployed model and its versions", "models"),
    Operation("DELETE", "/models/{name}", "Remove a deployed model", "models", errors=(409,)),
    Operation("POST", "/models/{name}/predict", "Predictions for rows", "models",
              body="Predict"),
    # -- templates -----------------------------------------------------------------------------
    Operation("GET", "/templates", "The gallery: built-in and your teams' templates",
              "templates"),
    Operation("GET", "/templates/{template_id}", "A template with its flow", "templates"),
    Operation("POST", "/templates/{template_id}/use", "Make a flow from a template",
              "templates", (201, "object"), errors=(409,)),
    Operation("GET", "/team-templates", "Your teams' published templates", "templates"),
    Operation("GET", "/team-templates/{template_id}", "A team template", "templates"),
    Operation("DELETE", "/team-templates/{template_id}", "Unpublish a team template",
              "templates", (204, None)),
    Operation("POST", "/flows/{flow_id}/publish", "Publish a flow to a team's gallery",
              "templates", (201, "object"), also=(200,), body="Publish",
              description="200 when it replaced the team's template of that title."),
    # -- audit log -----------------------------------------------------------------------------
    Operation("GET", "/audit", "The audit log, newest first", "audit", (200, "AuditPage"),
              query=(_q("person", "the acting person's user name"),
                     _q("action", "what happened", {"enum": list(AUDIT_ACTIONS)}),
                     _q("kind", "the kind of thing", {"enum": list(AUDIT_KINDS)}),
                     _q("object", "the thing's id (a flow's, a run's, a model's name...)"),
                     _q("since", "from this time (ISO 8601 with its zone), included", TIME),
                     _q("until", "to this time (ISO 8601 with its zone), left out", TIME),
                     _q("offset", "how many events to skip", {"type": "integer", "minimum": 0}),
                     _limit(500)),
              description="A site admin reads every event; anyone else the events on what "
              "they own (their flows, datasets, blocks, models) and on their own account."),
)  # fmt: skip
