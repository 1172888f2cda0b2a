"""Where a block may read from: every hostile address refused before a run and in the run, and
the allowed ones still read, on real files, real links and real web servers on loopback."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.load.table_file import Params, infer
from blocks.runtime import net_addresses, read_settings
from blocks.runtime.read_policy import (
    LocalFile,
    ReadPolicy,
    ReadRefused,
    S3Address,
    WebAddress,
    check_address,
)
from blocks.runtime.table_file import read_table_file
from designer.settings import SAMPLES_DIR, load_settings
from tests.fixtures.table_server import DATA, TableServer

Resolver = Callable[..., list[tuple[Any, ...]]]
_REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The only data folder: tmp_path/data, holding pets.csv and a link out to /etc/passwd."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "pets.csv").write_bytes((DATA / "pets.csv").read_bytes())
    (folder / "link.csv").symlink_to("/etc/passwd")
    monkeypatch.setenv("DESIGNER_DATA_DIRS", str(folder))
    # The designer's own bucket is "designer" once S3 storage is configured.
    monkeypatch.setenv("DESIGNER_S3_ENDPOINT", "127.0.0.1:9")
    return folder


@pytest.fixture
def server() -> Iterator[TableServer]:
    with TableServer() as running:
        yield running


def resolve_as(monkeypatch: pytest.MonkeyPatch, names: dict[str, Callable[[], str]]) -> None:
    """Make each of ``names`` resolve to the address its function gives (asked each time)."""

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host](), int(port)))]
        return _REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


#: Address -> whether it is refused already while the flow is drawn (a name that resolves to a
#: forbidden address can only be caught when the run connects).
HOSTILE = {
    "the process environment": ("/proc/self/environ", True),
    "the password file": ("/etc/passwd", True),
    "a file URL": ("file:///etc/passwd", True),
    "a relative path climbing out": ("../../etc/passwd", True),
    "a relative path climbing far": ("pets/../../../../../../../../etc/passwd", True),
    "a link inside a data folder": ("{data}/link.csv", True),
    "a link by its relative name": ("link.csv", True),
    "loopback": ("http://127.0.0.1:{port}/pets.csv", True),
    "IPv6 loopback": ("http://[::1]:{port}/pets.csv", True),
    "a private network": ("http://10.0.0.1/pets.csv", True),
    "another private network": ("https://192.168.1.1/pets.csv", True),
    "cloud metadata": ("http://169.254.169.254/latest/meta-data/", True),
    "the unspecified address": ("http://0.0.0.0:{port}/pets.csv", True),
    "IPv6 unspecified": ("http://[::]:{port}/pets.csv", True),
    "IPv4-mapped loopback": ("http://[::ffff:127.0.0.1]:{port}/pets.csv", True),
    "loopback written as a number": ("http://2130706433:{port}/pets.csv", True),
    "loopback in hexadecimal": ("http://0x7f.1:{port}/pets.csv", True),
    "localhost": ("http://localhost:{port}/pets.csv", True),
    "a name under localhost": ("http://db.localhost:{port}/pets.csv", True),
    "a name resolving to loopback": ("http://intranet.test:{port}/pets.csv", False),
    "the designer's own bucket": ("s3://designer/datasets/sha256/ab/abcdef", True),
    "a bucket nobody listed": ("s3://someone-else/pets.csv", True),
}


@pytest.mark.parametrize(
    ("address", "refused_early"), list(HOSTILE.values()), ids=list(HOSTILE.keys())
)
def test_a_hostile_address_is_refused_before_the_run_and_in_it(
    data_dir: Path,
    server: TableServer,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
    refused_early: bool,
) -> None:
    resolve_as(monkeypatch, {"intranet.test": lambda: "127.0.0.1"})
    uri = address.format(data=data_dir, port=server.port)

    problems = infer(Params(uri=uri, target="nope"), {}).problems
    if refused_early:
        [problem] = problems
        assert problem.param == "uri" and problem.message.startswith("cannot read")
    else:
        assert not problems
    for problem in problems:  # nothing of what the address holds is quoted
        assert "root:" not in problem.message and os.environ["PATH"] not in problem.message

    with pytest.raises(ReadRefused) as refused:
        read_table_file(uri, "auto", "nope")
    message = str(refused.value)
    assert "root:" not in message and os.environ["PATH"] not in message
    assert any(setting in message for setting in ("DESIGNER_", "Dataset block"))
    assert server.requests == []  # nothing was fetched


def test_nothing_local_is_read_when_no_data_folder_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_DATA_DIRS", "")
    with pytest.raises(ReadRefused, match="no folder on this computer is open to blocks"):
        read_table_file(str(DATA / "pets.csv"))


#: (what an administrator opened, the address) -> refused although it lies in a data folder
CLOSED_PLACES = {
    "the system's views, with / open": ("/", "/proc/self/environ"),
    "a process's memory map": ("/", "/proc/self/maps"),
    "the designer's database, its home open": ("{home}", "{home}/designer.db"),
    "another person's dataset in the home": ("{home}", "{home}/objects/datasets/abc"),
    "the home reached by a relative path": ("{home}", "objects/datasets/abc"),
    "a SQLite database kept elsewhere": ("{tmp}", "{tmp}/elsewhere.db"),
}


@pytest.mark.parametrize(("opened", "address"), CLOSED_PLACES.values(), ids=CLOSED_PLACES.keys())
def test_the_designers_own_files_and_the_system_views_are_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: str, address: str
) -> None:
    """Even an administrator who opens too much (the home, or /) does not open these."""
    home = tmp_path / "home"
    (home / "objects" / "datasets").mkdir(parents=True)
    (home / "designer.db").write_text("a,b\nsecret-hash,1\n")
    (home / "objects" / "datasets" / "abc").write_text("a,b\nsomeone else's,1\n")
    (tmp_path / "elsewhere.db").write_text("a,b\nsecret-hash,1\n")
    monkeypatch.setenv("DESIGNER_HOME", str(home))
    monkeypatch.setenv("DESIGNER_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    monkeypatch.setenv("DESIGNER_DATA_DIRS", opened.format(home=home, tmp=tmp_path))
    uri = address.format(home=home, tmp=tmp_path)

    problems = infer(Params(uri=uri, target="nope"), {}).problems
    assert [p.param for p in problems] == ["uri"]
    assert "never read" in problems[0].message and "secret" not in problems[0].message
    with pytest.raises(ReadRefused, match="never read"):
        read_table_file(uri)


def test_the_default_data_folder_inside_the_home_stays_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    (home / "data" / "pets.csv").write_bytes((DATA / "pets.csv").read_bytes())
    monkeypatch.setenv("DESIGNER_HOME", str(home))
    monkeypatch.delenv("DESIGNER_DATA_DIRS")
    assert len(read_table_file("pets.csv", "auto", "species").frame) == 40


@pytest.mark.parametrize("address", ["{data}/pets.csv", "pets.csv", "file://{data}/pets.csv"])
def test_a_file_in_a_data_folder_is_read(data_dir: Path, address: str) -> None:
    uri = address.format(data=data_dir)
    schema = infer(Params(uri=uri, target="species"), {}).outputs["data"]
    assert schema is not None and schema.task == "classification"
    assert len(read_table_file(uri, "auto", "species").frame) == 40


def test_a_granted_file_is_read_outside_the_data_folders(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library dataset's file: granted to the run by the designer, refused to anyone else."""
    outside = tmp_path / "objects" / "abcdef"
    outside.parent.mkdir()
    outside.write_bytes((DATA / "pets.csv").read_bytes())
    with pytest.raises(ReadRefused):
        read_table_file(str(outside), "csv")
    monkeypatch.setenv("DESIGNER_READ_GRANTS", json.dumps([str(outside)]))
    assert len(read_table_file(str(outside), "csv").frame) == 40
    with pytest.raises(ReadRefused):  # the grant is that exact address, nothing next to it
        read_table_file(str(outside.parent / ".." / "objects" / "abcdef"), "csv")


