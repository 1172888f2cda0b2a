"""Whether the designer can serve: ``/healthz`` (the process answers) and ``/readyz``.

Ready means every part a request may need answers: the database (reachable), its schema (at
the newest migration this code knows), and object storage (the folder can be written, or the
S3 bucket answers and accepts our keys). Each check is one cheap call, so an orchestrator can
poll every few seconds; the answer names each part and, for one that is down, why.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from designer.objects.base import ObjectStore, ObjectStoreError
from designer.objects.configured import open_store
from designer.settings import Settings, StorageSettings
from designer.store.db import StoreError, engine_for, newest_revision, schema_revision

OK = "ok"
PARTS = ("database", "migrations", "storage")


@dataclass(frozen=True)
class Readiness:
    #: Each part: "ok", or why it is not.
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(state == OK for state in self.checks.values())

    def to_dict(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "unready", "checks": dict(self.checks)}


def readiness(settings: Settings) -> Readiness:
    """Ask the database, its schema and object storage, each once."""
    checks = {part: "not checked: the database is down" for part in PARTS}
    try:
        revision = schema_revision(engine_for(settings.database_url))
    except (StoreError, OSError) as exc:
        checks["database"] = f"unreachable: {exc}"
    else:
        checks["database"] = OK
        newest = newest_revision()
        checks["migrations"] = (
            OK if revision == newest else f"the schema is at {revision or 'none'}, not {newest}"
        )
    try:
        _store(settings).check()
    except (ObjectStoreError, OSError, ValueError) as exc:
        checks["storage"] = f"unreachable: {exc}"
    else:
        checks["storage"] = OK
    return Readiness(checks)


_stores: dict[tuple[str, StorageSettings | None], ObjectStore] = {}
_stores_lock = threading.Lock()


def _store(settings: Settings) -> ObjectStore:
    """The configured store, made once (a new S3 client per poll would be a new pool)."""
    key = (str(settings.objects_dir), settings.storage)
    with _stores_lock:
        if key not in _stores:
            _stores[key] = open_store(settings)
        return _stores[key]
