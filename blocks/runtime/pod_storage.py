"""The designer's object storage as a task on a Kubeflow cluster reaches it.

A cluster run's pods get the storage address and bucket as plain environment variables and
the keys from a Kubernetes Secret (``DESIGNER_S3_ACCESS_KEY``/``_SECRET_KEY``, see
``designer.flow.cluster``). Nothing here imports the designer: a pod holds only ``blocks``.
A local run's process never has the keys (``designer.runs.worker_env`` leaves them out), so
there every function here refuses with a message instead of reaching the storage.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

ENDPOINT_VAR = "DESIGNER_S3_ENDPOINT"
ACCESS_KEY_VAR = "DESIGNER_S3_ACCESS_KEY"
SECRET_KEY_VAR = "DESIGNER_S3_SECRET_KEY"
SECURE_VAR = "DESIGNER_S3_SECURE"
REGION_VAR = "DESIGNER_S3_REGION"
#: The storage Secret's keys and the variables a pod gets them as (the designer's
#: ``STORAGE_SECRET_KEYS``; a pod holds only ``blocks``, so they are written here too).
SECRET_KEYS = {"access_key": ACCESS_KEY_VAR, "secret_key": SECRET_KEY_VAR}
#: The plain variables that say where the storage is (what a pod passes on to pods it starts).
ADDRESS_VARS = (ENDPOINT_VAR, SECURE_VAR, REGION_VAR)
#: Largest object a task reads into memory through here (a table to load).
MAX_READ_BYTES = 2_000_000_000


class NoStorageKeys(PermissionError):
    """This process was given no storage keys (a local run, or a pod without the Secret)."""


def has_keys(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get(ENDPOINT_VAR) and env.get(ACCESS_KEY_VAR) and env.get(SECRET_KEY_VAR))


def client(env: Mapping[str, str] | None = None) -> Any:
    """A minio client for the storage this pod was given; NoStorageKeys without keys."""
    env = os.environ if env is None else env
    if not has_keys(env):
        raise NoStorageKeys(
            "this run was given no storage keys: on Kubeflow they come from the Secret the "
            "designer names (DESIGNER_KFP_STORAGE_SECRET); check it exists in the run's namespace"
        )
    from minio import Minio

    raw = env[ENDPOINT_VAR].strip()
    parts = urlsplit(raw if "://" in raw else f"//{raw}")
    secure = parts.scheme == "https" if parts.scheme else _flag(env.get(SECURE_VAR, ""))
    return Minio(
        parts.netloc,
        access_key=env[ACCESS_KEY_VAR],
        secret_key=env[SECRET_KEY_VAR],
        secure=secure,
        region=env.get(REGION_VAR) or None,
    )


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` as (bucket, key); ValueError for anything else."""
    parts = urlsplit(uri)
    if parts.scheme not in ("s3", "minio") or not parts.netloc or not parts.path.strip("/"):
        raise ValueError(f"{uri!r} is not an s3://bucket/key address")
    return parts.netloc, parts.path.lstrip("/")


def read_bytes(uri: str, env: Mapping[str, str] | None = None) -> bytes:
    """The whole object at ``uri`` (at most ``MAX_READ_BYTES``)."""
    bucket, key = split_uri(uri)
    response = client(env).get_object(bucket, key)
    try:
        data = response.read(MAX_READ_BYTES + 1)
    finally:
        response.close()
        response.release_conn()
    if len(data) > MAX_READ_BYTES:
        raise ValueError(f"{uri} is larger than {MAX_READ_BYTES:,} bytes")
    return data


def write_json(uri: str, data: Any, env: Mapping[str, str] | None = None) -> None:
    bucket, key = split_uri(uri)
    body = json.dumps(data, indent=1, default=str).encode()
    client(env).put_object(
        bucket, key, io.BytesIO(body), len(body), content_type="application/json"
    )


def read_json(uri: str, env: Mapping[str, str] | None = None) -> Any:
    return json.loads(read_bytes(uri, env))


def upload_file(uri: str, path: str, env: Mapping[str, str] | None = None) -> None:
    bucket, key = split_uri(uri)
    client(env).fput_object(bucket, key, path)


def list_uris(prefix_uri: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The addresses of the objects under the folder ``prefix_uri``, sorted."""
    bucket, prefix = split_uri(prefix_uri)
    prefix = prefix.rstrip("/") + "/"
    found = client(env).list_objects(bucket, prefix=prefix, recursive=True)
    return sorted(f"s3://{bucket}/{item.object_name}" for item in found if item.object_name)


def _flag(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")
