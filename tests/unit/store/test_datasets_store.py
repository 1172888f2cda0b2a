"""The dataset library's records on SQLite and PostgreSQL: versions by content, access, deletion."""

from __future__ import annotations

import hashlib

import pytest

from designer.flow.document import Flow, Node
from designer.store import Role, flows
from designer.store.access import NotAllowed, SignInRequired
from designer.store.dataset_shares import dataset_access, share_dataset, unshare_dataset
from designer.store.dataset_versions import NewVersion, add_version, existing_version
from designer.store.datasets import (
    DatasetInUse,
    DatasetNotFound,
    InvalidDataset,
    check_dataset_name,
    delete_dataset,
    display_filename,
    flows_using,
    get_dataset,
    get_version,
    list_datasets,
    name_from_filename,
)
from tests.fixtures.people import Persona, World, world

__all__ = ["world"]


def new_version(content: str, columns: tuple[str, ...] = ("rooms", "price")) -> NewVersion:
    sha = hashlib.sha256(content.encode()).hexdigest()
    return NewVersion(
        sha256=sha,
        size=len(content),
        format="csv",
        filename="houses.csv",
        rows=3,
        columns=columns,
        profile={"format": "csv", "delimiter": ",", "columns": []},
        object_key=f"datasets/sha256/{sha[:2]}/{sha}",
    )


def shared_dataset(world: World) -> str:
    """The owner's dataset "houses", shared like the standard flow: editor and editors' team
    as editors, viewer and viewers' team as viewers."""
    engine, owner = world.engine, world.owner
    added = add_version(engine, owner, new_version("a"), name="houses")
    share_dataset(engine, owner, added.dataset_id, "user", world.editor.username, Role.EDITOR)
    share_dataset(engine, owner, added.dataset_id, "user", world.viewer.username, Role.VIEWER)
    share_dataset(engine, owner, added.dataset_id, "team", world.viewers_team, Role.VIEWER)
    share_dataset(engine, owner, added.dataset_id, "team", world.editors_team, Role.EDITOR)
    return added.dataset_id


def test_the_same_content_is_one_version_and_new_content_the_next(world: World) -> None:
    engine, owner = world.engine, world.owner
    first = add_version(engine, owner, new_version("a"), name="houses")
    again = add_version(engine, owner, new_version("a"), name="houses")
    second = add_version(engine, owner, new_version("b"), name="houses")
    assert (first.number, first.created) == (1, True)
    assert (again.dataset_id, again.number, again.created) == (first.dataset_id, 1, False)
    assert (second.dataset_id, second.number, second.created) == (first.dataset_id, 2, True)
    found = existing_version(engine, owner, new_version("b").sha256, name="houses")
    assert found is not None and (found.number, found.created) == (2, False)
    assert existing_version(engine, owner, new_version("c").sha256, name="houses") is None
    detail = get_dataset(engine, owner, first.dataset_id)
    assert [v.number for v in detail.versions] == [2, 1]
    assert detail.summary.version == 2 and detail.summary.role is Role.OWNER


def test_the_same_name_of_two_people_is_two_datasets(world: World) -> None:
    mine = add_version(world.engine, world.owner, new_version("a"), name="houses")
    theirs = add_version(world.engine, world.stranger, new_version("a"), name="houses")
    assert mine.dataset_id != theirs.dataset_id and theirs.created


def test_a_version_reads_back_with_its_profile(world: World) -> None:
    added = add_version(world.engine, world.owner, new_version("a"), name="houses")
    version, profile = get_version(world.engine, world.owner, added.dataset_id, 0)
    assert version.number == 1 and version.dataset_name == "houses"
    assert version.columns == ("rooms", "price") and profile["delimiter"] == ","
    with pytest.raises(DatasetNotFound):
        get_version(world.engine, world.owner, added.dataset_id, 7)


@pytest.mark.parametrize(
    ("persona", "may_view", "may_upload", "may_share"),
    [
        ("owner", True, True, True),
        ("admin", True, True, True),
        ("editor", True, True, False),
        ("team_editor", True, True, False),
        ("viewer", True, False, False),
        ("team_viewer", True, False, False),
        ("stranger", False, False, False),
    ],
)
def test_who_may_do_what_with_a_shared_dataset(
    world: World, persona: Persona, may_view: bool, may_upload: bool, may_share: bool
) -> None:
    engine, actor = world.engine, world.actor(persona)
    dataset_id = shared_dataset(world)
    if may_view:
        assert get_dataset(engine, actor, dataset_id).summary.id == dataset_id
        listed = any(d.id == dataset_id for d in list_datasets(engine, actor))
        assert listed is (persona != "admin")  # an admin opens any dataset, lists their own
    else:
        with pytest.raises(DatasetNotFound):
            get_dataset(engine, actor, dataset_id)
        assert all(d.id != dataset_id for d in list_datasets(engine, actor))
    upload = lambda: add_version(engine, actor, new_version(persona), dataset_id=dataset_id)  # noqa: E731
    if may_upload:
        assert upload().created
    else:
        with pytest.raises(NotAllowed if may_view else DatasetNotFound):
            upload()
    share = lambda: share_dataset(engine, actor, dataset_id, "user", "stranger")  # noqa: E731
    if may_share:
        assert share().role is Role.VIEWER
    else:
        with pytest.raises(NotAllowed if may_view else DatasetNotFound):
            share()


