"""Flows that read a library dataset: checked against its real columns, compiled with where it
is stored, and run for real with kfp.local from either storage back end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from blocks.base import DatasetLookup
from designer.datasets import library
from designer.flow.compile import FlowInvalid, compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.objects.base import ObjectStore
from designer.objects.s3 import S3Store
from designer.runs.local import LocalEngine
from designer.runs.record import Status
from tests.fixtures.databases import engine, migrated_database_url, migrated_template
from tests.fixtures.object_stores import object_store, s3_server, s3_settings
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

#: The store is tested on both databases elsewhere; these tests are about flows: SQLite will do.
ON_SQLITE = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
HOUSES = Path(__file__).parents[2] / "fixtures" / "data" / "houses.csv"


def house_prices(dataset_id: str, target: str = "price", version: int = 0) -> Flow:
    """Load a library dataset, split it, train a linear model on it and score it."""
    return Flow.model_validate(
        {
            "schema_version": 1,
            "name": "House prices",
            "nodes": [
                {
                    "id": "load",
                    "block": "load.dataset",
                    "params": {"dataset": dataset_id, "version": version, "target": target},
                },
                {"id": "split", "block": "split.train_test", "params": {"stratify": False}},
                {"id": "prepare", "block": "preprocess.prepare_columns", "params": {}},
                {"id": "fit", "block": "train.linear_regression", "params": {}},
                {"id": "score", "block": "evaluate.regression", "params": {}},
            ],
            "edges": [
                {"source": "load", "source_port": "data", "target": "split", "target_port": "data"},
                {
                    "source": "split",
                    "source_port": "train",
                    "target": "prepare",
                    "target_port": "train",
                },
                {
                    "source": "split",
                    "source_port": "test",
                    "target": "prepare",
                    "target_port": "test",
                },
                {
                    "source": "prepare",
                    "source_port": "prepared_train",
                    "target": "fit",
                    "target_port": "train",
                },
                {
                    "source": "fit",
                    "source_port": "model",
                    "target": "score",
                    "target_port": "model",
                },
                {
                    "source": "prepare",
                    "source_port": "prepared_test",
                    "target": "score",
                    "target_port": "test",
                },
            ],
        }
    )


def add_houses(engine: Engine, store: ObjectStore, world: World, folder: Path) -> str:
    with library.Spool(folder, "houses.csv", 10_000_000) as spool:
        spool.write(HOUSES.read_bytes())
        return library.add_file(engine, store, world.owner, spool.finish()).dataset_id


@pytest.fixture
def lookup(engine: Engine, object_store: ObjectStore, world: World) -> DatasetLookup:
    return library.dataset_lookup(engine, object_store, world.owner)


def codes(flow: Flow, lookup: DatasetLookup | None) -> list[tuple[str, str | None, str]]:
    return [(d.code, d.param, d.message) for d in check_flow(flow, lookup).diagnostics]


@ON_SQLITE
def test_a_flow_on_a_library_dataset_checks_and_compiles_with_its_location(
    engine: Engine, object_store: ObjectStore, world: World, tmp_path: Path, lookup: DatasetLookup
) -> None:
    dataset_id = add_houses(engine, object_store, world, tmp_path)
    flow = house_prices(dataset_id)
    check = check_flow(flow, lookup)
    assert check.valid, check.diagnostics
    assert check.schemas[("load", "data")].task == "regression"  # type: ignore[union-attr]
    compiled = compile_flow(flow, check, lookup)
    table = check.tables["load"]
    assert table.version == 1
    assert table.uri == object_store.location(library.content_key(_sha(HOUSES)))
    # The run reads that one file and nothing else of the store: its path, or an address
    # signed for it alone (the run gets no storage keys), granted to the run and its task.
    [granted] = compiled.reads
    assert granted in compiled.ir_yaml and "DESIGNER_READ_GRANTS" in compiled.ir_yaml
    if isinstance(object_store, S3Store):
        assert granted.startswith(f"http://{object_store.endpoint}/{object_store.bucket}/")
        assert "X-Amz-Signature=" in granted and "s3://" not in compiled.ir_yaml
        assert compiled.needs_network
    else:
        assert granted == table.uri and not compiled.needs_network


@ON_SQLITE
@pytest.mark.parametrize(
    ("target", "version", "code", "param", "says"),
    [
        ("cost", 0, "bad_column", "target", "'cost' is not in houses version 1 (the likely"),
        ("price", 4, "unknown_dataset", "dataset", "version 4"),
    ],
)
def test_a_wrong_target_or_version_is_caught_before_a_run(
    engine: Engine,
    object_store: ObjectStore,
    world: World,
    tmp_path: Path,
    lookup: DatasetLookup,
    target: str,
    version: int,
    code: str,
    param: str,
    says: str,
) -> None:
    dataset_id = add_houses(engine, object_store, world, tmp_path)
    found = codes(house_prices(dataset_id, target, version), lookup)
    assert any(c == code and p == param and says in m for c, p, m in found), found


@ON_SQLITE
def test_a_dataset_that_is_not_shared_is_reported_on_its_node(
    engine: Engine, object_store: ObjectStore, world: World, tmp_path: Path
) -> None:
    dataset_id = add_houses(engine, object_store, world, tmp_path)
    strangers = library.dataset_lookup(engine, object_store, world.stranger)
    [(code, param, message)] = [
        c for c in codes(house_prices(dataset_id), strangers) if c[0] != "isolated_node"
    ]
    assert (code, param) == ("unknown_dataset", "dataset")
    assert "not shared with you" in message


def test_without_the_library_the_block_says_where_to_check_it() -> None:
    found = codes(house_prices("0" * 32), None)
    assert [c[:2] for c in found] == [("dataset_unavailable", "dataset")]
    with pytest.raises(FlowInvalid, match="designer check --as"):
        compile_flow(house_prices("0" * 32))


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@ON_SQLITE
def test_a_run_reads_the_stored_file_and_trains_a_model(
    engine: Engine,
    object_store: ObjectStore,
    world: World,
    tmp_path: Path,
    designer_home: Path,
) -> None:
    """The run holds no storage keys (none are in the environment) and reads the file all the
    same: its path, or an address the designer signed for it."""
    dataset_id = add_houses(engine, object_store, world, tmp_path)
    lookup = library.dataset_lookup(engine, object_store, world.owner)
    compiled = compile_flow(house_prices(dataset_id), datasets=lookup)
    record = LocalEngine(designer_home / "runs").run(compiled, flow_name="House prices")
    assert record.status is Status.SUCCEEDED, record.error or record.nodes
    load = record.nodes["load"]
    assert load.outputs["data"].metadata["dataset_version"] == 1
    assert load.outputs["data"].metadata["rows"] == 60
    assert "r2" in record.nodes["score"].metrics
