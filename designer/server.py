"""Run the web app: one process that serves the built frontend, the websocket, REST and the
app's background tasks on one port.

Reflex finds the app through ``rxconfig.py`` in its working directory, so everything runs from
the app folder: ``DESIGNER_APP_DIR``, the folder holding rxconfig.py, assets/, reflex.lock/
and .web/ (by default the repository root, found from this file, not from the caller's cwd).

Production mode, the default, does not go through ``reflex run``: that command imports the app
to compile it, rebuilds the bundle, then serves from a second process importing the app again,
while ``designer serve`` waits beside them (three Python processes, about 490 MiB idle). Here
the bundle is built once, in a process that exits (``build_frontend``; at image build time
with ``designer serve --build-only``), and ``designer serve`` then replaces itself
(``os.execve``) by ``python -m designer.server``, which imports the app once and serves it with
Granian's in-process server. A SIGTERM or Ctrl-C reaches that one process: the app's shutdown
tasks run and it exits, leaving nothing behind.

The frontend is built with the bun that ``.ci/install`` puts in ``.node/`` (Reflex's own bun
download needs hosts this project cannot count on), with the package registry bun and npm are
configured with (``designer.reflex_cli``), and nothing waits on telemetry or version checks.
Development mode (``--dev``, hot reload) still runs ``reflex run --env dev``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

#: The repository root: where rxconfig.py, assets/ and reflex.lock/ live in a checkout.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: The bun that .ci/install installs with npm.
BUNDLED_BUN = REPO_ROOT / ".node" / "node_modules" / ".bin" / "bun"

#: Written beside the bundle: what it was built from (``source_fingerprint``).
BUILD_STAMP = "designer-build.json"

#: What the app folder holds that the bundle is built from, besides the designer package.
APP_FILES = ("rxconfig.py", "assets", "reflex.lock")


def app_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder the web app runs from: ``DESIGNER_APP_DIR``, else the repository root."""
    found = (os.environ if env is None else env).get("DESIGNER_APP_DIR")
    return Path(found).resolve() if found else REPO_ROOT


def web_dir(folder: Path, env: Mapping[str, str] | None = None) -> Path:
    """Where Reflex keeps the frontend for the app in ``folder`` (``REFLEX_WEB_WORKDIR``, as
    Reflex reads it, else .web/)."""
    return folder / (os.environ if env is None else env).get("REFLEX_WEB_WORKDIR", ".web")


