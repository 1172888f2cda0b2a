"""Flows in the store: create, list, open, save, rename, copy, delete, on SQLite and PostgreSQL."""

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
from designer.store import Actor, FlowNotFound, Role, SignInRequired, StoreError
from designer.store.accounts import create_user
from designer.store.db import session_scope
from designer.store.flows import (
    FlowSummary,
    InvalidFlowName,
    create_flow,
    delete_flow,
    duplicate_flow,
    get_flow,
    list_flows,
    unique_name,
)
from designer.store.runs import list_runs, record_run
from designer.store.shares import create_link, share_with_user
from designer.store.tables import DraftRow, FlowVersionRow, RunRow, ShareLinkRow, ShareRow
from designer.store.versions import (
    VersionNotFound,
    get_version,
    list_versions,
    rename_flow,
    save_draft,
    save_version,
)
from tests.fixtures.flow_files import fixture_flow, flow_names


def flow(name: str = "iris_classification") -> Flow:
    return Flow.model_validate(fixture_flow(name))


@pytest.fixture
def ada(engine: Engine) -> Actor:
    create_user(engine, "siteadmin", "Site Admin")  # the first account is the admin, not ada
    return create_user(engine, "ada", "Ada Lovelace")


@pytest.fixture
def bob(engine: Engine, ada: Actor) -> Actor:
    return create_user(engine, "bob", "Bob")


def test_a_created_flow_is_its_owners_version_1(engine: Engine, ada: Actor) -> None:
    stored = create_flow(engine, ada, flow(), message="First draft")

    assert get_flow(engine, ada, stored.id) == stored
    assert stored.flow == flow()
    assert (stored.version, stored.base_version, stored.saved) == (1, 1, True)
    assert (stored.role, stored.owner) == (Role.OWNER, "Ada Lovelace")
    assert stored.created_at == stored.updated_at
    assert stored.updated_at.tzinfo == UTC
    [first] = list_versions(engine, ada, stored.id)
    assert (first.number, first.message, first.author) == (1, "First draft", "Ada Lovelace")
    assert first.node_count == len(flow().nodes)
    assert get_version(engine, ada, stored.id, 1) == flow()


def test_a_created_flow_says_created_when_no_message_is_given(engine: Engine, ada: Actor) -> None:
    stored = create_flow(engine, ada, flow())

    assert [v.message for v in list_versions(engine, ada, stored.id)] == ["Created"]


def test_nobody_signed_in_can_create_or_list_flows(engine: Engine) -> None:
    for call in (
        lambda: create_flow(engine, None, flow()),
        lambda: list_flows(engine, None),
        lambda: unique_name(engine, None),
    ):
        with pytest.raises(SignInRequired, match="sign in first"):
            call()


def test_the_flow_list_is_newest_first_and_counts_nodes(engine: Engine, ada: Actor) -> None:
    assert list_flows(engine, ada) == []
    ids = {name: create_flow(engine, ada, flow(name)).id for name in flow_names()}
    oldest = flow_names()[0]
    save_version(engine, ada, ids[oldest], _with_node(flow(oldest), "x"), base_version=1)

    listed = list_flows(engine, ada)

    assert [f.id for f in listed] == [ids[oldest], *[ids[n] for n in reversed(flow_names()[1:])]]
    for summary in listed:
        name = next(n for n in flow_names() if ids[n] == summary.id)
        document = flow(name) if name != oldest else _with_node(flow(oldest), "x")
        assert summary == FlowSummary(
            id=summary.id,
            name=document.name,
            description=document.description,
            updated_at=summary.updated_at,
            version=2 if name == oldest else 1,
            node_count=len(document.nodes),
            last_run_status=None,
            last_run_at=None,
            owner="Ada Lovelace",
            role=Role.OWNER,
        )
        assert summary.updated_at.tzinfo == UTC


