"""Tests of the HTTP layer (the REST API and the sign-in routes) against a real database.

The helpers here are shared by the test modules: a client of ``build_app()`` whose settings point
at a database of the test's own, and the personas of ``tests/fixtures/people.py`` with their
standard shared flow. Building those takes a few hundred milliseconds (mostly creating the
schema), so it is done once per test process into a template SQLite file, and each test gets a
copy of the file: every test still starts from an untouched database of its own.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from designer.api.app import build_app
from designer.auth.passwords import hash_password
from designer.store import accounts, dispose_engine, engine_for
from tests.fixtures.databases import sqlite_url
from tests.fixtures.people import PERSONAS, Persona, SharedFlow, World, build_world

__all__ = [
    "OWNER_PASSWORD",
    "PERSONAS",
    "Persona",
    "Scene",
    "SharedFlow",
    "World",
    "bearer",
    "client_for",
    "error_of",
    "populate",
    "scene",
    "sqlite_db",
    "template",
]

#: The owner's password (the other personas have none: they only get sessions).
OWNER_PASSWORD = "correct horse battery staple"
#: Settings from the environment that would change what the app answers.
_SETTINGS_VARIABLES = (
    "DESIGNER_PUBLIC_URL",
    "DESIGNER_OIDC_ISSUER",
    "DESIGNER_OIDC_CLIENT_ID",
    "DESIGNER_OIDC_CLIENT_SECRET",
    "DESIGNER_SESSION_DAYS",
    "DESIGNER_VIEWERS_CAN_RUN",
    "DESIGNER_TRUSTED_PROXIES",
    "DESIGNER_MAX_UPLOAD_MB",
    "DESIGNER_MAX_SPOOL_MB",
)


@dataclasses.dataclass(frozen=True)
class Scene:
    """A test's database with the personas and a shared flow, and a client of the app on it."""

    api: TestClient
    url: str
    world: World
    shared: SharedFlow

    def token(self, persona: Persona) -> str | None:
        return None if persona == "anonymous" else self.world.session_token(persona)

    def headers(self, persona: Persona) -> dict[str, str]:
        return bearer(self.token(persona))


def client_for(
    monkeypatch: pytest.MonkeyPatch, database_url: str, address: str = "testclient"
) -> TestClient:
    """A client of the whole app, its settings pointing at ``database_url``, connecting from
    ``address``."""
    for name in _SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESIGNER_DATABASE_URL", database_url)
    return TestClient(build_app(), client=(address, 50000))


def error_of(response: Any) -> dict[str, Any]:
    """The ``error`` object of an error answer."""
    assert response.status_code >= 400, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def populate(url: str) -> tuple[World, SharedFlow]:
    """The personas (the owner with ``OWNER_PASSWORD``) and a shared flow, in ``url``'s database."""
    world = build_world(engine_for(url))
    accounts.set_password_hash(world.engine, world.owner.id, hash_password(OWNER_PASSWORD))
    return world, world.shared_flow()


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, World, SharedFlow]]:
    """The template database file, with the world and shared flow it holds."""
    folder = tmp_path_factory.mktemp("template-db")
    url = sqlite_url(folder)
    world, shared = populate(url)
    dispose_engine(url)  # closing the last connection folds the write-ahead log into the file
    yield folder / "designer.db", world, shared


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty SQLite database file of the test's own."""
    url = sqlite_url(tmp_path)
    yield url
    dispose_engine(url)


@pytest.fixture
def scene(
    template: tuple[Path, World, SharedFlow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Scene]:
    """A copy of the template database, and a client of the app using it."""
    source, world, shared = template
    shutil.copyfile(source, tmp_path / "designer.db")
    url = sqlite_url(tmp_path)
    api = client_for(monkeypatch, url)
    yield Scene(api, url, dataclasses.replace(world, engine=engine_for(url)), shared)
    dispose_engine(url)
