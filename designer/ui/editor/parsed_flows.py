"""Parsed flows for the open editors, shared by the whole process and bounded in size.

An editor's state keeps its flow as compressed JSON (``Packed``, about 20 bytes a node); the
parsed ``Flow`` that edits and checks work on costs about 2 KB a node, so keeping one per
browser tab let a few tabs on a big flow hold hundreds of megabytes for an hour. Parsed flows
live here instead, keyed by their content: tabs showing the same document share one, and the
least recently used ones are dropped once the cache holds more than ``NODE_BUDGET`` nodes. A
dropped flow is parsed again from the state's compressed copy when its tab next needs it
(about 0.1 s at 10,000 nodes), so nothing is ever lost, only recomputed.

The key is a digest of the document itself, so a tab can only ever get back the flow it already
holds in compressed form: nothing one person opened is reachable by another through the cache.
The ``Flow`` handed out is shared: treat it as read-only (``designer.flow.edit.apply_edit``
returns a new flow and never changes the one it is given).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from designer.flow.document import Flow
from designer.ui.editor.packed import Packed

#: Nodes the cache holds at most, over all its flows: about 2.2 KB each once parsed, so about
#: 70 MB for the whole process (two 10,000-node flows, or many small ones). A flow bigger than
#: this is still kept while it is the only one in use.
NODE_BUDGET = 30_000
#: What an entry costs beyond its nodes, so thousands of tiny flows cannot pile up either.
ENTRY_WEIGHT = 20


def pack_flow(flow: Flow) -> Packed:
    """The compressed document the editor's state keeps, and the flow cached under it."""
    packed = Packed.of_json(flow.model_dump_json(exclude_none=True))
    PARSED.put(packed, flow)
    return packed


def flow_of(packed: Packed) -> Flow:
    """The parsed flow of ``packed``: cached, or parsed again and cached."""
    found = PARSED.get(packed)
    if found is None:
        found = Flow.model_validate_json(packed.json())
        PARSED.put(packed, found)
    return found


class ParsedFlows:
    """A least-recently-used map from a packed document's digest to its parsed ``Flow``."""

    def __init__(self, node_budget: int = NODE_BUDGET) -> None:
        self.node_budget = node_budget
        self._flows: OrderedDict[bytes, tuple[Flow, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, packed: Packed) -> Flow | None:
        with self._lock:
            entry = self._flows.get(packed.digest)
            if entry is None:
                return None
            self._flows.move_to_end(packed.digest)
            return entry[0]

    def put(self, packed: Packed, flow: Flow) -> None:
        weight = len(flow.nodes) + ENTRY_WEIGHT
        with self._lock:
            old = self._flows.pop(packed.digest, None)
            if old is not None:
                self._weight -= old[1]
            self._flows[packed.digest] = (flow, weight)
            self._weight += weight
            while self._weight > self.node_budget and len(self._flows) > 1:
                _, (_, dropped) = self._flows.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._flows.clear()
            self._weight = 0

    @property
    def weight(self) -> int:
        """Nodes held, plus ENTRY_WEIGHT per flow."""
        return self._weight

    def __len__(self) -> int:
        return len(self._flows)


#: The process's cache, shared by every editor tab.
PARSED = ParsedFlows()
