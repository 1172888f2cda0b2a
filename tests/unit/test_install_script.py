"""``bash .ci/install`` makes no database: ``designer serve`` creates or migrates the one its
settings name when it starts, so serving with DESIGNER_HOME set never leaves a second database
in the default home.

The script runs for real in a copy of the checkout whose finished steps are in place (the
virtualenv's stamp, bun), with a ``designer`` that records how it is called.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from designer.server import REPO_ROOT


def stub(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout where every install step is already done, and a recording ``designer``."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(REPO_ROOT / ".ci" / "install", repo / ".ci" / "install")
    shutil.copy(REPO_ROOT / "pyproject.toml", repo / "pyproject.toml")
    digest = hashlib.sha256((repo / "pyproject.toml").read_bytes()).hexdigest()
    (repo / ".venv").mkdir()
    (repo / ".venv" / ".designer-install").write_text(f"{digest}[test]\n")
    stub(repo / ".venv" / "bin" / "python", "exit 0")
    # What `designer db upgrade` would do: make the database in the home the settings name.
    stub(
        repo / ".venv" / "bin" / "designer",
        f'echo "$*" >> "{tmp_path}/designer-calls"\n'
        'mkdir -p "${DESIGNER_HOME:-$HOME/.designer}"\n'
        'touch "${DESIGNER_HOME:-$HOME/.designer}/designer.db"',
    )
    stub(repo / ".node" / "node_modules" / ".bin" / "bun", "echo 1.4.4")
    stub(tmp_path / "bin" / "bwrap", "exit 0")
    stub(tmp_path / "bin" / "chromium", "exit 0")
    (tmp_path / "home").mkdir()
    return repo


@pytest.mark.parametrize("args", [[], ["--test"]], ids=["install", "install --test"])
def test_the_install_makes_no_database(checkout: Path, args: list[str]) -> None:
    if args and not Path("/usr/bin/chromium").exists():
        pytest.skip("without /usr/bin/chromium the script would install it with apt-get")
    tmp = checkout.parent
    env = {"PATH": f"{tmp / 'bin'}:/usr/bin:/bin", "HOME": str(tmp / "home")}

    done = subprocess.run(
        ["bash", str(checkout / ".ci" / "install"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert not (tmp / "designer-calls").exists(), (tmp / "designer-calls").read_text()
    assert not (tmp / "home" / ".designer").exists()
    if not args:
        assert "start it with .venv/bin/designer serve" in done.stdout
