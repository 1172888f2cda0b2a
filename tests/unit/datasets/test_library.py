"""Uploading into the library on both storage back ends: stored once, checked first, nothing
half-kept when a step fails, and found again by flows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from blocks.runtime.table_file import read_table_file
from designer.datasets import library
from designer.datasets.profile import ColumnProfile
from designer.datasets.sniff import DatasetProblem
from designer.objects.base import ObjectStore, StorageUnavailable
from designer.objects.local import LocalFolderStore
from designer.store import dataset_versions as versions
from designer.store import datasets as records
from tests.fixtures.databases import engine, migrated_database_url, migrated_template
from tests.fixtures.object_stores import (
    object_store,
    s3_server,
    s3_settings,
    unreachable_s3_store,
)
from tests.fixtures.people import World, world

__all__ = [
    "engine",
    "migrated_database_url",
    "migrated_template",
    "object_store",
    "s3_server",
    "s3_settings",
    "world",
]

DATA = Path(__file__).parents[2] / "fixtures" / "data"
HOUSES = DATA / "houses.csv"


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


def spooled(
    uploads: Path, data: bytes, filename: str, limit: int = 10_000_000
) -> Iterator[library.Spooled]:
    with library.Spool(uploads, filename, limit) as spool:
        for start in range(0, len(data), 1000):
            spool.write(data[start : start + 1000])
        yield spool.finish()


def upload(
    engine: Engine,
    store: ObjectStore,
    world: World,
    uploads: Path,
    data: bytes,
    filename: str = "houses.csv",
    **target: str,
) -> versions.AddedVersion:
    for spool in spooled(uploads, data, filename):
        return library.add_file(engine, store, world.owner, spool, **target)
    raise AssertionError("unreachable")


def test_an_upload_is_stored_once_under_its_hash_and_read_back_by_a_flow(
    engine: Engine,
    object_store: ObjectStore,
    world: World,
    uploads: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = HOUSES.read_bytes()
    first = upload(engine, object_store, world, uploads, data)
    again = upload(engine, object_store, world, uploads, data)
    assert (first.name, first.number, first.created) == ("houses", 1, True)
    assert (again.number, again.created) == (1, False)
    keys = [info.key for info in object_store.list()]
    assert len(keys) == 1 and keys[0].startswith("datasets/sha256/")
    assert object_store.read_bytes(keys[0]) == data
    assert not list(uploads.iterdir())  # the spooled file is gone

    table = library.dataset_lookup(engine, object_store, world.owner)(first.dataset_id, 0)
    assert table.columns == ("rooms", "area", "city", "price")
    assert table.tasks["price"] == "regression" and table.tasks["city"] == "classification"
    if isinstance(object_store, LocalFolderStore):  # the block reads it where it is stored
        lookup = library.dataset_lookup(engine, object_store, world.owner)
        assert lookup.run_location(table) == table.uri
        # ...once the designer granted the run that file, which is outside the data folders.
        monkeypatch.setenv("DESIGNER_READ_GRANTS", json.dumps([table.uri]))
        read = read_table_file(table.uri, table.format, "price", sep=table.delimiter)
        pd.testing.assert_frame_equal(read.frame, pd.read_csv(HOUSES))


def test_a_changed_file_under_the_same_name_is_the_next_version(
    engine: Engine, object_store: ObjectStore, world: World, uploads: Path
) -> None:
    data = HOUSES.read_bytes()
    first = upload(engine, object_store, world, uploads, data)
    second = upload(engine, object_store, world, uploads, data + b"4,120,Lyon,310000\n")
    assert (second.dataset_id, second.number) == (first.dataset_id, 2)
    by_id = upload(
        engine, object_store, world, uploads, data[:-30] + b"\n", dataset_id=first.dataset_id
    )
    assert by_id.number == 3
    assert len(list(object_store.list())) == 3


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("datasets/image.png", "not_a_table"),
        ("datasets/empty.csv", "empty"),
        ("datasets/header_only.csv", "no_rows"),
        ("datasets/latin1.csv", "encoding"),
        ("datasets/ragged_more.csv", "ragged"),
        ("datasets/broken.parquet", "unreadable"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_kept(
    engine: Engine, object_store: ObjectStore, world: World, uploads: Path, fixture: str, code: str
) -> None:
    kept = upload(engine, object_store, world, uploads, HOUSES.read_bytes())
    with pytest.raises(DatasetProblem) as raised:
        upload(engine, object_store, world, uploads, (DATA / fixture).read_bytes(), fixture)
    assert raised.value.code == code
    assert [d.id for d in records.list_datasets(engine, world.owner)] == [kept.dataset_id]
    assert len(list(object_store.list())) == 1
    assert not list(uploads.iterdir())


def test_an_upload_over_the_limit_stops_at_the_limit(uploads: Path) -> None:
    with pytest.raises(library.UploadTooLarge, match=r"largest upload accepted here is 0\.0 MB"):
        for _ in spooled(uploads, b"x" * 5000, "big.csv", limit=4096):
            pass
    assert not list(uploads.iterdir())


def test_storage_down_is_said_and_nothing_is_recorded(
    engine: Engine, world: World, uploads: Path
) -> None:
    with pytest.raises(StorageUnavailable, match="cannot reach"):
        upload(engine, unreachable_s3_store(), world, uploads, HOUSES.read_bytes())
    assert records.list_datasets(engine, world.owner) == []


def test_a_record_that_cannot_be_written_takes_its_stored_file_back(
    engine: Engine, object_store: ObjectStore, world: World, uploads: Path
) -> None:
    with pytest.raises(records.InvalidDataset):
        upload(engine, object_store, world, uploads, HOUSES.read_bytes(), name="a\nb")
    assert list(object_store.list()) == []


def test_deleting_removes_files_only_no_other_version_holds(
    engine: Engine, object_store: ObjectStore, world: World, uploads: Path
) -> None:
    data = HOUSES.read_bytes()
    one = upload(engine, object_store, world, uploads, data, name="one")
    two = upload(engine, object_store, world, uploads, data, name="two")
    assert (
        library.delete_dataset(engine, object_store, world.owner, one.dataset_id, confirm=False)
        == 0
    )
    assert len(list(object_store.list())) == 1  # "two" still holds it
    assert (
        library.delete_dataset(engine, object_store, world.owner, two.dataset_id, confirm=False)
        == 1
    )
    assert list(object_store.list()) == []


def test_a_lookup_names_what_is_missing(
    engine: Engine, object_store: ObjectStore, world: World, uploads: Path
) -> None:
    added = upload(engine, object_store, world, uploads, HOUSES.read_bytes())
    lookup = library.dataset_lookup(engine, object_store, world.stranger)
    with pytest.raises(LookupError, match=r"not shared with you.*ask its owner to share it"):
        lookup(added.dataset_id, 0)


@pytest.mark.parametrize(
    ("column_type", "distinct", "task"),
    [
        ("number", 21, "regression"),
        ("number", None, "regression"),
        ("number", 20, "classification"),
        ("integer", 1000, "regression"),  # many whole numbers: a count, not 1000 classes
        ("integer", 20, "classification"),
        ("text", 3, "classification"),
    ],
)
def test_auto_task_follows_the_rule_the_block_applies(
    column_type: str, distinct: int | None, task: str
) -> None:
    column = ColumnProfile("y", column_type, 0, distinct, {}, [])
    assert library.auto_task(column) == task
