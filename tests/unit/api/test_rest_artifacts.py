"""``GET /api/v1/runs/{run_id}/artifacts/{node_id}/{port}``: a run's outputs, streamed.

The outputs are kept in each storage back end (``object_store``: a local folder, then a moto S3
server) as a finished local run keeps them, and the run is recorded on the shared flow of the
test personas, so the API decides who may download exactly as it does for the run itself.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from designer.api import rest_artifacts
from designer.objects.base import ObjectStore
from designer.objects.local import LocalFolderStore
from designer.runs.artifacts import download_href, keep_artifacts
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.store import runs
from tests.fixtures.object_stores import (
    object_store,
    s3_server,
    s3_settings,
    unreachable_s3_store,
)
from tests.unit.api import Scene, error_of, scene, template

__all__ = ["object_store", "s3_server", "s3_settings", "scene", "template"]

RUN = "20260101-120000-0123abcd"
#: A node id with a space, a slash and a non-ASCII letter, as people name nodes.
ODD = "load data/ü"
TABLE = b"PAR1" + bytes(range(256)) * 40 + b"PAR1"
FOLDER = {"summary.json": b'{"ok": true}', "plots/ROC (1).png": b"\x89PNG"}


def finished_run(folder: Path) -> RunRecord:
    """A finished local run with a table, a model, a folder output and a metrics-only one."""
    task = folder / "artifacts" / "pipeline" / "task"
    (task / "report" / "plots").mkdir(parents=True)
    (task / "data").write_bytes(TABLE)
    (task / "model").write_bytes(b"weights")
    for name, data in FOLDER.items():
        (task / "report" / name).write_bytes(data)
    return RunRecord(
        run_id=RUN,
        flow_name="Shared flow",
        engine="local",
        status=Status.SUCCEEDED,
        artifacts_root=str(folder / "artifacts"),
        nodes={
            ODD: NodeRun(
                Status.SUCCEEDED,
                outputs={"data": OutputRecord(str(task / "data"), "system.Dataset")},
            ),
            "train": NodeRun(
                Status.SUCCEEDED,
                outputs={"model": OutputRecord(str(task / "model"), "system.Model")},
            ),
            "evaluate": NodeRun(
                Status.SUCCEEDED,
                outputs={
                    "report": OutputRecord(str(task / "report"), "system.Artifact"),
                    "metrics": OutputRecord(str(task / "metrics"), "system.Metrics", {"f1": 1}),
                },
            ),
        },
    )


@pytest.fixture
def kept_run(
    scene: Scene, object_store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> RunRecord:
    """The run, its outputs kept in the store the API reads, its own folder then removed."""
    monkeypatch.setattr(rest_artifacts, "artifact_store", lambda: object_store)
    record = finished_run(tmp_path / "run")
    kept = keep_artifacts(object_store, record)
    assert kept.error == ""
    kept.apply(record)
    record_run(scene, record)
    shutil.rmtree(tmp_path / "run")
    return record


def record_run(scene: Scene, record: RunRecord) -> None:
    runs.record_run(scene.world.engine, scene.shared.id, 2, record, scene.world.owner.id)


def test_the_owner_downloads_the_bytes_kept_in_storage(
    scene: Scene, kept_run: RunRecord, object_store: ObjectStore
) -> None:
    got = scene.api.get(download_href(RUN, ODD, "data"), headers=scene.headers("owner"))
    assert got.status_code == 200, got.text
    stored = kept_run.nodes[ODD].outputs["data"].stored
    assert stored is not None
    assert got.content == object_store.read_bytes(stored.files["data"]) == TABLE
    assert got.headers["content-length"] == str(len(TABLE))
    assert got.headers["content-disposition"] == 'attachment; filename="load-data--data.parquet"'
    assert got.headers["content-type"] == "application/octet-stream"
    model = scene.api.get(download_href(RUN, "train", "model"), headers=scene.headers("viewer"))
    assert model.content == b"weights"
    assert model.headers["content-disposition"] == 'attachment; filename="train-model.joblib"'


def test_a_folder_output_downloads_as_a_zip(scene: Scene, kept_run: RunRecord) -> None:
    got = scene.api.get(download_href(RUN, "evaluate", "report"), headers=scene.headers("owner"))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    assert got.headers["content-disposition"] == 'attachment; filename="evaluate-report.zip"'
    assert got.headers["content-length"] == str(len(got.content))
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == FOLDER


def test_the_browser_session_cookie_signs_the_link_in(scene: Scene, kept_run: RunRecord) -> None:
    scene.api.cookies.set("designer_session", scene.world.session_token("owner"))
    got = scene.api.get(download_href(RUN, "train", "model"))
    assert (got.status_code, got.content) == (200, b"weights")


def test_who_may_not_see_the_run_learns_nothing(scene: Scene, kept_run: RunRecord) -> None:
    href = download_href(RUN, "train", "model")
    stranger = scene.api.get(href, headers=scene.headers("stranger"))
    made_up = scene.api.get(
        download_href("20260101-120000-ffffffff", "train", "model"),
        headers=scene.headers("stranger"),
    )
    assert stranger.status_code == made_up.status_code == 404
    assert stranger.json() == made_up.json()
    assert error_of(stranger)["code"] == "run_not_found"
    nobody = scene.api.get(href)
    assert (nobody.status_code, error_of(nobody)["code"]) == (401, "sign_in_required")


@pytest.mark.parametrize(
    ("node", "port", "words"),
    [
        ("train", "nope", "block 'train' has no output 'nope'"),
        ("nope", "model", "has no block 'nope'"),
        ("evaluate", "metrics", "holds only metrics"),
    ],
)
def test_an_output_that_is_not_there_is_a_404(
    scene: Scene, kept_run: RunRecord, node: str, port: str, words: str
) -> None:
    got = scene.api.get(download_href(RUN, node, port), headers=scene.headers("owner"))
    assert got.status_code == 404
    error = error_of(got)
    assert error["code"] == "artifact_not_found" and words in error["message"]


def test_an_object_deleted_from_storage_is_a_404(
    scene: Scene, kept_run: RunRecord, object_store: ObjectStore
) -> None:
    object_store.delete_prefix(f"runs/{RUN}/")
    got = scene.api.get(download_href(RUN, "train", "model"), headers=scene.headers("owner"))
    assert (got.status_code, error_of(got)["code"]) == (404, "object_not_found")


# -- on one back end: falling back to the run's folder ---------------------------------------


def test_an_output_not_kept_is_read_from_the_run_folder(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = finished_run(tmp_path / "run")
    record.artifacts_error = "the run's outputs could not be kept in S3: down"
    record_run(scene, record)
    monkeypatch.setattr(rest_artifacts, "artifact_store", unreachable_s3_store)
    owner = scene.headers("owner")
    got = scene.api.get(download_href(RUN, ODD, "data"), headers=owner)
    assert (got.status_code, got.content) == (200, TABLE)
    zipped = scene.api.get(download_href(RUN, "evaluate", "report"), headers=owner)
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        assert sorted(archive.namelist()) == sorted(FOLDER)
    shutil.rmtree(tmp_path / "run")
    gone = scene.api.get(download_href(RUN, ODD, "data"), headers=owner)
    assert gone.status_code == 404
    assert "is no longer on disk" in error_of(gone)["message"]


def test_storage_down_is_a_503_once_the_run_folder_is_gone(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = finished_run(tmp_path / "run")
    keep_artifacts(LocalFolderStore(tmp_path / "objects"), record).apply(record)
    record_run(scene, record)
    monkeypatch.setattr(rest_artifacts, "artifact_store", unreachable_s3_store)
    owner = scene.headers("owner")
    # While the run's folder is there, it answers for the store.
    assert scene.api.get(download_href(RUN, "train", "model"), headers=owner).content == b"weights"
    shutil.rmtree(tmp_path / "run")
    got = scene.api.get(download_href(RUN, "train", "model"), headers=owner)
    assert got.status_code == 503
    assert error_of(got)["code"] == "storage_unavailable"
    assert "cannot reach" in error_of(got)["message"] and got.headers["retry-after"]


def test_the_configured_store_is_read_by_default(
    scene: Scene, tmp_path: Path, designer_home: Path
) -> None:
    record = finished_run(tmp_path / "run")
    keep_artifacts(LocalFolderStore(designer_home / "objects"), record).apply(record)
    record_run(scene, record)
    shutil.rmtree(tmp_path / "run")
    got = scene.api.get(download_href(RUN, "train", "model"), headers=scene.headers("owner"))
    assert (got.status_code, got.content) == (200, b"weights")


def test_only_get_is_allowed(scene: Scene) -> None:
    got = scene.api.delete(download_href(RUN, "train", "model"), headers=scene.headers("owner"))
    assert (got.status_code, error_of(got)["code"]) == (405, "method_not_allowed")
