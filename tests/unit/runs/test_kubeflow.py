"""The Kubeflow engine against a fake KFP v2beta1 server, through the real kfp.Client."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import kfp_server_api as api
import pytest
import yaml

from designer.runs.kfp_record import kfp_status, record_from_kfp_run, run_name
from designer.runs.kubeflow import KubeflowEngine, KubeflowError, RunLost
from designer.runs.record import RunRecord, Status
from designer.settings import KubeflowSettings
from tests.fixtures.kfp_server import API, FakeKfpServer
from tests.fixtures.pipelines.two_step import TASKS, compile_two_step

TASK_TO_NODE = {"make-number": "node-a", "double-number": "node-b"}
FLOW = "iris-flow"
TOKEN = "s3cret"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_two_step(tmp_path_factory.mktemp("ir") / "two_step.yaml")


@pytest.fixture
def server() -> Iterator[FakeKfpServer]:
    with FakeKfpServer() as fake:
        yield fake


def engine_for(url: str, token: str | None = None, **kwargs: float) -> KubeflowEngine:
    return KubeflowEngine(KubeflowSettings(host=url, namespace="team-a", token=token), **kwargs)


def submit(engine: KubeflowEngine, package: Path, flow: str = FLOW) -> RunRecord:
    return engine.submit(package, flow_name=flow, arguments={"seed": 3}, task_to_node=TASK_TO_NODE)


def wait(engine: KubeflowEngine, run_id: str, **kwargs: object) -> RunRecord:
    return engine.wait(run_id, flow_name=FLOW, task_to_node=TASK_TO_NODE, poll_interval=0, **kwargs)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- submit --------------------------------------------------------------------------------


def test_one_experiment_per_flow_reused_by_later_runs(server: FakeKfpServer, package: Path) -> None:
    engine = engine_for(server.url)
    first, second = submit(engine, package), submit(engine, package)
    other = submit(engine, package, flow="other-flow")

    by_name = {e["display_name"]: e for e in server.experiments.values()}
    assert sorted(by_name) == [FLOW, "other-flow"]
    assert {e["namespace"] for e in by_name.values()} == {"team-a"}
    experiment_of = {run_id: run.experiment_id for run_id, run in server.runs.items()}
    assert experiment_of[first.run_id] == experiment_of[second.run_id]
    assert experiment_of[first.run_id] == by_name[FLOW]["experiment_id"]
    assert experiment_of[other.run_id] == by_name["other-flow"]["experiment_id"]


def test_submit_sends_the_compiled_ir_and_arguments(server: FakeKfpServer, package: Path) -> None:
    record = submit(engine_for(server.url), package)

    received = server.runs[record.run_id]
    assert received.pipeline_spec == yaml.safe_load(package.read_text())
    assert sorted(received.pipeline_spec["root"]["dag"]["tasks"]) == sorted(TASKS)
    assert received.parameters == {"seed": 3}
    assert received.display_name.startswith(f"{FLOW} ")


def test_submit_returns_a_pending_kubeflow_record(
    server: FakeKfpServer, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = submit(engine_for(server.url + "/"), package)

    assert record.engine == "kubeflow"
    assert record.flow_name == FLOW
    assert record.run_id in server.runs
    assert record.url == f"{server.url}/#/runs/details/{record.run_id}"
    assert record.status in (Status.PENDING, Status.RUNNING)
    assert {n: (r.task, r.status) for n, r in record.nodes.items()} == {
        node: (task, Status.PENDING) for task, node in TASK_TO_NODE.items()
    }
    assert capsys.readouterr().out == "", "kfp.Client's prints would corrupt --json output"


def test_run_name_is_flow_plus_utc_timestamp() -> None:
    moment = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert run_name("iris", moment) == "iris 2025-03-04 05:06:07 UTC"


# -- status --------------------------------------------------------------------------------


def test_status_progresses_to_succeeded_with_every_node(
    server: FakeKfpServer, package: Path
) -> None:
    engine = engine_for(server.url)
    run_id = submit(engine, package).run_id
    seen: list[RunRecord] = []

    final = wait(engine, run_id, on_update=seen.append)

    assert [r.status for r in seen] == [Status.RUNNING, Status.RUNNING, Status.SUCCEEDED]
    assert [seen[0].nodes[n].status for n in ("node-a", "node-b")] == [
        Status.RUNNING,
        Status.PENDING,
    ]
    assert final.status is Status.SUCCEEDED and final.error == ""
    for task, node_id in TASK_TO_NODE.items():
        node = final.nodes[node_id]
        assert (node.task, node.status, node.error) == (task, Status.SUCCEEDED, "")
        assert node.started_at is not None and node.finished_at is not None
        assert node.started_at <= node.finished_at
    assert final.started_at is not None and final.finished_at is not None


@pytest.mark.parametrize(
    ("failing", "expected"),
    [
        ("make-number", {"node-a": Status.FAILED, "node-b": Status.SKIPPED}),
        ("double-number", {"node-a": Status.SUCCEEDED, "node-b": Status.FAILED}),
    ],
)
def test_failing_task_fails_its_node_and_the_run(
    server: FakeKfpServer, package: Path, failing: str, expected: dict[str, Status]
) -> None:
    server.fail_task(failing, "ValueError: column 'y' is missing")
    engine = engine_for(server.url)

    final = wait(engine, submit(engine, package).run_id)

    assert final.status is Status.FAILED
    assert "column 'y' is missing" in final.error
    assert {n: r.status for n, r in final.nodes.items()} == expected
    failed = TASK_TO_NODE[failing]
    assert final.nodes[failed].error == "ValueError: column 'y' is missing"
    assert all(r.error == "" for n, r in final.nodes.items() if n != failed)


def test_wait_gives_up_with_the_unfinished_record(server: FakeKfpServer, package: Path) -> None:
    engine = engine_for(server.url)
    record = wait(engine, submit(engine, package).run_id, timeout=0)
    assert not record.status.finished


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server_token", "client_token", "error"),
    [
        (None, None, None),
        (TOKEN, TOKEN, None),
        (TOKEN, None, "refused the request: it needs a token (HTTP 401"),
        (TOKEN, "wrong", "refused the token (HTTP 401"),
    ],
    ids=["no-auth", "accepted", "required", "refused"],
)
def test_token(
    package: Path, server_token: str | None, client_token: str | None, error: str | None
) -> None:
    with FakeKfpServer(token=server_token) as fake:
        engine = engine_for(fake.url, token=client_token)
        if error is None:
            assert submit(engine, package).run_id in fake.runs
            return
        with pytest.raises(KubeflowError) as raised:
            submit(engine, package)
        assert error in str(raised.value)
        assert "DESIGNER_KFP_TOKEN" in str(raised.value) and "--token" in str(raised.value)
        assert not fake.runs


def test_forbidden_after_health_check_names_the_token(server: FakeKfpServer, package: Path) -> None:
    server.fail_requests("POST", f"{API}/runs", 403, "user cannot create runs in team-a")
    with pytest.raises(KubeflowError, match=r"refused the token \(HTTP 403: user cannot create"):
        submit(engine_for(server.url, token=TOKEN), package)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (closed_port_url(), "Connection refused"),
        ("http://kfp.designer-test.invalid:8888", "host name not found"),
    ],
    ids=["closed-port", "unknown-host"],
)
def test_unreachable_host_fails_fast_and_clearly(package: Path, url: str, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(KubeflowError) as raised:
        submit(engine_for(url), package)
    assert time.monotonic() - started < 10
    assert str(raised.value).startswith(f"cannot reach Kubeflow Pipelines at {url}: ")
    assert reason in str(raised.value)


def test_server_gone_after_submit_fails_fast_and_clearly(
    server: FakeKfpServer, package: Path
) -> None:
    engine = engine_for(server.url)
    run_id = submit(engine, package).run_id
    server.stop()

    started = time.monotonic()
    with pytest.raises(KubeflowError, match=r"cannot reach .*: \[Errno \d+\] Connection refused$"):
        engine.status(run_id, flow_name=FLOW, task_to_node=TASK_TO_NODE)
    assert time.monotonic() - started < 10


def test_silent_server_times_out(server: FakeKfpServer, package: Path) -> None:
    engine = engine_for(server.url, timeout=1)
    run_id = submit(engine, package).run_id
    server.stall("GET", f"{API}/runs/", seconds=30)

    started = time.monotonic()
    with pytest.raises(KubeflowError, match="no answer within 1 s"):
        engine.status(run_id, flow_name=FLOW, task_to_node=TASK_TO_NODE)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", f"{API}/healthz", 503, "upstream connect error"),
        ("POST", f"{API}/runs", 500, "database is locked"),
        ("GET", f"{API}/experiments", 500, "list experiments failed"),
        ("GET", f"{API}/runs/", 500, "cannot read run"),
    ],
)
def test_http_errors_carry_status_and_server_message(
    server: FakeKfpServer, package: Path, method: str, path: str, status: int, message: str
) -> None:
    engine = engine_for(server.url)
    run_id = submit(engine, package).run_id if path == f"{API}/runs/" else ""
    server.fail_requests(method, path, status, message)

    with pytest.raises(KubeflowError) as raised:
        if run_id:
            engine.status(run_id, flow_name=FLOW, task_to_node=TASK_TO_NODE)
        else:
            submit(engine_for(server.url), package)
    assert f"answered HTTP {status}: {message}" in str(raised.value)


def test_unknown_run_is_reported_as_lost(server: FakeKfpServer) -> None:
    with pytest.raises(RunLost, match="no longer knows run nope: it was deleted there") as raised:
        engine_for(server.url).status("nope", flow_name=FLOW, task_to_node=TASK_TO_NODE)
    assert "HTTP 404: run nope not found" in str(raised.value.__cause__)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "pipeline package not found"),
        ("pipelineInfo: [unclosed", "cannot submit"),
        ("pipelineInfo: {name: x}\nroot: {dag: {tasks: {}}}\n", "not a KFP pipeline spec"),
    ],
    ids=["missing", "not-yaml", "not-an-ir"],
)
def test_bad_package_is_refused_without_a_run(
    server: FakeKfpServer, tmp_path: Path, content: str | None, error: str
) -> None:
    package = tmp_path / "flow.yaml"
    if content is not None:
        package.write_text(content)
    with pytest.raises(KubeflowError, match=error):
        submit(engine_for(server.url), package)
    assert not server.runs


# -- mapping the API's run -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("RUNTIME_STATE_UNSPECIFIED", Status.PENDING),
        ("PENDING", Status.PENDING),
        ("RUNNING", Status.RUNNING),
        ("PAUSED", Status.RUNNING),
        ("CANCELING", Status.RUNNING),
        ("SUCCEEDED", Status.SUCCEEDED),
        ("SKIPPED", Status.SKIPPED),
        ("FAILED", Status.FAILED),
        ("CANCELED", Status.CANCELLED),
        (None, Status.PENDING),
        ("SOMETHING_NEW", Status.PENDING),
    ],
)
def test_kfp_states(state: str | None, status: Status) -> None:
    assert kfp_status(state) is status


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T1, T2 = datetime(2025, 1, 1, 10, tzinfo=UTC), datetime(2025, 1, 1, 11, tzinfo=UTC)


def detail(name: str, state: str, task_id: str = "", parent: str = "", error: str = "") -> object:
    return api.V2beta1PipelineTaskDetail(
        task_id=task_id or name,
        display_name=name,
        state=state,
        start_time=T1,
        end_time=T2 if state in ("SUCCEEDED", "FAILED") else EPOCH,
        parent_task_id=parent or None,
        error=api.GoogleRpcStatus(message=error) if error else None,
    )


@pytest.mark.parametrize(
    ("run_state", "details", "expected"),
    [
        (
            "FAILED",
            [
                detail("root", "FAILED"),
                detail("make-number-driver", "FAILED", error="driver noise"),
                detail("make-number", "FAILED", task_id="t1"),
                detail("executor", "FAILED", parent="t1", error="OSError: disk\nfull"),
            ],
            {"node-a": (Status.FAILED, "OSError: disk full"), "node-b": (Status.SKIPPED, "")},
        ),
        (
            "RUNNING",
            [detail("double-number", "SUCCEEDED"), detail("double-number", "RUNNING")],
            {"node-a": (Status.PENDING, ""), "node-b": (Status.RUNNING, "")},
        ),
        (
            "CANCELED",
            [detail("make-number", "CANCELED")],
            {"node-a": (Status.CANCELLED, ""), "node-b": (Status.SKIPPED, "")},
        ),
    ],
    ids=["executor-error-system-entries-skipped", "loop-iterations", "cancelled"],
)
def test_record_from_kfp_run(
    run_state: str, details: list[object], expected: dict[str, tuple[Status, str]]
) -> None:
    run = api.V2beta1Run(
        run_id="r1",
        state=run_state,
        created_at=T1,
        finished_at=EPOCH,
        run_details=api.V2beta1RunDetails(task_details=details),
    )
    record = record_from_kfp_run(run, flow_name=FLOW, task_to_node=TASK_TO_NODE, url="u")

    assert {n: (r.status, r.error) for n, r in record.nodes.items()} == expected
    assert record.started_at == T1.timestamp()
    assert record.finished_at is None, "1970-01-01 means the API has no finish time"
    running = [r for r in record.nodes.values() if r.status is Status.RUNNING]
    assert all(r.finished_at is None for r in running)
