"""What the gallery cards and the guided start show, without a browser."""

from __future__ import annotations

import pytest

from designer.datasets.profile import ColumnProfile, TableProfile
from designer.templates.gallery import builtin_templates, get_builtin
from designer.templates.guided import propose_sample
from designer.ui.gallery_views import TASK_FILTERS, template_card
from designer.ui.start_views import (
    column_option,
    proposal_view,
    sample_cards,
    target_first_preview,
)


def test_a_card_carries_everything_the_gallery_draws() -> None:
    template = get_builtin("compare-classifiers")
    assert template is not None
    card = template_card(template)
    assert card["title"] == "Compare three models"
    assert card["task_label"] == "Classification" and card["difficulty_label"] == "Intermediate"
    assert card["node_count"] == 9 and card["run"] == "about 25 s"
    assert card["thumbnail"].startswith("data:image/svg+xml;base64,")
    assert card["href"] == "/gallery/compare-classifiers"
    assert card["team_name"] == ""


def test_every_template_task_has_a_filter() -> None:
    offered = {f["value"] for f in TASK_FILTERS}
    assert {t.task for t in builtin_templates()} <= offered


def test_the_wizard_offers_every_sample_and_the_messy_table() -> None:
    values = [card["value"] for card in sample_cards()]
    assert "sample:iris" in values and "table:customers" in values
    assert len(values) == len(set(values))


@pytest.mark.parametrize(
    ("column", "label"),
    [
        (ColumnProfile("price", "number", 0, 523, {}, []), "price (number, 523 different values)"),
        (
            ColumnProfile("age", "integer", 12, 60, {}, []),
            "age (integer, 60 different values, 12 of 200 empty)",
        ),
        (ColumnProfile("t", "text", 0, None, {}, []), "t (text, over 10,000 different values)"),
    ],
)
def test_column_choices_say_what_each_column_holds(column: ColumnProfile, label: str) -> None:
    assert column_option(column, 200) == {"name": column.name, "label": label}


def test_a_proposal_lists_numbered_steps_with_their_blocks() -> None:
    view = proposal_view(propose_sample("diabetes"))
    assert view["task_words"] == "Predict a number"
    assert [s["number"] for s in view["steps"]] == ["1", "2", "3", "4"]
    assert [s["block"] for s in view["steps"]] == [
        "Sample dataset",
        "Train/test split",
        "Random forest regressor",
        "Evaluate regression",
    ]


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        ("rentals", ["rentals", "name", "age"]),
        ("name", ["name", "age", "rentals"]),
        ("", ["name", "age", "rentals"]),  # no choice yet: the file's order
    ],
)
def test_the_preview_puts_the_column_to_predict_first(target: str, headers: list[str]) -> None:
    columns = [ColumnProfile(n, "text", 0, 2, {}, []) for n in ("name", "age", "rentals")]
    preview: list[list[str | None]] = [["Rex", None, "3"], ["Tom", "4", "5"], ["Kit", "1", "0"]]
    profile = TableProfile("csv", ",", 3, columns, preview, None, None)
    shown, rows = target_first_preview(profile, target, 2)
    assert shown == headers
    by_name = [dict(zip(shown, row, strict=True)) for row in rows]
    assert by_name == [
        {"name": "Rex", "age": "—", "rentals": "3"},
        {"name": "Tom", "age": "4", "rentals": "5"},
    ]
