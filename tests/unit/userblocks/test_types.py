"""``blocks.types``: our model port types as KFP artifact classes, checked against KFP itself.

KFP must accept ``Input[Classifier]``/``Output[Regressor]``... in three places: the component
decorator (types in the component spec, imports in the task's program), the executor that calls
the function in the task, and a real kfp.local run where the task's program imports them.

No ``from __future__ import annotations`` here: KFP reads the functions' annotations as
objects, and would refuse them as strings.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from kfp import compiler, dsl
from kfp.dsl import executor
from kfp.dsl.types import artifact_types

import blocks.types as types
from blocks.base import PORT_TYPES
from blocks.types import (
    HTML,
    Classifier,
    Clusterer,
    Input,
    Metrics,
    Model,
    Output,
    Preprocessor,
    Regressor,
)
from designer.userblocks.source import PORT_ANNOTATIONS


def relabel(
    model: Input[Classifier],
    preprocessor: Input[Preprocessor],
    regressor: Output[Regressor],
    groups: Output[Clusterer],
    report: Output[HTML],
    suffix: str,
) -> None:
    """Copies what it is given, so a test can see every artifact reach the function."""
    with open(model.path) as source, open(regressor.path, "w") as target:
        target.write(source.read() + suffix)
    regressor.metadata["received"] = type(model).__name__
    regressor.metadata["kind"] = model.metadata["kind"]
    groups.metadata["preprocessor"] = preprocessor.uri
    with open(report.path, "w") as page:
        page.write("<p>done</p>")


def write_classifier(model: Output[Classifier]) -> None:
    with open(model.path, "w") as file:
        file.write("weights")
    model.metadata["kind"] = "classifier"


def score_classifier(model: Input[Classifier], scores: Output[Metrics]) -> None:
    with open(model.path) as file:
        scores.log_metric("characters", len(file.read()))
    scores.log_metric("kind_" + model.metadata["kind"], 1)


@pytest.mark.parametrize("cls", [Classifier, Regressor, Clusterer, Preprocessor])
def test_model_kinds_are_kfp_models(cls: type[Model]) -> None:
    assert issubclass(cls, dsl.Model)
    assert (cls.schema_title, cls.schema_version) == ("system.Model", dsl.Model.schema_version)
    assert types.MODEL_KINDS[cls.__name__] is cls
    # The port type of the same name is a model to KFP as well.
    assert PORT_TYPES[cls.__name__].kfp_type is dsl.Model


def test_one_import_serves_every_port_annotation() -> None:
    assert set(PORT_ANNOTATIONS) | {"Input", "Output"} <= set(types.__all__)
    for name in types.__all__:
        assert hasattr(types, name)
    for name in ("Input", "Output", "Dataset", "Model", "Metrics", "ClassificationMetrics"):
        assert getattr(types, name) is getattr(dsl, name)
    for name in ("Artifact", "HTML", "Markdown", "SlicedClassificationMetrics"):
        assert getattr(types, name) is getattr(dsl, name)
    for name, port_type in PORT_ANNOTATIONS.items():
        kfp_class = getattr(types, name)
        ours = PORT_TYPES.get(port_type)
        # Ours map to the KFP class of the same schema; generic ports are named by the schema.
        expected = ours.kfp_type.schema_title if ours else port_type
        assert kfp_class.schema_title == expected


def test_the_component_decorator_accepts_them() -> None:
    component = dsl.component(relabel, install_kfp_package=False)
    spec = component.component_spec
    assert {name: i.type for name, i in spec.inputs.items()} == {
        "model": "system.Model@0.0.1",
        "preprocessor": "system.Model@0.0.1",
        "suffix": "String",
    }
    assert {name: o.type for name, o in spec.outputs.items()} == {
        "regressor": "system.Model@0.0.1",
        "groups": "system.Model@0.0.1",
        "report": "system.HTML@0.0.1",
    }
    # The task's program imports our classes from where they live.
    program = spec.implementation.container.command[-1]
    for name in ("Classifier", "Regressor", "Clusterer", "Preprocessor"):
        assert f"from blocks.types import {name}" in program


def test_kfp_connects_them_as_models(tmp_path: Path) -> None:
    """To KFP a classifier may feed any model input: telling them apart is the designer's job."""
    write = dsl.component(write_classifier, install_kfp_package=False)
    score = dsl.component(score_classifier, install_kfp_package=False)

    @dsl.component(install_kfp_package=False)
    def read_any_model(model: Input[Model], other: Input[Regressor]) -> None:
        print(model.path, other.path)

    @dsl.pipeline(name="model-kinds")
    def pipeline() -> None:
        model = write().outputs["model"]
        score(model=model)
        read_any_model(model=model, other=model)

    target = tmp_path / "pipeline.yaml"
    compiler.Compiler().compile(pipeline, str(target))
    assert "system.Model" in target.read_text()


