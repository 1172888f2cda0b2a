"""Which nodes of a compiled flow may reuse earlier results, and which cache scopes a run uses.

Read from the pipeline itself, as Kubeflow would: a task may reuse when its caching option is
on (``Node.cache``; a "rerun from here" turns it off for the node and what is downstream). A run
made only of built-in blocks shares results with everyone; a run holding a person's own block
(their code, or a component file) keeps what it makes to the scope of whoever ran it (see
``designer.runs.cache_service``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from designer.flow.compile import CompiledFlow
from designer.runs.cache_service import SHARED_SCOPE, CachePlan
from designer.runs.task_cache import TaskCache

if TYPE_CHECKING:
    from designer.runs.local_run import TaskLayout

_NOT_SCOPE = re.compile(r"[^a-z0-9_-]")


def plan_cache(
    compiled: CompiledFlow,
    layout: Mapping[str, TaskLayout],
    cache: TaskCache | None,
    *,
    owner: str = "",
) -> CachePlan:
    """The run's plan from its tasks' layout (``local_run.task_layout``); ``cache`` None
    (caching off for the run) lets no node reuse or keep."""
    nodes: dict[str, str] = {}
    reusable: dict[str, str] = {}
    for task, node in compiled.task_to_node.items():
        placed = layout.get(task)
        if placed is None:
            continue
        nodes[placed.local_name] = node
        if placed.cache:
            reusable[placed.local_name] = node
    own = "person-" + (_NOT_SCOPE.sub("", owner.lower())[:64] or "nobody")
    scopes = [own, SHARED_SCOPE] if compiled.person_code else [SHARED_SCOPE]
    return CachePlan(cache, scopes=scopes, reusable=reusable, nodes=nodes)
