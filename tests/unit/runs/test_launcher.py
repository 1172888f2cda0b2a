"""The launcher the web app uses: real kfp.local runs followed by id, and the Kubeflow path
against the fake KFP server through the real kfp.Client."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from blocks.runtime.model_bundle import BUNDLE_KIND
from designer.flow.compile import CompiledFlow, compile_flow
from designer.flow.validate import check_data
from designer.objects.configured import open_store
from designer.runs import supervisor
from designer.runs.artifacts import open_download, run_prefix
from designer.runs.launcher import Launcher, LaunchError, UnknownRun
from designer.runs.local import RECORD_FILE
from designer.runs.record import RunRecord, Status
from designer.runs.report import run_report
from designer.settings import Settings, StorageSettings, load_settings
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.kfp_server import FakeKfpServer
from tests.fixtures.object_stores import s3_server, s3_settings

__all__ = ["s3_server", "s3_settings"]

IRIS_NODES = ["load", "split", "train", "evaluate", "deploy"]


def compiled(doc: dict[str, Any], settings: Settings | None = None) -> tuple[str, CompiledFlow]:
    """The flow compiled for the engine ``settings`` send runs to (default: this machine)."""
    check = check_data(doc)
    assert check.flow is not None, check.diagnostics
    engine = "kubeflow" if settings is not None and settings.kubeflow else "local"
    return check.flow.name, compile_flow(check.flow, check, settings=settings, engine=engine)


def follow(launcher: Launcher, run_id: str, timeout: float = 120) -> list[RunRecord]:
    """Every snapshot until the run finishes, the way the run panel polls."""
    seen = [launcher.snapshot(run_id)]
    deadline = time.monotonic() + timeout
    while not seen[-1].status.finished:
        assert time.monotonic() < deadline, f"run never finished: {seen[-1].summary()}"
        time.sleep(0.05)
        seen.append(launcher.snapshot(run_id))
    return seen


def local_settings(home: Path) -> Settings:
    # Through load_settings, so settings added later keep their defaults here too.
    return load_settings({"DESIGNER_HOME": str(home)})


@dataclass(frozen=True)
class FollowedRun:
    launcher: Launcher
    first: RunRecord
    seen: list[RunRecord]

    @property
    def final(self) -> RunRecord:
        return self.seen[-1]


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory: pytest.TempPathFactory) -> FollowedRun:
    """One real local run of the iris flow, started and followed through the launcher."""
    launcher = Launcher(local_settings(tmp_path_factory.mktemp("launcher-home")))
    name, flow = compiled(fixture_flow("iris_classification"))
    first = launcher.start(flow, flow_name=name)
    return FollowedRun(launcher, first, follow(launcher, first.run_id))


# -- local runs ----------------------------------------------------------------------------


@pytest.mark.slow
def test_local_run_is_followed_by_id_to_success(iris_run: FollowedRun) -> None:
    first, final = iris_run.first, iris_run.final
    assert first.engine == "local" and first.status is Status.RUNNING
    assert list(first.nodes) == IRIS_NODES
    assert any(n.status is Status.RUNNING for r in iris_run.seen for n in r.nodes.values())
    assert final.status is Status.SUCCEEDED, final.summary()
    assert {n: r.status for n, r in final.nodes.items()} == dict.fromkeys(
        IRIS_NODES, Status.SUCCEEDED
    )
    # The run packed its model and left the designer's model folder alone: publishing is the
    # designer's, after the run (Launcher's after_run), never the run's own doing.
    deployment = final.nodes["deploy"].outputs["deployment"]
    assert deployment.metadata["kind"] == BUNDLE_KIND
    assert deployment.metadata["name"] == "iris-forest"
    assert not iris_run.launcher.settings.models_dir.exists()
    # It ran as its settings said, under a supervisor: this process.
    assert supervisor.Supervisor.parse(final.supervisor) == supervisor.current()


@pytest.mark.slow
def test_report_of_a_real_run_draws_matrix_curve_and_accuracy(iris_run: FollowedRun) -> None:
    report = run_report(iris_run.final)
    json.dumps(report, allow_nan=False)
    assert report["headline"] is not None and report["headline"]["name"] == "accuracy"
    evaluate = next(n for n in report["nodes"] if n["node"] == "evaluate")
    assert [m["name"] for m in evaluate["metrics"]] == [
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
    ]
    matrix = evaluate["confusion_matrix"]
    assert matrix is not None and matrix["categories"] == ["setosa", "versicolor", "virginica"]
    assert matrix["total"] == 45  # 30 % of iris's 150 rows
    roc = evaluate["roc"]
    assert roc is not None and roc["average"] == "micro" and len(roc["points"]) >= 2
    assert roc["auc"] is not None and roc["auc"] > 0.9
    by_port = {
        (a["node"], a["port"]): a for a in (a for n in report["nodes"] for a in n["artifacts"])
    }
    assert by_port[("train", "model")]["downloadable"] and by_port[("train", "model")]["size"]
    assert not by_port[("evaluate", "report")]["downloadable"]
    download = open_download(
        open_store(iris_run.launcher.settings), iris_run.final, "split", "test"
    )
    assert (download.name, next(download.chunks)[:4]) == ("split-test.parquet", b"PAR1")
    download.close()


@pytest.mark.slow
def test_a_launched_run_keeps_its_outputs_in_the_configured_store(iris_run: FollowedRun) -> None:
    final, store = iris_run.final, open_store(iris_run.launcher.settings)
    assert final.artifacts_error == "" and final.console_key
    kept = {
        (node_id, port): output.stored
        for node_id, node in final.nodes.items()
        for port, output in node.outputs.items()
    }
    # Every output with a file; the evaluation's metrics and report have none.
    assert {k for k, stored in kept.items() if stored is not None} == {
        ("load", "data"),
        ("split", "train"),
        ("split", "test"),
        ("train", "model"),
        ("deploy", "deployment"),
    }
    listed = {info.key for info in store.list(run_prefix(final.run_id))}
    keys = {key for stored in kept.values() if stored for key in stored.files.values()}
    assert listed == keys | {final.console_key}
    assert store.location(final.console_key).startswith(str(iris_run.launcher.settings.objects_dir))


@pytest.mark.slow
def test_finished_run_is_forgotten_and_then_read_from_disk(iris_run: FollowedRun) -> None:
    launcher, final = iris_run.launcher, iris_run.final
    assert not launcher.is_live(final.run_id)
    fresh = Launcher(launcher.settings)  # as a later web event would make it
    assert fresh.snapshot(final.run_id) == final
    record_file = launcher.settings.runs_dir / final.run_id / RECORD_FILE
    record_file.rename(record_file.with_suffix(".moved"))
    try:
        with pytest.raises(UnknownRun, match=f"no run {final.run_id} under"):
            fresh.snapshot(final.run_id)
    finally:
        record_file.with_suffix(".moved").rename(record_file)
    fresh.cancel(final.run_id)  # a finished run: nothing to do


@pytest.mark.slow
def test_failing_block_shows_its_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"  # a data folder, so the path passes the check and fails to open
    data.mkdir()
    monkeypatch.setenv("DESIGNER_DATA_DIRS", str(data))
    doc = fixture_flow("iris_classification")
    doc["nodes"][0] = {
        "id": "load",
        "block": "load.table_file",
        "params": {"uri": str(data / "missing.csv"), "target": "species"},
    }
    launcher = Launcher(
        load_settings({"DESIGNER_HOME": str(tmp_path / "home"), "DESIGNER_DATA_DIRS": str(data)})
    )
    name, flow = compiled(doc)
    final = follow(launcher, launcher.start(flow, flow_name=name).run_id)[-1]
    assert final.status is Status.FAILED
    assert final.nodes["load"].status is Status.FAILED
    assert "missing.csv" in final.nodes["load"].error
    assert {final.nodes[n].status for n in IRIS_NODES[1:]} == {Status.SKIPPED}
    [load] = run_report(final)["nodes"]
    assert (load["node"], load["status"]) == ("load", "failed")
    assert "missing.csv" in load["error"]


@pytest.mark.slow
def test_cancel_stops_a_live_run(tmp_path: Path) -> None:
    launcher = Launcher(local_settings(tmp_path / "home"))
    name, flow = compiled(fixture_flow("iris_classification"))
    run_id = launcher.start(flow, flow_name=name).run_id
    assert launcher.is_live(run_id)
    launcher.cancel(run_id)
    final = follow(launcher, run_id, timeout=60)[-1]
    assert final.status is Status.CANCELLED and final.error == "the run was cancelled"
    assert final.nodes["deploy"].status is Status.SKIPPED
    assert not launcher.is_live(run_id)


@pytest.mark.parametrize(
    ("run_id", "error"),
    [
        ("20250101-000000-deadbeef", UnknownRun),
        ("../../etc", UnknownRun),
        ("", UnknownRun),
    ],
    ids=["never-ran", "path-escape", "empty"],
)
@pytest.mark.parametrize("action", ["snapshot", "cancel"])
def test_unknown_runs_are_refused(
    tmp_path: Path, run_id: str, error: type[Exception], action: str
) -> None:
    launcher = Launcher(local_settings(tmp_path))
    with pytest.raises(error):
        getattr(launcher, action)(run_id)
    assert not launcher.is_live(run_id)


def test_local_run_that_cannot_start_says_where(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    _, flow = compiled(fixture_flow("iris_classification"))
    with pytest.raises(LaunchError, match=f"cannot start a local run in {home / 'runs'}: .*"):
        Launcher(local_settings(home)).start(flow, flow_name="iris")


# -- Kubeflow ------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeKfpServer]:
    with FakeKfpServer() as fake:
        yield fake


def kubeflow_settings(home: Path, host: str, storage: StorageSettings) -> Settings:
    return load_settings(
        {
            "DESIGNER_HOME": str(home),
            "DESIGNER_KFP_HOST": host,
            "DESIGNER_KFP_NAMESPACE": "team-a",
            "DESIGNER_S3_ENDPOINT": storage.endpoint,
            "DESIGNER_S3_ACCESS_KEY": storage.access_key or "",
            "DESIGNER_S3_SECRET_KEY": storage.secret_key or "",
            "DESIGNER_S3_BUCKET": storage.bucket,
        }
    )


@pytest.mark.parametrize(
    ("failing", "status"),
    [(None, Status.SUCCEEDED), ("train-random-forest", Status.FAILED)],
    ids=["succeeds", "task-fails"],
)
def test_kubeflow_run_is_submitted_and_followed(
    server: FakeKfpServer,
    tmp_path: Path,
    s3_settings: StorageSettings,
    failing: str | None,
    status: Status,
) -> None:
    if failing:
        server.fail_task(failing, "ValueError: n_estimators must be positive")
    launcher = Launcher(kubeflow_settings(tmp_path, server.url, s3_settings))
    name, flow = compiled(fixture_flow("iris_classification"), launcher.settings)
    first = launcher.start(flow, flow_name=name, arguments={"seed": 3})

    assert first.engine == "kubeflow" and first.url.endswith(first.run_id)
    received = server.runs[first.run_id]
    assert received.parameters == {"seed": 3}
    assert sorted(received.pipeline_spec["root"]["dag"]["tasks"]) == sorted(flow.task_to_node)
    assert not launcher.is_live(first.run_id)  # nothing of it runs in this process

    seen = follow(Launcher(launcher.settings), first.run_id)
    assert any(r.status is Status.RUNNING for r in seen)
    final = seen[-1]
    assert final.status is status
    if failing:
        assert final.nodes["train"].status is Status.FAILED
        assert final.nodes["train"].error == "ValueError: n_estimators must be positive"
    else:
        assert {r.status for r in final.nodes.values()} == {Status.SUCCEEDED}
    asked = len(server.requests)
    assert launcher.snapshot(first.run_id) == final  # finished: the saved record answers
    assert len(server.requests) == asked
    launcher.cancel(first.run_id)  # finished: nothing to stop, no error


def test_kubeflow_cancel_terminates_the_run(
    server: FakeKfpServer, tmp_path: Path, s3_settings: StorageSettings
) -> None:
    launcher = Launcher(kubeflow_settings(tmp_path, server.url, s3_settings))
    name, flow = compiled(fixture_flow("iris_classification"), launcher.settings)
    record = launcher.start(flow, flow_name=name)
    assert launcher.cancel(record.run_id) == "Cancelling the run on Kubeflow…"
    assert ("POST", f"/apis/v2beta1/runs/{record.run_id}:terminate") in server.requests
    assert launcher.snapshot(record.run_id).status is Status.CANCELLED


def test_a_flow_compiled_for_another_engine_is_refused(
    server: FakeKfpServer, tmp_path: Path, s3_settings: StorageSettings
) -> None:
    launcher = Launcher(kubeflow_settings(tmp_path, server.url, s3_settings))
    _, local = compiled(fixture_flow("iris_classification"))
    with pytest.raises(LaunchError, match="compiled for the local engine, but runs go to kubeflow"):
        launcher.start(local, flow_name="iris")
    assert not any(method == "POST" for method, _ in server.requests)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_kubeflow_unreachable_says_which_host_and_what_to_check(
    tmp_path: Path, s3_settings: StorageSettings
) -> None:
    url = _closed_port_url()
    settings = kubeflow_settings(tmp_path, url, s3_settings)
    _, flow = compiled(fixture_flow("iris_classification"), settings)
    with pytest.raises(LaunchError) as raised:
        Launcher(settings).start(flow, flow_name="iris")
    message = str(raised.value)
    assert message.startswith(f"cannot reach Kubeflow Pipelines at {url}: ")
    assert "Connection refused" in message and f"DESIGNER_KFP_HOST ({url})" in message
    assert "cluster is up" in message and "\n" not in message and "Traceback" not in message
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("later", "words"),
    [
        ("server-gone", "cannot reach Kubeflow Pipelines at .* check that DESIGNER_KFP_HOST"),
        ("host-unset", "no Kubeflow host is configured now; set DESIGNER_KFP_HOST"),
    ],
    ids=["server-gone", "host-unset"],
)
def test_following_a_kubeflow_run_that_cannot_be_asked(
    server: FakeKfpServer, tmp_path: Path, s3_settings: StorageSettings, later: str, words: str
) -> None:
    launcher = Launcher(kubeflow_settings(tmp_path, server.url, s3_settings))
    name, flow = compiled(fixture_flow("iris_classification"), launcher.settings)
    run_id = launcher.start(flow, flow_name=name).run_id
    if later == "server-gone":
        server.stop()
    else:
        launcher = Launcher(local_settings(tmp_path))
    with pytest.raises(LaunchError, match=words):
        launcher.snapshot(run_id)


def test_a_run_the_cluster_lost_is_marked_failed_saying_so(
    server: FakeKfpServer, tmp_path: Path, s3_settings: StorageSettings
) -> None:
    launcher = Launcher(kubeflow_settings(tmp_path, server.url, s3_settings))
    name, flow = compiled(fixture_flow("iris_classification"), launcher.settings)
    run_id = launcher.start(flow, flow_name=name).run_id
    del server.runs[run_id]  # deleted in the Kubeflow UI, or the cluster's database was lost
    record = launcher.snapshot(run_id)
    assert record.status is Status.FAILED
    assert f"no longer knows run {run_id}: it was deleted there, or the cluster lost it" in (
        record.error
    )
    assert launcher.snapshot(run_id) == record  # settled: the cluster is not asked again
