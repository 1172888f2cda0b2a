"""Schedules on Kubeflow: recurring runs made, paused, resumed and deleted through the real
kfp.Client against the stand-in API, six-field cron, and every refusal a one-line message that
leaves nothing behind."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from designer.flow.compile import compile_flow
from designer.flow.cron import CronProblem
from designer.flow.document import Flow
from designer.runs.kubeflow import KubeflowError
from designer.runs.kubeflow_schedules import KubeflowSchedules
from designer.runs.schedules import (
    ScheduleError,
    add_schedule,
    remove_schedule,
    set_schedule_paused,
    time_zone_choices,
)
from designer.settings import Settings, StorageSettings, load_settings
from designer.store import accounts, flows
from designer.store.access import Actor
from designer.store.db import dispose_engine, engine_for
from designer.store.schedules import list_schedules
from tests.fixtures.databases import sqlite_url
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.kfp_server import FakeKfpServer
from tests.fixtures.object_stores import s3_server, s3_settings

__all__ = ["s3_server", "s3_settings"]

RECURRING = "/apis/v2beta1/recurringruns"


@dataclass(frozen=True)
class Cluster:
    server: FakeKfpServer
    settings: Settings
    database: Engine
    owner: Actor
    flow_id: str

    @property
    def recurring_runs(self) -> dict[str, dict[str, Any]]:
        return self.server._state.api.recurring_runs

    def client_view(self, recurring_run_id: str) -> Any:
        """The recurring run as kfp.Client reads it back."""
        return (
            KubeflowSchedules(self.settings.kubeflow)
            .engine.client()
            .get_recurring_run(  # type: ignore[arg-type]
                recurring_run_id
            )
        )

    def posts(self) -> list[str]:
        return [path for method, path in self.server.requests if method != "GET"]


def settings_for(home: Path, url: str, host: str, storage: StorageSettings) -> Settings:
    return load_settings(
        {
            "DESIGNER_HOME": str(home),
            "DESIGNER_DATABASE_URL": url,
            "DESIGNER_KFP_HOST": host,
            "DESIGNER_KFP_NAMESPACE": "team-a",
            "DESIGNER_S3_ENDPOINT": storage.endpoint,
            "DESIGNER_S3_ACCESS_KEY": storage.access_key or "",
            "DESIGNER_S3_SECRET_KEY": storage.secret_key or "",
            "DESIGNER_S3_BUCKET": storage.bucket,
        }
    )


@pytest.fixture
def cluster(tmp_path: Path, s3_settings: StorageSettings) -> Iterator[Cluster]:
    url = sqlite_url(tmp_path)
    with FakeKfpServer() as server:
        settings = settings_for(tmp_path / "home", url, server.url, s3_settings)
        database = engine_for(url)
        owner = accounts.create_user(database, "olive", "Olive Owner")
        flow = flows.create_flow(
            database, owner, Flow.model_validate(fixture_flow("iris_classification"))
        )
        yield Cluster(server, settings, database, owner, flow.id)
    dispose_engine(url)


def test_a_schedule_on_kubeflow_is_a_recurring_run_read_by_seconds_first(
    cluster: Cluster,
) -> None:
    made = add_schedule(
        cluster.settings, cluster.database, cluster.owner, cluster.flow_id, "0 6 * * 1-5", "UTC"
    )

    assert made.engine == "kubeflow" and made.kubeflow_id
    seen = cluster.client_view(made.kubeflow_id)
    assert seen.trigger.cron_schedule.cron == "0 0 6 * * 1-5"
    assert (seen.status, seen.max_concurrency, seen.no_catchup) == ("ENABLED", "1", True)
    assert seen.display_name == f"Iris classification (version 1, schedule {made.id[:8]})"
    [experiment] = cluster.server.experiments.values()
    assert (experiment["display_name"], experiment["namespace"]) == (
        "Iris classification",
        "team-a",
    )
    assert seen.experiment_id == experiment["experiment_id"]
    # The scheduled version, compiled for the cluster, travels inline.
    stored = cluster.recurring_runs[made.kubeflow_id]["pipeline_spec"]
    spec = stored.get("pipeline_spec", stored)
    expected = compile_flow(
        Flow.model_validate(fixture_flow("iris_classification")),
        settings=cluster.settings,
        engine="kubeflow",
    )
    assert sorted(spec["root"]["dag"]["tasks"]) == sorted(expected.task_to_node)


def test_pause_resume_and_delete_reach_the_cluster(cluster: Cluster) -> None:
    made = add_schedule(
        cluster.settings, cluster.database, cluster.owner, cluster.flow_id, "@daily", "UTC"
    )
    assert made.kubeflow_id

    paused = set_schedule_paused(cluster.settings, cluster.database, cluster.owner, made.id, True)
    assert paused.paused and cluster.client_view(made.kubeflow_id).status == "DISABLED"
    resumed = set_schedule_paused(cluster.settings, cluster.database, cluster.owner, made.id, False)
    assert not resumed.paused and cluster.client_view(made.kubeflow_id).status == "ENABLED"

    remove_schedule(cluster.settings, cluster.database, cluster.owner, made.id)
    assert cluster.recurring_runs == {}
    assert list_schedules(cluster.database, cluster.owner, cluster.flow_id) == []


def test_a_recurring_run_the_cluster_already_lost_still_deletes(cluster: Cluster) -> None:
    made = add_schedule(
        cluster.settings, cluster.database, cluster.owner, cluster.flow_id, "@daily", "UTC"
    )
    cluster.recurring_runs.clear()  # deleted in the Kubeflow UI, say
    remove_schedule(cluster.settings, cluster.database, cluster.owner, made.id)
    assert list_schedules(cluster.database, cluster.owner, cluster.flow_id) == []


def test_on_kubeflow_schedules_are_written_in_utc(cluster: Cluster) -> None:
    assert time_zone_choices(cluster.settings) == ["UTC"]
    with pytest.raises(CronProblem, match="run by the cluster's clock, UTC: choose UTC"):
        add_schedule(
            cluster.settings,
            cluster.database,
            cluster.owner,
            cluster.flow_id,
            "0 6 * * *",
            "Europe/Paris",
        )
    assert cluster.posts() == [] and cluster.recurring_runs == {}


def refuse_with_403(cluster: Cluster) -> None:
    cluster.server.fail_requests("POST", RECURRING, 403, "Forbidden: not in team-a")


def refuse_the_spec(cluster: Cluster) -> None:
    cluster.server.fail_requests("POST", RECURRING, 400, "Invalid input error: bad spec")


@pytest.mark.parametrize(
    ("arrange", "cron", "error", "said"),
    [
        (None, "61 * * * *", CronProblem, "Schedule '61 * * * *': minute must be 0-59"),
        (None, "0 6 * *", CronProblem, "expected 5 fields"),
        (
            refuse_with_403,
            "0 6 * * *",
            ScheduleError,
            "refused the request: it needs a token (HTTP 403: Forbidden: not in team-a)",
        ),
        (refuse_the_spec, "0 6 * * *", ScheduleError, "answered HTTP 400: Invalid input error"),
    ],
    ids=["bad-minute", "four-fields", "forbidden", "refused"],
)
def test_a_refused_schedule_leaves_nothing_behind(
    cluster: Cluster, arrange: Any, cron: str, error: type[Exception], said: str
) -> None:
    if arrange is not None:
        arrange(cluster)
    with pytest.raises(error) as raised:
        add_schedule(
            cluster.settings, cluster.database, cluster.owner, cluster.flow_id, cron, "UTC"
        )
    assert said in str(raised.value) and "\n" not in str(raised.value)
    assert list_schedules(cluster.database, cluster.owner, cluster.flow_id) == []
    assert cluster.recurring_runs == {}


def test_an_unreachable_cluster_says_so_and_changes_nothing(
    cluster: Cluster, tmp_path: Path, s3_settings: StorageSettings
) -> None:
    made = add_schedule(
        cluster.settings, cluster.database, cluster.owner, cluster.flow_id, "@daily", "UTC"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    gone = settings_for(tmp_path / "home", cluster.settings.database_url, closed, s3_settings)
    for change in (
        lambda: set_schedule_paused(gone, cluster.database, cluster.owner, made.id, True),
        lambda: remove_schedule(gone, cluster.database, cluster.owner, made.id),
        lambda: add_schedule(
            gone, cluster.database, cluster.owner, cluster.flow_id, "@daily", "UTC"
        ),
    ):
        with pytest.raises(ScheduleError, match=f"^cannot reach Kubeflow Pipelines at {closed}: "):
            change()
    [kept] = list_schedules(cluster.database, cluster.owner, cluster.flow_id)
    assert kept.id == made.id and not kept.paused


def test_a_kubeflow_schedule_cannot_change_once_no_host_is_configured(cluster: Cluster) -> None:
    made = add_schedule(
        cluster.settings, cluster.database, cluster.owner, cluster.flow_id, "@daily", "UTC"
    )
    local = load_settings(
        {
            "DESIGNER_HOME": str(cluster.settings.home),
            "DESIGNER_DATABASE_URL": cluster.settings.database_url,
        }
    )
    with pytest.raises(ScheduleError, match="no Kubeflow host is configured now: set DESIGNER_KFP"):
        remove_schedule(local, cluster.database, cluster.owner, made.id)
    assert len(list_schedules(cluster.database, cluster.owner, cluster.flow_id)) == 1


def test_the_stand_in_refuses_a_five_field_cron_as_the_cluster_would_misread_it(
    cluster: Cluster,
) -> None:
    client = KubeflowSchedules(cluster.settings.kubeflow).engine  # type: ignore[arg-type]
    experiment = client.client().create_experiment("direct", namespace="team-a")
    package = cluster.settings.home / "p.yaml"
    cluster.settings.home.mkdir(parents=True, exist_ok=True)
    compile_flow(
        Flow.model_validate(fixture_flow("iris_classification")),
        settings=cluster.settings,
        engine="kubeflow",
    ).write(package)
    with pytest.raises(KubeflowError, match="expected exactly 6 fields"), client._errors():
        client.client().create_recurring_run(
            experiment_id=experiment.experiment_id,
            job_name="five fields",
            cron_expression="0 6 * * *",
            pipeline_package_path=str(package),
        )
