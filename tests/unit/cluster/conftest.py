"""Fixtures of the cluster tests: the Kubernetes stand-in with KServe's storage Secret for the
test's bucket on the S3 server, settings pointing at both, a migrated SQLite database with the
personas, and model files trained once per test process."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from designer.settings import Settings, StorageSettings, load_settings
from designer.store import dispose_engine, engine_for
from tests.fixtures.databases import migrated_template, sqlite_url
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.fixtures.object_stores import s3_server, s3_settings
from tests.fixtures.people import World, build_world
from tests.unit.cluster import (
    ACCOUNT,
    NAMESPACE,
    TOKEN,
    Trained,
    train_diabetes,
    train_iris,
    train_pets,
)

__all__ = ["migrated_template", "s3_server", "s3_settings"]


@pytest.fixture
def cluster(s3_settings: StorageSettings) -> Iterator[FakeKubernetesServer]:
    """The Kubernetes API on loopback; KServe reads the test's bucket as ``ACCOUNT``."""
    with FakeKubernetesServer(token=TOKEN) as server:
        server.add_storage_secret(NAMESPACE, ACCOUNT, s3_settings)
        yield server


@pytest.fixture
def cluster_env(
    tmp_path: Path,
    cluster: FakeKubernetesServer,
    s3_settings: StorageSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """The environment of a designer on the cluster (also set in this process, for the app)."""
    env = {
        "DESIGNER_HOME": str(tmp_path / "home"),
        "DESIGNER_KFP_HOST": "http://127.0.0.1:9",  # never called: only its namespace is used
        "DESIGNER_KFP_NAMESPACE": NAMESPACE,
        "DESIGNER_K8S_HOST": cluster.url,
        "DESIGNER_K8S_TOKEN": TOKEN,
        "DESIGNER_S3_ENDPOINT": s3_settings.endpoint,
        "DESIGNER_S3_ACCESS_KEY": s3_settings.access_key or "",
        "DESIGNER_S3_SECRET_KEY": s3_settings.secret_key or "",
        "DESIGNER_S3_BUCKET": s3_settings.bucket,
        "DESIGNER_KSERVE_READY_TIMEOUT": "30",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def settings(cluster_env: dict[str, str]) -> Settings:
    return load_settings(cluster_env)


@pytest.fixture
def engine(tmp_path: Path, migrated_template: object) -> Iterator[Engine]:
    """A migrated SQLite database of the test's own (the cluster is what these tests vary)."""
    shutil.copyfile(migrated_template("sqlite"), tmp_path / "designer.db")  # type: ignore[operator]
    url = sqlite_url(tmp_path)
    yield engine_for(url)
    dispose_engine(url)


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Trained]:
    folder = tmp_path_factory.mktemp("trained")
    return {
        "iris": train_iris(folder),
        "pets": train_pets(folder),
        "diabetes": train_diabetes(folder),
    }