def test_each_person_lists_their_own_flows(engine: Engine, ada: Actor, bob: Actor) -> None:
    mine = create_flow(engine, ada, flow()).id
    theirs = create_flow(engine, bob, flow("wine_boosting")).id
    share_with_user(engine, bob, theirs, "ada", Role.EDITOR)

    assert [f.id for f in list_flows(engine, ada, "mine")] == [mine]
    assert [(f.id, f.role, f.owner) for f in list_flows(engine, ada, "shared")] == [
        (theirs, Role.EDITOR, "Bob")
    ]
    assert [f.id for f in list_flows(engine, bob, "mine")] == [theirs]
    assert list_flows(engine, bob, "shared") == []


def test_an_autosave_changes_the_draft_but_not_the_saved_version(
    engine: Engine, ada: Actor
) -> None:
    stored = create_flow(engine, ada, flow())
    edited = _with_node(stored.flow, "extra")

    updated_at = save_draft(engine, ada, stored.id, edited, base_version=1)

    now = get_flow(engine, ada, stored.id)
    assert (now.flow, now.version, now.saved) == (edited, 1, False)
    assert now.updated_at == updated_at > stored.updated_at
    assert updated_at.tzinfo == UTC
    assert get_version(engine, ada, stored.id, 1) == stored.flow
    assert list_flows(engine, ada)[0].node_count == len(stored.flow.nodes)


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
    engine: Engine, ada: Actor, again: Callable[[Flow], Flow]
) -> None:
    stored = create_flow(engine, ada, flow())

    saved = save_version(engine, ada, stored.id, again(stored.flow), base_version=1)

    assert (saved.number, saved.created) == (1, False)
    assert [v.number for v in list_versions(engine, ada, stored.id)] == [1]
    assert get_flow(engine, ada, stored.id).saved


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
    engine: Engine, ada: Actor, change: Callable[[Flow], Flow]
) -> None:
    stored = create_flow(engine, ada, flow())

    saved = save_version(engine, ada, stored.id, change(stored.flow), base_version=1)

    assert (saved.number, saved.created) == (2, True)
    assert get_version(engine, ada, stored.id, 2) == change(stored.flow)
    assert get_flow(engine, ada, stored.id).flow == change(stored.flow)


def test_versions_are_numbered_per_flow_and_listed_newest_first(engine: Engine, ada: Actor) -> None:
    first = create_flow(engine, ada, flow())
    other = create_flow(engine, ada, flow("wine_boosting"))
    documents = [_with_node(first.flow, "a"), _with_node(first.flow, "b")]
    numbers = [
        save_version(engine, ada, first.id, d, base_version=i + 1, message=f"note {i}").number
        for i, d in enumerate(documents)
    ]

    versions = list_versions(engine, ada, first.id)

    assert numbers == [2, 3]
    assert [(v.number, v.message, v.node_count) for v in versions] == [
        (3, "note 1", 6),
        (2, "note 0", 6),
        (1, "Created", 5),
    ]
    assert versions[0].created_at >= versions[1].created_at >= versions[2].created_at
    assert all(v.created_at.tzinfo == UTC for v in versions)
    assert [get_version(engine, ada, first.id, n) for n in (1, 2, 3)] == [first.flow, *documents]
    assert get_flow(engine, ada, first.id).version == 3
    assert get_flow(engine, ada, other.id).version == 1


def test_a_missing_version_is_named_in_the_error(engine: Engine, ada: Actor) -> None:
    stored = create_flow(engine, ada, flow())

    with pytest.raises(VersionNotFound, match=rf"flow '{stored.id}' has no saved version 7"):
        get_version(engine, ada, stored.id, 7)


