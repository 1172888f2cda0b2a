"""Pipeline files a person can type or mangle: importing one never raises, a refusal always
says why (and saves nothing), and a flow that comes out is a valid document whose nodes run
the blocks saved for it, each saved component a block again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from designer.flow.document import Flow
from designer.userblocks.component_file import read_component
from designer.userblocks.pipeline_import import ImportResult, import_pipeline
from tests.fixtures.yaml_fuzz import fuzz_settings, mutate, yaml_values

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pipelines_sdk"
FIXTURE_TEXTS = {p.name: p.read_text() for p in sorted(FIXTURES.glob("*.yaml"))}
FIXTURE_DOCUMENTS = {name: yaml.safe_load(text) for name, text in FIXTURE_TEXTS.items()}

#: Words of compiled pipelines, so random mappings look like one often enough.
WORDS = [
    "pipelineInfo",
    "name",
    "displayName",
    "description",
    "components",
    "comp-x",
    "deploymentSpec",
    "executors",
    "exec-x",
    "container",
    "image",
    "command",
    "args",
    "importer",
    "root",
    "dag",
    "tasks",
    "x",
    "componentRef",
    "taskInfo",
    "inputs",
    "parameters",
    "artifacts",
    "componentInputParameter",
    "runtimeValue",
    "constant",
    "taskOutputParameter",
    "taskOutputArtifact",
    "producerTask",
    "outputParameterKey",
    "outputArtifactKey",
    "dependentTasks",
    "triggerPolicy",
    "condition",
    "parameterIterator",
    "cachingOptions",
    "enableCache",
    "executorLabel",
    "inputDefinitions",
    "outputDefinitions",
    "parameterType",
    "defaultValue",
    "STRING",
    "NUMBER_INTEGER",
    "LIST",
    "artifactType",
    "schemaTitle",
    "system.Dataset",
]

FUZZ = fuzz_settings(100)
values = yaml_values(WORDS)


def assert_well_formed(text: str) -> None:
    saved: list[str] = []

    def save(component_yaml: str) -> str:
        saved.append(component_yaml)
        return f"ana/block_{len(saved)}@1"

    result = import_pipeline(text, save_block=save)
    assert isinstance(result, ImportResult)
    if result.flow is None:
        assert result.problems, "a refusal without a reason"
        assert saved == [] and result.blocks == ()
        for problem in result.problems:
            assert isinstance(problem.message, str) and problem.message.strip()
            assert "Traceback" not in problem.message
            assert problem.line >= 0
        return
    flow = result.flow
    assert result.problems == ()
    assert Flow.model_validate_json(flow.to_json()) == flow
    ids = [node.id for node in flow.nodes]
    assert len(ids) == len(set(ids)) and flow.nodes
    assert {node.block for node in flow.nodes} == set(result.blocks)
    known = set(ids)
    assert all(e.source in known and e.target in known for e in flow.edges)
    assert all(set(node.after) <= known for node in flow.nodes)
    for component in saved:
        assert read_component(component).check.ok


@FUZZ
@given(st.text(max_size=400))
def test_any_text_is_imported_or_refused(text: str) -> None:
    assert_well_formed(text)


@FUZZ
@given(values)
def test_any_yaml_value_is_imported_or_refused(value: Any) -> None:
    assert_well_formed(yaml.safe_dump(value))


@FUZZ
@given(
    st.sampled_from(sorted(FIXTURE_TEXTS)),
    st.integers(0, 10**6),
    st.integers(0, 40),
    st.text(max_size=12),
)
def test_a_fixture_with_text_cut_or_inserted_is_imported_or_refused(
    name: str, at: int, cut: int, inserted: str
) -> None:
    text = FIXTURE_TEXTS[name]
    at %= len(text)
    assert_well_formed(text[:at] + inserted + text[at + cut :])


@FUZZ
@given(st.data())
def test_a_mutated_fixture_is_imported_or_refused(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(FIXTURE_DOCUMENTS)))
    document = FIXTURE_DOCUMENTS[name]
    document = mutate(data, document, values)
    assert_well_formed(yaml.safe_dump(document, allow_unicode=True))
