"""A person's own block from its source to a finished run, for real: read (never run) by the
designer, saved as a version, found in a flow by ``owner/name@version``, compiled into a
lightweight component carrying its source, and run by kfp.local (and by the Kubeflow stand-in),
with its metrics coming back like the built-in blocks'."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from sqlalchemy import Engine

from designer.flow.compile import FlowInvalid, compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.runs.launcher import Launcher
from designer.runs.local import LocalEngine
from designer.runs.record import RunRecord, Status
from designer.runs.report import run_report
from designer.runs.stored_runs import compile_saved_version
from designer.settings import load_settings
from designer.store import Role, flows, shares
from designer.store.userblocks import BlockVersion
from designer.userblocks.lookup import PersonBlocks
from designer.userblocks.saving import save_block_text
from tests.fixtures.cluster_stack import ClusterStack, block_image, cluster, needs_bwrap
from tests.fixtures.databases import engine, migrated_database_url, migrated_template
from tests.fixtures.object_stores import s3_server, s3_settings
from tests.fixtures.people import World, world

__all__ = [
    "block_image",
    "cluster",
    "engine",
    "migrated_database_url",
    "migrated_template",
    "s3_server",
    "s3_settings",
    "world",
]

pytestmark = pytest.mark.slow
ON_SQLITE = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)

#: A cleaning step people write on day one: drop rows over a threshold, and say how many went.
CLEAN = '''\
from typing import Literal

from kfp.dsl import Dataset, Input, Metrics, Output

from blocks.runtime.tables import Table, read_table, write_table

COLUMN = "petal length (cm)"


def drop_long_petals(
    data: Input[Dataset],
    kept: Output[Dataset],
    counts: Output[Metrics],
    limit: float = 5.0,
    keep: Literal["above", "at_most"] = "above",
) -> None:
    """Drop long petals

    Keeps the rows whose petal is at most as long as the limit.

    Category: preprocess

    Args:
        data: The table to clean.
        kept: The rows that stayed.
        counts: How many rows stayed, as a metric.
        limit: Longest petal kept, in centimetres.
        keep: Which rows stay: petals above the limit, or at most as long.
    """
    table = read_table(data.path)
    long = table.frame[COLUMN] > limit
    short = table.frame[long if keep == "above" else ~long]
    write_table(Table(short, table.target, table.task), kept.path)
    kept.metadata["rows"] = len(short)
    counts.log_metric("kept_rows", len(short))
    counts.log_metric("kept_fraction", round(len(short) / len(table.frame), 4))
    print(f"kept {len(short)} of {len(table.frame)} rows")
'''

CONTAINER = """\
name: Shout
description: Prints a word, loudly.
inputs:
- {name: word, type: String, default: hello}
implementation:
  container:
    image: alpine:3.20
    command: [sh, -c, 'echo "$0" | tr a-z A-Z', {inputValue: word}]
"""


def iris_flow(block_id: str, limit: float | str = 5.0) -> Flow:
    """Load iris, clean it with the person's block, split, train and evaluate."""
    return Flow.model_validate(
        {
            "name": "Short petals",
            "nodes": [
                {"id": "load", "block": "load.sklearn_dataset", "params": {"dataset": "iris"}},
                {"id": "clean", "block": block_id, "params": {"limit": limit, "keep": "at_most"}},
                {"id": "split", "block": "split.train_test", "params": {}},
                {"id": "train", "block": "train.logistic_regression", "params": {}},
                {"id": "evaluate", "block": "evaluate.classification", "params": {}},
            ],
            "edges": [
                {"source": "load", "source_port": "data", "target": "clean", "target_port": "data"},
                {
                    "source": "clean",
                    "source_port": "kept",
                    "target": "split",
                    "target_port": "data",
                },
                {
                    "source": "split",
                    "source_port": "train",
                    "target": "train",
                    "target_port": "train",
                },
                {
                    "source": "train",
                    "source_port": "model",
                    "target": "evaluate",
                    "target_port": "model",
                },
                {
                    "source": "split",
                    "source_port": "test",
                    "target": "evaluate",
                    "target_port": "test",
                },
            ],
        }
    )


def save_clean(engine: Engine, world: World) -> BlockVersion:
    return save_block_text(engine, world.owner, CLEAN, "python")


