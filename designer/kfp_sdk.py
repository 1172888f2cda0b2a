"""Importing kfp's SDK (dsl, components, compiler) without its cluster client.

``import kfp`` first imports ``kfp.Client`` and, through it, the Kubernetes library: about a third
of a second that compiling a flow or running it locally never needs. kfp skips that in its own
runtime mode (``_KFP_RUNTIME=true``, set while its package loads); the SDK's parts are then
imported as usual, and ``kfp.client`` still loads on its own where a cluster is talked to
(``designer.runs.kubeflow``). Call ``import_without_client`` before anything imports kfp; once
kfp is loaded it does nothing.
"""

from __future__ import annotations

import os
import sys

_RUNTIME_VAR = "_KFP_RUNTIME"


def import_without_client() -> None:
    if "kfp" in sys.modules:
        return
    before = os.environ.get(_RUNTIME_VAR)
    os.environ[_RUNTIME_VAR] = "true"
    try:
        import kfp  # noqa: F401
    finally:
        if before is None:
            del os.environ[_RUNTIME_VAR]
        else:
            os.environ[_RUNTIME_VAR] = before
    # In the order kfp's package imports them (dsl's own modules import each other in a cycle
    # that resolves only from this end).
    from kfp import components, dsl  # noqa: F401
