"""Downloading a KFP component file from the web, on the designer's outbound rules.

Only http(s) addresses the designer's read policy allows are fetched (public internet
addresses, or the networks an administrator lists), each redirect judged again, at most
``MAX_COMPONENT_BYTES`` read within a deadline; what goes wrong is a ValueError saying why.
"""

from __future__ import annotations

import http.client
import ssl
import time
from urllib.parse import urljoin, urlsplit

from blocks.runtime import web_fetch
from blocks.runtime.read_policy import ReadPolicy, ReadRefused, WebAddress
from blocks.runtime.read_settings import allowed_networks as parse_allowed_networks
from designer.userblocks.component_yaml_scan import MAX_COMPONENT_BYTES, said

#: Seconds a whole download may take.
FETCH_TIMEOUT_S = 10.0


def fetch_component(
    url: str,
    *,
    timeout: float = FETCH_TIMEOUT_S,
    max_bytes: int = MAX_COMPONENT_BYTES,
    allowed_networks: tuple[str, ...] = (),
) -> str:
    """The text of the component file at an http(s) ``url``; ValueError saying why not.

    The designer's outbound rules apply (``blocks.runtime.read_policy``): only public internet
    addresses, or the networks and server names in ``allowed_networks`` (the designer's
    ``Settings.allowed_networks``), each redirect judged again and the connection made to the
    very address judged (``blocks.runtime.web_fetch``). At most ``max_bytes`` are read, within
    ``timeout`` seconds in all.
    """
    if not isinstance(url, str) or not _is_web(url.strip()):
        raise ValueError("give the http:// or https:// address of a component file")
    networks, hosts = parse_allowed_networks(",".join(allowed_networks))
    policy = ReadPolicy(data_dirs=(), networks=networks, hosts=hosts)
    deadline = time.monotonic() + timeout
    current = url.strip()
    try:
        for _hop in range(web_fetch.MAX_REDIRECTS + 1):
            web = policy.check(current) if _is_web(current) else None
            if not isinstance(web, WebAddress):
                raise ValueError(f"{_plain(url)} redirects to an address that is not on the web")
            status, reason, location, body = _get_once(web, policy, deadline, max_bytes)
            if status in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                continue
            if status >= 300:
                raise ValueError(f"{_plain(url)} answered HTTP {status} {reason}".rstrip())
            return _decoded(body, url)
    except ReadRefused as exc:
        raise ValueError(str(exc)) from None
    except OSError as exc:
        raise ValueError(f"could not download {_plain(url)}: {said(exc)}") from None
    raise ValueError(f"{_plain(url)} redirects more than {web_fetch.MAX_REDIRECTS} times")


def _get_once(
    web: WebAddress, policy: ReadPolicy, deadline: float, max_bytes: int
) -> tuple[int, str, str | None, bytes]:
    """One GET on a connection to an address the policy allows, reading at most max_bytes."""
    last_error: OSError | None = None
    # web_fetch's own download() reads a whole body, however large: its two steps are reused
    # here, with a bounded read.
    for ip in web_fetch._judged_addresses(web, policy):
        connection = web_fetch._connection(web, ip, _left(deadline, web))
        try:
            connection.request("GET", web.target, headers={"User-Agent": "designer"})
            response = connection.getresponse()
            location = response.getheader("Location")
            if 300 <= response.status < 400:
                return response.status, response.reason, location, b""
            length = response.getheader("Content-Length") or ""
            if length.isdigit() and int(length) > max_bytes:
                raise ValueError(_too_big(web.address, max_bytes))
            body = bytearray()
            while chunk := response.read1(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise ValueError(_too_big(web.address, max_bytes))
                _left(deadline, web)
            return response.status, response.reason, location, bytes(body)
        except ssl.SSLCertVerificationError as exc:
            raise ValueError(
                f"could not download {_plain(web.address)}: its certificate is not valid for "
                f"{web.host} ({exc.verify_message})"
            ) from None
        except http.client.HTTPException as exc:
            raise ValueError(
                f"could not download {_plain(web.address)}: the server's answer is not valid "
                f"HTTP ({type(exc).__name__})"
            ) from None
        except OSError as exc:  # this address did not answer (in time): try the next one
            last_error = exc
        finally:
            connection.close()
    raise ConnectionError(said(last_error) if last_error else "no address to connect to")


def _is_web(address: str) -> bool:
    return urlsplit(address).scheme.lower() in ("http", "https")


def _left(deadline: float, web: WebAddress) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"{_plain(web.address)} did not answer in time")
    return left


def _too_big(address: str, max_bytes: int) -> str:
    return f"the file at {_plain(address)} is larger than {max_bytes:,} bytes"


def _decoded(body: bytes, url: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"the file at {_plain(url)} is not UTF-8 text") from None


def _plain(url: str) -> str:
    """The address as messages show it: no query string (it may hold a signature)."""
    return repr(url.split("?", 1)[0][:200])
