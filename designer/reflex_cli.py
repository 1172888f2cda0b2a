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
"""

from __future__ import annotations

import logging

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


def main() -> None:
    quiet_reflex_advice()
    from reflex.reflex import cli

    cli()


if __name__ == "__main__":
    main()
