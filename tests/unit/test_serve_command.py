"""``designer serve`` refuses options that cannot work, in one line, before it builds or
starts anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.cli import main


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--build-only", "--dev"], "--build-only builds the production bundle: drop --dev"),
        (["--port", "0"], "--port 0: a port is a number from 1 to 65535"),
        (["--port", "70000", "--build-only"], "--port 70000: a port is a number from 1 to 65535"),
    ],
    ids=["build-only with dev", "port 0", "port too big"],
)
def test_serve_refuses(
    arguments: list[str],
    said: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESIGNER_HOME", str(tmp_path))
    monkeypatch.delenv("DESIGNER_DATABASE_URL", raising=False)
    assert main(["serve", *arguments]) == 2
    err = capsys.readouterr().err
    assert err == f"designer: {said}\n"
    assert not (tmp_path / "designer.db").exists()  # nothing was started, not even a migration
