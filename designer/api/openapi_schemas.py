"""The JSON schemas the OpenAPI document names (``#/components/schemas/...``).

Bodies a client sends are described exactly (the handlers refuse anything else); answers name
the fields a client can rely on and allow more, so adding a field is never a breaking change.
"""

from __future__ import annotations

from typing import Any

from designer.runs.record import Status
from designer.store.audit import ACTIONS as AUDIT_ACTIONS
from designer.store.audit import KINDS as AUDIT_KINDS

STATUSES = [str(status) for status in Status]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(
    properties: dict[str, Any], required: tuple[str, ...] = (), *, closed: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


TEXT: dict[str, Any] = {"type": "string"}
WHOLE: dict[str, Any] = {"type": "integer"}
FLAG: dict[str, Any] = {"type": "boolean"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}
NULLABLE_NUMBER: dict[str, Any] = {"type": "number", "nullable": True}
TASKS = ("classification", "regression", "clustering", "other")
SHARE_ROLE: dict[str, Any] = {"type": "string", "enum": ["viewer", "editor"]}

SCHEMAS: dict[str, dict[str, Any]] = {
    "object": ANY_OBJECT,
    "Error": _object(
        {
            "error": _object(
                {"code": TEXT, "message": TEXT},
                ("code", "message"),
            )
        },
        ("error",),
    ),
    "SignIn": _object(
        {"username": {**TEXT, "maxLength": 200}, "password": {**TEXT, "maxLength": 2000}},
        ("username", "password"),
    ),
    "Person": _object(
        {"id": TEXT, "username": TEXT, "display_name": TEXT, "is_admin": FLAG},
        ("id", "username", "display_name", "is_admin"),
    ),
    "Session": _object({"token": TEXT, "user": _ref("Person")}, ("token", "user")),
    "Named": _object({"name": {**TEXT, "maxLength": 1000}}, ("name",)),
    "NewMember": _object(
        {"username": TEXT, "role": {"type": "string", "enum": ["member", "admin"]}},
        ("username",),
    ),
    "TeamRole": _object({"role": {"type": "string", "enum": ["member", "admin"]}}, ("role",)),
    "FlowList": _object({"flows": {"type": "array", "items": ANY_OBJECT}}, ("flows",)),
    "SaveFlow": _object(
        {"flow": ANY_OBJECT, "base_version": WHOLE, "message": {**TEXT, "maxLength": 1000}},
        ("flow", "base_version"),
    ),
    "Share": {
        "type": "object",
        "description": '{"user": "<user name>", "role"} or {"team": "<team id>", "role"}',
        "properties": {"user": TEXT, "team": TEXT, "role": SHARE_ROLE},
    },
    "Days": _object({"days": {"type": "integer", "minimum": 1, "maximum": 365}}),
    "Predict": _object(
        {"rows": {"type": "array", "items": ANY_OBJECT}, "version": {**WHOLE, "minimum": 1}},
        ("rows",),
    ),
    "Publish": _object(
        {
            "team": TEXT,
            "title": {**TEXT, "maxLength": 200},
            "description": {**TEXT, "maxLength": 2000},
            "task": {
                "type": "string",
                "enum": ["classification", "regression", "clustering", "other"],
            },
            "difficulty": {"type": "string", "enum": ["beginner", "intermediate", "advanced"]},
        },
        ("team", "title", "task", "difficulty"),
    ),
    # -- runs ------------------------------------------------------------------------------
    "Version": _object(
        {"version": {**WHOLE, "minimum": 1, "description": "default: the latest"}}, closed=True
    ),
    "Diagnostic": _object(
        {
            "severity": {"type": "string", "enum": ["error", "warning"]},
            "code": TEXT,
            "message": TEXT,
        },
        ("severity", "code", "message"),
    ),
    "Validation": _object(
        {
            "flow_id": TEXT,
            "version": WHOLE,
            "valid": FLAG,
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
        },
        ("flow_id", "version", "valid", "diagnostics"),
    ),
    "Compiled": _object(
        {
            "flow_id": TEXT,
            "version": WHOLE,
            "engine": {"type": "string", "enum": ["local", "kubeflow"]},
            "pipeline_name": TEXT,
            "pipeline_yaml": {**TEXT, "description": "the KFP v2 pipeline (IR YAML)"},
            "parameters": ANY_OBJECT,
            "required": {"type": "array", "items": TEXT},
            "notes": {"type": "array", "items": TEXT},
        },
        ("flow_id", "version", "engine", "pipeline_yaml"),
    ),
    "StartRun": _object(
        {
            "version": {**WHOLE, "minimum": 1, "description": "default: the latest"},
            "parameters": {**ANY_OBJECT, "description": "flow-parameter values by name"},
            "cache": {**FLAG, "description": "false: every node runs (default true)"},
            "rerun_from": {**TEXT, "description": "a node: it and what follows run again"},
        },
        closed=True,
    ),
    "Rerun": _object(
        {
            "from": {**TEXT, "description": "the node to run again from"},
            "parameters": {**ANY_OBJECT, "description": "default: the old run's values"},
        },
        ("from",),
        closed=True,
    ),
    "RunSummary": _object(
        {
            "id": TEXT,
            "flow_version": WHOLE,
            "engine": TEXT,
            "status": {"type": "string", "enum": STATUSES},
            "headline_name": {**TEXT, "nullable": True},
            "headline_value": NULLABLE_NUMBER,
            "error": TEXT,
        },
        ("id", "flow_version", "status"),
    ),
    "RunList": _object({"runs": {"type": "array", "items": _ref("RunSummary")}}, ("runs",)),
    "NodeRun": _object(
        {
            "status": {"type": "string", "enum": STATUSES},
            "error": TEXT,
            "log": TEXT,
            "metrics": {"type": "object", "additionalProperties": NULLABLE_NUMBER},
            "outputs": ANY_OBJECT,
            "cached_from": {**TEXT, "description": "the run whose result was reused"},
        },
        ("status",),
    ),
    "Run": _object(
        {
            "run_id": TEXT,
            "flow_id": TEXT,
            "flow_version": WHOLE,
            "flow_name": TEXT,
            "engine": TEXT,
            "status": {"type": "string", "enum": STATUSES},
            "error": TEXT,
            "nodes": {"type": "object", "additionalProperties": _ref("NodeRun")},
            "arguments": ANY_OBJECT,
            "cache": FLAG,
            "rerun_from": TEXT,
            "notes": {"type": "array", "items": TEXT},
            "links": _object(
                {
                    "self": TEXT,
                    "logs": {"type": "object", "additionalProperties": TEXT},
                    "artifacts": {"type": "array", "items": ANY_OBJECT},
                },
                ("self", "logs", "artifacts"),
            ),
        },
        ("run_id", "flow_id", "flow_version", "status", "nodes", "links"),
    ),
    "Cancelled": _object({"message": TEXT, "run": _ref("Run")}, ("message", "run")),
    "AuditEvent": _object(
        {
            "id": WHOLE,
            "at": {"type": "string", "format": "date-time"},
            "actor_id": {**TEXT, "nullable": True},
            "actor_name": TEXT,
            "action": {"type": "string", "enum": list(AUDIT_ACTIONS)},
            "object_kind": {"type": "string", "enum": list(AUDIT_KINDS)},
            "object_id": TEXT,
            "object_name": TEXT,
            "owner_id": {**TEXT, "nullable": True},
            "flow_id": {**TEXT, "nullable": True},
            "detail": ANY_OBJECT,
        },
        ("id", "at", "actor_id", "action", "object_kind", "object_id", "detail"),
    ),
    "AuditPage": _object(
        {
            "events": {"type": "array", "items": _ref("AuditEvent")},
            "offset": WHOLE,
            "limit": WHOLE,
            "more": FLAG,
        },
        ("events", "offset", "limit", "more"),
    ),
    "NodeLog": _object(
        {
            "run_id": TEXT,
            "node_id": TEXT,
            "status": {"type": "string", "enum": STATUSES},
            "log": TEXT,
        },
        ("run_id", "node_id", "status", "log"),
    ),
}
