"""The local engine's result cache: a folder of task results kept by key, with a size limit.

Each entry is a folder ``<root>/<scope>/<key[:2]>/<key>/`` holding ``entry.json`` (the run and
node it came from, its size, the executor output with each artifact's address replaced by its
port) and ``files/<port>`` (each output artifact as the task wrote it, a file or a folder).
Entries are written to a temporary folder and renamed into place, so a reader never sees half
an entry. Using an entry touches its ``entry.json``; when the cache holds more than its limit,
the entries used least recently are removed first.

Results are copied in and out, never linked: a later task that changes its input files cannot
change what the cache holds.

Scopes keep results apart where sharing them would not be safe (``designer.runs.cache_service``
chooses them); keys are content hashes (``designer.runs.cache_keys``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from designer.runs.cache_keys import TaskInputs, inside

ENTRY_FILE = "entry.json"
FILES = "files"
_PORT_MARK = "cached-output://"
_SCOPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


class CacheUnavailable(Exception):
    """The cache folder cannot be read or written (full disk, no permission...)."""


@dataclass(frozen=True)
class Reused:
    """A result taken from the cache: which run and node first made it."""

    run_id: str
    node: str


class TaskCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(os.path.abspath(root))
        self.max_bytes = max_bytes

    # -- reading -------------------------------------------------------------------------------

    def restore(
        self, scopes: list[str], key: str, task: TaskInputs, run_dir: Path
    ) -> Reused | None:
        """Copy the result kept under ``key`` (first scope that has it) into the task's output
        places and write its executor output; None when no scope has it."""
        for scope in scopes:
            entry = self._entry(scope, key)
            try:
                meta = json.loads((entry / ENTRY_FILE).read_text())
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                raise CacheUnavailable(f"cannot read {entry}: {exc}") from exc
            try:
                self._copy_out(entry, meta, task, run_dir)
                os.utime(entry / ENTRY_FILE)
            except OSError as exc:
                raise CacheUnavailable(f"cannot reuse {entry}: {exc}") from exc
            return Reused(str(meta.get("run_id", "")), str(meta.get("node", "")))
        return None

    def _copy_out(self, entry: Path, meta: dict[str, Any], task: TaskInputs, run_dir: Path) -> None:
        uris: dict[str, str] = {}
        for port, artifact in task.output_artifacts().items():
            uri = str(artifact.get("uri", ""))
            target = inside(run_dir, uri)
            source = entry / FILES / port
            remove_path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True)
            elif source.exists():
                shutil.copy2(source, target)
            uris[port] = uri
        output = _with_uris(meta.get("executor_output", {}), uris)
        output_file = inside(run_dir, str(task.output_file()))
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text(json.dumps(output))

    # -- writing -------------------------------------------------------------------------------

    def keep(
        self, scope: str, key: str, task: TaskInputs, run_dir: Path, *, run_id: str, node: str
    ) -> bool:
        """Keep the task's outputs under ``key``; False when they are too big for the cache."""
        entry = self._entry(scope, key)
        staging = entry.parent / f".{key}.{uuid.uuid4().hex[:8]}"
        try:
            size = self._copy_in(staging, task, run_dir)
            if size > self.max_bytes:
                return False
            output_file = inside(run_dir, str(task.output_file()))
            executor_output = json.loads(output_file.read_text()) if output_file.is_file() else {}
            ports = {str(a.get("uri", "")): p for p, a in task.output_artifacts().items()}
            meta = {
                "run_id": run_id,
                "node": node,
                "size": size,
                "kept_at": time.time(),
                "executor_output": _with_ports(executor_output, ports),
            }
            (staging / ENTRY_FILE).write_text(json.dumps(meta))
            remove_path(entry)
            staging.rename(entry)
        except (OSError, ValueError) as exc:
            raise CacheUnavailable(f"cannot write to {self.root}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                remove_path(staging)
        self.evict()
        return True

    def _copy_in(self, staging: Path, task: TaskInputs, run_dir: Path) -> int:
        (staging / FILES).mkdir(parents=True)
        size = 0
        for port, artifact in task.output_artifacts().items():
            source = inside(run_dir, str(artifact.get("uri", "")))
            target = staging / FILES / port
            if source.is_dir() and not source.is_symlink():
                shutil.copytree(source, target, symlinks=True)
                size += sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
            elif source.is_file() and not source.is_symlink():
                shutil.copy2(source, target)
                size += target.stat().st_size
            if size > self.max_bytes:
                break
        return size

    def evict(self) -> list[Path]:
        """Remove the least recently used entries until the cache fits its limit."""
        entries = []
        for meta_file in self.root.glob(f"*/*/*/{ENTRY_FILE}"):
            with contextlib.suppress(OSError, ValueError):
                size = int(json.loads(meta_file.read_text()).get("size", 0))
                entries.append((meta_file.stat().st_mtime, size, meta_file.parent))
        total = sum(size for _, size, _ in entries)
        removed = []
        for _, size, folder in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                remove_path(folder)
                removed.append(folder)
                total -= size
        return removed

    def size(self) -> int:
        """Bytes the entries say they hold."""
        total = 0
        for meta_file in self.root.glob(f"*/*/*/{ENTRY_FILE}"):
            with contextlib.suppress(OSError, ValueError):
                total += int(json.loads(meta_file.read_text()).get("size", 0))
        return total

    def _entry(self, scope: str, key: str) -> Path:
        if not scope or not set(scope) <= _SCOPE_CHARS or not key.isalnum():
            raise ValueError(f"not a cache scope and key: {scope!r}, {key!r}")
        folder = self.root / scope / key[:2]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / key


def remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _with_ports(value: Any, ports: dict[str, str]) -> Any:
    """The executor output with each output artifact's address replaced by its port's mark."""
    if isinstance(value, dict):
        return {k: _with_ports(v, ports) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_ports(v, ports) for v in value]
    if isinstance(value, str) and value in ports:
        return _PORT_MARK + ports[value]
    return value


def _with_uris(value: Any, uris: dict[str, str]) -> Any:
    """The reverse of ``_with_ports`` for a task's own output addresses."""
    if isinstance(value, dict):
        return {k: _with_uris(v, uris) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_uris(v, uris) for v in value]
    if isinstance(value, str) and value.startswith(_PORT_MARK):
        return uris.get(value.removeprefix(_PORT_MARK), "")
    return value