def test_nobody_signed_in_is_asked_to_sign_in(world: World) -> None:
    with pytest.raises(SignInRequired):
        list_datasets(world.engine, None)


def test_list_scopes_and_search(world: World) -> None:
    engine = world.engine
    shared_dataset(world)
    add_version(engine, world.editor, new_version("x", ("age", "churned")), name="Customers")
    names = lambda actor, **kw: [d.name for d in list_datasets(engine, actor, **kw)]  # noqa: E731
    assert names(world.editor) == ["Customers", "houses"]
    assert names(world.editor, scope="mine") == ["Customers"]
    assert names(world.editor, scope="shared") == ["houses"]
    assert names(world.editor, query="CHURN") == ["Customers"]  # a column name
    assert names(world.editor, query="houses.csv") == ["Customers", "houses"]  # file names
    assert names(world.editor, query="%") == []  # wildcards are plain characters
    with pytest.raises(InvalidDataset, match="scope"):
        list_datasets(engine, world.editor, scope="everything")  # type: ignore[arg-type]


def test_access_lists_owner_people_and_teams_and_can_be_removed(world: World) -> None:
    dataset_id = shared_dataset(world)
    entries = dataset_access(world.engine, world.viewer, dataset_id)
    assert [(e.kind, e.role) for e in entries] == [
        ("owner", Role.OWNER),
        ("user", Role.EDITOR),
        ("user", Role.VIEWER),
        ("team", Role.EDITOR),
        ("team", Role.VIEWER),
    ]
    unshare_dataset(world.engine, world.owner, dataset_id, "user", world.viewer.id)
    with pytest.raises(DatasetNotFound):
        get_dataset(world.engine, world.viewer, dataset_id)


@pytest.mark.parametrize(
    ("kind", "target", "role", "error"),
    [
        ("user", "owner", "viewer", NotAllowed),
        ("user", "nobody-here", "viewer", LookupError),
        ("team", "f" * 32, "viewer", LookupError),
        ("user", "viewer", "owner", InvalidDataset),
        ("group", "viewer", "viewer", InvalidDataset),
    ],
)
def test_bad_shares_are_refused(
    world: World, kind: str, target: str, role: str, error: type[Exception]
) -> None:
    dataset_id = shared_dataset(world)
    with pytest.raises(error):
        share_dataset(world.engine, world.owner, dataset_id, kind, target, role)  # type: ignore[arg-type]


def flow_reading(dataset_id: str, name: str) -> Flow:
    node = Node(id="data", block="load.dataset", params={"dataset": dataset_id})
    return Flow(name=name, nodes=[node])


def test_deleting_a_dataset_flows_read_needs_confirming(world: World) -> None:
    engine = world.engine
    dataset_id = shared_dataset(world)
    add_version(engine, world.owner, new_version("b"), dataset_id=dataset_id)
    flows.create_flow(engine, world.owner, flow_reading(dataset_id, "Prices"))
    flows.create_flow(engine, world.stranger, flow_reading(dataset_id, "Secret"))
    assert flows_using(engine, world.owner, dataset_id) == (["Prices"], 1)
    with pytest.raises(DatasetInUse, match="'Prices' and 1 flow not shared with you") as raised:
        delete_dataset(engine, world.owner, dataset_id)
    assert raised.value.flows == ["Prices"]
    assert get_dataset(engine, world.owner, dataset_id).summary.version == 2  # nothing lost
    with pytest.raises(NotAllowed):
        delete_dataset(engine, world.editor, dataset_id, confirm=True)
    unused = delete_dataset(engine, world.owner, dataset_id, confirm=True)
    assert unused == sorted(new_version(c).object_key for c in "ab")
    with pytest.raises(DatasetNotFound):
        get_dataset(engine, world.owner, dataset_id)


def test_content_another_dataset_holds_is_not_reported_unused(world: World) -> None:
    engine = world.engine
    first = add_version(engine, world.owner, new_version("a"), name="one")
    add_version(engine, world.owner, new_version("a"), name="two")
    assert delete_dataset(engine, world.owner, first.dataset_id) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Houses 2024  ", "Houses 2024"),
        ("../../etc/passwd", "../../etc/passwd"),  # a name, never a path: kept as typed
        ("Q3 sales (final) ✓", "Q3 sales (final) ✓"),
        ("Cafe\u0301", "Café"),  # NFC
    ],
)
def test_dataset_names_are_tidied(raw: str, expected: str) -> None:
    assert check_dataset_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("   ", "blank"),
        ("a\nb", "one line"),
        ("a\x00b", "one line"),
        ("a\u200bb", "invisible"),
        ("x" * 201, "at most 200"),
    ],
)
def test_bad_dataset_names_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidDataset, match=message):
        check_dataset_name(raw)


@pytest.mark.parametrize(
    ("filename", "shown", "name"),
    [
        ("houses.csv", "houses.csv", "houses"),
        ("C:\\Users\\ada\\sales.parquet", "sales.parquet", "sales"),
        ("/tmp/../x/data.tar.csv", "data.tar.csv", "data.tar"),
        ("\x00\x01", "upload", "upload"),
        (".hidden", ".hidden", ".hidden"),
    ],
)
def test_file_names_show_only_their_last_part(filename: str, shown: str, name: str) -> None:
    assert display_filename(filename) == shown
    assert name_from_filename(filename) == name
