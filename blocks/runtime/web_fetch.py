"""Downloading a web address for a block, connecting only where the read policy allows.

A general HTTP client resolves the server's name when it connects, after any check made
beforehand, so a name that answers "public" to the check and "127.0.0.1" to the connection (DNS
rebinding) would slip through. Here the name is resolved once, each address is judged by
``ReadPolicy.check_connection``, and the socket is opened to exactly an address that passed,
while the request's Host header, TLS server name and certificate check still use the name.
Redirects are followed by hand, each new address judged again.

Proxy settings (``http_proxy``...) are not used: a proxy would make the connection for us, to
an address we never judged.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urljoin

from blocks.runtime.read_policy import ReadPolicy, ReadRefused, WebAddress

#: Seconds to wait to connect, and then for each piece of the answer.
HTTP_TIMEOUT_S = 30.0
#: Redirects followed before giving up.
MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)


def download(address: str, policy: ReadPolicy, timeout: float = HTTP_TIMEOUT_S) -> bytes:
    """The body at ``address`` (http or https), with each hop judged by ``policy``."""
    current = address
    for _hop in range(MAX_REDIRECTS + 1):
        web = policy.check(current)
        if not isinstance(web, WebAddress):
            raise ReadRefused(
                address,
                "the server redirected to an address that is not on the web",
                "give the final address of the file",
            )
        status, reason, location, body = _get(web, policy, timeout)
        if status in _REDIRECTS:
            if not location:
                raise FileNotFoundError(
                    f"could not download {_plain(address)}: the server answered HTTP {status} "
                    f"{reason} without saying where the file is"
                )
            current = urljoin(current, location)
            continue
        if status >= 400:
            raise FileNotFoundError(
                f"could not download {_plain(address)}: the server answered HTTP {status} {reason}"
            )
        return body
    raise ConnectionError(
        f"could not download {_plain(address)}: more than {MAX_REDIRECTS} redirects; give the "
        "final address of the file"
    )


def _get(web: WebAddress, policy: ReadPolicy, timeout: float) -> tuple[int, str, str | None, bytes]:
    """Status, reason, Location header and body of one GET, on a connection to a judged IP."""
    last_error: OSError | None = None
    for ip in _judged_addresses(web, policy):
        connection = _connection(web, ip, timeout)
        try:
            connection.request(
                "GET",
                web.target,
                headers={"User-Agent": "designer-blocks", "Accept-Encoding": "identity"},
            )
            response = connection.getresponse()
            body = b"" if response.status in _REDIRECTS else response.read()
            return response.status, response.reason, response.getheader("Location"), body
        except ssl.SSLCertVerificationError as exc:
            raise ConnectionError(
                f"could not reach {_plain(web.address)}: its certificate is not valid for "
                f"{web.host} ({exc.verify_message})"
            ) from None
        except http.client.HTTPException as exc:
            raise ConnectionError(
                f"could not read {_plain(web.address)}: the server's answer is not valid HTTP "
                f"({type(exc).__name__})"
            ) from None
        except OSError as exc:  # this address did not answer: try the next one
            last_error = exc
        finally:
            connection.close()
    reason = _reason(last_error) if last_error is not None else "no address to connect to"
    raise ConnectionError(f"could not reach {_plain(web.address)}: {reason}")


def _judged_addresses(web: WebAddress, policy: ReadPolicy) -> list[str]:
    """The addresses ``web.host`` resolves to that policy allows, in the resolver's order;
    ReadRefused (naming the first) when it resolves only to refused ones."""
    try:
        found = socket.getaddrinfo(web.host, web.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConnectionError(
            f"could not reach {_plain(web.address)}: the name {web.host} was not found ({exc})"
        ) from None
    allowed: list[str] = []
    refusal: ReadRefused | None = None
    for *_, sockaddr in found:
        ip = str(sockaddr[0])
        try:
            policy.check_connection(web, ipaddress.ip_address(ip))
        except ReadRefused as exc:
            refusal = refusal or exc
            continue
        if ip not in allowed:
            allowed.append(ip)
    if not allowed and refusal is not None:
        raise refusal
    return allowed


def _connection(web: WebAddress, ip: str, timeout: float) -> http.client.HTTPConnection:
    if web.scheme == "https":
        return _PinnedHTTPSConnection(web.host, web.port, ip, timeout)
    return _PinnedHTTPConnection(web.host, web.port, ip, timeout)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``host`` whose socket goes to ``ip``, judged beforehand."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to ``ip`` that sends ``host`` as the TLS server name and checks the
    certificate against it."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _reason(exc: OSError) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"no answer within {HTTP_TIMEOUT_S:.0f} seconds"
    return exc.strerror or str(exc) or type(exc).__name__


def _plain(address: str) -> str:
    """The address without its query string (a presigned address carries a signature)."""
    return address.split("?", 1)[0]
