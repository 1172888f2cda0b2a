"""Which nodes of a compiled flow may reuse earlier results, and which cache scopes a run uses.

Read from the pipeline itself, as Kubeflow would: a task may reuse when its caching option is
on (``Node.cache``; a "rerun from here" turns it off for the node and what is downstream). A run
made only of built-in blocks shares results with everyone; a run holding a person's own block
(their code, or a component file) keeps what it makes to the scope of whoever ran it (see
``designer.runs.cache_service``).
"""

from __future__ import annotations

import re

import yaml

from designer.flow.compile import CompiledFlow
from designer.runs.cache_service import SHARED_SCOPE, CachePlan
from designer.runs.task_cache import TaskCache

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NOT_SCOPE = re.compile(r"[^a-z0-9_-]")


def plan_cache(compiled: CompiledFlow, cache: TaskCache | None, *, owner: str = "") -> CachePlan:
    """The run's plan; ``cache`` None (caching off for the run) lets no node reuse or keep."""
    spec = yaml.load(compiled.ir_yaml, Loader=_SafeLoader)
    nodes: dict[str, str] = {}
    reusable: dict[str, str] = {}
    for task, task_spec in spec["root"]["dag"]["tasks"].items():
        node = compiled.task_to_node.get(task)
        component = task_spec["componentRef"]["name"]
        if node is None:
            continue
        local_name = component.removeprefix("comp-")
        nodes[local_name] = node
        if task_spec.get("cachingOptions", {}).get("enableCache"):
            reusable[local_name] = node
    own = "person-" + (_NOT_SCOPE.sub("", owner.lower())[:64] or "nobody")
    scopes = [own, SHARED_SCOPE] if compiled.person_code else [SHARED_SCOPE]
    return CachePlan(cache, scopes=scopes, reusable=reusable, nodes=nodes)
