"""``designer serve`` starts Reflex through designer.reflex_cli: Reflex's advice for other
setups ("Run `uv run reflex run`", "Node.js is out of date") never reaches the operator;
everything else Reflex logs does, unchanged."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest

from designer.reflex_cli import FIRST_START, quiet_reflex_advice
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
