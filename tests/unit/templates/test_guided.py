"""The guided start's decisions: task, preparation, refusals, and that proposals always check."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.base import DatasetLookup, StoredTable
from designer.datasets.library import auto_task
from designer.datasets.profile import ColumnProfile, TableProfile
from designer.flow.compile import compile_flow
from designer.flow.validate import check_flow
from designer.store.flows import check_flow_name
from designer.templates.guided import droppable, propose_sample, propose_table, task_for
from designer.templates.samples import SAMPLES, CannotPropose, TableSource


def column(
    name: str, kind: str = "number", distinct: int | None = 100, missing: int = 0
) -> ColumnProfile:
    return ColumnProfile(name, kind, missing, distinct, {}, [])


def profile(*columns: ColumnProfile, rows: int = 200) -> TableProfile:
    return TableProfile("csv", ",", rows, list(columns), [], None, None)


def lookup_for(table: TableProfile) -> DatasetLookup:
    def lookup(dataset_id: str, version: int) -> StoredTable:
        return StoredTable(
            dataset_id=dataset_id,
            name="t",
            version=1,
            uri="/nowhere/t.csv",
            format="csv",
            delimiter=",",
            columns=tuple(table.column_names()),
            tasks={c.name: auto_task(c) for c in table.columns},
        )

    return lookup


LIBRARY = TableSource.library("0" * 32, "my table")


@pytest.mark.parametrize("name", [s.name for s in SAMPLES])
def test_each_sample_proposal_checks_clean_and_compiles(name: str) -> None:
    proposal = propose_sample(name)
    check = check_flow(proposal.flow)
    assert [str(d) for d in check.diagnostics] == []
    compile_flow(proposal.flow, check)
    assert proposal.task == next(s.task for s in SAMPLES if s.name == name)
    assert len(proposal.steps) == len(proposal.flow.nodes) == 4
    assert all(step.explanation.endswith(".") for step in proposal.steps)


@pytest.mark.parametrize(
    ("target", "task", "words"),
    [
        (column("price", "number", 500), "regression", "predict a number"),
        (column("rooms", "integer", 6), "classification", "six whole numbers"),
        (column("income", "integer", 400), "regression", "predict a number"),
        (column("grade", "number", 5), "classification", "five numbers"),
        (column("species", "text", 3), "classification", "which of them a row has"),
        (column("spam", "boolean", 2), "classification", "true/false values"),
    ],
)
def test_the_task_follows_what_the_target_holds(
    target: ColumnProfile, task: str, words: str
) -> None:
    found, reason = task_for(target, 200)
    assert found == task
    assert words in reason and target.name in reason


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (column("y", missing=200), "empty in every row"),
        (column("y", missing=3), "empty in 3 of 200 rows"),
        (column("y", distinct=1), "one value in every row"),
        (column("when", "datetime"), "dates"),
        (column("name", "text", 200), "like an id or a name"),
        (column("customer_id", "integer", 150), "like an id or a name"),
    ],
)
def test_a_column_that_cannot_be_predicted_is_refused_with_the_reason(
    target: ColumnProfile, message: str
) -> None:
    with pytest.raises(CannotPropose, match=message):
        task_for(target, 200)


@pytest.mark.parametrize(
    ("feature", "dropped"),
    [
        (column("area"), False),
        (column("city", "text", 4), False),
        (column("customer_id", "integer", 200), True),
        (column("ID", "text", 200), True),
        (column("comment", "text", 180), True),  # free text: almost every row differs
        (column("code", "text", 200), True),
        (column("constant", "text", 1), True),
        (column("signup", "datetime", 150), True),
        (column("empty", missing=200), True),
        (column("amount", "integer", 200), False),  # whole numbers that differ are measurements
    ],
)
def test_which_columns_are_dropped(feature: ColumnProfile, dropped: bool) -> None:
    assert droppable(feature, 200) is dropped


def prepare_params(table: TableProfile, target: str) -> dict[str, Any] | None:
    proposal = propose_table(LIBRARY, table, target)
    node = proposal.flow.node("prepare")
    return node.params if node else None


def test_clean_numbers_need_no_preparation() -> None:
    table = profile(column("a"), column("b"), column("y", "text", 2))
    assert prepare_params(table, "y") is None


def test_preparation_drops_fills_and_encodes_what_needs_it() -> None:
    table = profile(
        column("id", "integer", 200),
        column("age", "number", 60, missing=12),
        column("city", "text", 4, missing=5),
        column("weight"),
        column("y", "text", 2),
    )
    assert prepare_params(table, "y") == {
        "drop_columns": ["id"],
        "impute": "median",
        "scale": "none",
        "one_hot": True,
    }
    steps = propose_table(LIBRARY, table, "y").steps
    sentence = next(s.explanation for s in steps if s.node == "prepare")
    assert "drops “id”" in sentence and "“age”, “city”" in sentence and "text in “city”" in sentence


def test_nothing_left_to_learn_from_is_refused() -> None:
    table = profile(
        column("id", "integer", 200), column("note", "text", 200), column("y", "text", 2)
    )
    with pytest.raises(CannotPropose, match="no column besides"):
        propose_table(LIBRARY, table, "y")


def test_an_unknown_target_lists_the_columns() -> None:
    with pytest.raises(CannotPropose, match="pick one of: a, y"):
        propose_table(LIBRARY, profile(column("a"), column("y", "text", 2)), "nope")


@pytest.mark.parametrize(("rows", "stratify"), [(200, True), (30, False)])
def test_class_proportions_are_kept_only_with_plenty_of_rows(rows: int, stratify: bool) -> None:
    table = profile(column("a"), column("y", "text", 3), rows=rows)
    proposal = propose_table(LIBRARY, table, "y")
    assert proposal.flow.node("split").params["stratify"] is stratify  # type: ignore[union-attr]
    assert bool(proposal.notes) is (not stratify)


def test_the_load_block_is_told_the_target_and_the_task() -> None:
    table = profile(column("a"), column("price", "number", 150))
    load = propose_table(LIBRARY, table, "price").flow.node("load")
    assert load is not None
    assert load.params == {
        "dataset": "0" * 32,
        "version": 0,
        "target": "price",
        "task": "regression",
    }


kinds = st.sampled_from(["integer", "number", "boolean", "datetime", "text"])


@st.composite
def tables(draw: st.DrawFn) -> TableProfile:
    rows = draw(st.integers(1, 5000))
    count = draw(st.integers(1, 8))
    names = draw(
        st.lists(st.text(min_size=1, max_size=12), min_size=count, max_size=count, unique=True)
    )
    columns = []
    for name in names:
        missing = draw(st.integers(0, rows))
        present = rows - missing
        distinct = draw(st.one_of(st.none(), st.integers(min(1, present), max(present, 0))))
        columns.append(column(name, draw(kinds), distinct if present else 0, missing))
    return profile(*columns, rows=rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), data=st.data())
def test_any_table_gives_a_checkable_flow_or_a_reason(
    table: TableProfile, data: st.DataObject
) -> None:
    """Whatever an upload's profile says, the wizard either refuses with a sentence or proposes
    a flow with no errors in it (the load block finds the same columns in the library)."""
    target = data.draw(st.sampled_from(table.column_names()))
    try:
        proposal = propose_table(LIBRARY, table, target)
    except CannotPropose as exc:
        assert str(exc)
        return
    check = check_flow(proposal.flow, datasets=lookup_for(table))
    assert [str(d) for d in check.diagnostics if d.severity == "error"] == []
    assert proposal.task in ("classification", "regression")
    assert check_flow_name(proposal.flow.name) == proposal.flow.name  # it can be saved
