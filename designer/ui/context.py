"""The core services the pages use: settings, the database and the run launcher.

Read from the environment on each call (cheap), so a test or a deployment that changes
DESIGNER_HOME or DESIGNER_DATABASE_URL before the app starts is always honoured.
"""

from __future__ import annotations

import functools

from sqlalchemy.engine import Engine

from designer.models.publishing import publishing_launcher
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
    # Models a run deploys are published after it, for the person who started it.
    return publishing_launcher(current)