@ON_SQLITE
def test_a_block_written_by_a_person_runs_in_a_flow_and_reports_its_metrics(
    engine: Engine, world: World
) -> None:
    saved = save_clean(engine, world)
    assert saved.id == f"{world.owner.username}/drop_long_petals@1"
    block = PersonBlocks(engine, world.owner)(saved.id)
    assert block is not None
    assert [(p.name, p.type.name) for p in block.inputs] == [("data", "Dataset")]
    assert [(p.name, p.type.name) for p in block.outputs] == [
        ("kept", "Dataset"),
        ("counts", "Metrics"),
    ]
    limit = block.params_schema()["properties"]["limit"]
    assert (limit["type"], limit["default"], limit["description"]) == (
        "number",
        5.0,
        "Longest petal kept, in centimetres.",
    )

    flow = iris_flow(saved.id, limit=5.0)
    check = check_flow(flow, blocks=PersonBlocks(engine, world.owner))
    assert check.valid, check.diagnostics
    compiled = compile_flow(flow, check)
    # The source travels inside the pipeline; nothing of it ran in this process.
    assert "def drop_long_petals(" in compiled.ir_yaml
    settings = load_settings()
    record = (
        LocalEngine(settings.runs_dir, settings=settings)
        .start(compiled, flow_name=flow.name)
        .wait(timeout=300)
    )
    assert record.status is Status.SUCCEEDED, record.summary()
    clean = record.nodes["clean"]
    # Iris has 150 rows and petals up to 6.9 cm; at most 5 cm keeps about two thirds.
    assert 90 < clean.metrics["kept_rows"] < 120
    assert clean.metrics["kept_fraction"] == round(clean.metrics["kept_rows"] / 150, 4)
    assert "kept" in clean.log and "of 150 rows" in clean.log
    assert record.nodes["evaluate"].metrics["accuracy"] > 0.8
    report = {n["node"]: n for n in run_report(record)["nodes"]}
    # The run panel lists them as it lists the built-in blocks' metrics.
    shown = {m["name"]: m for m in report["clean"]["metrics"]}
    assert set(shown) == {"kept_rows", "kept_fraction"}
    assert shown["kept_rows"]["label"] == "Kept rows"


@ON_SQLITE
def test_a_pinned_version_keeps_running_what_it_pinned(engine: Engine, world: World) -> None:
    first = save_clean(engine, world)
    second = save_block_text(engine, world.owner, CLEAN.replace("> limit", ">= limit"), "python")
    assert second.number == 2
    lookup = PersonBlocks(engine, world.owner)
    old = compile_flow(iris_flow(first.id), blocks=lookup)
    new = compile_flow(iris_flow(second.id), blocks=lookup)
    assert "> limit" in old.ir_yaml and ">= limit" in new.ir_yaml and "] > limit" not in new.ir_yaml


@ON_SQLITE
def test_a_shared_flow_runs_with_its_owners_block_and_a_stranger_cannot_use_it(
    engine: Engine, world: World
) -> None:
    saved = save_clean(engine, world)
    stored = flows.create_flow(engine, world.owner, iris_flow(saved.id))
    shares.share_with_user(engine, world.owner, stored.id, world.viewer.username, Role.VIEWER)
    settings = load_settings()
    flow, compiled = compile_saved_version(
        settings, engine, world.viewer, stored.id, 1, engine="local"
    )
    assert "def drop_long_petals(" in compiled.ir_yaml
    # Outside that flow, the viewer may not use the block: it was never shared with them.
    assert PersonBlocks(engine, world.viewer)(saved.id) is None
    check = check_flow(flow, blocks=PersonBlocks(engine, world.stranger))
    [unknown] = [d for d in check.diagnostics if d.code == "unknown_block"]
    assert unknown.node == "clean" and "not one you may use" in unknown.message


