"""Browser tests: the real app in prod mode on a free port, driven by Debian's chromium.

Each pytest process (each xdist worker) that runs e2e tests starts one server, with its own
frontend build folder in a temporary directory (``designer.devtools.running_app``), so parallel
workers and a developer's own ``designer serve`` never rebuild each other's files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from designer.devtools import CHROMIUM, CHROMIUM_ARGS, AppDidNotStart, running_app

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``reflex run --env prod`` for the designer; yield its URL; stop it."""
    try:
        with running_app(tmp_path_factory.mktemp("reflex")) as (url, _env):
            yield url
    except AppDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/install --test`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_path() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
