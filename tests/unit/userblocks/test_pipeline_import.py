"""Importing compiled KFP pipelines as flows (``designer.userblocks.pipeline_import``).

The pipelines in ``tests/fixtures/pipelines_sdk`` are written by the KFP SDK, not the designer.
Each one a flow can hold is imported into a real store (its components saved as the person's
blocks), the flow compiled back, and its task graph compared with the original's: the same
tasks, dependencies, executors, caching and parameters. The lightweight one runs for real with
kfp.local. The others are refused, each problem naming the construct and the task, and saving
nothing.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from kfp import compiler
from sqlalchemy import Engine

from designer.flow.compile import compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.runs.local import LocalEngine
from designer.runs.record import Status
from designer.settings import KubeflowSettings, StorageSettings, load_settings
from designer.store.userblocks import newest_versions
from designer.userblocks.lookup import PersonBlocks
from designer.userblocks.pipeline_components import component_name
from designer.userblocks.pipeline_file import MAX_PIPELINE_CHARS
from designer.userblocks.pipeline_import import ImportResult, import_pipeline
from designer.userblocks.pipeline_ir import MAX_TASKS
from designer.userblocks.pipeline_layout import (
    NODE_GAP,
    NODE_HEIGHT,
    NODE_WIDTH,
    RANK_GAP,
    layered_positions,
    node_height,
)
from designer.userblocks.pipeline_saving import import_pipeline_as
from tests.fixtures.databases import engine, migrated_database_url, migrated_template
from tests.fixtures.people import World, world

__all__ = ["engine", "migrated_database_url", "migrated_template", "world"]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pipelines_sdk"
ON_SQLITE = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


class Saver:
    """A ``save_block`` that keeps what it is given (for imports that need no store)."""

    def __init__(self) -> None:
        self.saved: list[str] = []

    def __call__(self, component_yaml: str) -> str:
        self.saved.append(component_yaml)
        return f"ana/block_{len(self.saved)}@1"


def imported(text: str) -> tuple[ImportResult, Saver]:
    saver = Saver()
    return import_pipeline(text, save_block=saver), saver


# -- the task graph of a compiled pipeline -------------------------------------------------


def task_graph(ir_yaml: str, label_of: dict[str, str] | None = None) -> dict[str, Any]:
    """What must survive an import and a compile: per task (by its label) the executor's image,
    command and args, its caching, the tasks it waits for; and the pipeline's parameters.

    ``label_of`` maps task names to labels (the compiled flow's, through its nodes); without
    it a task's label is its display name, as the import takes it.
    """
    ir = next(yaml.safe_load_all(ir_yaml))
    tasks = ir["root"]["dag"]["tasks"]
    labels = label_of or {name: task["taskInfo"]["name"] for name, task in tasks.items()}
    graph: dict[str, Any] = {}
    for name, task in tasks.items():
        component = ir["components"][task["componentRef"]["name"]]
        container = ir["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
        graph[labels[name]] = {
            "executor": {k: container.get(k) for k in ("image", "command", "args")},
            "cache": task.get("cachingOptions", {}).get("enableCache", False),
            "waits_for": sorted(labels[d] for d in task.get("dependentTasks", [])),
        }
    params = ir["root"].get("inputDefinitions", {}).get("parameters", {})
    return {
        "tasks": graph,
        "params": {n: (p["parameterType"], p.get("defaultValue")) for n, p in params.items()},
    }


def compiled_graph(flow: Flow, engine: Engine, world: World) -> dict[str, Any]:
    """The task graph of the flow compiled where its blocks run: a container block runs on
    Kubeflow only (the cluster's set-up adds environment and secrets, not other commands)."""
    blocks = PersonBlocks(engine, world.owner)
    local = all("local" in blocks(node.block).engines for node in flow.nodes)  # type: ignore[union-attr]
    settings = load_settings()
    if not local:
        settings = dataclasses.replace(
            settings,
            kubeflow=KubeflowSettings(host="http://kubeflow.invalid"),
            storage=StorageSettings(endpoint="minio.invalid:9000"),
        )
    compiled = compile_flow(
        flow, blocks=blocks, settings=settings, engine="local" if local else "kubeflow"
    )
    labels = {node.id: node.label for node in flow.nodes}
    return task_graph(
        compiled.ir_yaml, {task: labels[node] for task, node in compiled.task_to_node.items()}
    )


IMPORTED = ["add_numbers.yaml", "page_words.yaml"]


def test_the_fixtures_are_what_make_py_writes_now(tmp_path: Path) -> None:
    from tests.fixtures.pipelines_sdk import make

    assert {p.name for p in FIXTURES.glob("*.yaml")} == set(make.IMPORTED) | set(make.REFUSED)
    assert sorted(make.IMPORTED) == IMPORTED
    for written in make.write_all(tmp_path):
        assert written.read_text() == fixture_text(written.name), (
            f"{written.name} is stale: run tests/fixtures/pipelines_sdk/make.py"
        )


@ON_SQLITE
@pytest.mark.parametrize("file_name", IMPORTED)
def test_an_imported_pipeline_compiles_back_to_the_same_task_graph(
    file_name: str, engine: Engine, world: World
) -> None:
    text = fixture_text(file_name)
    result = import_pipeline_as(engine, world.owner, text, file_name=file_name)
    assert result.problems == () and result.flow is not None
    flow = result.flow
    check = check_flow(flow, blocks=PersonBlocks(engine, world.owner))
    assert check.valid, check.diagnostics
    assert compiled_graph(flow, engine, world) == task_graph(text)
    # Each component is the person's block now, once however many tasks use it.
    owned = {v.id for v in newest_versions(engine, world.owner)}
    assert set(result.blocks) <= owned
    assert len(result.blocks) == len({node.block for node in flow.nodes})
    # Importing it again changes no block: the same text saves no new version.
    again = import_pipeline_as(engine, world.owner, text, file_name=file_name)
    assert again.blocks == result.blocks


@ON_SQLITE
def test_the_lightweight_pipeline_imports_as_the_sdk_wrote_it(engine: Engine, world: World) -> None:
    result = import_pipeline_as(engine, world.owner, fixture_text("add_numbers.yaml"))
    flow = result.flow
    assert flow is not None
    assert (flow.name, flow.description) == (
        "add-numbers",
        "Counts up, adds the numbers twice, says so.",
    )
    assert [(p.name, p.type, p.default) for p in flow.params] == [
        ("count", "integer", 4),
        ("label", "string", "sum"),
        ("loud", "boolean", False),
        ("scale", "number", 2.0),
    ]
    nodes = {node.id: node for node in flow.nodes}
    assert set(nodes) == {"add-up", "add-up-2", "announce", "describe", "make-numbers"}
    assert nodes["add-up-2"].label == "Add up, scaled" and nodes["add-up"].label == "add-up"
    # Two uses of one component: one block.
    assert nodes["add-up"].block == nodes["add-up-2"].block
    assert nodes["add-up"].block.startswith(f"{world.owner.username}/add_up@")
    assert (nodes["add-up-2"].cache, nodes["describe"].cache, nodes["add-up"].cache) == (
        False,
        False,
        True,
    )
    # Pipeline parameters become references; constants the node's own settings.
    assert nodes["make-numbers"].params == {"count": {"$param": "count"}}
    assert nodes["add-up-2"].params == {"scale": {"$param": "scale"}}
    assert nodes["announce"].params == {"message": "all added up"}
    # Values from other tasks come by edges into the parameters' ports, artifacts into theirs.
    ends = {(e.source, e.source_port, e.target, e.target_port) for e in flow.edges}
    assert ends == {
        ("make-numbers", "numbers", "add-up", "numbers"),
        ("make-numbers", "numbers", "add-up-2", "numbers"),
        ("add-up-2", "Output", "describe", "total"),
        ("make-numbers", "Output", "describe", "count"),
    }
    assert nodes["describe"].params == {"label": {"$param": "label"}}
    # .after() without data: kept as the node's order.
    assert nodes["announce"].after == ["add-up", "describe"]
    assert all(not node.after for node in flow.nodes if node.id != "announce")


@ON_SQLITE
def test_the_container_pipeline_keeps_its_resources_and_value_edges(
    engine: Engine, world: World
) -> None:
    result = import_pipeline_as(engine, world.owner, fixture_text("page_words.yaml"))
    flow = result.flow
    assert flow is not None
    nodes = {node.id: node for node in flow.nodes}
    assert nodes["shout"].block == nodes["shout-2"].block
    assert ("fetch-page", "size", "count-words", "minimum") in {
        (e.source, e.source_port, e.target, e.target_port) for e in flow.edges
    }
    assert nodes["count-words"].params == {}
    resources = nodes["count-words"].resources
    assert resources is not None
    assert (resources.cpu_limit, resources.memory_limit) == ("1", "512M")
    assert nodes["shout"].after == ["count-words"] and nodes["shout-2"].after == ["fetch-page"]
    # Container blocks run on Kubeflow only; the cluster pipeline keeps the resources.
    assert PersonBlocks(engine, world.owner)(nodes["shout"].block).engines == ("kubeflow",)


@pytest.mark.slow
@ON_SQLITE
def test_an_imported_lightweight_pipeline_runs_for_real(engine: Engine, world: World) -> None:
    result = import_pipeline_as(engine, world.owner, fixture_text("add_numbers.yaml"))
    assert result.flow is not None
    compiled = compile_flow(result.flow, blocks=PersonBlocks(engine, world.owner))
    settings = load_settings()
    record = (
        LocalEngine(settings.runs_dir, settings=settings)
        .start(compiled, flow_name=result.flow.name)
        .wait(timeout=300)
    )
    assert record.status is Status.SUCCEEDED, record.summary()
    # 1 + 2 + 3 + 4 = 10, and 20 scaled by the default of 2.
    assert record.nodes["add-up"].metrics["total"] == 10.0
    assert record.nodes["add-up-2"].metrics["total"] == 20.0
    assert "sum: 4 numbers add up to 20.0" in record.nodes["describe"].log
    assert "all added up" in record.nodes["announce"].log


# -- what is refused -----------------------------------------------------------------------

REFUSED: dict[str, list[tuple[str, str]]] = {
    # file -> (task, what its problem says)
    "with_condition.yaml": [("add-up", "runs under a condition (dsl.If / dsl.Condition)")],
    "with_loop.yaml": [
        ("", "pipeline parameter 'counts' is of type LIST"),
        ("make-numbers", "runs in a loop (dsl.ParallelFor): loops cannot be imported yet"),
    ],
    "with_exit_handler.yaml": [
        ("make-numbers", "runs under an exit handler (dsl.ExitHandler)"),
        ("shout", "is the exit task of an exit handler (dsl.ExitHandler)"),
    ],
    "with_nested_pipeline.yaml": [
        ("inner-sum", "runs a pipeline of its own (a nested pipeline): nested pipelines cannot")
    ],
    "with_importer.yaml": [("importer", "is an importer (dsl.importer)")],
}


@pytest.mark.parametrize("file_name", sorted(REFUSED))
def test_what_a_flow_cannot_hold_is_refused_by_name_and_saves_nothing(file_name: str) -> None:
    result, saver = imported(fixture_text(file_name))
    assert result.flow is None and saver.saved == [] and result.blocks == ()
    found = [(p.task, p.message) for p in result.problems]
    assert len(found) == len(REFUSED[file_name]), found
    for (task, said), (found_task, message) in zip(REFUSED[file_name], found, strict=True):
        assert found_task == task and said in message, (task, message)
        assert not task or message.startswith(f"task {task!r} ")
    assert all(p.line > 0 for p in result.problems)


def _edited(file_name: str, change: Any) -> str:
    document = yaml.safe_load(fixture_text(file_name))
    change(document)
    return yaml.safe_dump(document)


def _tasks(document: dict[str, Any]) -> dict[str, Any]:
    return document["root"]["dag"]["tasks"]


def _executors(document: dict[str, Any]) -> dict[str, Any]:
    return document["deploymentSpec"]["executors"]


def _mismatched_artifact(document: dict[str, Any]) -> None:
    definitions = document["components"]["comp-add-up"]["inputDefinitions"]
    definitions["artifacts"]["numbers"]["artifactType"]["schemaTitle"] = "system.Model"


BROKEN: list[tuple[str, str, str]] = [
    # (case, text, what a problem says)
    ("empty", "", "the file is empty"),
    ("not YAML", "root: [1, 2\n", "this is not valid YAML"),
    ("a list", "- 1\n", "this file holds a list"),
    ("a v1 component", "name: x\nimplementation: {container: {image: a}}\n", "add it as a block"),
    ("not a pipeline", "name: x\n", "this file lacks pipelineInfo, components"),
    ("too big", "#" * (MAX_PIPELINE_CHARS + 1), "a pipeline file may have at most"),
    (
        "a field KFP does not know",
        _edited("add_numbers.yaml", lambda d: _tasks(d)["announce"].update(colour="red")),
        "KFP cannot read this pipeline: Failed to parse root field",
    ),
    (
        "no tasks",
        _edited("add_numbers.yaml", lambda d: d["root"]["dag"].update(tasks={})),
        "the pipeline has no tasks",
    ),
    (
        "a missing executor",
        _edited("add_numbers.yaml", lambda d: _executors(d).pop("exec-announce")),
        "task 'announce' runs the executor 'exec-announce', which the file does not hold",
    ),
    (
        "a missing component",
        _edited("add_numbers.yaml", lambda d: d["components"].pop("comp-announce")),
        "task 'announce' names the component 'comp-announce', which the file does not hold",
    ),
    (
        "waiting for a task that is not there",
        _edited(
            "add_numbers.yaml",
            lambda d: _tasks(d)["announce"]["dependentTasks"].append("ghost"),
        ),
        "task 'announce' waits for 'ghost', which is not a task of the pipeline",
    ),
    (
        "an artifact of another type",
        _edited("add_numbers.yaml", _mismatched_artifact),
        "task 'add-up' takes 'numbers', a Model artifact, from output 'numbers' of task "
        "'make-numbers', a Dataset artifact",
    ),
    (
        "a parameter from nowhere",
        _edited(
            "add_numbers.yaml",
            lambda d: _tasks(d)["describe"]["inputs"]["parameters"]["label"].update(
                componentInputParameter="ghost"
            ),
        ),
        "takes 'label' from the pipeline parameter 'ghost', which the pipeline does not declare",
    ),
    (
        "a parameter name a flow cannot have",
        _edited(
            "add_numbers.yaml",
            lambda d: d["root"]["inputDefinitions"]["parameters"].update(
                {"class": {"parameterType": "STRING"}}
            ),
        ),
        "pipeline parameter 'class' cannot name a flow parameter",
    ),
    (
        "a component a block cannot be",
        _edited(
            "add_numbers.yaml",
            lambda d: _executors(d)["exec-announce"]["container"].update(image=" "),
        ),
        "task 'announce' runs a container that names no image",
    ),
]


@pytest.mark.parametrize(("case", "text", "said"), BROKEN, ids=[case for case, *_ in BROKEN])
def test_a_file_that_makes_no_flow_says_why(case: str, text: str, said: str) -> None:
    result, saver = imported(text)
    assert result.flow is None and saver.saved == []
    messages = [p.message for p in result.problems]
    assert any(said in m for m in messages), messages
    assert "Traceback" not in " ".join(messages)


def test_a_second_document_of_platform_settings_is_noted_and_left_out() -> None:
    text = fixture_text("page_words.yaml") + "---\nplatforms:\n  kubernetes: {}\n"
    result, _ = imported(text)
    assert result.flow is not None
    assert any("platform settings" in note for note in result.notes)


def test_pipeline_outputs_stay_outputs_of_their_tasks() -> None:
    from tests.fixtures.pipelines_sdk import make

    # The inner pipeline of with_nested_pipeline.yaml, on its own: its output is one task's.
    result, _ = imported(_compiled(make.inner_sum))
    assert result.flow is not None
    assert any("outputs 'Output' (from 'add-up')" in note for note in result.notes)


def _compiled(pipeline: Any) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline, str(path))
        return path.read_text()


def test_retries_and_environment_variables_are_noted() -> None:
    def change(document: dict[str, Any]) -> None:
        _tasks(document)["announce"]["retryPolicy"] = {"maxRetryCount": 3}
        container = _executors(document)["exec-announce"]["container"]
        container["env"] = [{"name": "LEVEL", "value": "debug"}]

    result, _ = imported(_edited("add_numbers.yaml", change))
    assert result.flow is not None
    notes = " ".join(result.notes)
    assert "retries up to 3 times" in notes and "environment variables (LEVEL)" in notes


@pytest.mark.parametrize(
    ("names", "ids"),
    [
        (["train", "train-2"], ["train", "train-2"]),
        (["Ünïcode task", "a/b"], ["Unicode-task", "a-b"]),
        (["!!!", "???"], ["task", "task-2"]),
        (["x" * 100, "x" * 101], ["x" * 64, "x" * 62 + "-2"]),
    ],
)
def test_node_ids_are_safe_and_unique(names: list[str], ids: list[str]) -> None:
    from designer.userblocks.pipeline_import import _node_ids
    from designer.userblocks.pipeline_ir import TaskRead

    tasks = tuple(TaskRead(n, n, "comp-x", {}, {}, {}, {}, (), True, 1) for n in names)
    assert list(_node_ids(tasks).values()) == ids


@pytest.mark.parametrize(
    ("key", "name"),
    [("comp-train", "train"), ("comp-Train_Model", "train-model"), ("comp-", "component")],
)
def test_component_names(key: str, name: str) -> None:
    assert component_name(key) == name


def test_the_layout_is_layered_left_to_right_like_the_canvas() -> None:
    step_x, step_y = NODE_WIDTH + RANK_GAP, NODE_HEIGHT + NODE_GAP
    positions = layered_positions(["a", "b", "c", "d"], [("a", "b"), ("a", "c"), ("b", "d")])
    assert positions["a"][0] == 0 and positions["b"][0] == positions["c"][0] == step_x
    assert positions["d"][0] == 2 * step_x
    assert abs(positions["b"][1] - positions["c"][1]) == step_y
    # The one-node columns sit in the middle of the two-node one.
    assert abs(positions["a"][1] - (positions["b"][1] + positions["c"][1]) / 2) <= 1
    # A tall block (many ports) pushes the next one in its column down.
    tall = layered_positions(["a", "b", "c"], [("a", "b"), ("a", "c")], {"b": node_height(12)})
    assert node_height(12) > NODE_HEIGHT == node_height(1)
    assert tall["c"][1] - tall["b"][1] == round(node_height(12)) + NODE_GAP
    # Unconnected pieces do not overlap.
    alone = layered_positions(["a", "b", "c"], [("a", "b")])
    boxes = [(x, y, x + NODE_WIDTH, y + NODE_HEIGHT) for x, y in alone.values()]
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert (
                one[2] <= other[0]
                or other[2] <= one[0]
                or one[3] <= other[1]
                or (other[3] <= one[1])
            )


def test_too_many_tasks_is_refused() -> None:
    def many(document: dict[str, Any]) -> None:
        task = _tasks(document)["announce"]
        document["root"]["dag"]["tasks"] = {f"t{i}": task for i in range(MAX_TASKS + 1)}

    result, _ = imported(_edited("add_numbers.yaml", many))
    assert result.flow is None
    assert "a flow imports at most" in result.problems[0].message


def test_the_flow_is_a_document_the_designer_reads_back() -> None:
    result, _ = imported(fixture_text("add_numbers.yaml"))
    assert result.flow is not None
    again = Flow.model_validate(json.loads(result.flow.to_json()))
    assert again == result.flow


# -- the flows page's Import ----------------------------------------------------------------


def _flows_page_import(file_name: str, data: bytes) -> tuple[Any, Engine, Any]:
    """Run the flows page's Import on an uploaded file, signed in as a new person; what it
    returned, the database and the person."""
    import io
    from datetime import timedelta

    import reflex as rx
    from reflex.state import State

    from designer.api.session import SESSION_COOKIE
    from designer.store import engine_for
    from designer.store.accounts import create_user
    from designer.store.signin import create_session
    from designer.ui.home import HomeState
    from tests.fixtures.threads import run_coroutine

    store = engine_for(load_settings().database_url)
    person = create_user(store, "pia", "Pia")
    token = create_session(store, person.id, timedelta(hours=1))
    root = State(_reflex_internal_init=True)
    headers = {"cookie": f"{SESSION_COOKIE}={token}", "origin": "http://127.0.0.1:3000"}
    router = {"pathname": "/", "asPath": "/", "query": {}, "token": "t", "sid": "t"}
    root.router_data = root._update_router_vars({**router, "headers": headers}, {})
    page = root.get_substate(HomeState.get_full_name().split("."))
    upload = rx.UploadFile(file=io.BytesIO(data), path=Path(file_name))
    return run_coroutine(HomeState.import_flow.fn(page, [upload])), store, person


def test_the_flows_page_imports_a_pipeline_as_a_new_flow() -> None:
    from designer.store import flows as flow_store

    returned, store, person = _flows_page_import(
        "add_numbers.yaml", (FIXTURES / "add_numbers.yaml").read_bytes()
    )
    [summary] = flow_store.list_flows(store, person)
    assert f"/flows/{summary.id}" in str(returned)
    flow = flow_store.get_flow(store, person, summary.id).flow
    assert flow.name == "add-numbers" and len(flow.nodes) == 5
    assert check_flow(flow, blocks=PersonBlocks(store, person)).valid


@pytest.mark.parametrize(
    ("file_name", "data", "said"),
    [
        ("with_loop.yaml", (FIXTURES / "with_loop.yaml").read_bytes(), "runs in a loop"),
        ("latin.yaml", "ü: x".encode("latin-1"), "is not UTF-8 text"),
    ],
)
def test_the_flows_page_says_why_a_pipeline_is_not_imported(
    file_name: str, data: bytes, said: str
) -> None:
    from designer.store import flows as flow_store

    returned, store, person = _flows_page_import(file_name, data)
    assert said in str(returned) and f"Could not import {file_name}" in str(returned)
    assert flow_store.list_flows(store, person) == []
