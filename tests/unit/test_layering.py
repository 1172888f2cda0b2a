"""The core (flow, runs, settings, blocks) never imports the web UI."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "blocks.catalogue",
    "designer.cli",
    "designer.flow.compile",
    "designer.flow.validate",
    "designer.runs.local",
    "designer.runs.kubeflow",
    "designer.settings",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_reflex(module: str) -> None:
    code = f"import sys, {module}; print('reflex' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
