"""What makes two tasks the same task: the key a result is cached under.

A task's key is a SHA-256 over everything that decides what it writes:

- its command without the executor input (the block's program as compiled, so its source and
  function, its version for a person's block), its image and environment variables;
- its settings (the executor input's parameter values);
- each input artifact by content (every file's name and bytes) and metadata, never by path;
- the local files it was granted to read (a library dataset), by content;
- the outputs it declares;
- the designer's blocks package and the versions of Python and the libraries blocks use.

A task that reads from the network (a web or ``s3://`` address in its settings or grants) has no
key: what is behind an address can change, and a signed address differs on every run. Neither
has a task whose input lies outside its run's folder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import blocks
from blocks.runtime.read_settings import GRANTS_VAR

_NETWORK_PREFIXES = ("http://", "https://", "s3://", "ftp://", "gs://")
_LIBRARIES = ("kfp", "scikit-learn", "pandas", "numpy", "joblib", "scipy")
_CHUNK = 1 << 20


class NotCacheable(Exception):
    """The task's result must not be reused: the message says why, for its log."""


@dataclass(frozen=True)
class TaskInputs:
    """A task as the worker described it before running it."""

    image: str
    command: list[str]
    env: dict[str, str]
    executor_input: dict[str, Any]

    @classmethod
    def from_request(cls, request: dict[str, Any]) -> TaskInputs:
        command = request.get("command")
        env = request.get("env") or {}
        if not isinstance(command, list) or not all(isinstance(w, str) for w in command):
            raise NotCacheable("the task's command could not be read")
        try:
            at = command.index("--executor_input")
            executor_input = json.loads(command[at + 1])
        except (ValueError, IndexError) as exc:
            raise NotCacheable("the task's command names no executor input") from exc
        if not isinstance(executor_input, dict) or not isinstance(env, dict):
            raise NotCacheable("the task's executor input could not be read")
        without = [*command[:at], "--executor_input", "", *command[at + 2 :]]
        return cls(str(request.get("image", "")), without, dict(env), executor_input)

    @property
    def inputs(self) -> dict[str, Any]:
        return self.executor_input.get("inputs") or {}

    @property
    def outputs(self) -> dict[str, Any]:
        return self.executor_input.get("outputs") or {}

    def output_file(self) -> Path:
        return Path(str(self.outputs.get("outputFile", "")))

    def output_artifacts(self) -> dict[str, dict[str, Any]]:
        """Output port -> its one artifact (uri, type...) as the executor input gives it."""
        found = {}
        for port, entry in (self.outputs.get("artifacts") or {}).items():
            artifacts = entry.get("artifacts") or []
            if artifacts:
                found[port] = artifacts[0]
        return found


def task_key(task: TaskInputs, run_dir: Path) -> str:
    """The task's cache key; NotCacheable when it has none."""
    parameters = task.inputs.get("parameterValues") or {}
    if _names_an_address(parameters) or _names_an_address(task.command):
        raise NotCacheable("not reused: its settings name a web or storage address")
    identity = {
        "command": task.command,
        "image": task.image,
        "env": {k: v for k, v in task.env.items() if k != GRANTS_VAR},
        "parameters": parameters,
        "artifacts": _input_artifacts(task, run_dir),
        "grants": _granted_files(task.env.get(GRANTS_VAR, "")),
        "outputs": {
            "artifacts": {
                port: artifact.get("type", {}) for port, artifact in task.output_artifacts().items()
            },
            "parameters": sorted((task.outputs.get("parameters") or {}).keys()),
        },
        "runtime": runtime_digest(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _input_artifacts(task: TaskInputs, run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for port, entry in (task.inputs.get("artifacts") or {}).items():
        found[port] = [
            {
                "type": artifact.get("type", {}),
                "metadata": artifact.get("metadata", {}),
                "content": content_digest(inside(run_dir, artifact.get("uri", ""))),
            }
            for artifact in entry.get("artifacts") or []
        ]
    return found


def inside(run_dir: Path, uri: str) -> Path:
    """The local path of an artifact of this run; NotCacheable when it lies elsewhere."""
    path = Path(os.path.abspath(uri)) if uri else Path()
    if not uri or not path.is_relative_to(run_dir) or _through_a_link(path, run_dir):
        raise NotCacheable(f"not reused: an input or output lies outside the run ({uri!r})")
    return path


def _through_a_link(path: Path, top: Path) -> bool:
    """Whether any part of ``path`` below ``top`` is a symbolic link."""
    current = path
    while current != top and current != current.parent:
        if current.is_symlink():
            return True
        current = current.parent
    return False


def _granted_files(raw: str) -> list[list[str]]:
    if not raw:
        return []
    try:
        grants = json.loads(raw)
    except ValueError as exc:
        raise NotCacheable("not reused: its read grants could not be read") from exc
    digests = []
    for grant in grants if isinstance(grants, list) else [grants]:
        if not isinstance(grant, str) or grant.startswith(_NETWORK_PREFIXES):
            raise NotCacheable("not reused: it reads from a web or storage address")
        digests.append([grant, content_digest(Path(grant))])
    return sorted(digests)


def content_digest(path: Path) -> str:
    """SHA-256 over a file's bytes, or a folder's files (names and bytes); "" when missing."""
    digest = hashlib.sha256()
    if path.is_file():
        _add_file(digest, path)
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            _add_file(digest, file)
    else:
        return ""
    return digest.hexdigest()


def _add_file(digest: Any, path: Path) -> None:
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    digest.update(b"\0")


def _names_an_address(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower().startswith(_NETWORK_PREFIXES)
    if isinstance(value, dict):
        return any(_names_an_address(v) for v in value.values())
    if isinstance(value, list):
        return any(_names_an_address(v) for v in value)
    return False


@functools.cache
def runtime_digest() -> str:
    """The blocks package's source and the versions of Python and the libraries blocks use."""
    digest = hashlib.sha256(sys.version.encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    package = Path(blocks.__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()
