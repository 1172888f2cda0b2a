"""The environment ``designer serve`` starts Reflex with: the npm registry comes from npm."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from designer.server import reflex_env


def fake_npm(folder: Path, says: str, code: int = 0) -> str:
    """A folder holding an ``npm`` that answers ``config get registry`` with ``says``."""
    folder.mkdir()
    script = folder / "npm"
    script.write_text(f"#!/bin/sh\necho '{says}'\nexit {code}\n")
    script.chmod(0o755)
    return str(folder)


@pytest.mark.parametrize(
    ("says", "code", "expected"),
    [
        ("http://mirror.internal:4873/", 0, "http://mirror.internal:4873/"),
        ("undefined", 0, None),
        ("http://mirror.internal:4873/", 1, None),
    ],
    ids=["npm's own registry", "npm names none", "npm fails"],
)
def test_reflex_gets_the_registry_npm_is_configured_with(
    tmp_path: Path, says: str, code: int, expected: str | None
) -> None:
    path = os.pathsep.join([fake_npm(tmp_path / "bin", says, code), "/usr/bin", "/bin"])
    assert reflex_env({"PATH": path}).get("NPM_CONFIG_REGISTRY") == expected


def test_a_registry_already_set_is_kept(tmp_path: Path) -> None:
    path = fake_npm(tmp_path / "bin", "http://other.internal/")
    env = reflex_env({"PATH": path, "NPM_CONFIG_REGISTRY": "http://chosen.internal/"})
    assert env["NPM_CONFIG_REGISTRY"] == "http://chosen.internal/"


def test_no_npm_sets_nothing(tmp_path: Path) -> None:
    assert "NPM_CONFIG_REGISTRY" not in reflex_env({"PATH": str(tmp_path)})
