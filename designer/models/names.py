"""Whose a model name is, asked while a flow is edited, so a Deploy node says it before a run.

``model_name_check`` gives ``check_flow`` (``designer.flow.validate``) its ``models`` lookup:
for each name a Deploy node asks for, why the person checking the flow may not deploy under it,
or None. The publish after the run asks the store again (``designer.models.publish``): a check
while editing is a courtesy, not the guard.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine

from blocks.runtime.model_names import NAME_PATTERN
from designer.flow.validate import ModelNameCheck
from designer.store.access import Actor
from designer.store.models import deploy_refusal


def model_name_check(
    engine: Engine, models_dir: str | os.PathLike[str], person: Actor | None
) -> ModelNameCheck:
    """Says why ``person`` may not deploy under a name (None: they may); each name asked once.

    ``person`` None is the command line without ``--as`` (see ``designer.store.models``).
    """
    answers: dict[str, str | None] = {}

    def check(name: str) -> str | None:
        if not re.fullmatch(NAME_PATTERN, name):
            # Not a name at all: the block's parameter check says so, in words with a name
            # that would do (designer.models.name_rules).
            return None
        if name not in answers:
            exists = (Path(models_dir) / name).is_dir()
            answers[name] = deploy_refusal(engine, person, name, files_exist=exists)
        return answers[name]

    return check