def reflex_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a Reflex process: ``base`` (default: os.environ) plus our settings.

    A REFLEX_BUN_PATH already in ``base`` wins over the bundled bun; either one is put first
    on PATH too, since parts of the frontend build look bun up there. The package registry is
    left to bun's and npm's own configuration (.npmrc, NPM_CONFIG_REGISTRY).
    """
    env = dict(os.environ if base is None else base)
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["REFLEX_CHECK_LATEST_VERSION"] = "false"
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
    # Reflex checks that the app module is a file under a sys.path folder, which an editable
    # install (an import hook) is not: name the folder holding the package when it is not on
    # sys.path already, so an app folder outside the checkout finds it.
    packages = str(Path(__file__).resolve().parent.parent)
    if packages not in sys.path and packages not in env.get("PYTHONPATH", "").split(os.pathsep):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [packages, env.get("PYTHONPATH")]))
    return env


def reflex_command(host: str = "127.0.0.1", port: int = 3000, *, prod: bool = True) -> list[str]:
    """The ``reflex run`` command line. Prod mode serves the built frontend and the backend on
    the one ``port``; dev mode serves the frontend there and picks a free backend port."""
    # designer.reflex_cli is Reflex's command line minus its advice for other setups.
    command = [sys.executable, "-m", "designer.reflex_cli", "run", "--backend-host", host]
    if prod:
        return [*command, "--env", "prod", "--single-port", "--frontend-port", str(port)]
    return [*command, "--env", "dev", "--frontend-port", str(port)]


def build_command() -> list[str]:
    """Reflex's production build of the frontend alone: compile the pages, install the
    packages, build the bundle into .web/build/client (``reflex export``, without the zip)."""
    return [
        *[sys.executable, "-m", "designer.reflex_cli", "export"],
        *["--frontend-only", "--no-zip", "--env", "prod"],
    ]


def server_command(host: str, port: int) -> list[str]:
    """The one process that serves the app (``python -m designer.server``)."""
    return [sys.executable, "-m", "designer.server", "--host", host, "--port", str(port)]


def source_fingerprint(folder: Path) -> str:
    """A hash of what the bundle is built from: the designer package, the app folder's
    rxconfig.py, assets/ (but the links Reflex itself makes in assets/external/) and
    reflex.lock/, and Reflex's version. A bundle stamped with another hash is rebuilt before
    serving: a changed page must not be served from an old bundle."""
    digest = hashlib.sha256(metadata.version("reflex").encode())
    package = Path(__file__).resolve().parent
    sources = [(package, sorted(package.rglob("*.py")))]
    for name in APP_FILES:
        path = folder / name
        sources.append((folder, sorted(path.rglob("*")) if path.is_dir() else [path]))
    for root, files in sources:
        for path in files:
            if path.is_file() and not path.is_relative_to(folder / "assets" / "external"):
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def bundle_is_current(folder: Path, endpoints: Mapping[str, str], env: Mapping[str, str]) -> bool:
    """Whether .web holds a bundle built from the current sources for these backend
    ``endpoints`` (the URLs the bundle's pages call, which include the port)."""
    web = web_dir(folder, env)
    try:
        stamp = json.loads((web / BUILD_STAMP).read_text())
        built_for = json.loads((web / "env.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        (web / "build" / "client" / "index.html").is_file()
        and stamp.get("sources") == source_fingerprint(folder)
        and all(built_for.get(name) == url for name, url in endpoints.items())
    )


def build_frontend(folder: Path, port: int, env: Mapping[str, str]) -> int:
    """Install the frontend packages and build the production bundle for ``port`` in
    ``folder``, in a process that exits (the compile's memory goes with it); stamp it."""
    stamp = web_dir(folder, env) / BUILD_STAMP
    stamp.unlink(missing_ok=True)
    build_env = {**env, "REFLEX_FRONTEND_PORT": str(port), "REFLEX_BACKEND_PORT": str(port)}
    code = run_until_stopped(build_command(), folder, build_env)
    if code != 0:
        print(f"designer: the frontend build failed (exit {code})", file=sys.stderr)
        return 1
    stamp.write_text(json.dumps({"sources": source_fingerprint(folder)}) + "\n")
    return 0


def missing_bun(env: Mapping[str, str]) -> bool:
    """Say so when there is no bun to build the frontend with (the build then fails)."""
    if "REFLEX_BUN_PATH" in env or shutil.which("bun", path=env["PATH"]) is not None:
        return False
    print(f"designer: no bun at {BUNDLED_BUN}; run `bash .ci/install` first", file=sys.stderr)
    return True


def build_only(port: int = 3000) -> int:
    """``designer serve --build-only``: build the bundle in the app folder, then stop."""
    env = reflex_env()
    missing_bun(env)
    folder = app_dir(env)
    code = build_frontend(folder, port, env)
    if code == 0:
        print(f"designer: frontend built in {web_dir(folder, env) / 'build' / 'client'}")
    return code


def serve(host: str = "127.0.0.1", port: int = 3000, *, prod: bool = True) -> int:
    """Run the designer web app until it stops.

    Production mode replaces this process by the server (it does not return); the first start
    builds the bundle, later starts on the same port serve the one in .web/. Development mode
    runs ``reflex run --env dev`` and returns its exit code.
    """
    env = reflex_env()
    missing_bun(env)
    folder = app_dir(env)
    if not prod:
        return run_until_stopped(reflex_command(host, port, prod=False), folder, env)
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(folder)
    os.execve(sys.executable, server_command(host, port), env)
    raise AssertionError("unreachable")  # pragma: no cover


def run_until_stopped(command: Sequence[str], folder: Path, env: Mapping[str, str]) -> int:
    """Run ``command`` in ``folder``, passing it SIGTERM (a build or a dev server stopped
    half-way leaves nothing running); return its exit code."""
    process = subprocess.Popen(command, cwd=folder, env=dict(env), stdin=subprocess.DEVNULL)

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


def run_server(host: str, port: int) -> int:
    """Serve the app from the current folder (the app folder) until SIGTERM or SIGINT: build
    the bundle first if .web holds none for these sources and this port, then import the app
    once and serve it and the bundle with Granian in this process."""
    import asyncio

    from designer.reflex_cli import quiet_reflex_advice

    quiet_reflex_advice()
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    folder = Path.cwd()
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    config = get_config()
    # As ``reflex run --env prod --single-port``: frontend and backend on the one port, and
    # in the environment, so the build process sees them too.
    config._set_persistent(frontend_port=port, backend_port=port, backend_host=host)
    endpoints = {endpoint.name: endpoint.get_url() for endpoint in constants.Endpoint}
    if not bundle_is_current(folder, endpoints, os.environ):
        print(
            f"designer: building the web frontend for port {port} (none built yet, or built "
            "from other sources or for another port)",
            file=sys.stderr,
        )
        if build_frontend(folder, port, os.environ) != 0:
            return 1

    from reflex.istate.manager import reset_disk_state_manager
    from reflex.utils import prerequisites

    reset_disk_state_manager()  # as Reflex does at each start: no state from a previous run
    # The pages were compiled by the build: the backend only evaluates the stateful ones.
    environment.REFLEX_SKIP_COMPILE.set(True)
    environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.set(True)
    app = prerequisites.get_app().app
    return asyncio.run(_serve_app(app, host, port, config.loglevel.subprocess_level().value))


async def _serve_app(app: object, host: str, port: int, loglevel: str) -> int:
    import asyncio
    import logging

    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server.embed import Server

    # Granian warns that its in-process server is "experimental" each start; it is what
    # runs the app here, on purpose.
    logging.getLogger("_granian").addFilter(lambda r: "experimental" not in r.getMessage())
    server = Server(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        factory=True,  # App.__call__ builds the ASGI app (routes, mounts, lifespan tasks)
        log_level=LogLevels(os.environ.get("GRANIAN_LOG_LEVEL", loglevel)),
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, server.stop)
    print(f"designer: serving at http://{host}:{port}", file=sys.stderr, flush=True)
    await server.serve()
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m designer.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    sys.exit(run_server(args.host, args.port))


if __name__ == "__main__":
    main()
