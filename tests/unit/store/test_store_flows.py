"""Flows and versions in the store, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import select

from designer.flow.document import Flow, Node, Position
from designer.runs.record import RunRecord
from designer.store import (
    FlowNotFound,
    InvalidFlowName,
    StoreError,
    VersionNotFound,
    create_flow,
    delete_flow,
    duplicate_flow,
    get_flow,
    get_version,
    list_flows,
    list_runs,
    list_versions,
    record_run,
    rename_flow,
    save_draft,
    save_version,
    session_scope,
    unique_name,
)
from designer.store.tables import FlowVersionRow, RunRow
from tests.fixtures.flow_files import fixture_flow, flow_names


def flow(name: str = "iris_classification") -> Flow:
    return Flow.model_validate(fixture_flow(name))


def test_a_created_flow_reads_back_as_it_was_stored(engine: Engine) -> None:
    stored = create_flow(engine, flow())

    assert get_flow(engine, stored.id) == stored
    assert stored.flow == flow()
    assert (stored.version, stored.saved) == (0, False)
    assert stored.created_at == stored.updated_at
    assert stored.updated_at.tzinfo == UTC
    assert list_versions(engine, stored.id) == []


def test_the_flow_list_is_newest_first_and_counts_nodes(engine: Engine) -> None:
    assert list_flows(engine) == []
    ids = {name: create_flow(engine, flow(name)).id for name in flow_names()}
    oldest = flow_names()[0]
    save_draft(engine, ids[oldest], flow(oldest))  # touched last: now the newest

    listed = list_flows(engine)

    assert [f.id for f in listed] == [ids[oldest], *[ids[n] for n in reversed(flow_names()[1:])]]
    for summary in listed:
        document = next(flow(n) for n in flow_names() if ids[n] == summary.id)
        assert (summary.name, summary.description) == (document.name, document.description)
        assert summary.node_count == len(document.nodes)
        assert (summary.version, summary.last_run_status, summary.last_run_at) == (0, None, None)


def test_an_autosave_changes_the_draft_but_not_the_saved_version(engine: Engine) -> None:
    stored = create_flow(engine, flow())
    assert save_version(engine, stored.id, stored.flow, note="first") == 1
    assert get_flow(engine, stored.id).saved

    edited = _with_node(stored.flow, "extra")
    updated_at = save_draft(engine, stored.id, edited)

    now = get_flow(engine, stored.id)
    assert (now.flow, now.version, now.saved) == (edited, 1, False)
    assert now.updated_at == updated_at > stored.updated_at
    assert get_version(engine, stored.id, 1) == stored.flow
    assert list_flows(engine)[0].node_count == len(edited.nodes)


def _same_content_reordered(original: Flow) -> Flow:
    data = original.model_dump(mode="json")
    for node in data["nodes"]:
        node["params"] = dict(reversed(node["params"].items()))
    return Flow.model_validate(dict(reversed(data.items())))


SAME_DOCUMENT: dict[str, Callable[[Flow], Flow]] = {
    "the same object": lambda f: f,
    "a copy read back from JSON": lambda f: Flow.model_validate_json(f.to_json()),
    "the same content, keys in another order": _same_content_reordered,
}


@pytest.mark.parametrize("again", SAME_DOCUMENT.values(), ids=SAME_DOCUMENT.keys())
def test_saving_an_unchanged_document_keeps_the_version_number(
    engine: Engine, again: Callable[[Flow], Flow]
) -> None:
    stored = create_flow(engine, flow())
    assert save_version(engine, stored.id, stored.flow) == 1

    assert save_version(engine, stored.id, again(stored.flow), note="again") == 1

    assert [v.number for v in list_versions(engine, stored.id)] == [1]
    assert get_flow(engine, stored.id).saved


def _first_node(original: Flow, **update: Any) -> Flow:
    first = original.nodes[0].model_copy(update=update)
    return original.model_copy(update={"nodes": [first, *original.nodes[1:]]})


CHANGES: dict[str, Callable[[Flow], Flow]] = {
    "a node moved": lambda f: _first_node(f, position=Position(x=5, y=5)),
    "a parameter changed": lambda f: _first_node(f, params={"dataset": "wine"}),
    "a node's cache turned off": lambda f: _first_node(f, cache=False),
    "a node added": lambda f: _with_node(f, "extra"),
    "the description": lambda f: f.model_copy(update={"description": "changed"}),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_saving_a_changed_document_makes_the_next_version(
    engine: Engine, change: Callable[[Flow], Flow]
) -> None:
    stored = create_flow(engine, flow())
    save_version(engine, stored.id, stored.flow)

    assert save_version(engine, stored.id, change(stored.flow)) == 2
    assert get_version(engine, stored.id, 2) == change(stored.flow)


def test_versions_are_numbered_per_flow_and_listed_newest_first(engine: Engine) -> None:
    first = create_flow(engine, flow())
    other = create_flow(engine, flow("wine_boosting"))
    documents = [first.flow, _with_node(first.flow, "a"), _with_node(first.flow, "b")]
    numbers = [save_version(engine, first.id, d, note=f"note {i}") for i, d in enumerate(documents)]
    assert save_version(engine, other.id, other.flow) == 1

    versions = list_versions(engine, first.id)

    assert numbers == [1, 2, 3]
    assert [(v.number, v.note, v.node_count) for v in versions] == [
        (3, "note 2", 6),
        (2, "note 1", 6),
        (1, "note 0", 5),
    ]
    assert versions[0].created_at >= versions[1].created_at >= versions[2].created_at
    assert all(v.created_at.tzinfo == UTC for v in versions)
    assert [get_version(engine, first.id, n) for n in numbers] == documents
    assert get_flow(engine, first.id).version == 3
    assert get_flow(engine, other.id).version == 1


def test_a_missing_version_is_named_in_the_error(engine: Engine) -> None:
    stored = create_flow(engine, flow())
    save_version(engine, stored.id, stored.flow)

    with pytest.raises(VersionNotFound, match=rf"flow '{stored.id}' has no saved version 7"):
        get_version(engine, stored.id, 7)


def test_renaming_changes_the_list_and_the_document(engine: Engine) -> None:
    stored = create_flow(engine, flow())

    rename_flow(engine, stored.id, "Irises, take two")

    renamed = get_flow(engine, stored.id)
    assert renamed.flow.name == "Irises, take two"
    assert renamed.flow == stored.flow.model_copy(update={"name": "Irises, take two"})
    assert renamed.updated_at > stored.updated_at
    assert [f.name for f in list_flows(engine)] == ["Irises, take two"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "needs a name: this one is blank"),
        ("   \u3000", "needs a name: this one is blank"),
        ("x" * 201, "at most 200 characters: this one has 201"),
        ("two\nlines", r"one line of plain text: '\\n' \(a line break or control character\)"),
        ("nul\x00byte", r"'\\x00' \(a line break or control character\) cannot be part of it"),
        ("para\u2029graph", r"'\\u2029' \(a line break"),
    ],
    ids=["empty", "blank", "too long", "newline", "NUL", "paragraph separator"],
)
def test_renaming_refuses_names_that_cannot_name_a_flow(
    engine: Engine, name: str, reason: str
) -> None:
    stored = create_flow(engine, flow())

    with pytest.raises(InvalidFlowName, match=reason) as caught:
        rename_flow(engine, stored.id, name)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, StoreError)
    with pytest.raises(InvalidFlowName, match=reason):
        create_flow(engine, Flow.model_construct(**{**stored.flow.__dict__, "name": name}))

    assert get_flow(engine, stored.id).flow.name == stored.flow.name


@pytest.mark.parametrize("name", ["x" * 200, "Ünïcødé 流程 🚀", " spaced out ", "50% off_"])
def test_renaming_accepts_any_one_line_name_up_to_200_characters(engine: Engine, name: str) -> None:
    stored = create_flow(engine, flow())

    rename_flow(engine, stored.id, name)

    assert get_flow(engine, stored.id).flow.name == name


@pytest.mark.parametrize(
    ("name", "copy_name", "expected"),
    [
        ("Iris classification", None, "Iris classification (copy)"),
        ("Iris classification", "My iris", "My iris"),
        ("y" * 200, None, "y" * 193 + " (copy)"),
    ],
)
def test_duplicating_copies_the_draft_only(
    engine: Engine, name: str, copy_name: str | None, expected: str
) -> None:
    original = create_flow(engine, flow().model_copy(update={"name": name}))
    save_version(engine, original.id, original.flow)
    draft = _with_node(original.flow, "draft_only")
    save_draft(engine, original.id, draft)
    record_run(engine, original.id, 1, RunRecord(run_id="r1", flow_name=name, engine="local"))

    copy = duplicate_flow(engine, original.id, copy_name)

    assert copy.id != original.id
    assert copy.flow == draft.model_copy(update={"name": expected})
    assert (copy.version, copy.saved) == (0, False)
    assert get_flow(engine, copy.id) == copy
    assert list_versions(engine, copy.id) == [] and list_runs(engine, copy.id) == []
    assert get_flow(engine, original.id).flow == draft


def test_deleting_a_flow_deletes_its_versions_and_runs(engine: Engine) -> None:
    doomed, kept = create_flow(engine, flow()), create_flow(engine, flow("wine_boosting"))
    for stored in (doomed, kept):
        save_version(engine, stored.id, stored.flow)
        save_version(engine, stored.id, _with_node(stored.flow, "more"))
        for run in ("a", "b"):
            record = RunRecord(run_id=f"{stored.id}-{run}", flow_name="x", engine="local")
            record_run(engine, stored.id, 2, record)

    delete_flow(engine, doomed.id)

    assert _rows(engine, FlowVersionRow, doomed.id) == 0
    assert _rows(engine, RunRow, doomed.id) == 0
    assert (_rows(engine, FlowVersionRow, kept.id), _rows(engine, RunRow, kept.id)) == (2, 2)
    assert [f.id for f in list_flows(engine)] == [kept.id]
    with pytest.raises(FlowNotFound):
        get_flow(engine, doomed.id)


def test_unique_names_count_up_from_two(engine: Engine) -> None:
    names = []
    for _ in range(3):
        name = unique_name(engine)
        create_flow(engine, Flow(name=name))
        names.append(name)
    create_flow(engine, Flow(name="50%_off"))

    assert names == ["Untitled flow", "Untitled flow 2", "Untitled flow 3"]
    assert unique_name(engine, "50%_off") == "50%_off 2"
    assert unique_name(engine, "50") == "50"  # LIKE's wildcards in names are literal


MISSING = "0123456789abcdef0123456789abcdef"
ON_A_MISSING_FLOW: dict[str, Callable[[Engine], Any]] = {
    "get_flow": lambda e: get_flow(e, MISSING),
    "save_draft": lambda e: save_draft(e, MISSING, flow()),
    "save_version": lambda e: save_version(e, MISSING, flow()),
    "list_versions": lambda e: list_versions(e, MISSING),
    "get_version": lambda e: get_version(e, MISSING, 1),
    "rename_flow": lambda e: rename_flow(e, MISSING, "New name"),
    "duplicate_flow": lambda e: duplicate_flow(e, MISSING),
    "delete_flow": lambda e: delete_flow(e, MISSING),
    "list_runs": lambda e: list_runs(e, MISSING),
    "record_run": lambda e: record_run(
        e, MISSING, 1, RunRecord(run_id="r", flow_name="x", engine="local")
    ),
}


@pytest.mark.parametrize("call", ON_A_MISSING_FLOW.values(), ids=ON_A_MISSING_FLOW.keys())
def test_a_missing_flow_is_named_in_the_error(
    engine: Engine, call: Callable[[Engine], Any]
) -> None:
    create_flow(engine, flow())

    with pytest.raises(FlowNotFound, match=rf"no flow with id '{MISSING}': it may have been del"):
        call(engine)


NAMES = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=200
).filter(str.strip)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=NAMES, second=NAMES)
def test_any_name_round_trips(engine: Engine, first: str, second: str) -> None:
    stored = create_flow(engine, Flow(name=first))
    assert get_flow(engine, stored.id).flow.name == first

    rename_flow(engine, stored.id, second)

    assert get_flow(engine, stored.id).flow.name == second
    assert next(f.name for f in list_flows(engine) if f.id == stored.id) == second


def _with_node(original: Flow, node_id: str) -> Flow:
    return original.model_copy(
        update={"nodes": [*original.nodes, Node(id=node_id, block="load.sklearn_dataset")]}
    )


def _rows(engine: Engine, table: type[FlowVersionRow] | type[RunRow], flow_id: str) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count()).select_from(table).where(table.flow_id == flow_id)
        ).one()
