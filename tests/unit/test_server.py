"""How ``designer serve`` starts the web app: the environment Reflex gets (the package registry
is left to bun and npm), the app folder, and when the built bundle in .web is served as it is."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from designer import server
from designer.server import (
    APP_FILES,
    BUILD_STAMP,
    REPO_ROOT,
    app_dir,
    bundle_is_current,
    reflex_env,
    server_command,
    source_fingerprint,
)

PORT = 3000
ENDPOINTS = {
    "PING": f"http://localhost:{PORT}/ping",
    "EVENT": f"ws://localhost:{PORT}/_event",
    "UPLOAD": f"http://localhost:{PORT}/_upload",
}


def test_reflex_gets_no_registry_from_the_designer(tmp_path: Path) -> None:
    # An npm on PATH that would name a registry: nobody asks it any more.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f"#!/bin/sh\ntouch {tmp_path / 'asked'}\necho http://mirror.internal/\n")
    npm.chmod(0o755)

    env = reflex_env({"PATH": str(bin_dir)})

    assert "NPM_CONFIG_REGISTRY" not in env
    assert not (tmp_path / "asked").exists()


def test_a_registry_the_operator_set_passes_through_untouched() -> None:
    env = reflex_env({"PATH": "/usr/bin", "NPM_CONFIG_REGISTRY": "http://chosen.internal/"})
    assert env["NPM_CONFIG_REGISTRY"] == "http://chosen.internal/"


def test_the_designer_names_no_package_registry() -> None:
    """No registry's address in the designer's code: bun and npm use their own configuration."""
    address = re.compile(r"https?://[^\s\"'`]*(registry|npmjs|npmmirror|pypi)", re.IGNORECASE)
    named = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in (REPO_ROOT / "designer").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if address.search(line)
    ]
    assert named == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, REPO_ROOT), ({"DESIGNER_APP_DIR": "/srv/designer"}, Path("/srv/designer"))],
    ids=["the checkout by default", "DESIGNER_APP_DIR"],
)
def test_the_app_folder(env: dict[str, str], expected: Path) -> None:
    assert app_dir(env) == expected


def test_production_serves_from_one_process_of_its_own() -> None:
    assert server_command("0.0.0.0", 8080) == [
        *[sys.executable, "-m", "designer.server"],
        *["--host", "0.0.0.0", "--port", "8080"],
    ]


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """An app folder (the checkout's app files) whose .web holds a bundle stamped as built
    from them for ``ENDPOINTS``."""
    folder = tmp_path / "app"
    folder.mkdir()
    for name in APP_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("external"))
        else:
            shutil.copy(source, folder / name)
    client = folder / ".web" / "build" / "client"
    client.mkdir(parents=True)
    (client / "index.html").write_text("<html></html>")
    (folder / ".web" / "env.json").write_text(json.dumps({**ENDPOINTS, "TRANSPORT": "websocket"}))
    stamp = {"sources": source_fingerprint(folder)}
    (folder / ".web" / BUILD_STAMP).write_text(json.dumps(stamp))
    return folder


def test_a_bundle_built_from_these_sources_for_this_port_is_served_as_it_is(built: Path) -> None:
    assert bundle_is_current(built, ENDPOINTS, {})


def other_port(folder: Path) -> dict[str, str]:
    return {name: url.replace(f":{PORT}/", ":4000/") for name, url in ENDPOINTS.items()}


def change_an_asset(folder: Path) -> dict[str, str]:
    (folder / "assets" / "logo.svg").write_text("<svg/>")
    return ENDPOINTS


def change_the_config(folder: Path) -> dict[str, str]:
    with (folder / "rxconfig.py").open("a") as config:
        config.write("# changed\n")
    return ENDPOINTS


def no_bundle(folder: Path) -> dict[str, str]:
    (folder / ".web" / "build" / "client" / "index.html").unlink()
    return ENDPOINTS


def no_stamp(folder: Path) -> dict[str, str]:
    (folder / ".web" / BUILD_STAMP).unlink()
    return ENDPOINTS


def a_broken_stamp(folder: Path) -> dict[str, str]:
    (folder / ".web" / BUILD_STAMP).write_text("{")
    return ENDPOINTS


@pytest.mark.parametrize(
    "change",
    [other_port, change_an_asset, change_the_config, no_bundle, no_stamp, a_broken_stamp],
)
def test_a_bundle_is_rebuilt_when(built: Path, change: Callable[[Path], dict[str, str]]) -> None:
    endpoints = change(built)
    assert not bundle_is_current(built, endpoints, {})


def test_links_reflex_makes_in_assets_do_not_count_as_a_change(built: Path) -> None:
    external = built / "assets" / "external" / "reflex"
    external.mkdir(parents=True)
    (external / "made.js").write_text("// written by Reflex as it compiles")
    assert bundle_is_current(built, ENDPOINTS, {})


def test_reflex_web_workdir_is_where_the_bundle_is_looked_for(built: Path) -> None:
    (built / ".web").rename(built / "elsewhere")
    assert not bundle_is_current(built, ENDPOINTS, {})
    assert bundle_is_current(built, ENDPOINTS, {"REFLEX_WEB_WORKDIR": "elsewhere"})


def test_the_stamp_is_written_only_after_a_build_that_succeeded(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build process that fails (the real one's failures end the same way: an exit code).
    monkeypatch.setattr(
        server, "build_command", lambda: [sys.executable, "-c", "raise SystemExit(3)"]
    )
    assert server.build_frontend(built, PORT, {"PATH": "/usr/bin"}) == 1
    assert not (built / ".web" / BUILD_STAMP).exists()
