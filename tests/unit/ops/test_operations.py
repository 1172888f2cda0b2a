"""The operator's endpoints through the whole app: /healthz, /readyz, /metrics, request ids.

Real databases (SQLite, and PostgreSQL where the store tests have it), a real S3 server on
loopback, and the real app (``build_app``) in a test client.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from starlette.testclient import TestClient

from designer.api.app import build_app
from designer.settings import StorageSettings
from designer.store import dispose_engine, engine_for
from designer.store.db import newest_revision
from tests.fixtures.databases import database_url, sqlite_url
from tests.fixtures.object_stores import s3_server, s3_settings
from tests.unit.api import Scene, bearer, scene, template

__all__ = ["database_url", "s3_server", "s3_settings", "scene", "template"]

TOKEN = "metrics-token-for-the-tests"
CLOSED = "127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[TestClient]:
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("DESIGNER_DATABASE_URL", url)
    monkeypatch.setenv("DESIGNER_METRICS_TOKEN", TOKEN)
    yield TestClient(build_app())
    dispose_engine(url)


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample /metrics answers, by name and labels."""
    answer = client.get("/metrics", headers=bearer(TOKEN))
    assert answer.status_code == 200, answer.text
    found = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# -- health ---------------------------------------------------------------------------------


def test_healthz_answers_without_asking_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_DATABASE_URL", f"postgresql://nobody@{CLOSED}/none")
    answer = TestClient(build_app()).get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_ready_with_each_database_and_object_storage(
    database_url: str,
    s3_settings: StorageSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESIGNER_DATABASE_URL", database_url)
    client = TestClient(build_app())
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "storage": "ok"},
    }
    # And with the S3 server as storage (the bucket is made on first use: it must answer).
    for name, setting in {
        "DESIGNER_S3_ENDPOINT": s3_settings.endpoint,
        "DESIGNER_S3_ACCESS_KEY": s3_settings.access_key,
        "DESIGNER_S3_SECRET_KEY": s3_settings.secret_key,
        "DESIGNER_S3_BUCKET": s3_settings.bucket,
    }.items():
        monkeypatch.setenv(name, str(setting))
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("env", "part", "said", "counted"),
    [
        (
            {"DESIGNER_DATABASE_URL": f"postgresql://nobody@{CLOSED}/none"},
            "database",
            "unreachable: cannot reach the database",
            "designer_database_errors_total",
        ),
        (
            {
                "DESIGNER_S3_ENDPOINT": CLOSED,
                "DESIGNER_S3_ACCESS_KEY": "key",
                "DESIGNER_S3_SECRET_KEY": "secret-of-the-test",
                "DESIGNER_S3_BUCKET": "designer",
            },
            "storage",
            "unreachable:",
            "designer_storage_errors_total",
        ),
    ],
)
def test_unready_says_which_part_is_down(
    env: dict[str, str],
    part: str,
    said: str,
    counted: str,
    app: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = value(samples(app), counted)
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)
    answer = app.get("/readyz")
    assert value(samples(app), counted) > before
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unready"
    assert body["checks"][part].startswith(said), body
    assert "secret-of-the-test" not in answer.text