def _runtime_artifacts(folder: Path, schemas: dict[str, str], **metadata: Any) -> dict:
    """Executor-input artifacts as the KFP backend sends them: one per name, a local uri."""
    return {
        name: {
            "artifacts": [
                {
                    "name": name,
                    "type": {"schemaTitle": schema},
                    "uri": str(folder / name),
                    "metadata": metadata.get(name, {}),
                }
            ]
        }
        for name, schema in schemas.items()
    }


def test_the_executor_runs_a_function_typed_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The executor sets a process-wide task root; put it back after the test.
    monkeypatch.setattr(artifact_types, "CONTAINER_TASK_ROOT", artifact_types.CONTAINER_TASK_ROOT)
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "model").write_text("weights")
    executor_input = {
        "inputs": {
            "artifacts": _runtime_artifacts(
                inputs,
                {"model": "system.Model", "preprocessor": "system.Model"},
                model={"kind": "classifier"},
            ),
            "parameterValues": {"suffix": "!"},
        },
        "outputs": {
            "artifacts": _runtime_artifacts(
                outputs,
                {"regressor": "system.Model", "groups": "system.Model", "report": "system.HTML"},
            ),
            "outputFile": str(tmp_path / "executor_output.json"),
        },
    }

    executor.Executor(executor_input=executor_input, function_to_execute=relabel).execute()

    assert (outputs / "regressor").read_text() == "weights!"
    assert (outputs / "report").read_text() == "<p>done</p>"
    written = json.loads((tmp_path / "executor_output.json").read_text())["artifacts"]
    # KFP builds artifact objects from the schema title: the function gets a plain Model.
    assert written["regressor"]["artifacts"][0]["metadata"] == {
        "received": "Model",
        "kind": "classifier",
    }
    assert written["groups"]["artifacts"][0]["metadata"] == {
        "preprocessor": str(inputs / "preprocessor")
    }


def test_the_executor_also_runs_the_decorated_component(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block's source may keep ``@dsl.component``: the executor unwraps the component."""
    monkeypatch.setattr(artifact_types, "CONTAINER_TASK_ROOT", artifact_types.CONTAINER_TASK_ROOT)
    executor_input = {
        "outputs": {
            "artifacts": _runtime_artifacts(tmp_path, {"model": "system.Model"}),
            "outputFile": str(tmp_path / "executor_output.json"),
        },
    }
    component = dsl.component(write_classifier, install_kfp_package=False)
    executor.Executor(executor_input=executor_input, function_to_execute=component).execute()
    assert (tmp_path / "model").read_text() == "weights"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:You may be attemping to run a task:RuntimeWarning")
def test_a_kfp_local_run_passes_a_classifier_between_tasks(tmp_path: Path) -> None:
    """Each task's program imports ``blocks.types`` itself, in its own process."""
    from kfp import local

    # kfp.local's config is process-wide: every test that runs pipelines sets it again.
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path))
    write = dsl.component(write_classifier, install_kfp_package=False)
    score = dsl.component(score_classifier, install_kfp_package=False)

    @dsl.pipeline(name="classifier-between-tasks")
    def pipeline() -> Metrics:
        model = write().outputs["model"]
        return score(model=model).outputs["scores"]

    scores = pipeline().output
    assert scores.metadata == {"characters": len("weights"), "kind_classifier": 1}
