"""Run the web app: Reflex, started from the repository root with the environment it needs.

Reflex finds the app through ``rxconfig.py`` in its working directory, so the server always
runs from the repository root (found from this file, not from the caller's cwd). Its frontend
is built with the bun that ``.ci/install`` puts in ``.node/`` (Reflex's own bun download needs
hosts this project cannot count on), and nothing waits on telemetry or version checks.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

#: The repository root: where rxconfig.py, assets/ and reflex.lock/ live.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: The bun that .ci/install installs from the npm registry.
BUNDLED_BUN = REPO_ROOT / ".node" / "node_modules" / ".bin" / "bun"


def reflex_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a Reflex process: ``base`` (default: os.environ) plus our settings.

    A REFLEX_BUN_PATH already in ``base`` wins over the bundled bun; either one is put first
    on PATH too, since parts of the frontend build look bun up there.
    """
    env = dict(os.environ if base is None else base)
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["REFLEX_CHECK_LATEST_VERSION"] = "false"
    # Reflex otherwise times registries it may not reach before every fresh frontend install:
    # hand it the one npm itself is configured with.
    if not env.get("NPM_CONFIG_REGISTRY"):
        registry = npm_registry(env)
        if registry:
            env["NPM_CONFIG_REGISTRY"] = registry
    env.setdefault("PYTHONUNBUFFERED", "1")
    path = [str(Path(sys.executable).parent)]
    bun = Path(env.get("REFLEX_BUN_PATH") or BUNDLED_BUN)
    if bun.exists():
        env["REFLEX_BUN_PATH"] = str(bun)
        path.insert(0, str(bun.parent))
    else:
        # Reflex checks that a configured bun path exists: never hand it a missing one.
        env.pop("REFLEX_BUN_PATH", None)
    env["PATH"] = os.pathsep.join([*path, env.get("PATH", "")])
    return env


def npm_registry(env: Mapping[str, str]) -> str | None:
    """The registry npm on this machine is configured with (``npm config get registry``), or
    None when npm is missing or does not say."""
    npm = shutil.which("npm", path=env.get("PATH"))
    if npm is None:
        return None
    try:
        done = subprocess.run(
            [npm, "config", "get", "registry"],
            capture_output=True,
            text=True,
            timeout=20,
            env=dict(env),
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = done.stdout.strip()
    return found if done.returncode == 0 and found.startswith(("http://", "https://")) else None


def reflex_command(host: str = "127.0.0.1", port: int = 3000, *, prod: bool = True) -> list[str]:
    """The ``reflex run`` command line. Prod mode serves the built frontend and the backend on
    the one ``port``; dev mode serves the frontend there and picks a free backend port."""
    # designer.reflex_cli is Reflex's command line minus its advice for other setups.
    command = [sys.executable, "-m", "designer.reflex_cli", "run", "--backend-host", host]
    if prod:
        return [*command, "--env", "prod", "--single-port", "--frontend-port", str(port)]
    return [*command, "--env", "dev", "--frontend-port", str(port)]


def serve(host: str = "127.0.0.1", port: int = 3000, *, prod: bool = True) -> int:
    """Run the designer web app until it stops; return Reflex's exit code.

    The first start in a fresh checkout installs the frontend packages and builds the bundle
    (about 10 s here when the npm registry answers quickly); later starts reuse ``.web/``.
    """
    env = reflex_env()
    if "REFLEX_BUN_PATH" not in env and shutil.which("bun", path=env["PATH"]) is None:
        print(
            f"designer: no bun at {BUNDLED_BUN}; run `bash .ci/install` first",
            file=sys.stderr,
        )
    process = subprocess.Popen(reflex_command(host, port, prod=prod), cwd=REPO_ROOT, env=env)

    def forward(signum: int, _frame: object) -> None:
        process.send_signal(signum)

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, forward) if in_main_thread else None
    try:
        try:
            return process.wait()
        except KeyboardInterrupt:
            # The terminal sent SIGINT to Reflex as well: give it time to stop cleanly.
            try:
                return process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                return process.wait()
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
