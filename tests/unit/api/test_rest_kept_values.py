"""A flow saved with settings as typed (out of range, emptied) through the REST API.

The editor keeps a bad value as typed and reports it; the API keeps such a document as it is
too (a draft may be unfinished), hands it back unchanged, and `designer validate` and
`designer run` on what it hands back say exactly what the editor says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.ui.editor import views
from tests.fixtures.flow_files import fixture_flow
from tests.unit.api import Scene, scene, template

__all__ = ["scene", "template"]

API = "/api/v1"


def test_the_api_keeps_typed_values_and_the_commands_report_them_as_the_editor_does(
    scene: Scene, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = fixture_flow("iris_classification")
    nodes = {node["id"]: node for node in document["nodes"]}
    nodes["split"]["params"]["test_size"] = 1.5
    nodes["train"]["params"]["n_estimators"] = ""
    owner = scene.headers("owner")
    created = scene.api.post(f"{API}/flows", json=document, headers=owner)
    assert created.status_code == 201, created.text

    fetched = scene.api.get(f"{API}/flows/{created.json()['id']}", headers=owner).json()["flow"]
    kept = {node["id"]: node["params"] for node in fetched["nodes"]}
    assert (kept["split"]["test_size"], kept["train"]["n_estimators"]) == (1.5, "")

    flow = Flow.model_validate(fetched)
    editor = [
        (row["node"], row["param"], row["message"])
        for row in views.diagnostics_view(check_flow(flow).diagnostics, flow)
    ]
    assert editor == [
        ("split", "test_size", "Test share must be a number from 0.05 to 0.95; found 1.5"),
        ("train", "n_estimators", "Number of trees is empty; enter a whole number from 1 to 2000"),
    ]
    path = tmp_path / "fetched.json"
    path.write_text(json.dumps(fetched))
    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(d["node"], d["param"], d["message"]) for d in report["diagnostics"]] == editor
    assert main(["run", str(path)]) == 1
    said = capsys.readouterr().err
    for node, param, message in editor:
        assert f"node {node}, param {param}: {message}" in said
