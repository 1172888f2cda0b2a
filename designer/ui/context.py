"""The core services the pages use: settings, the database and the run launcher.

Read from the environment on each call (cheap), so a test or a deployment that changes
DESIGNER_HOME or DESIGNER_DATABASE_URL before the app starts is always honoured.
"""

from __future__ import annotations

import functools

from sqlalchemy.engine import Engine

from designer.models.cluster_publish import publish_cluster_deployments
from designer.models.publish import publish_deployments
from designer.runs.launcher import Launcher
from designer.settings import Settings, load_settings
from designer.store.db import engine_for


def settings() -> Settings:
    return load_settings()


def database() -> Engine:
    return engine_for(settings().database_url)


def launcher() -> Launcher:
    return _launcher(settings())


@functools.cache
def _launcher(current: Settings) -> Launcher:
    # Models a run packs are published after it, for the person who started it.
    database = engine_for(current.database_url)
    publish = functools.partial(publish_deployments, database, current.models_dir)
    # ...and those of a cluster run, served by KServe, once the designer sees it finished.
    serve = functools.partial(publish_cluster_deployments, database, current)
    return Launcher(current, after_run=publish, after_cluster_run=serve)
