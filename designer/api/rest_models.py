"""REST endpoints for the deployed models: list them, read one, predict, remove one.

A "Deploy locally" block's model is published into the designer's model folder for the person
who ran the flow (``designer.models.publish``); from a Kubeflow run it is also served by KServe
on the cluster (``designer.models.cluster_publish``), and each model's ``serving`` says where it
answers and whether it is ready. A model is seen by its owner, site admins and whoever may see
the flow that deployed it (``designer.store.models``); these endpoints read through
``designer.models.deployed``, which answers a model someone may not see exactly as one that
does not exist (404), so names do not leak. Only its owner or a site admin may remove it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from blocks.runtime import model_registry as registry
from blocks.runtime.model_inputs import RowsProblem
from designer.api.errors import ApiError, invalid
from designer.api.rest_base import endpoint, reply, resource, signed_in_actor
from designer.api.rest_input import Body, path_param, read_body
from designer.cluster.kserve import ServingUnavailable
from designer.cluster.kube import ClusterError
from designer.models import deployed, removal
from designer.settings import load_settings
from designer.store.access import Actor
from designer.store.db import engine_for

T = TypeVar("T")
#: A predict body holds up to ``MAX_ROWS`` rows: room for a few hundred bytes each.
MAX_PREDICT_BODY_BYTES = 16 * 1024 * 1024


async def in_registry(function: Callable[..., T], actor: Actor, *args: Any) -> T:
    """``function(engine, models_dir, actor, *args, settings=...)`` in the threadpool, its
    errors as API errors."""

    def run() -> T:
        settings = load_settings()
        engine = engine_for(settings.database_url)
        return function(engine, settings.models_dir, actor, *args, settings=settings)

    return await _answered(run)


async def _answered(run: Callable[[], T]) -> T:
    """``run()`` in the threadpool, the model errors as API errors."""
    try:
        return await run_in_threadpool(run)
    except registry.ModelNotFound as exc:
        raise _model_not_found(exc.name, exc.known) from None
    except registry.VersionNotFound as exc:
        raise ApiError(
            404,
            "model_version_not_found",
            f"model {exc.name!r} has no version {exc.version}; its versions are "
            f"{', '.join(map(str, exc.versions))}",
            versions=exc.versions,
        ) from None
    except RowsProblem as exc:
        raise invalid(
            str(exc),
            "invalid_rows",
            expected=exc.expected,
            missing=exc.missing,
            unknown=exc.unknown,
            values=exc.values,
        ) from None
    except registry.PredictionFailed as exc:
        raise invalid(str(exc), "prediction_failed") from None
    except removal.NotYourModel as exc:
        raise ApiError(403, "not_model_owner", str(exc)) from None
    except ServingUnavailable as exc:  # not ready, or its address cannot be reached
        raise ApiError(503, "model_not_ready", str(exc), headers={"Retry-After": "30"}) from None
    except ClusterError as exc:  # the Kubernetes API refused, or cannot be reached
        raise ApiError(503, "cluster_unavailable", str(exc)) from None


def model_name(request: Request) -> str:
    """The model named in the path; a name no model can have is the 404 of an unknown one."""
    name = path_param(request, "name", _model_not_found)
    if not re.fullmatch(registry.NAME_PATTERN, name):
        raise _model_not_found(name)
    return name


@endpoint
async def list_models(request: Request) -> Response:
    actor = await signed_in_actor(request)
    return reply({"models": await in_registry(deployed.list_models, actor)})


@endpoint
async def get_model(request: Request) -> Response:
    actor = await signed_in_actor(request)
    return reply(await in_registry(deployed.get_model, actor, model_name(request)))


@endpoint
async def predict(request: Request) -> Response:
    actor = await signed_in_actor(request)
    name = model_name(request)
    body = await read_body(request, limit=MAX_PREDICT_BODY_BYTES)
    rows, version = predict_request(body)
    answer = await in_registry(deployed.predict_rows, actor, name, rows, version)
    result: dict[str, Any] = {
        "model": answer.name,
        "version": answer.version,
        "predictions": answer.predictions,
    }
    if answer.classes:
        result |= {"classes": answer.classes, "probabilities": answer.probabilities}
    if answer.unseen:  # answered, but on values the model never saw: say so, plainly
        result |= {
            "notes": [entry["note"] for entry in answer.unseen],
            "unseen": [{k: v for k, v in entry.items() if k != "note"} for entry in answer.unseen],
        }
    return reply(result)


@endpoint
async def remove_model(request: Request) -> Response:
    actor = await signed_in_actor(request)
    name = model_name(request)

    def run() -> removal.Removal:
        settings = load_settings()
        return removal.remove_model(engine_for(settings.database_url), settings, actor, name)

    return reply(await _answered(run))


def predict_request(body: Body) -> tuple[list[dict[str, Any]], int | None]:
    """``rows`` (a list of objects, at most ``MAX_ROWS``) and the optional ``version``."""
    rows = body.data.get("rows")
    if not isinstance(rows, list):
        raise invalid("'rows' is required: a list of objects, one {column: value} per row")
    if not rows:
        raise invalid("'rows' is empty: send at least one row to predict")
    if len(rows) > registry.MAX_ROWS:
        raise ApiError(
            413,
            "too_many_rows",
            f"at most {registry.MAX_ROWS} rows can be predicted at once; found {len(rows)}",
            limit=registry.MAX_ROWS,
        )
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise invalid(f"row {number} must be an object of {{column: value}}")
    version = body.integer("version") if body.has("version") else None
    if version is not None and version < 1:
        raise invalid(f"'version' must be 1 or more; found {version}")
    return rows, version


def _model_not_found(name: str, known: list[str] | None = None) -> ApiError:
    """Named without the server's folder; the deployed models are listed when known."""
    listed = f"; deployed models: {', '.join(known) or 'none yet'}" if known is not None else ""
    return ApiError(404, "model_not_found", f"no model named {name!r} is deployed{listed}")


ROUTES = [
    resource("/models", get=list_models),
    resource("/models/{name}", get=get_model, delete=remove_model),
    resource("/models/{name}/predict", post=predict),
]
