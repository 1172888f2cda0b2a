"""The dataset endpoints over HTTP: upload as a raw body, preview, download, share, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.object_stores import closed_port
from tests.unit.api import Persona, Scene, error_of, scene, template

__all__ = ["scene", "template"]

DATA = Path(__file__).parents[2] / "fixtures" / "data"
HOUSES = (DATA / "houses.csv").read_bytes()


def upload(scene: Scene, data: bytes, persona: Persona = "owner", **query: str) -> Any:
    params = {"filename": "houses.csv", **query}
    headers = scene.headers(persona)
    return scene.api.post("/api/v1/datasets", params=params, content=data, headers=headers)


def test_upload_preview_download_and_delete(scene: Scene) -> None:
    headers = scene.headers("owner")
    created = upload(scene, HOUSES)
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["number"], body["created"]) == ("houses", 1, True)
    again = upload(scene, HOUSES)
    assert again.status_code == 200 and again.json()["created"] is False

    base = f"/api/v1/datasets/{body['dataset_id']}"
    listed = scene.api.get("/api/v1/datasets", params={"q": "price"}, headers=headers).json()
    assert [d["name"] for d in listed["datasets"]] == ["houses"]
    version = scene.api.get(f"{base}/versions/latest", headers=headers).json()
    assert version["columns"] == ["rooms", "area", "city", "price"]
    assert version["profile"]["suggested_target"] == "price"
    assert len(version["profile"]["preview"]) == 20
    file = scene.api.get(f"{base}/versions/1/file", headers=headers)
    assert file.content == HOUSES
    assert file.headers["content-disposition"].startswith('attachment; filename="houses.csv"')

    changed = HOUSES[:-1] + b"9\n"
    newer = scene.api.post(
        f"{base}/versions", params={"filename": "h2.csv"}, content=changed, headers=headers
    )
    assert newer.status_code == 201 and newer.json()["number"] == 2
    detail = scene.api.get(base, headers=headers).json()
    assert [v["number"] for v in detail["versions"]] == [2, 1]

    assert scene.api.delete(base, headers=headers).json() == {"deleted": True, "files_removed": 2}
    assert scene.api.get(base, headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "code", "says"),
    [
        (b"", 422, "empty_upload", "the upload is empty"),
        ((DATA / "datasets" / "image.png").read_bytes(), 422, "file_not_a_table", "PNG"),
        ((DATA / "datasets" / "ragged_more.csv").read_bytes(), 422, "file_ragged", "line"),
        ((DATA / "datasets" / "latin1.csv").read_bytes(), 422, "file_encoding", "UTF-8"),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(
    scene: Scene, data: bytes, status: int, code: str, says: str
) -> None:
    response = upload(scene, data)
    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code and says in error["message"]
    assert scene.api.get("/api/v1/datasets", headers=scene.headers("owner")).json() == {
        "datasets": []
    }


def test_an_upload_over_the_limit_is_413_before_or_while_reading(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_MAX_UPLOAD_MB", "0.001")  # 1000 bytes
    declared = upload(scene, HOUSES)
    assert declared.status_code == 413
    assert "largest upload accepted here is 0.0 MB" in error_of(declared)["message"]

    def chunks() -> Any:  # no Content-Length: the limit is found while reading
        for start in range(0, len(HOUSES), 100):
            yield HOUSES[start : start + 100]

    streamed = scene.api.post(
        "/api/v1/datasets",
        params={"filename": "houses.csv"},
        content=chunks(),
        headers=scene.headers("owner"),
    )
    assert streamed.status_code == 413
    assert not list((Path(scene.url.removeprefix("sqlite:///")).parent).glob("uploads/*"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("viewer", 200), ("team_editor", 200), ("stranger", 404), ("anonymous", 401)],
)
def test_who_may_see_a_shared_dataset(scene: Scene, persona: Persona, status: int) -> None:
    dataset_id = upload(scene, HOUSES).json()["dataset_id"]
    owner = scene.headers("owner")
    for body in ({"user": "viewer"}, {"team": scene.world.editors_team, "role": "editor"}):
        shared = scene.api.put(f"/api/v1/datasets/{dataset_id}/access", json=body, headers=owner)
        assert shared.status_code == 200, shared.text
    response = scene.api.get(f"/api/v1/datasets/{dataset_id}", headers=scene.headers(persona))
    assert response.status_code == status
    if persona == "stranger":  # the same answer as for an id that never existed
        invented = scene.api.get(f"/api/v1/datasets/{'0' * 32}", headers=scene.headers(persona))
        assert error_of(invented)["code"] == error_of(response)["code"]


def test_deleting_a_dataset_a_flow_reads_asks_for_confirmation(scene: Scene) -> None:
    owner = scene.headers("owner")
    dataset_id = upload(scene, HOUSES).json()["dataset_id"]
    flow = {
        "schema_version": 1,
        "name": "Prices",
        "nodes": [{"id": "data", "block": "load.dataset", "params": {"dataset": dataset_id}}],
    }
    assert scene.api.post("/api/v1/flows", json=flow, headers=owner).status_code == 201
    using = scene.api.get(f"/api/v1/datasets/{dataset_id}/flows", headers=owner).json()
    assert using == {"flows": ["Prices"], "hidden": 0}
    refused = scene.api.delete(f"/api/v1/datasets/{dataset_id}", headers=owner)
    assert refused.status_code == 409
    assert error_of(refused)["flows"] == ["Prices"]
    confirmed = scene.api.delete(
        f"/api/v1/datasets/{dataset_id}", params={"confirm": "true"}, headers=owner
    )
    assert confirmed.status_code == 200


def test_storage_that_is_down_is_503_and_listing_still_works(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_S3_ENDPOINT", f"127.0.0.1:{closed_port()}")
    monkeypatch.setenv("DESIGNER_S3_ACCESS_KEY", "key")
    monkeypatch.setenv("DESIGNER_S3_SECRET_KEY", "secret")
    response = upload(scene, HOUSES)
    assert response.status_code == 503
    error = error_of(response)
    assert error["code"] == "storage_unavailable" and "cannot reach" in error["message"]
    listed = scene.api.get("/api/v1/datasets", headers=scene.headers("owner"))
    assert listed.status_code == 200 and listed.json() == {"datasets": []}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.text(max_size=300), filename=st.text(max_size=300))
def test_any_names_get_an_answer_never_a_crash(scene: Scene, name: str, filename: str) -> None:
    response = upload(scene, HOUSES, name=name, filename=filename)
    assert response.status_code in (200, 201, 422), response.text
    if response.status_code == 422:
        assert error_of(response)["message"]