@ON_SQLITE
def test_a_container_block_is_refused_locally_and_packages_only_where_allowed(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shout = save_block_text(engine, world.owner, CONTAINER, "component")
    lookup = PersonBlocks(engine, world.owner)
    block = lookup(shout.id)
    assert block is not None and block.engines == ("kubeflow",)
    alone = Flow.model_validate(
        {"name": "Shout", "nodes": [{"id": "shout", "block": shout.id, "params": {}}]}
    )
    with pytest.raises(FlowInvalid, match="runs on Kubeflow only") as refused:
        compile_flow(alone, blocks=lookup)
    assert [d.code for d in refused.value.diagnostics] == ["block_engine"]

    installing = CLEAN.replace(
        "\ndef drop_long_petals(",
        '\n@dsl.component(packages_to_install=["tabulate==0.9.0"])\ndef drop_long_petals(',
    ).replace("from kfp.dsl import", "from kfp import dsl\nfrom kfp.dsl import")
    # KFP refuses Literal settings under its decorator (the reader says so): a plain str here.
    installing = installing.replace('Literal["above", "at_most"]', "str")
    saved = save_block_text(engine, world.owner, installing, "python")
    assert saved.spec.packages == ("tabulate==0.9.0",)
    flow = iris_flow(saved.id)
    with pytest.raises(FlowInvalid, match="DESIGNER_BLOCK_PACKAGES") as refused:
        compile_flow(flow, blocks=lookup)
    assert [d.code for d in refused.value.diagnostics] == ["block_packages"]
    monkeypatch.setenv("DESIGNER_BLOCK_PACKAGES", "local")
    compiled = compile_flow(flow, blocks=lookup)
    assert compiled.needs_network  # pip reaches the package index
    ir = yaml.safe_load(compiled.ir_yaml)
    [script] = [
        executor["container"]["command"][2]
        for executor in ir["deploymentSpec"]["executors"].values()
        if "drop_long_petals" in json.dumps(executor)
    ]
    assert '--target "$program_path/packages" tabulate==0.9.0' in script


def follow(launcher: Launcher, run_id: str, timeout: float = 240) -> RunRecord:
    deadline = time.monotonic() + timeout
    record = launcher.snapshot(run_id)
    while not record.status.finished:
        assert time.monotonic() < deadline, f"the run never finished: {record.summary()}"
        time.sleep(0.3)
        record = launcher.snapshot(run_id)
    return record


@needs_bwrap
@ON_SQLITE
def test_a_persons_block_runs_on_the_cluster_and_comes_back(
    cluster: ClusterStack, engine: Engine, world: World
) -> None:
    saved = save_clean(engine, world)
    settings = cluster.settings()
    flow = iris_flow(saved.id)
    compiled = compile_flow(
        flow, settings=settings, engine="kubeflow", blocks=PersonBlocks(engine, world.owner)
    )
    ir = yaml.safe_load_all(compiled.ir_yaml).__next__()
    commands = [e["container"]["command"] for e in ir["deploymentSpec"]["executors"].values()]
    assert any("blocks.runtime.kfp_task --component_module_path" in c[2] for c in commands)
    launcher = Launcher(settings)
    record = follow(launcher, launcher.start(compiled, flow_name=flow.name).run_id)
    assert record.status is Status.SUCCEEDED, record.summary()
    clean = record.nodes["clean"]
    assert 60 < clean.metrics["kept_rows"] < 150
    assert "of 150 rows" in clean.log


@ON_SQLITE
def test_a_block_marked_with_the_kfp_decorator_runs_too(engine: Engine, world: World) -> None:
    """``@dsl.component`` is how a block asks for packages; in the task (KFP's runtime mode,
    which has no ``dsl.component``) it only marks the function."""
    marked = (
        CLEAN.replace("from kfp.dsl import", "from kfp import dsl\nfrom kfp.dsl import")
        .replace("\ndef drop_long_petals(", "\n@dsl.component\ndef drop_long_petals(")
        .replace('Literal["above", "at_most"]', "str")
    )
    saved = save_block_text(engine, world.owner, marked, "python")
    flow = Flow.model_validate(
        {
            "name": "Marked",
            "nodes": [
                {"id": "load", "block": "load.sklearn_dataset", "params": {"dataset": "iris"}},
                {"id": "clean", "block": saved.id, "params": {"keep": "at_most"}},
            ],
            "edges": [
                {"source": "load", "source_port": "data", "target": "clean", "target_port": "data"}
            ],
        }
    )
    settings = load_settings()
    compiled = compile_flow(flow, blocks=PersonBlocks(engine, world.owner))
    record = (
        LocalEngine(settings.runs_dir, settings=settings)
        .start(compiled, flow_name=flow.name)
        .wait(timeout=300)
    )
    assert record.status is Status.SUCCEEDED, record.summary()
    assert 90 < record.nodes["clean"].metrics["kept_rows"] < 120
