"""The launcher the designer's servers and commands start runs with: one that publishes the
models a run deploys, for the person who started it, once the run ends (locally into the model
folder, ``designer.models.publish``; on a cluster served by KServe,
``designer.models.cluster_publish``)."""

from __future__ import annotations

import functools

from designer.models.cluster_publish import publish_cluster_deployments
from designer.models.publish import publish_deployments
from designer.runs.launcher import Launcher
from designer.settings import Settings
from designer.store.db import engine_for


def publishing_launcher(settings: Settings) -> Launcher:
    """A launcher whose runs publish their models when they end."""
    database = engine_for(settings.database_url)
    return Launcher(
        settings,
        after_run=functools.partial(publish_deployments, database, settings.models_dir),
        after_cluster_run=functools.partial(publish_cluster_deployments, database, settings),
    )
