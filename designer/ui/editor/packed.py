"""JSON kept compressed in a page session, expanded only on its way to the browser.

Reflex keeps every open page's state in the server (for an hour after its last event, by
default), so what a state holds is paid for per browser tab. The canvas needs the whole flow
once, when it mounts (docs/canvas.md), and Reflex must still be able to send it again after a
reconnect; as Python lists and dicts a 10,000-node scene costs about 10 MB, as compressed JSON
about 0.3 MB. ``Packed`` is that compressed JSON: a state var may hold one wherever the browser
expects a JSON list, and the serializer registered below turns it back into the list when
Reflex sends the var, so the browser receives exactly what it received before.

Equal contents are stored once: ``Packed.of`` hands out the copy another session already holds
(a share link opened in many tabs costs its flow once), and a copy is freed with the last
session that holds it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
import zlib
from typing import Any

import reflex as rx

#: zlib's fastest level: a 10,000-node flow packs in about 10 ms to a tenth of its JSON size.
_LEVEL = 1


class Packed:
    """A JSON document (text), compressed, with a digest of its content.

    Immutable: build one with ``Packed.of`` (a JSON value) or ``Packed.of_json`` (JSON text).
    """

    __slots__ = ("__weakref__", "data", "digest")

    def __init__(self, data: bytes, digest: bytes) -> None:
        self.data = data
        self.digest = digest

    @classmethod
    def of(cls, value: Any) -> Packed:
        """Pack a JSON-serialisable value (compact JSON, keys in their order)."""
        return cls.of_json(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    @classmethod
    def of_json(cls, text: str | bytes) -> Packed:
        """Pack JSON text as it is; the copy already held by someone else when there is one."""
        raw = text.encode() if isinstance(text, str) else text
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        with _LOCK:
            held = _HELD.get(digest)
            if held is None:
                held = _HELD[digest] = cls(zlib.compress(raw, _LEVEL), digest)
        return held

    def json(self) -> bytes:
        """The JSON text, as UTF-8."""
        return zlib.decompress(self.data)

    def value(self) -> Any:
        """The JSON value, parsed again (a new object each call)."""
        return json.loads(self.json())

    @property
    def size(self) -> int:
        """Bytes held."""
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Packed) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"Packed({len(self.data)} bytes, {self.digest.hex()[:12]})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Reflex's disk and Redis state managers pickle states: store the compressed bytes, and
        # share the copy again when the state is read back.
        return (_unpickle, (self.data,))


def _unpickle(data: bytes) -> Packed:
    return Packed.of_json(zlib.decompress(data))


_LOCK = threading.Lock()
#: Every Packed some state still holds, by digest; an entry goes with the last holder.
_HELD: weakref.WeakValueDictionary[bytes, Packed] = weakref.WeakValueDictionary()


@rx.serializer(to=list)
def serialize_packed(value: Packed) -> list:
    """What the browser receives for a Packed var: the JSON value itself."""
    return value.value()
