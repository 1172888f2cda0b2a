"""A value a deployed model never saw in training: answered anyway, with a note that names the
column, the value and the values the model knows (trimmed), for the page and the API alike."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from blocks.runtime.model_inputs import (
    MAX_CHOICES,
    MAX_KNOWN_SHOWN,
    MAX_UNSEEN,
    unseen_values,
)
from blocks.runtime.model_registry import predict_rows
from designer.ui.models_state import unseen_notes
from tests.unit.api.deployed import PETS_ROW, deploy_samples

COLOR = {"name": "color", "type": "text", "example": "black", "choices": ["black", "white"]}
AGE = {"name": "age", "type": "number", "example": 3.0}


@pytest.mark.parametrize(
    ("colors", "expected"),
    [
        (["black", "white"], []),
        (["black", None, math.nan], []),  # empty cells are filled, not unseen
        (["pink"], [(1, "pink")]),
        (["white", "Black", "pink"], [(2, "Black"), (3, "pink")]),
    ],
    ids=["known", "empty", "unseen", "case-counts"],
)
def test_unseen_values_are_listed_by_row(colors: list[Any], expected: list[tuple]) -> None:
    frame = pd.DataFrame({"age": [1.0] * len(colors), "color": colors})
    found = unseen_values([AGE, COLOR], frame)
    assert [(u["row"], u["value"]) for u in found] == expected
    for entry in found:
        assert entry["column"] == "color" and entry["known"] == ["black", "white"]
        where = f"row {entry['row']}, color" if len(colors) > 1 else "color"
        assert entry["note"].startswith(f"{where}: {entry['value']!r} was not seen in training")
        assert "(black, white)" in entry["note"]


def test_known_values_are_trimmed_and_counted() -> None:
    many = [f"c{i:02d}" for i in range(30)]
    feature = {"name": "city", "type": "text", "choices": many}
    [entry] = unseen_values([feature], pd.DataFrame({"city": ["elsewhere"]}))
    assert entry["known"] == many[:MAX_KNOWN_SHOWN] and entry["known_count"] == 30
    assert f"c09 and {30 - MAX_KNOWN_SHOWN} more" in entry["note"]


def test_choices_cut_short_at_registration_are_not_trusted() -> None:
    """A registration keeps at most MAX_CHOICES choices: a value past them may be known."""
    feature = {"name": "city", "type": "text", "choices": [f"c{i}" for i in range(MAX_CHOICES)]}
    assert unseen_values([feature], pd.DataFrame({"city": ["c999"]})) == []


def test_a_flood_of_unseen_values_is_capped() -> None:
    frame = pd.DataFrame({"color": [f"x{i}" for i in range(MAX_UNSEEN + 5)]})
    assert len(unseen_values([COLOR], frame)) == MAX_UNSEEN


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy_samples(tmp_path_factory.mktemp("home")) / "models"


def test_a_deployed_model_answers_and_says_what_it_never_saw(models: Path) -> None:
    """The known values come from the fitted preprocessor itself (all of them)."""
    seen = predict_rows(models, "pets", [PETS_ROW])
    unseen = predict_rows(models, "pets", [{**PETS_ROW, "color": "tartan"}])

    assert seen.unseen == [] and len(unseen.predictions) == 1
    [entry] = unseen.unseen
    assert (entry["column"], entry["value"]) == ("color", "tartan")
    assert entry["known"] == ["black", "brown", "grey", "white"]
    assert unseen_notes(unseen.unseen) == [
        "color: 'tartan' was not seen in training, so the model treats it as none of the values "
        "it knows (black, brown, grey, white); its answer rests on the other columns."
    ]


def test_number_models_have_nothing_to_report(models: Path) -> None:
    row = dict.fromkeys(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"], 0.0)
    assert predict_rows(models, "diabetes", [row]).unseen == []
