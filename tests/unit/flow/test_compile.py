"""Compiling flows to KFP IR: golden files, parameters, caching and the task-to-node map."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kfp import components

from designer.flow.compile import FlowInvalid, compile_flow, pipeline_name
from designer.flow.document import parse_flow
from designer.flow.validate import check_data
from tests.fixtures.flow_files import fixture_flow, flow_names

GOLDEN = Path(__file__).parents[2] / "golden"


def _compile(name: str):
    flow, problems = parse_flow(fixture_flow(name))
    assert flow is not None and not problems
    return compile_flow(flow)


@pytest.mark.parametrize("name", flow_names())
def test_ir_matches_golden(name: str, update_golden: bool) -> None:
    ir = _compile(name).ir_yaml
    golden = GOLDEN / f"{name}.yaml"
    if update_golden:
        golden.write_text(ir)
    assert golden.exists(), f"no golden file; run pytest --update-golden to create {golden.name}"
    assert ir == golden.read_text(), "IR changed; if intended, rerun with --update-golden"


@pytest.mark.parametrize("name", flow_names())
def test_ir_loads_back_with_kfp_and_maps_every_task_to_a_node(name: str) -> None:
    compiled = _compile(name)
    pipeline = components.load_component_from_text(compiled.ir_yaml)
    assert pipeline.name == compiled.pipeline_name
    spec = yaml.safe_load(compiled.ir_yaml)
    tasks = set(spec["root"]["dag"]["tasks"])
    node_ids = {n["id"] for n in fixture_flow(name)["nodes"]}
    assert set(compiled.task_to_node) == tasks
    assert set(compiled.task_to_node.values()) == node_ids


def test_flow_params_become_pipeline_parameters() -> None:
    compiled = _compile("wine_boosting")
    spec = yaml.safe_load(compiled.ir_yaml)
    inputs = spec["root"]["inputDefinitions"]["parameters"]
    assert inputs["test_size"]["parameterType"] == "NUMBER_DOUBLE"
    assert inputs["test_size"]["defaultValue"] == 0.2
    assert inputs["dataset"]["parameterType"] == "STRING"
    split_task = spec["root"]["dag"]["tasks"][compiled.node_to_task["split"]]
    wired = split_task["inputs"]["parameters"]["test_size"]
    assert wired == {"componentInputParameter": "test_size"}
    assert compiled.parameters == {"test_size": 0.2, "dataset": "wine"}


def test_a_parameter_without_a_default_may_follow_one_with_a_default() -> None:
    doc = fixture_flow("wine_boosting")
    doc["params"][-1].pop("default")  # as hypothesis found: default, then none
    assert doc["params"][0].get("default") is not None
    check = check_data(doc)
    assert check.flow is not None and check.valid
    compiled = compile_flow(check.flow, check)
    tasks = yaml.safe_load(compiled.ir_yaml)["root"]["dag"]["tasks"]
    split_task = tasks[compiled.node_to_task["split"]]
    wired = split_task["inputs"]["parameters"]["test_size"]
    assert wired == {"componentInputParameter": "test_size"}


def test_caching_is_switched_per_node() -> None:
    compiled = _compile("iris_classification")
    tasks = yaml.safe_load(compiled.ir_yaml)["root"]["dag"]["tasks"]
    caching = {
        compiled.task_to_node[name]: task["cachingOptions"].get("enableCache", False)
        for name, task in tasks.items()
    }
    assert caching == {
        "load": True,
        "split": True,
        "train": True,
        "evaluate": False,
        "deploy": True,
    }


def test_edges_become_artifact_inputs() -> None:
    compiled = _compile("iris_classification")
    tasks = yaml.safe_load(compiled.ir_yaml)["root"]["dag"]["tasks"]
    evaluate = tasks[compiled.node_to_task["evaluate"]]["inputs"]["artifacts"]
    assert evaluate["model"]["taskOutputArtifact"] == {
        "outputArtifactKey": "model",
        "producerTask": compiled.node_to_task["train"],
    }
    assert evaluate["test"]["taskOutputArtifact"]["producerTask"] == compiled.node_to_task["split"]


def test_an_invalid_flow_is_refused_with_every_error() -> None:
    doc = fixture_flow("iris_classification")
    doc["nodes"][0]["block"] = "load.nothing"
    doc["nodes"][1]["params"]["test_size"] = 2
    flow, _ = parse_flow(doc)
    assert flow is not None
    with pytest.raises(FlowInvalid) as raised:
        compile_flow(flow)
    codes = {d.code for d in raised.value.diagnostics}
    assert {"unknown_block", "bad_param"} <= codes
    assert "load.nothing" in str(raised.value)


@pytest.mark.parametrize(
    ("flow_name", "expected"),
    [
        ("Iris classification", "iris-classification"),
        ("  My   Flow!! v2 ", "my-flow-v2"),
        ("Ärger über Daten", "rger-ber-daten"),
        ("!!!", "flow"),
    ],
)
def test_pipeline_names_are_kfp_safe(flow_name: str, expected: str) -> None:
    assert pipeline_name(flow_name) == expected


def test_compiling_twice_gives_the_same_ir() -> None:
    check = check_data(fixture_flow("wine_boosting"))
    assert check.flow is not None
    assert compile_flow(check.flow, check).ir_yaml == compile_flow(check.flow).ir_yaml


def test_an_order_without_data_becomes_a_dependency() -> None:
    doc = fixture_flow("iris_classification")
    doc["nodes"].append({"id": "other", "block": "load.sklearn_dataset", "after": ["train"]})
    flow, _ = parse_flow(doc)
    assert flow is not None
    compiled = compile_flow(flow)
    tasks = yaml.safe_load(compiled.ir_yaml)["root"]["dag"]["tasks"]
    other = tasks[compiled.node_to_task["other"]]
    assert other["dependentTasks"] == [compiled.node_to_task["train"]]
    assert "inputs" not in other or "artifacts" not in other["inputs"]


def test_a_value_fed_by_an_edge_is_the_upstream_tasks_output() -> None:
    from designer.userblocks.blocks import BlockRef, make_block
    from designer.userblocks.component_file import read_component

    text = (
        Path(__file__).parents[2] / "fixtures" / "components" / "python_count_rows.yaml"
    ).read_text()
    read = read_component(text)
    assert read.check.spec is not None
    block = make_block(BlockRef("ana", "count_rows", 1), read.check.spec, read.component_yaml, True)
    doc = {
        "schema_version": 1,
        "name": "Count twice",
        "nodes": [
            {"id": "first", "block": block.id, "params": {"rows": 3}},
            # A form value stays in the document, but the edge's value is what runs.
            {"id": "second", "block": block.id, "params": {"rows": 9, "start": 2.0}},
        ],
        "edges": [
            {"source": "first", "source_port": "Output", "target": "second", "target_port": "rows"}
        ],
    }
    flow, _ = parse_flow(doc)
    assert flow is not None
    compiled = compile_flow(flow, blocks=lambda block_id: block if block_id == block.id else None)
    tasks = yaml.safe_load(compiled.ir_yaml)["root"]["dag"]["tasks"]
    second = tasks[compiled.node_to_task["second"]]["inputs"]["parameters"]
    assert second["rows"] == {
        "taskOutputParameter": {
            "outputParameterKey": "Output",
            "producerTask": compiled.node_to_task["first"],
        }
    }
    assert second["start"] == {"runtimeValue": {"constant": 2.0}}