def test_renaming_changes_the_list_and_the_document(engine: Engine, ada: Actor) -> None:
    stored = create_flow(engine, ada, flow())

    assert rename_flow(engine, ada, stored.id, "Irises, take two") == 2

    renamed = get_flow(engine, ada, stored.id)
    assert renamed.flow == stored.flow.model_copy(update={"name": "Irises, take two"})
    assert renamed.updated_at > stored.updated_at
    assert [f.name for f in list_flows(engine, ada)] == ["Irises, take two"]


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
def test_names_that_cannot_name_a_flow_are_refused(
    engine: Engine, ada: Actor, name: str, reason: str
) -> None:
    stored = create_flow(engine, ada, flow())
    bad = Flow.model_construct(**{**stored.flow.__dict__, "name": name})

    with pytest.raises(InvalidFlowName, match=reason) as caught:
        rename_flow(engine, ada, stored.id, name)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, StoreError)
    for call in (
        lambda: create_flow(engine, ada, bad),
        lambda: save_draft(engine, ada, stored.id, bad, base_version=1),
        lambda: save_version(engine, ada, stored.id, bad, base_version=1),
        lambda: duplicate_flow(engine, ada, stored.id, name),
        lambda: unique_name(engine, ada, name),
    ):
        with pytest.raises(InvalidFlowName, match=reason):
            call()

    assert get_flow(engine, ada, stored.id).flow.name == stored.flow.name
    assert [v.number for v in list_versions(engine, ada, stored.id)] == [1]


@pytest.mark.parametrize("name", ["x" * 200, "Ünïcødé 流程 🚀", " spaced out ", "50% off_"])
def test_any_one_line_name_up_to_200_characters_is_fine(
    engine: Engine, ada: Actor, name: str
) -> None:
    stored = create_flow(engine, ada, flow())

    rename_flow(engine, ada, stored.id, name)

    assert get_flow(engine, ada, stored.id).flow.name == name


@pytest.mark.parametrize(
    ("name", "copy_name", "expected"),
    [
        ("Iris classification", None, "Iris classification (copy)"),
        ("Iris classification", "My iris", "My iris"),
        ("y" * 200, None, "y" * 193 + " (copy)"),
    ],
)
def test_duplicating_copies_what_the_person_sees_into_a_flow_of_their_own(
    engine: Engine, ada: Actor, bob: Actor, name: str, copy_name: str | None, expected: str
) -> None:
    original = create_flow(engine, ada, flow().model_copy(update={"name": name}))
    draft = _with_node(original.flow, "draft_only")
    save_draft(engine, ada, original.id, draft, base_version=1)
    record = RunRecord(run_id=f"r-{original.id}", flow_name=name, engine="local")
    record_run(engine, original.id, 1, record, user_id=ada.id)
    share_with_user(engine, ada, original.id, "bob", Role.VIEWER)

    mine = duplicate_flow(engine, ada, original.id, copy_name)
    theirs = duplicate_flow(engine, bob, original.id, copy_name)

    assert mine.flow == draft.model_copy(update={"name": expected})  # the owner's draft
    assert theirs.flow == original.flow.model_copy(update={"name": expected})  # latest version
    for person, copy in ((ada, mine), (bob, theirs)):
        assert copy.id != original.id
        assert (copy.version, copy.saved, copy.role) == (1, True, Role.OWNER)
        assert get_flow(engine, person, copy.id) == copy
        [created] = list_versions(engine, person, copy.id)
        assert created.message == f"Copied from {name}"
        assert list_runs(engine, person, copy.id) == []
    assert get_flow(engine, ada, original.id).flow == draft
    assert [f.id for f in list_flows(engine, bob, "mine")] == [theirs.id]


