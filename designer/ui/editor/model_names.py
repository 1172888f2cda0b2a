"""Whose a model name is, as the editor checks a flow: so a Deploy node says "the model name
'x' belongs to bob; choose another name" before any run.

Who is asking is looked up only when the flow has a Deploy node, so other flows pay nothing on
each edit.
"""

from __future__ import annotations

import reflex as rx

from designer.flow.validate import ModelNameCheck
from designer.models.names import model_name_check
from designer.ui.context import database, settings
from designer.ui.session import actor_of


def model_names_of(state: rx.State) -> ModelNameCheck:
    """The ``models`` lookup of ``check_flow`` for the person on ``state``'s page."""
    found: list[ModelNameCheck] = []

    def check(name: str) -> str | None:
        if not found:
            actor = actor_of(state)
            if actor is None:
                return None  # nobody signed in runs nothing; the page sends them to sign in
            found.append(model_name_check(database(), settings().models_dir, actor))
        return found[0](name)

    return check
