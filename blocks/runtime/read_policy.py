"""Where a block may read from: one decision, made alike in the web server and in the run.

A block that reads a table is told an address by whoever draws the flow, so without limits any
signed-in person could read the server's own files (``/proc/self/environ``, the database), make
the server fetch internal web addresses, or read the designer's bucket with its keys. The rules:

- A local path (or ``file://`` URL) is read only under the folders an administrator lists in
  ``DESIGNER_DATA_DIRS``, judged after symlinks and ``..`` are resolved; the file is then opened
  so that a link swapped in after the check is not followed (``open_file``).
- An http(s) address is fetched only from public internet addresses, or from networks and host
  names listed in ``DESIGNER_ALLOWED_NETWORKS``. A name is judged on the addresses it resolves
  to, when the connection is made, and the connection goes to exactly the address judged
  (``blocks.runtime.web_fetch``), so a name cannot resolve one way for the check and another way
  for the connection.
- An ``s3://`` address is never read with storage keys here: the designer's own bucket holds
  everyone's datasets and is reached only through the Dataset block; buckets listed in
  ``DESIGNER_S3_READ_BUCKETS`` are signed by the designer when it compiles the flow, so the run
  receives a presigned https address and no keys.
- An address equal to one of ``DESIGNER_READ_GRANTS`` (a JSON list the designer sets for a run:
  its library dataset files and presigned addresses) is read whatever the rules above say.

The module imports nothing from the designer: the run's process has only ``blocks`` and its
environment. The web server checks addresses before a run (nothing is opened for an address
that is refused) and every read in the run checks again, since a flow parameter can feed an
address at run time.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit
from urllib.request import url2pathname

from blocks.runtime.net_addresses import (
    HOST_NAME,
    IPAddress,
    IPNetwork,
    embedded_ipv4,
    is_localhost,
    literal_ip,
    not_public,
    same_host,
)
from blocks.runtime.read_settings import (
    DATA_DIRS_VAR,
    GRANTS_VAR,
    NETWORKS_VAR,
    POLICY_VARS,
    S3_BUCKETS_VAR,
    SYSTEM_VIEWS,
    allowed_networks,
    data_dirs,
    designer_files,
    grants_of,
    items,
)

#: Marks a block parameter that holds an address to read (in its JSON schema), so the compiler
#: knows which parameters make a run reach the network.
ADDRESS_PARAM = {"address": True}


_WEB_SCHEMES = ("http", "https")


class ReadRefused(PermissionError):
    """An address a block may not read: says which, under which rule, and what would allow it.

    A PermissionError, so code that handles "may not read this file" handles it too; the
    message is what the person sees on the block, before a run or in the run's error.
    """

    def __init__(self, address: str, reason: str, advice: str) -> None:
        super().__init__(f"cannot read {_shown(address)}: {reason}; {advice}")
        self.address = address
        self.reason = reason
        self.advice = advice


@dataclass(frozen=True)
class LocalFile:
    """A file on this computer that may be read: ``path`` is fully resolved."""

    address: str
    path: Path
    #: True when the address is one the designer granted this run (a library dataset's file).
    granted: bool = False


@dataclass(frozen=True)
class WebAddress:
    """An http(s) address whose form may be read; the addresses its host resolves to are
    judged when connecting (``ReadPolicy.check_connection``)."""

    address: str
    scheme: str
    #: Lower case, without brackets (IPv6) or a trailing dot.
    host: str
    port: int
    #: What to ask the server for: the path and query.
    target: str
    #: Granted by the designer, or a host name the administrator allows: no address check.
    trusted: bool = False


@dataclass(frozen=True)
class S3Address:
    """An object in a bucket blocks may read, which the designer signs when compiling."""

    address: str
    bucket: str
    key: str


Address = LocalFile | WebAddress | S3Address


@dataclass(frozen=True)
class ReadPolicy:
    """The rules of one process, from its environment (``ReadPolicy.from_env``)."""

    data_dirs: tuple[Path, ...]
    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()
    grants: frozenset[str] = frozenset()
    #: The designer's own bucket, when it uses S3 storage: never read by address.
    own_bucket: str | None = None
    s3_read_buckets: frozenset[str] = frozenset()
    #: Never read by path, even inside a data folder: the system's live views (``/proc``...)
    #: and the designer's own files (its home, but for ``home/data``; a SQLite database).
    closed: tuple[Path, ...] = SYSTEM_VIEWS
    #: Inside a closed place, but open again (the default data folder inside the home).
    reopened: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReadPolicy:
        """The policy the environment sets; ValueError naming a setting that makes no sense.

        This process's own environment (no ``env``) is read once per change of its settings:
        checking a large flow asks for the policy once per block.
        """
        if env is None:
            return _environment_policy(tuple(os.environ.get(name) for name in POLICY_VARS))
        networks, hosts = allowed_networks(env.get(NETWORKS_VAR, ""))
        own_bucket = None
        if env.get("DESIGNER_S3_ENDPOINT", "").strip():
            own_bucket = env.get("DESIGNER_S3_BUCKET", "").strip() or "designer"
        return cls(
            data_dirs=data_dirs(env),
            networks=networks,
            hosts=hosts,
            grants=grants_of(env.get(GRANTS_VAR, "")),
            own_bucket=own_bucket,
            s3_read_buckets=frozenset(items(env.get(S3_BUCKETS_VAR, ""))),
            **designer_files(env),
        )

    # -- the decision ------------------------------------------------------------------------

    def check(self, address: str) -> Address:
        """What ``address`` is, if a block may read it; ReadRefused or ValueError if not.

        Touches no network and opens no file: the web server calls it while a flow is drawn.
        A web address given by name passes here and is judged on what the name resolves to
        when the run connects.
        """
        if not isinstance(address, str) or not address.strip():
            raise ValueError("no file given: set File to a path, an http(s):// or an s3:// address")
        if "\x00" in address:
            raise ValueError("the address holds a NUL character, which no file name can hold")
        scheme = _scheme(address)
        if scheme in _WEB_SCHEMES:
            return self._check_web(address)
        if scheme == "s3":
            return self._check_s3(address)
        if scheme in ("", "file"):
            return self._check_local(address, scheme)
        raise ValueError(
            f"cannot read {_shown(address)}: addresses starting with {scheme}:// are not "
            "supported; use a path in a data folder, http(s)://... or s3://bucket/key"
        )

    def check_connection(self, web: WebAddress, ip: IPAddress) -> None:
        """Refuse to connect to ``ip`` for ``web`` unless it is public or allowed."""
        if web.trusted:
            return
        problem = self._ip_problem(ip)
        if problem is not None:
            shown = f"{ip} ({embedded})" if (embedded := embedded_ipv4(ip)) else f"{ip}"
            said = shown if same_host(web.host, ip) else f"{web.host} resolves to {shown}, which"
            raise ReadRefused(web.address, f"{said} {problem}", _network_advice(ip))

    # -- local files -------------------------------------------------------------------------

    def _check_local(self, address: str, scheme: str) -> LocalFile:
        if address in self.grants:
            return LocalFile(address, Path(os.path.realpath(_local_path(address, scheme))), True)
        if not self.data_dirs:
            raise ReadRefused(
                address,
                "no folder on this computer is open to blocks",
                f"an administrator can list data folders in {DATA_DIRS_VAR}, or upload the "
                "table on the Datasets page and use the Dataset block",
            )
        path = _local_path(address, scheme)
        candidates = [path] if path.is_absolute() else [d / path for d in self.data_dirs]
        resolved = [Path(_realpath(c)) for c in candidates]
        inside = [r for r in resolved if self.in_data_dirs(r)]
        if not inside:
            raise ReadRefused(
                address,
                "blocks may read files only inside the data folders"
                + (" (the address leads outside them)" if not path.is_absolute() else ""),
                "upload the table on the Datasets page and use the Dataset block, or put it "
                f"in a data folder ({_folders(self.data_dirs)}); an administrator can add "
                f"folders to {DATA_DIRS_VAR}",
            )
        open_ = [r for r in inside if not self.is_closed(r)]
        if not open_:
            raise ReadRefused(
                address,
                "it is one of the designer's own files or a live view of the system, which "
                "blocks never read",
                "upload the table on the Datasets page and use the Dataset block",
            )
        found = next((r for r in open_ if _is_file(r)), open_[0])
        return LocalFile(address, found)

    def is_closed(self, resolved: Path) -> bool:
        """Whether ``resolved`` lies in a place blocks never read (see ``closed``)."""

        def within(folders: tuple[Path, ...]) -> bool:
            return any(resolved == f or resolved.is_relative_to(f) for f in folders)

        return within(self.closed) and not within(self.reopened)

    def in_data_dirs(self, resolved: Path) -> bool:
        return any(resolved == d or resolved.is_relative_to(d) for d in self.data_dirs)

    def open_file(self, file: LocalFile) -> BinaryIO:
        """Open an allowed file for reading, refusing one that stopped being allowed.

        The path is already resolved, so a symbolic link in its last part can only be one
        swapped in since the check: O_NOFOLLOW refuses it. A folder above swapped for a link is
        caught by asking the system where the opened file really is. Only regular files are
        read (a FIFO or a device could hang the run or never end).
        """
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        flags |= getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
        try:
            fd = os.open(file.path, flags)
        except FileNotFoundError:
            raise FileNotFoundError(_missing(file, self.data_dirs)) from None
        except OSError as exc:
            if _is_loop(exc):
                raise ReadRefused(
                    file.address,
                    "the file was replaced by a link while it was being opened",
                    "give the path of the file itself",
                ) from None
            raise PermissionError(
                f"cannot open {_shown(file.address)}: {exc.strerror or exc}; check that the "
                "file can be read by the designer's runs"
            ) from None
        try:
            self._check_opened(fd, file)
            _blocking(fd)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def _check_opened(self, fd: int, file: LocalFile) -> None:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(
                f"{_shown(file.address)} is a folder, not a file; give the path of a CSV or "
                "Parquet file"
            )
        if not stat.S_ISREG(mode):
            raise ReadRefused(
                file.address, "it is not a regular file", "give the path of a CSV or Parquet file"
            )
        real = _opened_path(fd)
        if real is None:
            return
        allowed = real == file.path if file.granted else self.in_data_dirs(real)
        if not allowed:
            raise ReadRefused(
                file.address,
                "the file moved outside the data folders while it was being opened",
                f"put the file in {_folders(self.data_dirs)}",
            )

    # -- web addresses -----------------------------------------------------------------------

    def _check_web(self, address: str) -> WebAddress:
        parts = urlsplit(address)
        if parts.username is not None or parts.password is not None:
            raise ValueError(
                f"cannot read {_shown(address)}: web addresses with a user name or password are "
                "not supported; put the file where it can be read without one"
            )
        host = _host(parts.hostname or "", address)
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            raise ValueError(
                f"cannot read {_shown(address)}: its port is not a number from 1 to 65535"
            ) from None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        trusted = address in self.grants or host in self.hosts
        web = WebAddress(address, parts.scheme.lower(), host, port, target, trusted)
        literal = literal_ip(host)
        if literal is not None:
            self.check_connection(web, literal)
        elif is_localhost(host) and not trusted:
            loopback = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
            if all(self._ip_problem(ip) is not None for ip in loopback):
                raise ReadRefused(
                    address, f"{host} is this computer (loopback)", _network_advice(loopback[0])
                )
        return web

    def _ip_problem(self, ip: IPAddress) -> str | None:
        """Why ``ip`` may not be reached (None: it may): the kind of address it is."""
        embedded = embedded_ipv4(ip)
        for candidate in (ip, embedded):
            if candidate is not None and any(
                candidate.version == n.version and candidate in n for n in self.networks
            ):
                return None
        return not_public(embedded or ip)

    # -- S3 ----------------------------------------------------------------------------------

    def _check_s3(self, address: str) -> S3Address:
        parts = urlsplit(address)
        bucket, key = parts.netloc, parts.path.lstrip("/")
        if not bucket or not key:
            raise ValueError(
                f"{_shown(address)} is not a full S3 address; write it as s3://bucket/path/file.csv"
            )
        if address in self.grants:
            # On a cluster the designer hands a task the s3:// address of the exact object it
            # reads (a dataset it holds), granted to that task alone.
            return S3Address(address, bucket, key)
        if bucket == self.own_bucket:
            raise ReadRefused(
                address,
                f"bucket {bucket!r} is the designer's own storage, which holds everyone's datasets",
                "upload the table on the Datasets page and read it with the Dataset block",
            )
        if bucket not in self.s3_read_buckets:
            raise ReadRefused(
                address,
                f"bucket {bucket!r} is not one blocks may read",
                f"an administrator can list it in {S3_BUCKETS_VAR}, or upload the table on the "
                "Datasets page and use the Dataset block",
            )
        return S3Address(address, bucket, key)


@functools.lru_cache(maxsize=16)
def _environment_policy(values: tuple[str | None, ...]) -> ReadPolicy:
    env = {
        name: value for name, value in zip(POLICY_VARS, values, strict=True) if value is not None
    }
    return ReadPolicy.from_env(env)


def check_address(address: str, env: Mapping[str, str] | None = None) -> Address:
    """``ReadPolicy.from_env(env).check(address)``: the rules of this process for one address."""
    return ReadPolicy.from_env(env).check(address)


# -- helpers -------------------------------------------------------------------------------


def _scheme(address: str) -> str:
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", address)
    if match is None or len(match.group(1)) == 1:  # one letter is a Windows drive
        return ""
    return match.group(1).lower()


def _local_path(address: str, scheme: str) -> Path:
    if scheme != "file":
        return Path(address)
    parts = urlsplit(address)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(
            f"cannot read {_shown(address)}: a file:// address must name a file on this computer "
            f"(file:///folder/file.csv), not on {parts.netloc!r}"
        )
    return Path(url2pathname(parts.path))


def _realpath(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{str(path)[:200]!r} is not a usable path ({exc})") from None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _missing(file: LocalFile, folders: tuple[Path, ...]) -> str:
    if Path(file.address).is_absolute() or file.address.startswith("file:"):
        return f"no file at {_shown(file.address)}; check the path"
    return f"no file {_shown(file.address)} in the data folders ({_folders(folders)})"


def _is_loop(exc: OSError) -> bool:
    import errno

    return exc.errno in (errno.ELOOP, getattr(errno, "EMLINK", -1))


def _opened_path(fd: int) -> Path | None:
    """Where the file open as ``fd`` really is (Linux), or None where the system cannot say."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return None


