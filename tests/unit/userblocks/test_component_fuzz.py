"""Component files a person can type or mangle: reading one never raises, a refusal always says
why, and a file that is read makes a spec within bounds whose stored text reads again."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from designer.userblocks.component_file import (
    ComponentRead,
    load_component_text,
    read_component,
)
from designer.userblocks.spec import (
    KINDS,
    MAX_PACKAGES,
    MAX_PARAMS,
    MAX_PORTS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    PARAM_TYPES,
)
from tests.fixtures.yaml_fuzz import fuzz_settings, mutate, yaml_values

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "components"
FIXTURE_TEXTS = {p.name: p.read_text() for p in sorted(FIXTURES.glob("*.yaml"))}
FIXTURE_DOCUMENTS = {name: yaml.safe_load(text) for name, text in FIXTURE_TEXTS.items()}

#: Words of both component formats, so random mappings look like components often enough.
WORDS = [
    "name",
    "description",
    "inputs",
    "outputs",
    "type",
    "default",
    "optional",
    "implementation",
    "container",
    "graph",
    "image",
    "command",
    "args",
    "env",
    "inputValue",
    "inputPath",
    "outputPath",
    "pipelineInfo",
    "components",
    "comp-x",
    "deploymentSpec",
    "executors",
    "exec-x",
    "root",
    "dag",
    "tasks",
    "executorLabel",
    "inputDefinitions",
    "outputDefinitions",
    "parameters",
    "artifacts",
    "parameterType",
    "defaultValue",
    "isOptional",
    "isArtifactList",
    "artifactType",
    "schemaTitle",
    "schemaVersion",
    "STRING",
    "NUMBER_INTEGER",
    "LIST",
    "system.Dataset",
    "system.Artifact@0.0.1",
    "0.0.1",
    "Float",
    "Integer",
    "String",
    "CSV",
    "x",
]

FUZZ = fuzz_settings(120)
values = yaml_values(WORDS)


def assert_well_formed(read: ComponentRead) -> None:
    """A refusal says why (in words, with a sane line); a block is within every bound and its
    stored text loads in KFP and reads into a block again."""
    assert isinstance(read, ComponentRead)
    check = read.check
    if check.spec is None:
        assert check.problems, "a refusal without a reason"
        for problem in check.problems:
            assert isinstance(problem.message, str) and problem.message.strip()
            assert "Traceback" not in problem.message
            assert problem.line >= 0 and problem.column >= 0
        assert read.component_yaml == "" and read.source == ""
        return
    spec = check.spec
    assert check.problems == ()
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,63}", spec.name)
    assert 0 < len(spec.title) <= MAX_TITLE_CHARS and len(spec.description) <= MAX_TEXT_CHARS
    assert spec.kind in KINDS
    artifacts = [p for p in spec.inputs if not p.type.startswith("parameter:")]
    assert len(artifacts) + len(spec.outputs) <= MAX_PORTS
    assert {p.name for p in spec.inputs if p not in artifacts} == {p.name for p in spec.params}
    assert len(spec.params) <= MAX_PARAMS and len(spec.packages) <= MAX_PACKAGES
    assert all(p.type in PARAM_TYPES for p in spec.params)
    assert bool(read.source) == (spec.kind == "python") == bool(spec.function)
    assert bool(spec.image) == (spec.kind == "container")
    assert load_component_text(read.component_yaml) is not None
    assert read_component(read.component_yaml).check.ok


@FUZZ
@given(st.text(max_size=400))
def test_any_text_is_read_or_refused(text: str) -> None:
    assert_well_formed(read_component(text))


@FUZZ
@given(values)
def test_any_yaml_value_is_read_or_refused(value: Any) -> None:
    assert_well_formed(read_component(yaml.safe_dump(value)))


@FUZZ
@given(
    st.sampled_from(sorted(FIXTURE_TEXTS)),
    st.integers(0, 10**6),
    st.integers(0, 40),
    st.text(max_size=12),
)
def test_a_fixture_with_text_cut_or_inserted_is_read_or_refused(
    name: str, at: int, cut: int, inserted: str
) -> None:
    text = FIXTURE_TEXTS[name]
    at %= len(text)
    assert_well_formed(read_component(text[:at] + inserted + text[at + cut :]))


@FUZZ
@given(st.data())
def test_a_mutated_fixture_is_read_or_refused(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(FIXTURE_DOCUMENTS)))
    document = FIXTURE_DOCUMENTS[name]
    document = mutate(data, document, values)
    text = yaml.safe_dump(document, allow_unicode=True)
    assert_well_formed(read_component(text))
