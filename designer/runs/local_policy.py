"""Who may run flows on this server's local engine (``DESIGNER_LOCAL_RUNS``).

A local run executes on the designer's own machine. Sandboxed (``designer.runs.sandbox``), it
sees only its own folder and the data folders, so anyone may run; unsandboxed, it can read what
the designer can, which is fine for one person on their own computer but not for a team. "auto"
follows that: everyone when runs are sandboxed or the designer has a single account, else
administrators only.
"""

from __future__ import annotations

from designer.runs.sandbox import SandboxUnavailable, choose_sandbox
from designer.settings import Settings

_ASK = "ask an administrator to change DESIGNER_LOCAL_RUNS or to set up a Kubeflow cluster"


def may_run_locally(settings: Settings, actor_is_admin: bool, accounts: int) -> str | None:
    """None when the person may start a local run, else why not and what to do.

    ``accounts`` is how many accounts the designer has. Runs that go to a Kubeflow cluster
    (``DESIGNER_KFP_HOST`` set) never run here, so nothing is refused for them.
    """
    if settings.kubeflow is not None:
        return None
    policy = settings.local_runs
    if policy == "nobody":
        return (
            "This designer does not run flows on its own server (DESIGNER_LOCAL_RUNS=nobody); "
            f"{_ASK} (DESIGNER_KFP_HOST)."
        )
    try:
        sandboxed = choose_sandbox(settings) is not None
    except SandboxUnavailable as exc:
        return str(exc)
    if policy == "everyone" or actor_is_admin:
        return None
    if policy == "admins":
        return (
            "Only administrators may run flows on this server (DESIGNER_LOCAL_RUNS=admins); "
            f"{_ASK}."
        )
    if sandboxed or accounts <= 1:
        return None
    return (
        "Only administrators may run flows on this server: runs here are not sandboxed "
        "(bubblewrap is not available or DESIGNER_SANDBOX=off) and the designer has several "
        "accounts. An administrator can install bubblewrap, or set DESIGNER_LOCAL_RUNS=everyone "
        "to let everyone run anyway."
    )
