"""What a page may tell a person about an error.

Most errors' messages are written for the person (a refused save, a name taken). A database
that cannot be reached is the exception: its message names the server, user and database, which
only the operator should read; the server's log has it, the page says only that it is down.
"""

from __future__ import annotations

import logging

from designer.store.db import StoreError, public_message

log = logging.getLogger(__name__)


def shown(exc: BaseException) -> str:
    """``exc``'s message as a page may show it."""
    if isinstance(exc, StoreError):
        said = public_message(exc)
        if said != str(exc):
            log.warning("shown as %r: %s", said, exc)
        return said
    return str(exc)
