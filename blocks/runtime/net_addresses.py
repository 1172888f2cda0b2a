"""Which network addresses count as public, in every way an address can be written.

``blocks.runtime.read_policy`` refuses to fetch from anything else unless an administrator
allows it; this module only classifies: literal addresses in the notations a resolver accepts
(``2130706433`` and ``0x7f.1`` are 127.0.0.1), IPv4 addresses inside IPv6 ones (mapped, NAT64),
and why an address is not public, in words a person reads.
"""

from __future__ import annotations

import ipaddress
import re
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: NAT64 (RFC 6052): an IPv6 address that reaches the IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: Host names made only of the characters of an IPv4 address in any of the old notations
#: (``2130706433``, ``0x7f.1``, ``017700000001``), which the resolver turns into that address.
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$")
HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_-]+)*$")


def literal_ip(host: str) -> IPAddress | None:
    """The address ``host`` is written as, in any notation the resolver accepts, else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_localhost(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")  # RFC 6761


def same_host(host: str, ip: IPAddress) -> bool:
    return literal_ip(host) == ip


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (``::ffff:127.0.0.1``, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def not_public(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address, in words; None when it is one."""
    if ip.is_unspecified:
        return "is no address at all (it means this computer)"
    if ip.is_loopback:
        return "is this computer (loopback)"
    if ip.is_link_local:
        return "is a link-local address (where cloud servers keep their secrets)"
    if ip.is_multicast:
        return "is a multicast address"
    if ip.is_private:
        return "is a private network address"
    if ip.is_reserved or not ip.is_global:
        return "is not a public internet address"
    return None