@pytest.mark.parametrize("allowed", ["127.0.0.1/32", "127.0.0.0/8", "intranet.test"])
def test_an_allowed_network_or_name_is_fetched(
    server: TableServer, monkeypatch: pytest.MonkeyPatch, allowed: str
) -> None:
    resolve_as(monkeypatch, {"intranet.test": lambda: "127.0.0.1"})
    monkeypatch.setenv("DESIGNER_ALLOWED_NETWORKS", f"10.9.0.0/16, {allowed}")
    uri = server.url("pets.csv", host="intranet.test" if allowed == "intranet.test" else None)
    assert not infer(Params(uri=uri, target="species"), {}).problems
    assert len(read_table_file(uri, "auto", "species").frame) == 40
    assert server.requests == ["/pets.csv"]


def test_a_granted_address_is_fetched_and_only_that_one(
    server: TableServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_READ_GRANTS", json.dumps([server.url("pets.csv")]))
    assert len(read_table_file(server.url("pets.csv")).frame) == 40
    with pytest.raises(ReadRefused, match="is this computer"):
        read_table_file(server.url("houses.csv"))
    assert server.requests == ["/pets.csv"]


@pytest.mark.parametrize(
    ("allowed", "refused"),
    [("127.0.0.1/32", True), ("127.0.0.1/32,127.0.0.2/32", False)],
    ids=["second hop refused", "second hop allowed"],
)
def test_each_redirect_is_judged_again(
    monkeypatch: pytest.MonkeyPatch, allowed: str, refused: bool
) -> None:
    """The first server is allowed and redirects to one that may not be: the redirect is
    checked on its own, so the second server is never asked (unless it is allowed too)."""
    monkeypatch.setenv("DESIGNER_ALLOWED_NETWORKS", allowed)
    with (
        TableServer(host="127.0.0.2") as inner,
        TableServer(redirect=inner.url("pets.csv")) as outer,
    ):
        if refused:
            with pytest.raises(ReadRefused, match=r"127\.0\.0\.2 is this computer"):
                read_table_file(outer.url("pets.csv"))
            assert inner.requests == []
        else:
            assert len(read_table_file(outer.url("pets.csv")).frame) == 40
            assert inner.requests == ["/pets.csv"]
        assert outer.requests == ["/pets.csv"]


@pytest.mark.parametrize("target", ["file:///etc/passwd", "file://{data}/pets.csv", "s3://b/k"])
def test_a_redirect_off_the_web_is_refused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.setenv("DESIGNER_ALLOWED_NETWORKS", "127.0.0.1/32")
    monkeypatch.setenv("DESIGNER_S3_READ_BUCKETS", "b")
    with TableServer(redirect=target.format(data=data_dir)) as outer, pytest.raises(ReadRefused):
        read_table_file(outer.url("pets.csv"))


def test_the_connection_goes_to_the_address_that_was_judged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: a name that answers an allowed address once and another one afterwards
    is resolved once, and the connection goes to the address judged."""
    monkeypatch.setenv("DESIGNER_ALLOWED_NETWORKS", "127.0.0.1/32")
    with TableServer() as judged, TableServer(host="127.0.0.2") as other:
        asked: list[str] = []

        def rebinding() -> str:
            asked.append("rebind.test")
            return "127.0.0.1" if len(asked) == 1 else "127.0.0.2"

        resolve_as(monkeypatch, {"rebind.test": rebinding})
        table = read_table_file(judged.url("pets.csv", host="rebind.test"))
        assert len(table.frame) == 40
        assert (asked, judged.requests, other.requests) == (["rebind.test"], ["/pets.csv"], [])


def test_a_name_resolving_to_refused_and_allowed_addresses_uses_only_the_allowed(
    server: TableServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def two(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host != "both.test":
            return _REAL_GETADDRINFO(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.255.255.1", int(port))),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port))),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two)
    monkeypatch.setenv("DESIGNER_ALLOWED_NETWORKS", "127.0.0.1/32")
    assert len(read_table_file(server.url("pets.csv", host="both.test")).frame) == 40


def test_a_file_swapped_for_a_link_after_the_check_is_not_followed(data_dir: Path) -> None:
    policy = ReadPolicy.from_env()
    victim = data_dir / "victim.csv"
    victim.write_text("a,b\n1,2\n")
    checked = policy.check("victim.csv")
    assert isinstance(checked, LocalFile)
    victim.unlink()
    victim.symlink_to("/etc/passwd")
    with pytest.raises(ReadRefused, match="replaced by a link"):
        policy.open_file(checked)


def test_a_folder_swapped_for_a_link_after_the_check_is_caught(data_dir: Path) -> None:
    policy = ReadPolicy.from_env()
    folder = data_dir / "sub"
    folder.mkdir()
    (folder / "passwd").write_text("a,b\n1,2\n")
    checked = policy.check("sub/passwd")
    assert isinstance(checked, LocalFile)
    folder.rename(data_dir / "sub-before")
    folder.symlink_to("/etc")
    with pytest.raises(ReadRefused, match="moved outside the data folders"):
        policy.open_file(checked)


def test_only_regular_files_are_read(data_dir: Path) -> None:
    os.mkfifo(data_dir / "pipe.csv")  # opening it for reading would wait for a writer
    with pytest.raises(ReadRefused, match="not a regular file"):
        read_table_file("pipe.csv")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        read_table_file(str(data_dir))


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("DESIGNER_ALLOWED_NETWORKS", "10.0.0.0/8, not a name!", "DESIGNER_ALLOWED_NETWORKS lists"),
        ("DESIGNER_READ_GRANTS", "not json", "DESIGNER_READ_GRANTS must be a JSON list"),
        ("DESIGNER_READ_GRANTS", '{"a": 1}', "DESIGNER_READ_GRANTS must be a JSON list"),
    ],
)
def test_a_setting_that_makes_no_sense_is_named(setting: str, value: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        ReadPolicy.from_env({setting: value})


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"DESIGNER_DATA_DIRS": ""},
        {"DESIGNER_DATA_DIRS": f"/srv/tables{os.pathsep} ~/shared/../tables "},
    ],
    ids=["default", "none", "listed"],
)
def test_the_data_folders_agree_with_the_designer_settings(tmp_path: Path, env: dict) -> None:
    env = {"DESIGNER_HOME": str(tmp_path / "home"), **env}
    assert read_settings.data_dirs(env) == load_settings(env).data_dirs
    assert read_settings.SAMPLES_DIR == SAMPLES_DIR


# -- fuzzing -----------------------------------------------------------------------------------

FUZZ_DATA = (DATA,)
#: Beginnings of addresses the fuzzer grows, so it reaches every kind of address.
PREFIXES = ["/", "../", "./", "file://", "file:///", "http://", "https://", "http://["]
PREFIXES += ["s3://", "s3://open-data/", "ftp://", "C:\\", "pets.csv/", "\\\\server\\", "~/"]
FUZZ_POLICY = ReadPolicy(data_dirs=FUZZ_DATA, s3_read_buckets=frozenset({"open-data"}))
addresses = st.one_of(
    st.text(),
    st.builds(
        str.__add__,
        st.sampled_from(PREFIXES),
        st.text(),
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(address=addresses)
def test_any_address_is_allowed_inside_the_rules_or_refused_plainly(address: str) -> None:
    try:
        found = FUZZ_POLICY.check(address)
    except (ReadRefused, ValueError):
        return
    if isinstance(found, LocalFile):
        assert FUZZ_POLICY.in_data_dirs(found.path)
    elif isinstance(found, WebAddress):
        assert found.scheme in ("http", "https") and found.host
        literal = net_addresses.literal_ip(found.host)
        assert literal is None or FUZZ_POLICY._ip_problem(literal) is None
    else:
        assert isinstance(found, S3Address) and found.bucket == "open-data"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(address=addresses)
def test_checking_any_address_while_drawing_never_raises(address: str) -> None:
    result = infer(Params.model_construct(uri=address, format="auto", target="", task="auto"), {})
    assert all(p.param == "uri" for p in result.problems)


def test_check_address_reads_the_environment(data_dir: Path) -> None:
    assert isinstance(check_address("pets.csv"), LocalFile)
    with pytest.raises(ReadRefused):
        check_address("pets.csv", {"DESIGNER_DATA_DIRS": ""})
