"""REST endpoint for a run's outputs: ``GET /runs/{run_id}/artifacts/{node_id}/{port}``.

The run panel's download links point here (the browser's session cookie signs them in). Who
may see the run's flow may download its outputs; anyone else gets the 404 of a made-up run id.
The bytes are streamed from object storage where the finished run kept them, or from the run's
folder while it exists (``designer.runs.artifacts``); a folder output comes as a .zip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from designer.api.errors import ApiError
from designer.api.rest_base import call, endpoint, resource
from designer.api.rest_input import path_param
from designer.api.session import request_actor
from designer.objects.base import ObjectStore
from designer.objects.configured import open_store
from designer.runs.artifacts import ArtifactUnavailable, Download, open_download
from designer.settings import load_settings
from designer.store import runs
from designer.store.runs import RunNotFound


def artifact_store() -> ObjectStore:
    """The configured object store (cheap: opening it touches no network)."""
    return open_store(load_settings())


@endpoint
async def get_artifact(request: Request) -> Response:
    run_id = path_param(request, "run_id", RunNotFound)
    node_id = path_param(request, "node_id", _no_output)
    port = path_param(request, "port", _no_output)
    record = await call(runs.get_run_record, await request_actor(request), run_id)
    try:
        download = await run_in_threadpool(open_download, artifact_store(), record, node_id, port)
    except ArtifactUnavailable as exc:
        raise ApiError(404, "artifact_not_found", str(exc)) from exc
    media = "application/zip" if download.name.endswith(".zip") else "application/octet-stream"
    headers = {
        "Content-Length": str(download.size),
        "Content-Disposition": f'attachment; filename="{download.name}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(_stream(download), media_type=media, headers=headers)


def _no_output(value: str) -> ApiError:
    return ApiError(404, "artifact_not_found", f"this run has no output {value!r}")


async def _stream(download: Download) -> AsyncIterator[bytes]:
    """The download's chunks, read in the threadpool; its files are closed however it ends
    (a temporary zip is deleted as it closes)."""
    try:
        async for chunk in iterate_in_threadpool(download.chunks):
            yield chunk
    finally:
        await run_in_threadpool(download.close)


ROUTES = [
    # The port is a block's output name, never holding "/"; a node id may, so it takes the rest.
    resource("/runs/{run_id}/artifacts/{node_id:path}/{port}", get=get_artifact),
]
