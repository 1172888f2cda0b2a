"""Reflex's own command line, as ``designer serve`` and the browser tests start it, without the
advice Reflex prints for other setups.

``python -m designer.reflex_cli run ...`` is ``python -m reflex run ...`` with two of Reflex's
log lines changed on their way out:

- "Initialized designer. Run `uv run reflex run` to start the app.": printed by the first start
  in a fresh checkout, while the app is in fact starting; nobody here starts it that way.
- "Your version (20...) of Node.js is out of date": Reflex warns whenever Node is older than it
  likes, but the frontend is built by the bun that ``.ci/install`` puts in ``.node/``, which
  Reflex runs with ``--bun`` for exactly that case; Node's age does not matter.

Both are plain ``logging`` records from Reflex's modules, so a filter on those loggers drops or
rewrites them; everything else Reflex says passes untouched.

It also leaves the package registry to bun and npm. Reflex writes a registry into the
frontend's bunfig.toml and .npmrc, chosen by timing two public registries it names before the
first install (``NPM_CONFIG_REGISTRY`` skips the timing); that overrides whatever registry bun
and npm are configured with, and the timing waits on hosts this project cannot count on. Here
Reflex writes those files without a registry (an app folder's own bunfig.toml or .npmrc is
still copied as Reflex does), so the install uses bun's and npm's own configuration: a project
or user .npmrc, ``NPM_CONFIG_REGISTRY``, or their default.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

#: Said instead of Reflex's "Initialized ... Run `uv run reflex run` ..." line.
FIRST_START = (
    "The web frontend is set up in .web/; building it now (only the first start takes this long)"
)


class ReflexAdvice(logging.Filter):
    """Drops Reflex's Node.js age warning; rewrites its "how to start the app" line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "of Node.js is out of date" in message:
            return False
        if message.startswith("Initialized ") and "reflex run" in message:
            record.msg, record.args = FIRST_START, ()
        return True


#: The Reflex modules that log those lines (``logging.getLogger(__name__)`` in each).
ADVISING_LOGGERS = ("reflex.reflex", "reflex.utils.js_runtimes")


def quiet_reflex_advice() -> None:
    """Put the filter on the loggers that print the advice (safe to call twice)."""
    for name in ADVISING_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ReflexAdvice) for f in logger.filters):
            logger.addFilter(ReflexAdvice())


#: (Reflex's name for the file in .web and in the app folder, what to write when the app
#: folder has none): bun's config and npm's, neither naming a registry.
PACKAGE_CONFIGS = {
    "initialize_bun_config": ("bunfig.toml", ""),
    "initialize_npmrc": (".npmrc", "fetch-retries=0\n"),
}


def leave_registry_to_bun_and_npm() -> None:
    """Replace Reflex's writers of .web/bunfig.toml and .web/.npmrc by ones naming no registry
    (and probing none)."""
    from reflex.utils import frontend_skeleton, prerequisites

    def writer(name: str, default: str) -> Callable[[], None]:
        def write() -> None:
            target = prerequisites.get_web_dir() / name
            if Path(name).exists():  # the app folder's own file, as Reflex copies it
                shutil.copyfile(name, target)
            else:
                target.write_text(default)

        return write

    for function, (name, default) in PACKAGE_CONFIGS.items():
        setattr(frontend_skeleton, function, writer(name, default))


def main() -> None:
    quiet_reflex_advice()
    leave_registry_to_bun_and_npm()
    from reflex.reflex import cli

    cli()


if __name__ == "__main__":
    main()
