"""Pipeline files a person can type or mangle: importing one never raises, a refusal always
says why (and saves nothing), and a flow that comes out is a valid document whose nodes run
the blocks saved for it, each saved component a block again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.flow.document import Flow
from designer.userblocks.component_file import read_component
from designer.userblocks.pipeline_import import ImportResult, import_pipeline

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

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True)
    | st.sampled_from(WORDS)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(WORDS), inner, max_size=5)
    ),
    max_leaves=30,
)


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


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a loaded document: keys of mappings, indexes of lists."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _mutated(document: Any, path: tuple[Any, ...], action: str, new: Any) -> Any:
    if not path:
        return new
    *parents, last = path
    root = yaml.safe_load(yaml.safe_dump(document))  # a deep copy
    holder = root
    for step in parents:
        holder = holder[step]
    if action == "delete":
        del holder[last]
    elif action == "replace":
        holder[last] = new
    elif isinstance(holder, dict):
        holder[str(new)[:20] or "x"] = holder[last]  # add the value under another key
    else:
        holder.insert(last, new)
    return root


@FUZZ
@given(st.data())
def test_a_mutated_fixture_is_imported_or_refused(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(FIXTURE_DOCUMENTS)))
    document = FIXTURE_DOCUMENTS[name]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        action = data.draw(st.sampled_from(["delete", "replace", "rename", "replace"]))
        document = _mutated(document, path, action, data.draw(values))
    assert_well_formed(yaml.safe_dump(document, allow_unicode=True))