def test_deleting_a_flow_deletes_everything_about_it(
    engine: Engine, ada: Actor, bob: Actor
) -> None:
    doomed, kept = create_flow(engine, ada, flow()), create_flow(engine, ada, flow("wine_boosting"))
    for stored in (doomed, kept):
        save_version(engine, ada, stored.id, _with_node(stored.flow, "more"), base_version=1)
        save_draft(engine, ada, stored.id, _with_node(stored.flow, "draft"), base_version=2)
        share_with_user(engine, ada, stored.id, "bob", Role.EDITOR)
        create_link(engine, ada, stored.id)
        for run in ("a", "b"):
            record = RunRecord(run_id=f"{stored.id}-{run}", flow_name="x", engine="local")
            record_run(engine, stored.id, 2, record)

    delete_flow(engine, ada, doomed.id)

    tables = (FlowVersionRow, RunRow, DraftRow, ShareRow, ShareLinkRow)
    assert [_rows(engine, table, doomed.id) for table in tables] == [0, 0, 0, 0, 0]
    assert [_rows(engine, table, kept.id) for table in tables] == [2, 2, 1, 1, 1]
    assert [f.id for f in list_flows(engine, ada)] == [kept.id]
    for person in (ada, bob):
        with pytest.raises(FlowNotFound):
            get_flow(engine, person, doomed.id)


def test_unique_names_count_up_from_two_among_the_persons_own_flows(
    engine: Engine, ada: Actor, bob: Actor
) -> None:
    names = []
    for _ in range(3):
        name = unique_name(engine, ada)
        create_flow(engine, ada, Flow(name=name))
        names.append(name)
    create_flow(engine, ada, Flow(name="50%_off"))

    assert names == ["Untitled flow", "Untitled flow 2", "Untitled flow 3"]
    assert unique_name(engine, ada, "50%_off") == "50%_off 2"
    assert unique_name(engine, ada, "50") == "50"  # LIKE's wildcards in names are literal
    assert unique_name(engine, bob) == "Untitled flow"  # other people's names do not count
    assert unique_name(engine, ada, "z" * 200) == "z" * 200


MISSING = "0123456789abcdef0123456789abcdef"
ON_A_MISSING_FLOW: dict[str, Callable[[Engine, Actor], Any]] = {
    "get_flow": lambda e, a: get_flow(e, a, MISSING),
    "save_draft": lambda e, a: save_draft(e, a, MISSING, flow(), base_version=1),
    "save_version": lambda e, a: save_version(e, a, MISSING, flow(), base_version=1),
    "list_versions": lambda e, a: list_versions(e, a, MISSING),
    "get_version": lambda e, a: get_version(e, a, MISSING, 1),
    "rename_flow": lambda e, a: rename_flow(e, a, MISSING, "New name"),
    "duplicate_flow": lambda e, a: duplicate_flow(e, a, MISSING),
    "delete_flow": lambda e, a: delete_flow(e, a, MISSING),
    "list_runs": lambda e, a: list_runs(e, a, MISSING),
    "record_run": lambda e, a: record_run(
        e, MISSING, 1, RunRecord(run_id="r", flow_name="x", engine="local")
    ),
}


def test_a_missing_flow_is_named_in_the_error(engine: Engine, ada: Actor) -> None:
    create_flow(engine, ada, flow())
    said: dict[str, str] = {}

    for name, call in ON_A_MISSING_FLOW.items():
        with pytest.raises(FlowNotFound) as missing:
            call(engine, ada)
        said[name] = str(missing.value)

    expected = f"no flow with id '{MISSING}': it may have been deleted, or not shared with you"
    assert said == dict.fromkeys(ON_A_MISSING_FLOW, expected)


NAMES = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=200
).filter(str.strip)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=NAMES, second=NAMES)
def test_any_name_round_trips(engine: Engine, ada: Actor, first: str, second: str) -> None:
    stored = create_flow(engine, ada, Flow(name=first))
    assert get_flow(engine, ada, stored.id).flow.name == first

    rename_flow(engine, ada, stored.id, second)

    assert get_flow(engine, ada, stored.id).flow.name == second
    assert next(f.name for f in list_flows(engine, ada) if f.id == stored.id) == second


def _with_node(original: Flow, node_id: str) -> Flow:
    return original.model_copy(
        update={"nodes": [*original.nodes, Node(id=node_id, block="load.sklearn_dataset")]}
    )


def _rows(engine: Engine, table: Any, flow_id: str) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count()).select_from(table).where(table.flow_id == flow_id)
        ).one()
