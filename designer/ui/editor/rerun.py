"""Rerun from here, before anything starts: whether it can.

A plain function over the open flow, so the refusals are tested without a browser.
"""

from __future__ import annotations

from designer.flow.document import Flow

#: Why a rerun cannot start in an editor mode other than the working canvas or an opened run.
MODE_REFUSALS = {
    "version": "Go back to the latest version, or open one of its runs, to rerun from a block.",
    "link": "A shared link opens a flow to look at: it cannot rerun it.",
    "template": "Use this template to get your own copy, then run it there.",
}


def rerun_refusal(
    running: bool, mode: str, run_id: str, flow: Flow | None, node_id: str, blocker: str = ""
) -> str:
    """Why a rerun from ``node_id`` cannot start now ("" when it can); ``blocker`` is what
    holds Run back on the flow on show (its problems)."""
    if running:
        return "A run is already going; wait for it or cancel it."
    if mode in MODE_REFUSALS:
        return MODE_REFUSALS[mode]
    if not run_id:
        return "There is no run on show to rerun from: press Run first."
    if flow is None:
        return "The flow is not open yet."
    if flow.node(node_id) is None:
        return f"The block {node_id!r} is no longer in this flow: nothing was started."
    return blocker
