"""Browser tests: the real app in prod mode on a free port, driven by Debian's chromium.

Each pytest process (each xdist worker) that runs e2e tests starts one server, with its own
frontend build folder in a temporary directory (``designer.devtools.running_app``), so parallel
workers and a developer's own ``designer serve`` never rebuild each other's files.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import Engine

from designer.api.session import SESSION_COOKIE
from designer.devtools import CHROMIUM, CHROMIUM_ARGS, AppDidNotStart, running_app
from designer.settings import load_settings
from designer.store import accounts, signin
from designer.store.db import engine_for
from tests.e2e import known_secrets

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """Start ``reflex run --env prod`` for the designer; yield its URL and environment."""
    work = tmp_path_factory.mktemp("reflex")
    try:
        with running_app(work, LOG_SETTINGS) as (url, env):
            # The first account becomes the admin: take that seat, so the people the tests
            # sign in as are ordinary members, as most people are.
            accounts.create_user(_database(env), "site-admin", "Site admin")
            yield url, env
    except AppDidNotStart as exc:
        pytest.fail(str(exc))
    check_log(work / "reflex.log")


#: The app logs everything, as JSON, so the log of the whole session can be read for secrets.
LOG_SETTINGS = {
    "DESIGNER_LOG_FORMAT": "json",
    "DESIGNER_LOG_LEVEL": "debug",
    "DESIGNER_METRICS_TOKEN": known_secrets.METRICS_TOKEN,
}


def check_log(path: Path) -> None:
    """The server's log holds JSON lines with request ids, and none of the session's secrets."""
    text = path.read_text(errors="replace")
    leaked = [
        f"{secret[:4]}..."
        for secret in (*known_secrets.TYPED, *known_secrets.SESSION_TOKENS)
        if secret in text
    ]
    assert not leaked, f"secrets in the server's log {path}: {leaked}"
    entries = [json.loads(line) for line in text.splitlines() if line.startswith('{"time"')]
    assert any(
        entry.get("logger") == "designer.api.operations" and entry.get("request_id")
        for entry in entries
    ), f"no request was logged in {path}"


@pytest.fixture(scope="session")
def app_url(app: tuple[str, dict[str, str]]) -> str:
    return app[0]


SignIn = Callable[[BrowserContext, str], None]


@pytest.fixture(scope="session")
def sign_in(app: tuple[str, dict[str, str]]) -> SignIn:
    """Sign a browser context in as ``username`` (the account is made on first use).

    The session is made in the app's database and handed to the browser as its cookie, as the
    sign-in form would: the form itself has its own test.
    """
    url, env = app
    return functools.partial(sign_in_to, url, _database(env))


def sign_in_to(url: str, engine: Engine, context: BrowserContext, username: str) -> None:
    """Sign ``context`` in to the app at ``url`` (database ``engine``) as ``username``."""
    found = accounts.credentials(engine, username)
    actor = found[0] if found else accounts.create_user(engine, username, username.title())
    token = signin.create_session(engine, actor.id, timedelta(hours=2))
    known_secrets.SESSION_TOKENS.append(token)
    context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "domain": urlsplit(url).hostname or "127.0.0.1",
                "path": "/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def _database(env: dict[str, str]) -> Engine:
    return engine_for(load_settings(env).database_url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/install --test`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, sign_in: SignIn) -> Iterator[Page]:
    """A page signed in as "ada", an ordinary member."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_path() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
