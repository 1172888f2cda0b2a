"""Run outputs kept in object storage when a local run finishes, and read back for downloads.

Every test that takes ``object_store`` runs twice: on a local folder and on a moto S3 server.
The real runs are a two-block flow (load, split) whose node ids are the odd ones people type.
"""

from __future__ import annotations

import io
import json
import shutil
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from designer.flow.compile import CompiledFlow, compile_flow
from designer.flow.validate import check_data
from designer.objects.base import ObjectInfo, ObjectStore, StorageUnavailable
from designer.objects.keys import check_key
from designer.objects.local import LocalFolderStore
from designer.runs.artifacts import (
    CONSOLE_NAME,
    ArtifactUnavailable,
    Download,
    download_href,
    keep_artifacts,
    key_part,
    open_download,
    run_prefix,
)
from designer.runs.local import CONSOLE_FILE, LocalEngine, load_record
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status, StoredOutput
from designer.runs.report import run_report
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.object_stores import (
    S3ErrorServer,
    object_store,
    s3_server,
    s3_settings,
    unreachable_s3_store,
)

__all__ = ["object_store", "s3_server", "s3_settings"]

#: Node ids as people type them: spaces, a slash, a non-ASCII letter, and the console's name.
LOAD, SPLIT = "load data/ü #1", "console.log"


def odd_flow() -> tuple[str, CompiledFlow]:
    doc = fixture_flow("iris_classification")
    doc["nodes"] = [dict(doc["nodes"][0], id=LOAD), dict(doc["nodes"][1], id=SPLIT)]
    doc["edges"] = [{"source": LOAD, "source_port": "data", "target": SPLIT, "target_port": "data"}]
    check = check_data(doc)
    assert check.flow is not None, check.diagnostics
    return check.flow.name, compile_flow(check.flow, check)


def read_all(download: Download) -> bytes:
    try:
        return b"".join(download.chunks)
    finally:
        download.close()


def stored_keys(record: RunRecord) -> set[str]:
    return {
        key
        for node in record.nodes.values()
        for output in node.outputs.values()
        if output.stored is not None
        for key in output.stored.files.values()
    }


# -- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kept"),
    [("load", True), ("split_2", True), ("a.b-c", True), ("Train", True)]
    + [(n, False) for n in ("load data", "ü", ".hidden", "..", "", "-x", "a/b", "console.log")]
    + [("x--0123456789", False), ("x" * 300, False), ("tab\tand\nline", False)],
)
def test_key_parts_keep_safe_names_and_encode_the_rest(name: str, kept: bool) -> None:
    part = key_part(name)
    assert check_key(part) == part and len(part) <= 200
    assert (part == name) is kept
    assert key_part(name) == part  # deterministic
    if not kept:
        assert part.endswith(f"--{part[-10:]}")


def test_different_names_never_share_a_part() -> None:
    # Including a name made to look like another's encoded form.
    names = ["a b", "a_b", "a  b", key_part("a b"), "A b", "a_b--0000000000"]
    assert len({key_part(n) for n in names}) == len(names)


def test_download_links_quote_every_part() -> None:
    assert download_href("r1", LOAD, "data") == (
        "/api/v1/runs/r1/artifacts/load%20data%2F%C3%BC%20%231/data"
    )


# -- a real run ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_finished_run_keeps_every_output_and_its_console(
    object_store: ObjectStore, designer_home: Path
) -> None:
    name, compiled = odd_flow()
    run = LocalEngine(designer_home / "runs", store=object_store).start(compiled, flow_name=name)
    seen = [run.snapshot()]
    while not seen[-1].status.finished:
        time.sleep(0.02)
        seen.append(run.snapshot())
    final = run.wait()
    assert final.status is Status.SUCCEEDED, final.summary()
    assert final.artifacts_error == ""
    # The first record that says the run finished already lists what was kept.
    assert seen[-1] == final
    assert load_record(designer_home / "runs", run.run_id) == final

    outputs = {(n, p): o for n, node in final.nodes.items() for p, o in node.outputs.items()}
    assert set(outputs) == {(LOAD, "data"), (SPLIT, "train"), (SPLIT, "test")}
    for (node_id, port), output in outputs.items():
        stored = output.stored
        assert stored is not None and not stored.folder
        assert stored.prefix == f"runs/{run.run_id}/{key_part(node_id)}/{port}/"
        [(file_name, key)] = stored.files.items()
        assert file_name == port and key == stored.prefix + port
        local = Path(output.uri).read_bytes()
        assert object_store.read_bytes(key) == local and stored.size == len(local)
    assert final.console_key == f"runs/{run.run_id}/{CONSOLE_NAME}"
    assert object_store.read_bytes(final.console_key) == (run.run_dir / CONSOLE_FILE).read_bytes()
    listed = {info.key for info in object_store.list(run_prefix(run.run_id))}
    assert listed == stored_keys(final) | {final.console_key}

    # The engine's folder goes; the outputs still download, from storage.
    shutil.rmtree(run.run_dir)
    download = open_download(object_store, final, LOAD, "data")
    assert download.name == "load-data-1-data.parquet"
    data = read_all(download)
    assert data == object_store.read_bytes(f"runs/{run.run_id}/{key_part(LOAD)}/data/data")
    assert download.size == len(data) and data.startswith(b"PAR1")
    listed_in_report = {
        (a["node"], a["port"]): a for n in run_report(final)["nodes"] for a in n["artifacts"]
    }
    entry = listed_in_report[SPLIT, "test"]
    assert entry["downloadable"] and entry["size"] == len(
        object_store.read_bytes(f"runs/{run.run_id}/{key_part(SPLIT)}/test/test")
    )
    assert entry["href"] == f"/api/v1/runs/{run.run_id}/artifacts/console.log/test"


