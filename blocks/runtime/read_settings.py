"""The settings the read policy is made of, read from the environment.

The web server and each run's process read the same variables (the designer hands the run its
own values); ``blocks.runtime.read_policy`` turns them into one decision. Nothing here imports
the designer: a run's process has only ``blocks``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path

from blocks.runtime.net_addresses import HOST_NAME, IPNetwork

#: The sample tables that ship with the designer (``designer.settings.SAMPLES_DIR``).
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "samples"
#: The system's live views: a file there shows a process's environment, memory or devices.
SYSTEM_VIEWS = (Path("/proc"), Path("/sys"), Path("/dev"))
DATA_DIRS_VAR = "DESIGNER_DATA_DIRS"
NETWORKS_VAR = "DESIGNER_ALLOWED_NETWORKS"
GRANTS_VAR = "DESIGNER_READ_GRANTS"
S3_BUCKETS_VAR = "DESIGNER_S3_READ_BUCKETS"
#: The environment variables the policy is made of.
POLICY_VARS = (
    DATA_DIRS_VAR,
    "DESIGNER_HOME",
    NETWORKS_VAR,
    GRANTS_VAR,
    S3_BUCKETS_VAR,
    "DESIGNER_S3_ENDPOINT",
    "DESIGNER_S3_BUCKET",
    "DESIGNER_DATABASE_URL",
)


def data_dirs(env: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The folders local files are read from, resolved: ``DESIGNER_DATA_DIRS`` (separated by
    the system's path separator), else ``$DESIGNER_HOME/data`` and the shipped samples.

    The same default as ``designer.settings``; an empty setting opens no folder at all.
    """
    env = os.environ if env is None else env
    raw = env.get(DATA_DIRS_VAR)
    if raw is None:
        home = env.get("DESIGNER_HOME") or str(Path("~") / ".designer")
        try:
            return (Path(home).expanduser().joinpath("data").resolve(), SAMPLES_DIR)
        except RuntimeError:  # no home folder to expand "~" to
            return (SAMPLES_DIR,)
    return tuple(
        Path(item.strip()).expanduser().resolve() for item in raw.split(os.pathsep) if item.strip()
    )


def designer_files(env: Mapping[str, str]) -> dict[str, tuple[Path, ...]]:
    """What ``ReadPolicy.closed`` holds beyond the system's views, and what it reopens.

    In the web server that is the designer's home (its database, storage, runs and models) and
    a SQLite database kept elsewhere; in a run's process, whose home is a folder of its own,
    only that folder, which blocks have no reason to read by path either.
    """
    closed: list[Path] = []
    reopened: list[Path] = []
    with contextlib.suppress(RuntimeError):  # no home folder to expand "~" to
        home = Path(env.get("DESIGNER_HOME") or Path("~") / ".designer").expanduser().resolve()
        closed.append(home)
        reopened.append(home / "data")
    database = env.get("DESIGNER_DATABASE_URL", "")
    if database.startswith("sqlite:///") and len(database) > len("sqlite:///"):
        closed.append(Path(database.removeprefix("sqlite:///")).resolve())
    return {"closed": (*SYSTEM_VIEWS, *closed), "reopened": tuple(reopened)}


def allowed_networks(raw: str) -> tuple[tuple[IPNetwork, ...], frozenset[str]]:
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for item in items(raw):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
            continue
        except ValueError:
            pass
        name = item.lower().rstrip(".")
        if HOST_NAME.match(name) is None:
            raise ValueError(
                f"{NETWORKS_VAR} lists {item!r}, which is neither a network (10.0.0.0/8, "
                "fd00::/8, 192.168.1.7) nor a server name; an administrator must correct it"
            )
        hosts.add(name)
    return tuple(networks), frozenset(hosts)


def grants_of(raw: str) -> frozenset[str]:
    if not raw.strip():
        return frozenset()
    try:
        found = json.loads(raw)
    except json.JSONDecodeError:
        found = None
    if not isinstance(found, list) or not all(isinstance(item, str) for item in found):
        raise ValueError(f"{GRANTS_VAR} must be a JSON list of addresses")
    return frozenset(found)


def items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]
