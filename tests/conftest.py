"""Every test gets a designer home of its own, so runs and models never touch the user's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from blocks.runtime.read_settings import SAMPLES_DIR

#: The test tables (pets, houses...), a data folder in every test besides the default ones.
FIXTURE_DATA = Path(__file__).resolve().parent / "fixtures" / "data"


@pytest.fixture(scope="session", autouse=True)
def test_data_folders() -> Iterator[None]:
    """The test tables as a data folder for module- and session-scoped fixtures too, which are
    made before ``designer_home`` gives each test its own home; no spare workers."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESIGNER_DATA_DIRS", os.pathsep.join(map(str, (SAMPLES_DIR, FIXTURE_DATA))))
        # A spare worker started beside every run (the web app's default) would double each
        # run's work across the suite; tests/unit/runs/test_spare_worker.py turns it on.
        patch.setenv("DESIGNER_SPARE_WORKER", "0")
        yield


@pytest.fixture(autouse=True)
def designer_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("designer-home")
    monkeypatch.setenv("DESIGNER_HOME", str(home))
    # The default data folders (the home's data/ and the samples) and the test tables; a
    # test that reads a file elsewhere sets DESIGNER_DATA_DIRS itself.
    folders = (home.resolve() / "data", SAMPLES_DIR, FIXTURE_DATA)
    monkeypatch.setenv("DESIGNER_DATA_DIRS", os.pathsep.join(map(str, folders)))
    for name in (
        "DESIGNER_KFP_HOST",
        "DESIGNER_KFP_TOKEN",
        "DESIGNER_KFP_NAMESPACE",
        "DESIGNER_KFP_STORAGE_SECRET",
        "DESIGNER_KFP_PIPELINE_ROOT",
        "DESIGNER_KFP_S3_ENDPOINT",
        "DESIGNER_K8S_IN_CLUSTER",
        "DESIGNER_K8S_HOST",
        "DESIGNER_K8S_TOKEN",
        "DESIGNER_K8S_CA_FILE",
        "DESIGNER_K8S_VERIFY_TLS",
        "DESIGNER_KUBECONFIG",
        "DESIGNER_KSERVE_SERVICE_ACCOUNT",
        "DESIGNER_KSERVE_PROTOCOL",
        "DESIGNER_KSERVE_READY_TIMEOUT",
        "DESIGNER_KSERVE_RUNTIME",
        "DESIGNER_BLOCK_PACKAGES",
        "DESIGNER_BLOCK_IMAGE",
        "DESIGNER_DATABASE_URL",
        "DESIGNER_S3_ENDPOINT",
        "DESIGNER_S3_ACCESS_KEY",
        "DESIGNER_S3_SECRET_KEY",
        "DESIGNER_S3_BUCKET",
        "DESIGNER_MAX_UPLOAD_MB",
        "DESIGNER_ALLOWED_NETWORKS",
        "DESIGNER_READ_GRANTS",
        "DESIGNER_S3_READ_BUCKETS",
        "DESIGNER_TRUSTED_PROXIES",
        "DESIGNER_MAX_SPOOL_MB",
        "DESIGNER_PUBLIC_URL",
        "DESIGNER_SANDBOX",
        "DESIGNER_LOCAL_RUNS",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the expected pipeline IR in tests/golden/ from the current compiler",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
