"""Who sent a request (designer/api/client.py): forwarded headers count from trusted proxies only.

Anyone can write ``X-Forwarded-For: 1.2.3.4``; believing it from anyone would let a guesser
choose a fresh address for every attempt, and believing nobody behind a proxy makes everyone one
address. These tables pin down which entry is believed, for which peer.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.requests import Request

from designer.api.client import (
    BadTrustedProxies,
    check_trusted_proxies,
    client_address,
    is_https,
    request_host,
)
from designer.settings import Settings, load_settings

PROXY = "10.0.0.5"
TRUSTED = ("10.0.0.5", "fd00::/8", "172.16.0.0/12")


def settings(*, proxies: tuple[str, ...] = TRUSTED, public_url: str | None = None) -> Settings:
    base = Settings(home=Path("/nonexistent"), kubeflow=None, database_url="sqlite://")
    return replace(base, trusted_proxies=proxies, public_url=public_url)


def request(
    peer: str | None, headers: list[tuple[str, str]] | None = None, scheme: str = "http"
) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": scheme,
            "path": "/",
            "query_string": b"",
            "server": ("designer.example.com", 80),
            "client": (peer, 40000) if peer is not None else None,
            "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers or []],
        }
    )


def xff(*values: str) -> list[tuple[str, str]]:
    return [("X-Forwarded-For", value) for value in values]


CLIENT_ADDRESSES = {
    "no proxy: the peer": ("203.0.113.9", [], "203.0.113.9"),
    "an untrusted peer's header is ignored": ("203.0.113.9", xff("1.2.3.4"), "203.0.113.9"),
    "a trusted proxy: its entry": (PROXY, xff("198.51.100.7"), "198.51.100.7"),
    "the right-most untrusted entry, not a forged left one": (
        PROXY,
        xff("6.6.6.6, 198.51.100.7"),
        "198.51.100.7",
    ),
    "trusted proxies in the chain are skipped": (
        PROXY,
        xff("6.6.6.6, 198.51.100.7, 172.16.3.4"),
        "198.51.100.7",
    ),
    "several header lines are one list": (PROXY, xff("6.6.6.6", "198.51.100.7"), "198.51.100.7"),
    "a port is dropped": (PROXY, xff("198.51.100.7:5555"), "198.51.100.7"),
    "IPv6 with a port": (PROXY, xff("[2001:db8::1]:443"), "2001:db8::1"),
    "an IPv4-mapped IPv6 peer is its IPv4 address": ("::ffff:203.0.113.9", [], "203.0.113.9"),
    "an IPv6 proxy in a trusted network": ("fd00::1", xff("2001:db8::2"), "2001:db8::2"),
    "a trusted proxy with no header: the proxy": (PROXY, [], PROXY),
    "all trusted: the left-most": (PROXY, xff("172.16.0.9, 10.0.0.5"), "172.16.0.9"),
    "no peer at all": (None, xff("1.2.3.4"), "unknown"),
}


@pytest.mark.parametrize(
    ("peer", "headers", "expected"), CLIENT_ADDRESSES.values(), ids=CLIENT_ADDRESSES.keys()
)
def test_the_client_address(
    peer: str | None, headers: list[tuple[str, str]], expected: str
) -> None:
    assert client_address(request(peer, headers), settings()) == expected


def test_nobody_is_trusted_by_default() -> None:
    assert client_address(request(PROXY, xff("1.2.3.4")), settings(proxies=())) == PROXY


HTTPS = {
    "plain http": (None, "203.0.113.9", [], "http", False),
    "a TLS connection": (None, "203.0.113.9", [], "https", True),
    "a trusted TLS proxy": (None, PROXY, [("X-Forwarded-Proto", "https")], "http", True),
    "an untrusted peer's claim": (None, "6.6.6.6", [("X-Forwarded-Proto", "https")], "http", False),
    "an appended value: the proxy's, on the right": (
        None,
        PROXY,
        [("X-Forwarded-Proto", "https, http")],
        "http",
        False,
    ),
    "the public URL wins": ("https://d.example.com", "6.6.6.6", [], "http", True),
    "even over a trusted proxy": (
        "http://d.example.com",
        PROXY,
        [("X-Forwarded-Proto", "https")],
        "http",
        False,
    ),
}


@pytest.mark.parametrize(
    ("public_url", "peer", "headers", "scheme", "expected"), HTTPS.values(), ids=HTTPS.keys()
)
def test_is_https(
    public_url: str | None, peer: str, headers: list[tuple[str, str]], scheme: str, expected: bool
) -> None:
    assert is_https(request(peer, headers, scheme), settings(public_url=public_url)) is expected


def test_the_forwarded_host_is_believed_from_a_trusted_proxy_only() -> None:
    headers = [("Host", "designer:3000"), ("X-Forwarded-Host", "Designer.Example.com")]

    assert request_host(request(PROXY, headers), settings()) == "designer.example.com"
    assert request_host(request("6.6.6.6", headers), settings()) == "designer:3000"


@pytest.mark.parametrize("entry", ["10.0.0.300", "proxy.internal", "10.0.0.0/33", "*"])
def test_a_trusted_proxy_that_is_no_address_stops_the_start(entry: str) -> None:
    with pytest.raises(BadTrustedProxies, match=r"DESIGNER_TRUSTED_PROXIES: .* is not an address"):
        check_trusted_proxies(settings(proxies=("10.0.0.1", entry)))


def test_the_setting_is_read_from_the_environment() -> None:
    read = load_settings({"DESIGNER_TRUSTED_PROXIES": " 10.0.0.5 , 10.1.0.0/16,"})

    check_trusted_proxies(read)
    assert client_address(request("10.1.2.3", xff("198.51.100.7")), read) == "198.51.100.7"


addresses = st.one_of(
    st.ip_addresses().map(str),
    st.text(alphabet="0123456789abcdef.:[], ", max_size=40),
    st.text(max_size=20),
)


@given(peer=addresses, chain=st.lists(addresses, max_size=5))
@example(peer="172.16.0.0", chain=["\x80"])  # a byte above ASCII: headers arrive as latin-1
def test_any_forwarded_chain_gives_the_peer_or_one_of_its_entries(
    peer: str, chain: list[str]
) -> None:
    header = ", ".join(chain)
    try:
        header.encode("latin-1")
    except UnicodeEncodeError:
        return  # not a header a server could receive
    headers = xff(header) if header.strip() else []
    untrusting = settings(proxies=())

    def normal(address: str) -> str:
        return client_address(request(address), untrusting)

    found = client_address(request(peer, headers), settings())

    assert found and len(found) <= 64
    entries = [entry.strip() for entry in header.split(",") if entry.strip()]
    assert found in {normal(peer), *(normal(entry) for entry in entries)}
    # Trusting nobody, the header is never read.
    assert client_address(request(peer, headers), untrusting) == normal(peer)
