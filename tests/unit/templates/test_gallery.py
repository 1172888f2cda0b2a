"""The built-in templates: well-formed cards, flows that check clean, filtering and copying."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from designer.flow.compile import compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.templates.gallery import (
    SAMPLES_DIR,
    TemplateError,
    builtin_templates,
    copy_for,
    expected_run,
    filter_templates,
    get_builtin,
    load_template_file,
    task_of,
)

TEMPLATES = builtin_templates()
IDS = [t.id for t in TEMPLATES]


def test_there_are_at_least_eight_templates_with_unique_ids_and_titles() -> None:
    assert len(TEMPLATES) >= 8
    assert len(set(IDS)) == len(IDS)
    assert len({t.title for t in TEMPLATES}) == len(TEMPLATES)


def test_the_gallery_covers_what_a_beginner_needs() -> None:
    tasks = {t.task for t in TEMPLATES}
    assert {"classification", "regression", "clustering"} <= tasks
    blocks = {node.block for t in TEMPLATES for node in t.flow.nodes}
    wanted = {
        "load.table_file",
        "preprocess.prepare_columns",
        "train.tune_classifier",
        "train.kmeans",
        "evaluate.clustering",
        "deploy.local_model",
    }
    assert wanted <= blocks
    assert any(sum(n.block.startswith("evaluate.") for n in t.flow.nodes) >= 3 for t in TEMPLATES)
    assert {t.difficulty for t in TEMPLATES} == {"beginner", "intermediate", "advanced"}


@pytest.mark.parametrize("template_id", IDS)
def test_each_template_checks_clean_and_compiles(template_id: str) -> None:
    template = get_builtin(template_id)
    assert template is not None
    check = check_flow(template.flow)
    assert [str(d) for d in check.diagnostics] == []
    compiled = compile_flow(template.flow, check)
    assert set(compiled.task_to_node.values()) == {n.id for n in template.flow.nodes}


@pytest.mark.parametrize("template_id", IDS)
def test_each_card_says_what_a_person_needs_to_choose(template_id: str) -> None:
    template = get_builtin(template_id)
    assert template is not None
    assert template.summary.endswith(".") and template.description.endswith(".")
    assert template.flow.name == template.title  # the preview and the copy say the same
    assert 2 <= len(template.learn) <= 5
    assert template.expected_run.startswith("about ")
    assert task_of(template.flow) == template.task


def test_sample_paths_are_made_full_paths_to_the_shipped_files() -> None:
    template = get_builtin("messy-customers")
    assert template is not None
    uri = template.flow.node("load").params["uri"]  # type: ignore[union-attr]
    assert Path(uri) == SAMPLES_DIR / "customers.csv"
    assert Path(uri).is_file()


@pytest.mark.parametrize(
    ("task", "difficulty", "query", "expected"),
    [
        ("regression", "", "", {"diabetes-progression"}),
        ("clustering", "", "", {"wine-clusters"}),
        ("", "advanced", "", {"tune-forest"}),
        ("classification", "beginner", "deploy", {"train-and-deploy"}),
        ("", "", "DIGITS", {"handwritten-digits"}),
        ("", "", "gradient boosting", {"compare-classifiers"}),  # a block's title finds it
        ("", "", "cross-validation", {"tune-forest"}),
        ("", "", "no such words", set()),
        ("regression", "advanced", "", set()),
    ],
)
def test_filtering(task: str, difficulty: str, query: str, expected: set[str]) -> None:
    found = filter_templates(TEMPLATES, task=task, difficulty=difficulty, query=query)
    assert {t.id for t in found} == expected


def test_no_filter_keeps_every_template_in_order() -> None:
    assert filter_templates(TEMPLATES) == list(TEMPLATES)


def test_a_copy_is_the_flow_under_a_new_name_and_independent() -> None:
    template = get_builtin("iris-flowers")
    assert template is not None
    copy = copy_for(template, "My iris")
    assert copy.name == "My iris"
    assert copy.nodes == template.flow.nodes
    copy.nodes[0].params["dataset"] = "wine"
    assert template.flow.nodes[0].params["dataset"] == "iris"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, ""), (3, "about 5 s"), (22, "about 20 s"), (89, "about 90 s"), (150, "about 2 min")],
)
def test_expected_run(seconds: int, said: str) -> None:
    assert expected_run(seconds) == said


def _card(**change: Any) -> dict[str, Any]:
    card = json.loads(
        (Path(__file__).parents[3] / "designer/templates/builtin/iris-flowers.json").read_text()
    )
    card.update(change)
    return card


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "iris-flowers.json"),
        (json.dumps(_card(difficulty="expert")), "difficulty"),
        (json.dumps(_card(id="other-name")), "must match the file name"),
        (json.dumps(_card(extra="field")), "extra"),
        (json.dumps(_card(learn=[])), "learn"),
        (json.dumps(_card(flow={"name": "x", "nodes": [{"id": "a"}]})), "the flow cannot be read"),
    ],
)
def test_a_broken_template_file_names_the_file_and_the_fault(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "iris-flowers.json"
    path.write_text(content)
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    assert "iris-flowers.json" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("blocks", "task"),
    [
        (["train.random_forest"], "classification"),
        (["train.random_forest_regressor"], "regression"),
        (["train.kmeans"], "clustering"),
        (["train.random_forest", "train.linear_regression"], "other"),
        (["load.sklearn_dataset"], "other"),
        (["no.such_block"], "other"),
    ],
)
def test_task_of_a_flow(blocks: list[str], task: str) -> None:
    flow = Flow(name="x", nodes=[{"id": f"n{i}", "block": b} for i, b in enumerate(blocks)])
    assert task_of(flow) == task


def test_the_shipped_messy_table_is_what_its_generator_writes() -> None:
    from tests.fixtures.data.make_customers import customers_csv

    assert (SAMPLES_DIR / "customers.csv").read_text() == customers_csv()
