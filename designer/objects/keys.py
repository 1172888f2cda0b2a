"""Object keys: built only from safe parts, so nothing a person typed can leave its prefix.

A key is ``/``-separated segments of letters, digits, ``.``, ``_`` and ``-``, none of them
``.`` or ``..``. Names people choose (a dataset called "Q3 sales (final).csv") never become
keys: keys are made of ids and content hashes, and ``check_key`` refuses anything else, in
every back end, before touching the disk or the network.
"""

from __future__ import annotations

import re

from designer.objects.base import InvalidKey

_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,199}")
MAX_KEY_LENGTH = 900


def check_key(key: str) -> str:
    """``key`` itself when it is a safe object key; InvalidKey saying why otherwise."""
    if not isinstance(key, str) or not key:
        raise InvalidKey("an object key cannot be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"an object key is at most {MAX_KEY_LENGTH} characters; found {len(key)}")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment) or segment.strip(".") == "":
            raise InvalidKey(
                f"object key {key!r} has an unsafe part {segment!r}: parts are letters, digits, "
                "'.', '_' and '-', do not start with '.' or '-', and are never empty"
            )
    return key


def check_prefix(prefix: str) -> str:
    """A listing or deletion prefix: empty (everything) or a safe key ending in ``/``."""
    if prefix == "":
        return prefix
    if not prefix.endswith("/"):
        raise InvalidKey(f"a prefix ends with '/' so it names a folder; found {prefix!r}")
    check_key(prefix[:-1])
    return prefix


def join_key(*parts: str) -> str:
    """The key of ``parts`` joined by ``/``, each part checked (so no part may hold a ``/``)."""
    for part in parts:
        if "/" in part:
            raise InvalidKey(f"a key part cannot hold '/': {part!r}")
    return check_key("/".join(parts))
