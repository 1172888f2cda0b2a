"""Who sent a request and how it reached the designer, believing proxies only when trusted.

Behind a reverse proxy every request comes from the proxy's address, and what the browser
actually used (its address, HTTPS, the host name) is in ``X-Forwarded-For``,
``X-Forwarded-Proto`` and ``X-Forwarded-Host``. Anyone can send those headers, so they are read
only when the direct peer is one of ``DESIGNER_TRUSTED_PROXIES`` (addresses or networks such as
``10.0.0.5`` or ``10.0.0.0/8``); from anyone else they are ignored. Sign-in throttling counts
the address given here, the session cookie is ``Secure`` when this says HTTPS, and the origin
checks (``designer.api.origins``) compare against the host given here.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

from designer.settings import Settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: What a request with no peer address (a Unix socket, some test clients) counts as.
UNKNOWN = "unknown"
#: The longest address text kept (an IPv6 address is at most 45 characters).
MAX_ADDRESS_CHARS = 64


class BadTrustedProxies(ValueError):
    """``DESIGNER_TRUSTED_PROXIES`` holds something that is not an address or a network."""


def check_trusted_proxies(settings: Settings) -> None:
    """Raise ``BadTrustedProxies`` at start rather than ignore a proxy entry with a typo."""
    trusted_networks(settings.trusted_proxies)


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise BadTrustedProxies(
                f"DESIGNER_TRUSTED_PROXIES: {entry!r} is not an address or a network; write "
                "addresses or networks separated by commas, such as 10.0.0.5,10.1.0.0/16"
            ) from None
    return tuple(networks)


def client_address(connection: HTTPConnection, settings: Settings) -> str:
    """The address of the person's computer, as far as can be believed.

    The direct peer, unless it is a trusted proxy: then the right-most ``X-Forwarded-For`` entry
    that is not itself a trusted proxy (entries further left were written by whoever sent the
    request, and could be anything).
    """
    peer = connection.client.host if connection.client else UNKNOWN
    if not _is_trusted(peer, settings):
        return _normal(peer)
    chain = [
        entry.strip()
        for header in connection.headers.getlist("x-forwarded-for")
        for entry in header.split(",")
        if entry.strip()
    ]
    for entry in reversed(chain):
        if not _is_trusted(entry, settings):
            return _normal(entry)
    return _normal(chain[0]) if chain else _normal(peer)


def is_https(connection: HTTPConnection, settings: Settings) -> bool:
    """Whether the browser reached the designer over HTTPS.

    ``DESIGNER_PUBLIC_URL``'s scheme when it is set; else ``X-Forwarded-Proto`` from a trusted
    proxy; else the scheme of the connection itself.
    """
    if settings.public_url is not None:
        return settings.public_url.lower().startswith("https://")
    forwarded = forwarded_value(connection, settings, "x-forwarded-proto")
    if forwarded is not None:
        return forwarded.lower() in ("https", "wss")
    return connection.url.scheme in ("https", "wss")


def request_host(connection: HTTPConnection, settings: Settings) -> str:
    """The host (and port) the browser asked for: ``X-Forwarded-Host`` from a trusted proxy,
    else the ``Host`` header."""
    forwarded = forwarded_value(connection, settings, "x-forwarded-host")
    return (forwarded or connection.headers.get("host", "")).strip().lower()


def forwarded_value(connection: HTTPConnection, settings: Settings, header: str) -> str | None:
    """The right-most value of a forwarding header, when the direct peer is a trusted proxy.

    Right-most, because a proxy that appends rather than replaces leaves the sender's own value
    on the left.
    """
    peer = connection.client.host if connection.client else UNKNOWN
    if not _is_trusted(peer, settings):
        return None
    values = [
        value.strip()
        for line in connection.headers.getlist(header)
        for value in line.split(",")
        if value.strip()
    ]
    return values[-1] if values else None


def _is_trusted(address: str, settings: Settings) -> bool:
    if not settings.trusted_proxies:
        return False
    parsed = _parse(address)
    if parsed is None:
        return False
    return any(parsed in network for network in trusted_networks(settings.trusted_proxies))


def _parse(address: str) -> IPAddress | None:
    """An address from a header or a peer: ``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``."""
    text = address.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        text = text.partition(":")[0]
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def _normal(address: str) -> str:
    """One spelling per address, so ``::ffff:1.2.3.4`` and ``1.2.3.4`` count as one."""
    parsed = _parse(address)
    return str(parsed) if parsed is not None else address.strip()[:MAX_ADDRESS_CHARS] or UNKNOWN
