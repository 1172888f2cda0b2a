"""``designer serve`` starts Reflex through designer.reflex_cli: Reflex's advice for other
setups ("Run `uv run reflex run`", "Node.js is out of date") never reaches the operator;
everything else Reflex logs does, unchanged. The frontend's package configs name no registry."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from designer.reflex_cli import (
    FIRST_START,
    PACKAGE_CONFIGS,
    leave_registry_to_bun_and_npm,
    quiet_reflex_advice,
)
from designer.server import reflex_command


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def kept() -> Iterator[Kept]:
    """What Reflex's loggers let through, with the filter in place."""
    handler = Kept()
    root = logging.getLogger("reflex")
    root.addHandler(handler)
    quiet_reflex_advice()
    quiet_reflex_advice()  # twice is once
    yield handler
    root.removeHandler(handler)


START = "Initialized designer. Run `uv run reflex run` to start the app."
NODE = "Your version (20.19.2) of Node.js is out of date. Upgrade to 22.22.0 or higher."
RUNNING = "App running at: http://127.0.0.1:3000"


@pytest.mark.parametrize(
    ("logger", "said", "shown"),
    [
        ("reflex.reflex", START, [FIRST_START]),
        ("reflex.utils.js_runtimes", NODE, []),
        ("reflex.reflex", RUNNING, [RUNNING]),
        (
            "reflex.utils.js_runtimes",
            "Installing frontend packages",
            ["Installing frontend packages"],
        ),
    ],
    ids=["how to start: rewritten", "node's age: dropped", "other lines kept", "kept too"],
)
def test_reflex_advice_for_other_setups_is_left_out(
    kept: Kept, logger: str, said: str, shown: list[str]
) -> None:
    log = logging.getLogger(logger)
    log.setLevel(logging.INFO)
    log.warning(said)

    assert kept.messages == shown
    assert len(log.filters) == 1


def test_serve_and_the_browser_tests_start_reflex_through_it() -> None:
    for prod in (True, False):
        command = reflex_command(prod=prod)
        assert command[:4] == [sys.executable, "-m", "designer.reflex_cli", "run"]


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app folder as cwd with an empty .web; Reflex's writers restored afterwards."""
    from reflex.utils import frontend_skeleton

    for name in PACKAGE_CONFIGS:
        monkeypatch.setattr(frontend_skeleton, name, getattr(frontend_skeleton, name))

    def probe() -> str:
        raise AssertionError("a registry was looked up")

    monkeypatch.setattr(frontend_skeleton, "get_npm_registry", probe)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFLEX_WEB_WORKDIR", str(tmp_path / ".web"))
    (tmp_path / ".web").mkdir()
    leave_registry_to_bun_and_npm()
    return tmp_path / ".web"


def write_package_configs() -> None:
    from reflex.utils import frontend_skeleton

    frontend_skeleton.initialize_bun_config()
    frontend_skeleton.initialize_npmrc()


def test_the_frontend_install_uses_the_registry_bun_and_npm_are_configured_with(web: Path) -> None:
    write_package_configs()
    for name in ("bunfig.toml", ".npmrc"):
        assert "registry" not in (web / name).read_text()


def test_an_app_folders_own_package_configs_are_still_used(web: Path) -> None:
    (web.parent / "bunfig.toml").write_text('[install]\nregistry = "http://mirror.internal/"\n')
    (web.parent / ".npmrc").write_text("registry=http://mirror.internal/\n")
    write_package_configs()
    assert "mirror.internal" in (web / "bunfig.toml").read_text()
    assert "mirror.internal" in (web / ".npmrc").read_text()