def test_unready_while_the_schema_is_behind(
    app: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.get("/readyz").status_code == 200
    engine = engine_for(os.environ["DESIGNER_DATABASE_URL"])  # the app's own engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    answer = app.get("/readyz")
    assert answer.status_code == 503
    assert (
        answer.json()["checks"]["migrations"] == f"the schema is at 0001, not {newest_revision()}"
    )


# -- metrics --------------------------------------------------------------------------------


def test_no_metrics_without_a_token_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DESIGNER_DATABASE_URL", sqlite_url(tmp_path))
    monkeypatch.delenv("DESIGNER_METRICS_TOKEN", raising=False)
    answer = TestClient(build_app()).get("/metrics", headers=bearer(TOKEN))
    assert answer.status_code == 404
    assert "DESIGNER_METRICS_TOKEN" in answer.json()["error"]


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("wrong-token"), {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}],
    ids=["none", "wrong", "basic", "bare"],
)
def test_metrics_need_the_token(app: TestClient, headers: dict[str, str]) -> None:
    answer = app.get("/metrics", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_requests_are_counted_by_route_template_never_by_id_or_name(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_METRICS_TOKEN", TOKEN)
    api = scene.api
    before = samples(api)
    flow = scene.shared.id
    assert api.get(f"/api/v1/flows/{flow}", headers=scene.headers("owner")).status_code == 200
    assert api.get(f"/api/v1/flows/{flow}").status_code == 401  # nobody signed in
    assert api.get("/api/v1/no-such-thing").status_code == 404
    after = samples(api)
    template = "/api/v1/flows/{flow_id}"
    for status, added in (("200", 1), ("401", 1)):
        labels = {"route": template, "method": "GET", "status": status}
        got = value(after, "designer_http_requests_total", **labels)
        assert got - value(before, "designer_http_requests_total", **labels) == added
    unknown = {"route": "/api/v1/(unknown)", "method": "GET", "status": "404"}
    assert value(after, "designer_http_requests_total", **unknown) >= 1
    assert value(after, "designer_refusals_total", reason="sign_in_required") > value(
        before, "designer_refusals_total", reason="sign_in_required"
    )
    text_answer = api.get("/metrics", headers=bearer(TOKEN)).text
    assert flow not in text_answer
    world = scene.world
    for person in (world.owner, world.editor, world.viewer):
        assert person.username not in text_answer
        assert person.display_name not in text_answer
    assert re.search(
        r'designer_http_request_duration_seconds_bucket\{.*route="/api/v1/flows/\{flow_id\}"',
        text_answer,
    )


def test_sign_ins_are_counted_by_outcome(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.api import OWNER_PASSWORD

    monkeypatch.setenv("DESIGNER_METRICS_TOKEN", TOKEN)
    api, owner = scene.api, scene.world.owner.username
    before = samples(api)
    ok = api.post("/api/v1/session", json={"username": owner, "password": OWNER_PASSWORD})
    refused = api.post("/api/v1/session", json={"username": owner, "password": "not it"})
    assert (ok.status_code, refused.status_code) == (200, 401)
    after = samples(api)
    for outcome in ("ok", "refused"):
        labels = {"method": "password", "outcome": outcome}
        assert (
            value(after, "designer_sign_ins_total", **labels)
            - value(before, "designer_sign_ins_total", **labels)
            == 1
        )


# -- request ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("proxy-id-0123456789", True),
        ("short", False),
        ("has spaces in it and more", False),
        ("x" * 65, False),
        (None, False),
    ],
)
def test_each_answer_names_its_request(app: TestClient, offered: str | None, kept: bool) -> None:
    headers = {"X-Request-ID": offered} if offered is not None else {}
    answer = app.get("/healthz", headers=headers)
    rid = answer.headers["x-request-id"]
    assert (rid == offered) is kept
    assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", rid)


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/flows/3f2a9c1d", "(pages)"),
        ("/signin", "(pages)"),
        ("/_event/socket", "/_event"),
        ("/_upload", "/_upload"),
        ("/api/v1/flows/3f2a9c1d/nope", "/api/v1/(unknown)"),
    ],
)
def test_paths_without_a_route_of_ours_are_counted_under_a_fixed_label(
    path: str, label: str
) -> None:
    from starlette.routing import Mount

    from designer.api.operations import route_label

    reflex_mount = Mount("", routes=[])  # how Reflex's app hangs under ours
    scope = {"path": path, "route": reflex_mount}
    if path.startswith("/api/v1"):
        scope["route"] = Mount("/api/v1", routes=[])
    assert route_label(scope) == label


@pytest.mark.slow
def test_a_finished_run_and_each_block_that_ran_are_counted(tmp_path: Path) -> None:
    from designer.ops import metrics
    from designer.runs.local import LocalEngine
    from designer.runs.record import Status
    from designer.settings import load_settings
    from tests.fixtures.sums_pipeline import compiled

    def counted() -> dict:
        found = {}
        for family in text_string_to_metric_families(metrics.exposition()[0].decode()):
            for sample in family.samples:
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return found

    metrics.enable()
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    engine = LocalEngine(settings.runs_dir, settings=settings)
    before = counted()
    assert engine.run(compiled(), flow_name="sums").status is Status.SUCCEEDED
    again = engine.start(compiled(), flow_name="sums").wait(120)  # every block reused
    assert again.status is Status.SUCCEEDED
    after = counted()
    run = {"engine": "local", "status": "succeeded"}
    for name, added in (
        ("designer_runs_finished_total", 2),
        ("designer_run_duration_seconds_count", 2),
        ("designer_node_duration_seconds_count", 3),  # the reused blocks did not run
    ):
        assert value(after, name, **run) - value(before, name, **run) == added, name
