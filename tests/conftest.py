"""Every test gets a designer home of its own, so runs and models never touch the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def designer_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("designer-home")
    monkeypatch.setenv("DESIGNER_HOME", str(home))
    for name in (
        "DESIGNER_KFP_HOST",
        "DESIGNER_KFP_TOKEN",
        "DESIGNER_BLOCK_IMAGE",
        "DESIGNER_DATABASE_URL",
        "DESIGNER_S3_ENDPOINT",
        "DESIGNER_S3_ACCESS_KEY",
        "DESIGNER_S3_SECRET_KEY",
        "DESIGNER_S3_BUCKET",
        "DESIGNER_MAX_UPLOAD_MB",
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
