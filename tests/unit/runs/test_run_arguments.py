"""A flow parameter without a default never reaches a run without a value: validation warns,
the editor's Run dialog asks for it (tests/unit/ui/test_editor_params.py), and every way of
starting a run refuses before anything starts (the pipeline would otherwise crash with KFP's
"missing 1 required argument")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.flow.compile import MissingArguments, compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.runs.launcher import Launcher, LaunchError
from designer.runs.local import LocalEngine
from designer.settings import load_settings

SAMPLE = {
    "name": "Pick a sample",
    "params": [{"name": "sample", "type": "string"}],
    "nodes": [
        {"id": "load", "block": "load.sklearn_dataset", "params": {"dataset": {"$param": "sample"}}}
    ],
}


def sample_flow() -> Flow:
    return Flow.model_validate(SAMPLE)


def test_validation_warns() -> None:
    check = check_flow(sample_flow())
    assert check.valid
    [warned] = [d for d in check.diagnostics if d.code == "param_without_default"]
    assert warned.severity == "warning" and "designer run -p sample=" in warned.message


def test_every_start_refuses_a_run_without_the_value(tmp_path: Path) -> None:
    compiled = compile_flow(sample_flow())
    assert compiled.required == ("sample",)
    assert compiled.missing_arguments({}) == ["sample"]
    assert compiled.missing_arguments({"sample": "iris"}) == []
    settings = load_settings()
    engine = LocalEngine(tmp_path / "runs", settings=settings)
    with pytest.raises(MissingArguments, match="'sample' has no default"):
        engine.start(compiled, flow_name="Pick a sample")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    with pytest.raises(LaunchError, match="designer run -p NAME=VALUE"):
        Launcher(settings).start(compiled, flow_name="Pick a sample", arguments={})


def test_the_command_line_says_so_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps({"schema_version": 1, **SAMPLE}))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "'sample' has no default" in err and len(err.strip().splitlines()) == 1
