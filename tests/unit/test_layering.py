"""The core (flow, runs, store, settings, blocks) and the pure views never import Reflex."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "blocks.catalogue",
    "blocks.runtime.model_bundle",
    "blocks.runtime.model_inputs",
    "blocks.runtime.net_addresses",
    "blocks.runtime.read_policy",
    "blocks.runtime.read_settings",
    "blocks.runtime.web_fetch",
    "designer.api.app",
    "designer.auth.oidc",
    "designer.auth.signin",
    "designer.cli",
    "designer.cli.datasets",
    "designer.cli.templates",
    "designer.cli.users",
    "designer.datasets.library",
    "designer.datasets.profile",
    "designer.flow.compile",
    "designer.flow.edit",
    "designer.flow.history",
    "designer.flow.param_form",
    "designer.flow.reads",
    "designer.flow.validate",
    "designer.models.bundles",
    "designer.models.deployed",
    "designer.models.names",
    "designer.models.publish",
    "designer.objects.configured",
    "designer.objects.local",
    "designer.objects.s3",
    "designer.objects.s3_connection",
    "designer.runs.artifacts",
    "designer.runs.compare",
    "designer.runs.interrupted",
    "designer.runs.kubeflow",
    "designer.runs.launcher",
    "designer.runs.local",
    "designer.runs.local_policy",
    "designer.runs.report",
    "designer.runs.sandbox",
    "designer.runs.supervisor",
    "designer.runs.worker_env",
    "designer.settings",
    "designer.store.dataset_shares",
    "designer.store.dataset_versions",
    "designer.store.datasets",
    "designer.store.flows",
    "designer.store.migrate",
    "designer.store.models",
    "designer.store.runs",
    "designer.store.shares",
    "designer.store.teams",
    "designer.store.templates",
    "designer.store.versions",
    "designer.templates.gallery",
    "designer.templates.glossary",
    "designer.templates.guided",
    "designer.templates.samples",
    "designer.templates.thumbnail",
    "designer.templates.use",
    "designer.ui.canvas.scene",
    "designer.ui.dataset_views",
    "designer.ui.editor.dataset_choices",
    "designer.ui.editor.opening",
    "designer.ui.editor.views",
    "designer.ui.gallery_views",
    "designer.ui.sharing_views",
    "designer.ui.start_views",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_reflex(module: str) -> None:
    code = f"import sys, {module}; print('reflex' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