class SlowStore(LocalFolderStore):
    """A folder store whose uploads wait until the test lets them go on."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.copying = threading.Event()
        self.go_on = threading.Event()

    def put_file(self, key: str, path: Path) -> ObjectInfo:
        self.copying.set()
        assert self.go_on.wait(60)
        return super().put_file(key, path)


@pytest.mark.slow
def test_the_run_can_be_followed_while_its_outputs_are_copied(
    tmp_path: Path, designer_home: Path
) -> None:
    store = SlowStore(tmp_path / "objects")
    name, compiled = odd_flow()
    run = LocalEngine(designer_home / "runs", store=store).start(compiled, flow_name=name)
    assert store.copying.wait(120), run.snapshot().summary()
    started, copying_since = time.monotonic(), time.time()
    during = run.snapshot()  # not held up by the copy
    assert time.monotonic() - started < 1
    assert during.status is Status.RUNNING and stored_keys(during) == set()
    assert {n.status for n in during.nodes.values()} == {Status.SUCCEEDED}
    store.go_on.set()
    final = run.wait(timeout=60)
    assert final.status is Status.SUCCEEDED and len(stored_keys(final)) == 3
    # The run's time is the pipeline's, not the copy's.
    assert final.finished_at is not None and final.finished_at < copying_since


# -- storage that fails --------------------------------------------------------------------


@pytest.mark.slow
def test_storage_down_leaves_the_run_succeeded_and_says_why(designer_home: Path) -> None:
    store = unreachable_s3_store()
    name, compiled = odd_flow()
    final = LocalEngine(designer_home / "runs", store=store).run(compiled, flow_name=name)
    assert final.status is Status.SUCCEEDED, final.summary()
    assert final.artifacts_error.startswith("the run's outputs could not be kept in ")
    assert "from the run's folder on this machine" in final.artifacts_error
    assert stored_keys(final) == set() and final.console_key == ""
    # Downloads read the run's folder while it lasts.
    [node] = [n for n in run_report(final)["nodes"] if n["node"] == LOAD]
    assert node["artifacts"][0]["downloadable"] and node["artifacts"][0]["href"]
    data = read_all(open_download(store, final, LOAD, "data"))
    assert data == Path(final.nodes[LOAD].outputs["data"].uri).read_bytes()
    shutil.rmtree(final.artifacts_root)
    [node] = [n for n in run_report(final)["nodes"] if n["node"] == LOAD]
    assert not node["artifacts"][0]["downloadable"]
    assert final.artifacts_error in node["artifacts"][0]["reason"]


@pytest.fixture(params=["s3-down", "s3-wrong-keys", "folder-unwritable"])
def broken_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "s3-down":
        yield unreachable_s3_store()
    elif request.param == "s3-wrong-keys":
        from designer.objects.s3 import S3Store
        from designer.settings import StorageSettings

        fake = S3ErrorServer(403, "InvalidAccessKeyId", "The key you gave does not exist").start()
        try:
            yield S3Store(StorageSettings(endpoint=fake.endpoint, access_key="a", secret_key="b"))
        finally:
            fake.stop()
    else:
        (tmp_path / "a-file").write_text("not a folder")
        yield LocalFolderStore(tmp_path / "a-file" / "objects")


def test_a_store_that_fails_is_reported_not_raised(
    broken_store: ObjectStore, tmp_path: Path
) -> None:
    record = folder_run(tmp_path)
    kept = keep_artifacts(broken_store, record, tmp_path / "run" / CONSOLE_FILE)
    assert kept.outputs == {} and kept.console_key == ""
    assert kept.error.startswith(
        f"the run's outputs could not be kept in {broken_store.description}"
    )
    kept.apply(record)
    assert record.artifacts_error == kept.error and stored_keys(record) == set()
    # Every output is still served from the run's folder.
    assert read_all(open_download(broken_store, record, "train", "model")) == b"weights"


def test_a_stored_output_comes_from_the_folder_when_storage_fails_later(
    tmp_path: Path,
) -> None:
    record = folder_run(tmp_path)
    keep_artifacts(LocalFolderStore(tmp_path / "objects"), record).apply(record)
    assert record.nodes["train"].outputs["model"].stored is not None
    down = unreachable_s3_store()
    assert read_all(open_download(down, record, "train", "model")) == b"weights"
    shutil.rmtree(record.artifacts_root)
    with pytest.raises(StorageUnavailable):
        open_download(down, record, "train", "model")


# -- folders and outputs with no file ------------------------------------------------------


def folder_run(tmp_path: Path) -> RunRecord:
    """A finished run whose folder holds a model file, a folder output with odd file names
    (and a symlink out of the run), a metrics-only output and a remote one."""
    root = tmp_path / "run" / "artifacts"
    task = root / "pipeline" / "task"
    report = task / "report"
    (report / "plots" / "per class").mkdir(parents=True)
    (report / "summary.json").write_text('{"ok": true}')
    (report / "plots" / "per class" / "ROC (1).png").write_bytes(b"\x89PNG one")
    (report / "plots" / "ünïcode.txt").write_text("ü")
    (report / ".hidden").write_text("dot")
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    (report / "escape.txt").symlink_to(outside)
    (task / "model").write_bytes(b"weights")
    (tmp_path / "run" / CONSOLE_FILE).write_text("the console\n")
    outputs = {
        "report": OutputRecord(str(report), "system.Artifact"),
        "metrics": OutputRecord(str(task / "metrics"), "system.Metrics", {"rmse": 1.0}),
        "remote": OutputRecord("s3://bucket/elsewhere", "system.Dataset"),
    }
    return RunRecord(
        run_id="20260101-000000-abcdef12",
        flow_name="f",
        engine="local",
        status=Status.SUCCEEDED,
        artifacts_root=str(root),
        nodes={
            "train": NodeRun(
                Status.SUCCEEDED,
                outputs={"model": OutputRecord(str(task / "model"), "system.Model")},
            ),
            "eval step": NodeRun(Status.SUCCEEDED, outputs=outputs),
        },
    )


FOLDER_FILES = {
    ".hidden": b"dot",
    "plots/per class/ROC (1).png": b"\x89PNG one",
    "plots/ünïcode.txt": "ü".encode(),
    "summary.json": b'{"ok": true}',
}


def test_a_folder_output_is_kept_file_by_file_and_downloads_as_a_zip(
    object_store: ObjectStore, tmp_path: Path
) -> None:
    record = folder_run(tmp_path)
    kept = keep_artifacts(object_store, record, tmp_path / "run" / CONSOLE_FILE)
    assert kept.error == ""
    kept.apply(record)

    report = record.nodes["eval step"].outputs["report"].stored
    assert report is not None and report.folder
    assert report.prefix == f"runs/{record.run_id}/{key_part('eval step')}/report/"
    assert set(report.files) == set(FOLDER_FILES)  # the symlink out of the run is left out
    assert report.size == sum(map(len, FOLDER_FILES.values()))
    for relative, key in report.files.items():
        assert (
            key.startswith(report.prefix) and object_store.read_bytes(key) == FOLDER_FILES[relative]
        )
    # Metrics-only and remote outputs have no file here: nothing kept, nothing said.
    assert record.nodes["eval step"].outputs["metrics"].stored is None
    assert record.nodes["eval step"].outputs["remote"].stored is None
    assert record.artifacts_error == ""
    assert object_store.read_bytes(record.console_key) == b"the console\n"

    shutil.rmtree(tmp_path / "run")
    download = open_download(object_store, record, "eval step", "report")
    assert download.name == "eval-step-report.zip"
    data = read_all(download)
    assert download.size == len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == FOLDER_FILES
    model = open_download(object_store, record, "train", "model")
    assert (model.name, read_all(model)) == ("train-model.joblib", b"weights")


def test_what_has_no_file_says_why(object_store: ObjectStore, tmp_path: Path) -> None:
    record = folder_run(tmp_path)
    keep_artifacts(object_store, record).apply(record)
    for port, words in [
        ("metrics", "holds only metrics"),
        ("remote", "not on this machine"),
        ("nope", "has no output 'nope'"),
    ]:
        with pytest.raises(ArtifactUnavailable, match=words):
            open_download(object_store, record, "eval step", port)
    with pytest.raises(ArtifactUnavailable, match="has no block 'nope'"):
        open_download(object_store, record, "nope", "model")


# -- the record ----------------------------------------------------------------------------


def test_an_old_record_without_the_new_fields_still_loads(tmp_path: Path) -> None:
    old = {
        "run_id": "r1",
        "flow_name": "f",
        "engine": "local",
        "status": "succeeded",
        "nodes": {
            "load": {
                "status": "succeeded",
                "task": "load",
                "outputs": {"data": {"uri": "/x/data", "type": "system.Dataset", "metadata": {}}},
            }
        },
        "artifacts_root": "/x",
    }
    record = RunRecord.from_dict(json.loads(json.dumps(old)))
    assert record.artifacts_error == "" and record.console_key == ""
    assert record.nodes["load"].outputs["data"].stored is None

    record.nodes["load"].outputs["data"].stored = StoredOutput(
        "runs/r1/load/data/", files={"data": "runs/r1/load/data/data"}, size=3
    )
    record.artifacts_error = "partly"
    path = tmp_path / "record.json"
    record.save(path)
    assert RunRecord.load(path) == record