def _blocking(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.set_blocking(fd, True)


def _host(raw: str, address: str) -> str:
    host = raw.lower().rstrip(".")
    if not host:
        raise ValueError(
            f"cannot read {_shown(address)}: it has no server name; write it as "
            "https://server/path/file.csv"
        )
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(
                f"cannot read {_shown(address)}: {raw!r} is not a server name"
            ) from None
    if literal_ip(host) is None and HOST_NAME.match(host) is None:
        raise ValueError(f"cannot read {_shown(address)}: {raw!r} is not a server name")
    return host


def _network_advice(ip: IPAddress) -> str:
    example = "10.0.0.0/8" if ip.version == 4 else "fd00::/8"
    return (
        f"blocks fetch only from public internet addresses; an administrator can allow "
        f"more in {NETWORKS_VAR} (networks such as {example}, or server names)"
    )


def _folders(folders: tuple[Path, ...]) -> str:
    return ", ".join(str(f) for f in folders) or "a data folder"


def _shown(address: str) -> str:
    """The address as messages quote it: its first 200 characters, with no query string (a
    presigned address carries a signature there)."""
    shown = address.split("?", 1)[0] if _scheme(address) in _WEB_SCHEMES else address
    return repr(shown[:200] + ("..." if len(shown) > 200 else ""))
