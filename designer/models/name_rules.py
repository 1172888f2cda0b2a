"""What a model name may be, said in words, with a valid name made from what was typed.

The rule itself is ``blocks.runtime.model_names.NAME_PATTERN``, the one the Deploy block's
setting and the registry use.
"""

from __future__ import annotations

import re
import unicodedata

from blocks.runtime.model_names import MAX_LENGTH
from blocks.runtime.model_names import NAME_PATTERN as MODEL_NAME_PATTERN

#: The rule, in the words the people naming a model use.
MODEL_NAME_RULE = (
    "only lower-case letters, digits and dashes, start with a letter or a digit and have at "
    f"most {MAX_LENGTH} characters"
)
#: Offered when nothing of what was typed can be kept.
FALLBACK = "my-model"


def is_model_name(text: str) -> bool:
    return re.fullmatch(MODEL_NAME_PATTERN, text) is not None


def suggest_model_name(typed: str) -> str:
    """A valid name as close to ``typed`` as the rule allows.

    >>> suggest_model_name("Churn Model (v2)!")
    'churn-model-v2'
    >>> suggest_model_name("Modèle prix")
    'modele-prix'
    """
    # Accents go (é -> e); every run of anything else becomes one dash.
    plain = unicodedata.normalize("NFKD", typed).encode("ascii", "ignore").decode()
    dashed = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return dashed[:MAX_LENGTH].rstrip("-") or FALLBACK


def model_name_problem(typed: str, subject: str = "A model name") -> str | None:
    """Why ``typed`` is not a model name, with a name that would do; None when it is one.

    >>> model_name_problem("Churn Model")
    "A model name must use only lower-case letters, digits and dashes, start with a letter or \
a digit and have at most 63 characters; found 'Churn Model': try 'churn-model'"
    """
    if is_model_name(typed):
        return None
    found = "nothing" if typed == "" else repr(typed)
    return f"{subject} must use {MODEL_NAME_RULE}; found {found}: try {suggest_model_name(typed)!r}"
