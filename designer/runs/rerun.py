"""Rerun from here: a node and everything downstream of it run again; the rest may reuse.

Expressed in the flow itself, so both engines honour it the same way: the node and its
descendants (through edges and ``after`` orderings) get caching turned off in a copy of the
flow that is compiled for the rerun; every other node keeps its own setting and, when its block,
settings and inputs are unchanged, comes back "cached".
"""

from __future__ import annotations

import networkx as nx

from designer.flow.document import Flow


class UnknownNode(LookupError):
    """A rerun was asked from a node the flow does not have."""


def dependency_graph(flow: Flow) -> nx.DiGraph:
    """Nodes, and an arc from each node to every node that runs after it (data or ordering)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(node.id for node in flow.nodes)
    graph.add_edges_from((edge.source, edge.target) for edge in flow.edges)
    graph.add_edges_from((before, node.id) for node in flow.nodes for before in node.after)
    return graph


def downstream(flow: Flow, node_id: str) -> set[str]:
    """``node_id`` and every node that depends on it, directly or not."""
    graph = dependency_graph(flow)
    if node_id not in graph:
        raise UnknownNode(f"the flow has no node {node_id!r} to rerun from")
    return {node_id, *nx.descendants(graph, node_id)}


def rerun_flow(flow: Flow, node_id: str) -> Flow:
    """A copy of ``flow`` in which ``node_id`` and what is downstream of it cannot reuse."""
    fresh = downstream(flow, node_id)
    nodes = [
        node.model_copy(update={"cache": False}) if node.id in fresh else node
        for node in flow.nodes
    ]
    return flow.model_copy(update={"nodes": nodes})
