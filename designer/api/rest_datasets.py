"""REST endpoints for the dataset library: upload, list, preview, download, share, delete.

An upload is the raw file as the request body (``curl --data-binary @houses.csv``), with the
file's name and the dataset's in the query string. The body is streamed to a temporary file,
never held in memory, and cut off with 413 as soon as it passes the size limit (at once, when
the declared Content-Length already does). All uploads in progress share one budget of disk
(``DESIGNER_MAX_SPOOL_MB``): one that does not fit is refused with 503 and ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from designer.api.errors import invalid
from designer.api.rest_base import (
    call,
    endpoint,
    no_content,
    plain,
    reply,
    resource,
    signed_in_actor,
)
from designer.api.rest_input import number_param, path_param, query_text
from designer.api.rest_sharing import access_target, share_request
from designer.api.session import request_actor
from designer.datasets import library
from designer.objects.configured import open_store
from designer.settings import load_settings
from designer.store import dataset_shares
from designer.store import datasets as records
from designer.store.access import Role
from designer.store.db import engine_for

T = TypeVar("T")
SCOPES = ("all", "mine", "shared")


async def in_library(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(engine, store, *args, **kwargs)`` in the threadpool."""
    settings = load_settings()

    def run() -> T:
        return function(engine_for(settings.database_url), open_store(settings), *args, **kwargs)

    return await run_in_threadpool(run)


def dataset_id(request: Request) -> str:
    return path_param(request, "dataset_id", records.DatasetNotFound)


@endpoint
async def list_datasets(request: Request) -> Response:
    scope = query_text(request, "scope", "all")
    if scope not in SCOPES:
        raise invalid(f"'scope' must be one of {', '.join(SCOPES)}; found {scope!r}")
    found = await call(
        records.list_datasets, await request_actor(request), query_text(request, "q"), scope
    )
    return reply({"datasets": found})


@endpoint
async def upload(request: Request) -> Response:
    """A new dataset (or a new version of the person's dataset of that name)."""
    return await _upload(request, name=query_text(request, "name"))


@endpoint
async def upload_version(request: Request) -> Response:
    """A new version of a dataset the person may edit (their own or one shared to edit)."""
    return await _upload(request, dataset_id=dataset_id(request))


async def _upload(request: Request, *, name: str = "", dataset_id: str = "") -> Response:
    actor = await signed_in_actor(request)
    filename = query_text(request, "filename") or name or "upload"
    settings = load_settings()
    declared = request.headers.get("content-length", "")
    expected = int(declared) if declared.isdigit() else 0
    if expected > settings.max_upload_bytes:
        raise library.UploadTooLarge(settings.max_upload_bytes, expected)
    with library.Spool(
        settings.home / "uploads",
        filename,
        settings.max_upload_bytes,
        budget=library.SPOOL_BUDGET,
        budget_limit=settings.max_spool_bytes,
        expected=expected,
    ) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spooled = spool.finish()
        if spooled.size == 0:
            raise invalid("the upload is empty: send the file as the request body", "empty_upload")
        added = await in_library(library.add_file, actor, spooled, name=name, dataset_id=dataset_id)
    return reply(added, status=201 if added.created else 200)


@endpoint
async def get_dataset(request: Request) -> Response:
    detail = await call(records.get_dataset, await request_actor(request), dataset_id(request))
    return reply(detail)


@endpoint
async def delete_dataset(request: Request) -> Response:
    confirm = query_text(request, "confirm", "false").lower() in ("1", "true", "yes")
    removed = await in_library(
        library.delete_dataset,
        await request_actor(request),
        dataset_id(request),
        confirm=confirm,
    )
    return reply({"deleted": True, "files_removed": removed})


def _number(request: Request) -> int:
    raw = request.path_params["number"]
    number = 0 if raw == "latest" else number_param(raw, "number")
    if number < 0:
        raise records.DatasetNotFound(request.path_params["dataset_id"], number)
    return number


@endpoint
async def get_version(request: Request) -> Response:
    version, profile = await call(
        records.get_version, await request_actor(request), dataset_id(request), _number(request)
    )
    return reply({**plain(version), "profile": profile})


@endpoint
async def download_version(request: Request) -> Response:
    version, chunks = await in_library(
        library.read_version, await request_actor(request), dataset_id(request), _number(request)
    )
    media = "text/csv" if version.format == "csv" else "application/vnd.apache.parquet"
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type=media,
        headers={
            "Content-Length": str(version.size),
            "Content-Disposition": _attachment(version.filename),
        },
    )


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@endpoint
async def flows_using(request: Request) -> Response:
    visible, hidden = await call(
        records.flows_using, await request_actor(request), dataset_id(request)
    )
    return reply({"flows": visible, "hidden": hidden})


@endpoint
async def list_access(request: Request) -> Response:
    entries = await call(
        dataset_shares.dataset_access, await request_actor(request), dataset_id(request)
    )
    return reply({"access": entries})


@endpoint
async def share(request: Request) -> Response:
    """As sharing a flow (``rest_sharing.share_request``); the role is viewer by default."""
    actor = await signed_in_actor(request)
    kind, target, role = await share_request(request, default_role=Role.VIEWER)
    entry = await call(dataset_shares.share_dataset, actor, dataset_id(request), kind, target, role)
    return reply(entry)


@endpoint
async def remove_access(request: Request) -> Response:
    kind, target = access_target(request)
    actor = await request_actor(request)
    await call(dataset_shares.unshare_dataset, actor, dataset_id(request), kind, target)
    return no_content()


ROUTES = [
    resource("/datasets", get=list_datasets, post=upload),
    resource("/datasets/{dataset_id}", get=get_dataset, delete=delete_dataset),
    resource("/datasets/{dataset_id}/versions", post=upload_version),
    resource("/datasets/{dataset_id}/versions/{number}", get=get_version),
    resource("/datasets/{dataset_id}/versions/{number}/file", get=download_version),
    resource("/datasets/{dataset_id}/flows", get=flows_using),
    resource("/datasets/{dataset_id}/access", get=list_access, put=share),
    resource("/datasets/{dataset_id}/access/{kind}/{target}", delete=remove_access),
]
