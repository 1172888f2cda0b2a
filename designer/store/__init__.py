"""The store: people, teams, flows with their versions and shares, and runs, in SQL.

``engine_for(settings.database_url)`` gives the engine every function takes first; functions
that act for someone take the acting ``Actor`` (or None, for nobody signed in) second and check
what that person may do. They return plain frozen values and raise ``StoreError`` subclasses
whose messages are meant for the person using the designer. Import the functions from their
modules (``designer.store.flows``, ``.versions``, ``.shares``...); this package exports the
pieces every caller needs.
"""

from designer.store.access import (
    Actor,
    FlowNotFound,
    NotAllowed,
    Role,
    SignInRequired,
)
from designer.store.db import StoreError, StoreUnavailable, dispose_engine, engine_for, safe_url

__all__ = [
    "Actor",
    "FlowNotFound",
    "NotAllowed",
    "Role",
    "SignInRequired",
    "StoreError",
    "StoreUnavailable",
    "dispose_engine",
    "engine_for",
    "safe_url",
]
