"""The engine's side of a local run's channel: reuse a task's earlier result, or keep a new one.

The worker asks before each task ("start") and reports after it ("done"). On "start" this
decides whether the node may reuse (caching on for the run and the node), computes the task's
key from its settings and the content of its inputs, and, when the cache holds a result,
copies it into the task's output places and answers ``{"cached": true}``: the worker then skips
the task. Otherwise it empties the task's output places (nothing left there by another task
can end up in the cache) and answers ``{"cached": false}``. On "done" of a task that succeeded,
its outputs are kept under its key.

Who shares results (``scopes``): a run made only of the designer's own blocks reads and writes
the shared scope; a result there was computed by trusted code from inputs equal in content, and
each person's access to what a run reads (datasets, files) is checked before it compiles, so a
hit only ever hands someone what their own inputs would have produced. A run holding code a
person wrote also reads the shared scope but keeps its results in the scope of whoever ran it,
since that code could have tampered with files of the run.

A cache that cannot be used (a full disk, no permission) never fails a run: the run goes on
without reusing or keeping, and its record says so once (``notes``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.runs.cache_keys import NotCacheable, TaskInputs, inside, task_key
from designer.runs.task_cache import CacheUnavailable, Reused, TaskCache, remove_path
from designer.runs.task_channel import Channel, ChannelClosed

SHARED_SCOPE = "shared"
log = logging.getLogger(__name__)


@dataclass
class CachePlan:
    """What one run may do with the cache."""

    cache: TaskCache | None
    #: Scopes read, in order; the first is the one written.
    scopes: list[str] = field(default_factory=lambda: [SHARED_SCOPE])
    #: kfp.local's task folder name -> node id, for the nodes that may reuse.
    reusable: dict[str, str] = field(default_factory=dict)
    #: kfp.local's task folder name -> node id, every node.
    nodes: dict[str, str] = field(default_factory=dict)


#: Told when a node reused a result (node id, where it came from) or when the cache is unusable.
OnReuse = Callable[[str, Reused], None]
OnNote = Callable[[str], None]


class CacheService:
    def __init__(
        self, plan: CachePlan, run_dir: Path, run_id: str, on_reuse: OnReuse, on_note: OnNote
    ) -> None:
        self.plan = plan
        self.run_dir = run_dir
        self.run_id = run_id
        self._on_reuse = on_reuse
        self._on_note = on_note
        self._pending: tuple[str, str, TaskInputs] | None = None  # node, key, task
        self._broken = plan.cache is None

    def serve(self, channel: Channel) -> None:
        """Answer the worker until it closes the channel."""
        try:
            while True:
                message = channel.receive()
                channel.send(self.handle(message))
        except ChannelClosed:
            pass
        finally:
            channel.close()

    def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        op = message.get("op")
        try:
            if op == "start":
                return {"cached": self._start(message)}
            if op == "done":
                self._done(bool(message.get("succeeded")))
        except Exception as exc:  # a surprise in the cache must never stop the run
            log.exception("the result cache failed for run %s", self.run_id)
            self._give_up(f"the cache failed ({exc!r})")
        return {}

    def _start(self, message: dict[str, Any]) -> bool:
        self._pending = None
        try:
            task = TaskInputs.from_request(message)
        except NotCacheable:
            return False
        local_name = task.output_file().parent.name
        node = self.plan.nodes.get(local_name)
        if node is None or self._broken or self.plan.cache is None:
            return False
        try:
            key = task_key(task, self.run_dir)
        except (NotCacheable, OSError):
            return False
        cache = self.plan.cache
        if local_name in self.plan.reusable:
            try:
                reused = cache.restore(self.plan.scopes, key, task, self.run_dir)
            except (CacheUnavailable, NotCacheable) as exc:
                self._give_up(str(exc))
                return False
            if reused is not None:
                self._on_reuse(node, reused)
                return True
        self._clear_outputs(task)
        self._pending = (node, key, task)
        return False

    def _clear_outputs(self, task: TaskInputs) -> None:
        for artifact in task.output_artifacts().values():
            try:
                remove_path(inside(self.run_dir, str(artifact.get("uri", ""))))
            except (NotCacheable, OSError):
                continue

    def _done(self, succeeded: bool) -> None:
        pending, self._pending = self._pending, None
        if pending is None or not succeeded or self._broken or self.plan.cache is None:
            return
        node, key, task = pending
        try:
            self.plan.cache.keep(
                self.plan.scopes[0], key, task, self.run_dir, run_id=self.run_id, node=node
            )
        except (CacheUnavailable, NotCacheable) as exc:
            self._give_up(str(exc))

    def _give_up(self, why: str) -> None:
        if not self._broken:
            self._broken = True
            self._on_note(
                f"The result cache could not be used, so this run reused and kept nothing "
                f"from then on: {why}"
            )


def start_service(service: CacheService, channel: Channel) -> threading.Thread:
    thread = threading.Thread(
        target=service.serve, args=(channel,), name=f"cache-{service.run_id}", daemon=True
    )
    thread.start()
    return thread
