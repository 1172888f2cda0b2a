"""The catalogue as a contract: ids, signatures, parameter models and KFP compilation."""

import inspect
import json
import re
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from kfp import compiler, dsl
from kfp.dsl.types import type_annotations
from pydantic import BaseModel

from blocks.base import Block, StoredTable
from blocks.catalogue import CATALOGUE, block_ids, get_block

PALETTE = ["load", "split", "preprocess", "train", "evaluate", "deploy"]
IDS = [block.id for block in CATALOGUE]


def kfp_parameter_type(annotation: Any) -> type:
    """The KFP parameter type a params-model field must have in the component signature."""
    if typing.get_origin(annotation) is Literal:
        return str
    return typing.get_origin(annotation) or annotation


def example_params(params: type[BaseModel]) -> BaseModel:
    """The defaults, plus each required field's first documented example."""
    required = {
        name: field.examples[0]
        for name, field in params.model_fields.items()
        if field.is_required()
    }
    return params(**required)


def signature_parts(block: Block) -> tuple[dict, dict, dict]:
    hints = typing.get_type_hints(block.function, include_extras=True)
    inputs, outputs, params = {}, {}, {}
    for name, parameter in inspect.signature(block.function).parameters.items():
        annotation = hints[name]
        if type_annotations.is_artifact_wrapped_in_Input(annotation):
            cls = type_annotations.get_io_artifact_class(annotation)
            inputs[name] = (cls, parameter.default is None)
        elif type_annotations.is_artifact_wrapped_in_Output(annotation):
            outputs[name] = type_annotations.get_io_artifact_class(annotation)
        else:
            params[name] = kfp_parameter_type(annotation)
    return inputs, outputs, params


def test_ids_are_unique_and_well_formed() -> None:
    assert len(IDS) == len(set(IDS))
    for block in CATALOGUE:
        assert re.fullmatch(r"^[a-z_]+\.[a-z0-9_]+$", block.id), block.id
        assert block.id.split(".")[0] == block.category
    assert block_ids() == sorted(IDS)
    assert all(get_block(i) is b for i, b in zip(IDS, CATALOGUE, strict=True))
    assert get_block("no.such_block") is None


def test_palette_order() -> None:
    positions = [PALETTE.index(block.category) for block in CATALOGUE]
    assert positions == sorted(positions)
    assert set(PALETTE) == {block.category for block in CATALOGUE}


STORED = StoredTable("d" * 32, "houses", 1, "/data/houses.csv", "csv", ",", ("rooms", "price"))


@pytest.mark.parametrize("block", CATALOGUE, ids=IDS)
def test_signature_matches_ports_and_params(block: Block) -> None:
    inputs, outputs, params = signature_parts(block)
    assert inputs == {p.name: (p.type.kfp_type, p.optional) for p in block.inputs}
    assert outputs == {p.name: p.type.kfp_type for p in block.outputs}
    fields = block.params.model_fields
    expected = {name: kfp_parameter_type(f.annotation) for name, f in fields.items()}
    if block.infer_dataset is not None:  # it also takes where the stored file is
        expected |= {name: type(value) for name, value in STORED.arguments().items()}
    assert params == expected
    assert set(params.values()) <= {str, int, float, bool, list}


@pytest.mark.parametrize("block", CATALOGUE, ids=IDS)
def test_params_model_is_documented_and_bounded(block: Block) -> None:
    assert block.params.model_config.get("extra") == "forbid"
    assert block.params.model_config.get("title")
    schema = block.params_schema()
    for name, field in block.params.model_fields.items():
        assert field.title and field.description, f"{block.id}.{name} needs title and description"
        if not field.is_required():
            assert "default" in schema["properties"][name], f"{block.id}.{name} shows no default"
        if field.annotation in (int, float):
            prop = schema["properties"][name]
            assert {"minimum", "exclusiveMinimum"} & set(prop), f"{block.id}.{name} lower bound"
            assert "maximum" in prop, f"{block.id}.{name} upper bound"
    example_params(block.params)  # defaults (and required examples) validate
    json.dumps(block.describe())
    assert block.description and block.title and block.icon


@pytest.mark.parametrize("block", CATALOGUE, ids=IDS)
def test_infer_names_only_output_ports(block: Block) -> None:
    if block.infer is None:
        pytest.skip("no infer")
    result = block.infer(example_params(block.params), {p.name: None for p in block.inputs})
    assert set(result.outputs) <= {p.name for p in block.outputs}


@pytest.mark.parametrize("block", CATALOGUE, ids=IDS)
def test_component_compiles_in_a_one_task_pipeline(block: Block, tmp_path: Path) -> None:
    component = block.component()
    values = example_params(block.params).model_dump()
    if block.infer_dataset is not None:
        values |= STORED.arguments()

    @dsl.pipeline(name="one-" + re.sub(r"[^a-z0-9]+", "-", block.id))
    def pipeline() -> None:
        artifacts = {
            port.name: dsl.importer(
                artifact_uri=f"gs://fixture/{port.name}",
                artifact_class=port.type.kfp_type,
                reimport=False,
            ).output
            for port in block.inputs
            if not port.optional
        }
        component(**values, **artifacts)

    package = tmp_path / "pipeline.yaml"
    compiler.Compiler().compile(pipeline, str(package))
    assert block.function.__name__.replace("_", "-") in package.read_text()
