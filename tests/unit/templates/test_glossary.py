"""Plain words everywhere: every block and port explains itself, and the jargon the templates
and the guided start use is in the glossary."""

from __future__ import annotations

import pytest

from blocks import CATALOGUE
from blocks.base import Block
from designer.templates.glossary import GLOSSARY, find_term

#: Words the gallery cards, block descriptions and proposals use that a newcomer may not know.
JARGON = [
    "accuracy",
    "classification",
    "regression",
    "clustering",
    "confusion matrix",
    "cross-validation",
    "hyperparameters",
    "one-hot",
    "ROC curve",
    "ROC AUC",
    "silhouette",
    "adjusted rand",
    "RMSE",
    "MAE",
    "R²",
    "F1",
    "macro average",
    "precision",
    "recall",
    "target",
    "test rows",
    "scaling",
    "missing values",
]


@pytest.mark.parametrize("word", JARGON)
def test_jargon_is_in_the_glossary(word: str) -> None:
    assert find_term(word) is not None, word


def test_glossary_entries_are_unique_short_and_sorted() -> None:
    terms = [t.anchor for t in GLOSSARY]
    assert terms == sorted(terms)
    assert len({t.anchor for t in GLOSSARY}) == len(GLOSSARY)
    for term in GLOSSARY:
        assert term.meaning.endswith(".") and len(term.meaning) <= 260, term.term


@pytest.mark.parametrize("block", CATALOGUE, ids=lambda b: b.id)
def test_every_block_and_port_has_a_plain_tooltip(block: Block) -> None:
    assert 20 <= len(block.description) <= 300, block.id
    for port in (*block.inputs, *block.outputs):
        assert port.description.strip(), f"{block.id}.{port.name}"
        assert len(port.description) <= 160, f"{block.id}.{port.name}"
    for name, field in block.params_schema()["properties"].items():
        assert field.get("title") and field.get("description"), f"{block.id}.{name}"


@pytest.mark.parametrize(
    ("word", "found"), [("R2", "R²"), ("roc auc", "ROC curve"), ("nope", None)]
)
def test_find_term_knows_other_spellings(word: str, found: str | None) -> None:
    entry = find_term(word)
    assert (entry.term if entry else None) == found
