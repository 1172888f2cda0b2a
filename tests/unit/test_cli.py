"""The ``designer`` command's contract: output shapes and exit codes scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from designer.cli import main
from designer.cli.runs import print_record
from designer.flow.document import Flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.settings import StorageSettings
from tests.fixtures.flow_files import FLOWS, fixture_flow
from tests.fixtures.kfp_server import FakeKfpServer
from tests.fixtures.object_stores import s3_server, s3_settings

__all__ = ["s3_server", "s3_settings"]

IRIS = FLOWS / "iris_classification.json"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_blocks_json_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "blocks", "--json")
    assert code == 0
    blocks = json.loads(out)
    ids = [b["id"] for b in blocks]
    assert {"load.sklearn_dataset", "split.train_test", "train.random_forest"} <= set(ids)
    for block in blocks:
        assert {"id", "category", "title", "description", "inputs", "outputs", "params"} <= set(
            block
        )
        assert all({"name", "type"} <= set(port) for port in block["inputs"] + block["outputs"])
        assert {"properties", "required"} <= set(block["params"])


def test_validate_json_on_a_valid_flow(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", IRIS, "--json")
    assert (code, json.loads(out)) == (0, {"valid": True, "diagnostics": []})


def test_validate_json_on_an_invalid_flow(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = fixture_flow("iris_classification")
    doc["nodes"][2]["block"] = "train.nope"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "validate", path, "--json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    first = report["diagnostics"][0]
    assert {"severity", "code", "message", "node", "edge"} <= set(first)
    assert (first["severity"], first["code"], first["node"]) == ("error", "unknown_block", "train")


def test_validate_prints_problems_for_people(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schema_version": 1, "name": "x", "nodes": [')
    code, _, err = run(capsys, "validate", path)
    assert code == 1
    assert "not valid JSON" in err


def test_compile_writes_ir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "pipeline.yaml"
    code, out, _ = run(capsys, "compile", IRIS, "-o", target)
    assert code == 0 and "5 tasks" in out
    assert yaml.safe_load(target.read_text())["pipelineInfo"]["name"] == "iris-classification"


def test_compile_refuses_an_invalid_flow(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = fixture_flow("iris_classification")
    doc["edges"].pop()
    doc["edges"].pop(0)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    target = tmp_path / "pipeline.yaml"
    code, _, err = run(capsys, "compile", path, "-o", target)
    assert code == 1 and not target.exists()
    assert "missing_input" in err


def test_schema_is_the_flow_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    assert {"schema_version", "name", "nodes", "edges", "params"} <= set(schema["properties"])
    assert schema["required"] == ["name"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["validate", "no/such/flow.json"], "no such file"),
        (["validate", "."], "it is a folder"),
        (["compile", str(IRIS), "-o", "no/such/dir/p.yaml"], "cannot write"),
        (["run", str(IRIS), "-p", "nope=1"], "NAME one of: seed"),
        (["run", str(IRIS), "-p", "seed=abc"], "expects a integer"),
        (["submit", str(IRIS)], "DESIGNER_KFP_HOST"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert words in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2


def test_not_utf8_file_is_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(capsys, "validate", path)
    assert code == 2 and "not UTF-8" in err


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, s3_settings: StorageSettings) -> StorageSettings:
    """The designer's storage in the S3 server on loopback, as a cluster run needs."""
    monkeypatch.setenv("DESIGNER_S3_ENDPOINT", s3_settings.endpoint)
    monkeypatch.setenv("DESIGNER_S3_ACCESS_KEY", s3_settings.access_key or "")
    monkeypatch.setenv("DESIGNER_S3_SECRET_KEY", s3_settings.secret_key or "")
    monkeypatch.setenv("DESIGNER_S3_BUCKET", s3_settings.bucket)
    return s3_settings


def test_submit_sends_the_compiled_flow_and_follows_it(
    capsys: pytest.CaptureFixture[str], s3_env: StorageSettings
) -> None:
    with FakeKfpServer(token="t0ken") as server:
        code, out, err = run(
            capsys, "submit", IRIS, "--host", server.url, "--token", "t0ken", "--json",
            "--wait", "--poll-interval", "0.01", "-p", "seed=3",
        )  # fmt: skip
        assert code == 0, err
        result = json.loads(out)
        assert result["status"] == "succeeded"
        assert set(result["nodes"]) == {"load", "split", "train", "evaluate", "deploy"}
        assert {n["status"] for n in result["nodes"].values()} == {"succeeded"}
        (received,) = server.runs.values()
        assert received.parameters == {"seed": 3}
        assert received.pipeline_spec["pipelineInfo"]["name"] == "iris-classification"
        assert len(received.pipeline_spec["root"]["dag"]["tasks"]) == 5


def test_compile_for_kubeflow_writes_exactly_what_submit_sends(
    capsys: pytest.CaptureFixture[str], s3_env: StorageSettings, tmp_path: Path
) -> None:
    package = tmp_path / "iris.yaml"
    with FakeKfpServer() as server:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("DESIGNER_KFP_HOST", server.url)
            assert run(capsys, "compile", IRIS, "-o", package, "--engine", "kubeflow")[0] == 0
            assert run(capsys, "submit", IRIS)[0] == 0
        (received,) = server.runs.values()
    ir, platform = yaml.safe_load_all(package.read_text())
    assert received.pipeline_spec == ir
    assert received.platform_spec == platform
    assert ir["defaultPipelineRoot"] == f"s3://{s3_env.bucket}/kfp"


def test_submit_with_local_storage_is_refused_before_sending(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeKfpServer() as server:
        code, _, err = run(capsys, "submit", IRIS, "--host", server.url)
        assert not server.runs and not server.requests
    assert code == 1
    assert "needs the designer's storage in S3 or MinIO" in err
    assert "set DESIGNER_S3_ENDPOINT" in err and "Traceback" not in err


def test_submit_to_a_server_that_is_down_says_so(
    capsys: pytest.CaptureFixture[str], s3_env: StorageSettings
) -> None:
    with FakeKfpServer() as server:
        url = server.url
    code, _, err = run(capsys, "submit", IRIS, "--host", url)
    assert code == 1
    assert "cannot reach Kubeflow Pipelines" in err


def test_run_output_lines_models_up_when_a_run_compares_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    flow = Flow.model_validate(fixture_flow("wine_boosting"))
    nodes = {
        "eval_boost": NodeRun(Status.SUCCEEDED, metrics={"accuracy": 0.9722, "f1": 0.9701}),
        "eval_logreg": NodeRun(Status.SUCCEEDED, metrics={"accuracy": 0.9444, "f1": 0.9712}),
    }
    record = RunRecord("r1", "wine", "local", Status.SUCCEEDED, nodes=nodes)
    print_record(record, as_json=False, flow=flow)
    table = capsys.readouterr().out.split("\n\n", 1)[1].splitlines()
    assert table == [
        "compare classification models (best by Accuracy: Gradient boosting)",
        "            Gradient boosting  Logistic regression",
        "  Accuracy            0.972 *              0.944",
        "  F1                   0.97                0.971 *",
    ]
    print_record(record, as_json=True, flow=flow)  # the JSON contract is unchanged
    assert set(json.loads(capsys.readouterr().out)) == {"run_id", "status", "error", "nodes"}
