"""The editor's undo history, bounded in bytes as well as in steps.

``designer.flow.history.History`` keeps up to 100 compressed snapshots of the flow. On a
10,000-node flow one snapshot is about 0.2 MB, so a hundred edits would keep 20 MB in the
server for each open tab. This history keeps as many of the newest steps as fit in
``MAX_BYTES`` (undo and redo together): small flows keep their 100 steps, a very large flow
keeps fewer (about 20 at 10,000 nodes). The newest undo step is always kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.flow.document import Flow
from designer.flow.history import History

#: Snapshot bytes one editor keeps at most, undo and redo together.
MAX_BYTES = 4 * 1024 * 1024


@dataclass
class BoundedHistory(History):
    """``History`` that forgets its oldest steps beyond ``max_bytes`` of snapshots."""

    max_bytes: int = MAX_BYTES

    def record(self, before: Flow, label: str, merge_key: str = "") -> None:
        super().record(before, label, merge_key)
        self._trim()

    def undo(self, current: Flow) -> Flow | None:
        flow = super().undo(current)
        self._trim()
        return flow

    def redo(self, current: Flow) -> Flow | None:
        flow = super().redo(current)
        self._trim()
        return flow

    @property
    def size(self) -> int:
        """Snapshot bytes held."""
        return sum(len(step.snapshot) for step in (*self._past, *self._future))

    def _trim(self) -> None:
        # The oldest redo goes first (the furthest from now), then the oldest undo; the newest
        # undo step stays whatever its size, so the last edit can always be undone.
        size = self.size
        while size > self.max_bytes and self._future:
            size -= len(self._future.pop(0).snapshot)
        while size > self.max_bytes and len(self._past) > 1:
            size -= len(self._past.pop(0).snapshot)
