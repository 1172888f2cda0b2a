"""The sandbox local runs start in: what a process inside can and cannot reach.

Probes are small ``python -c`` programs started through the very command builder a run's worker
uses, with a designer home laid out as a served one (database, objects, models, other runs) and
secrets planted in the server's environment. One full kfp.local run goes through it too.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from designer.flow.compile import compile_flow
from designer.flow.validate import check_data
from designer.runs import sandbox as sandbox_module
from designer.runs.local import LocalEngine
from designer.runs.local_policy import may_run_locally
from designer.runs.record import Status
from designer.runs.sandbox import (
    Sandbox,
    SandboxUnavailable,
    choose_sandbox,
    probe_bwrap,
    run_mounts,
    sandbox_status,
)
from designer.runs.worker_env import make_worker_dirs, worker_env
from designer.settings import Settings, load_settings

#: Planted in the server's environment; no run may see them.
SECRETS = {
    "DESIGNER_DATABASE_URL_PASSWORD": "db-password-7f3a",
    "DESIGNER_S3_SECRET_KEY": "s3-secret-9c1e",
    "DESIGNER_OIDC_CLIENT_SECRET": "oidc-secret-4b2d",
    "DESIGNER_KFP_TOKEN": "kfp-token-5e8f",
}
SIGNED_GRANT = "https://storage.example/objects/t.csv?X-Amz-Signature=sig-0d9e"
TABLE = "rooms,area,price\n2,47.8,89471.52\n3,61.0,120000.0\n4,80.5,150000.0\n"


@dataclass(frozen=True)
class Served:
    """A designer home as a served designer has it, and a data folder next to it."""

    settings: Settings
    data: Path
    run_dir: Path
    other_run: Path
    granted: Path


@pytest.fixture(scope="module")
def bwrap() -> Sandbox:
    probe = probe_bwrap()
    if not probe.works:
        pytest.fail(
            f"the sandbox tests need a working bubblewrap ({probe.detail or 'bwrap not found'}); "
            "install Debian's bubblewrap package (bash .ci/install --test does)",
            pytrace=False,
        )
    return Sandbox(probe.detail, probe.extra_flags)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Served:
    home = tmp_path / "home"
    for folder in ("objects/datasets", "models/iris", "runs/other-run", "runs/this-run"):
        (home / folder).mkdir(parents=True)
    (home / "designer.db").write_text("SQLite format 3 users password-hashes")
    (home / "objects" / "datasets" / "private.csv").write_text("someone else's table\n")
    (home / "models" / "iris" / "model.joblib").write_text("a model")
    (home / "runs" / "other-run" / "record.json").write_text('{"someone": "else"}')
    granted = home / "objects" / "datasets" / "granted.csv"
    granted.write_text(TABLE)
    data = tmp_path / "data"
    data.mkdir()
    (data / "houses.csv").write_text(TABLE)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    # The server's own environment names them too: validation reads it.
    monkeypatch.setenv("DESIGNER_HOME", str(home))
    monkeypatch.setenv("DESIGNER_DATA_DIRS", str(data))
    settings = load_settings()
    run_dir = home / "runs" / "this-run"
    make_worker_dirs(run_dir)
    return Served(settings, data, run_dir, home / "runs" / "other-run", granted)


def inside(
    bwrap: Sandbox,
    served: Served,
    code: str,
    *,
    reads: tuple[str, ...] = (),
    network: bool = False,
    settings: Settings | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code`` the way a run's worker starts (bwrap itself, pid 1 inside, with
    the allow-listed environment too: a run can read its first process's environment)."""
    settings = settings or served.settings
    readable, hidden = run_mounts(settings, reads)
    env = worker_env(served.run_dir, settings, reads)
    command = bwrap.command(
        [sys.executable, "-c", code],
        run_dir=served.run_dir,
        env=env,
        readable=readable,
        hidden=hidden,
        network=network,
    )
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)


def read(path: Path | str) -> str:
    """Code that prints what reading ``path`` gives: its text, or the error's name."""
    return (
        f"try:\n    print(open({str(path)!r}).read(), end='')\n"
        "except OSError as exc:\n    print(type(exc).__name__, end='')"
    )


# -- what a run cannot see -----------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "designer.db",
        "objects/datasets/private.csv",
        "models/iris/model.joblib",
        "runs/other-run/record.json",
    ],
    ids=["database", "objects", "models", "another-run"],
)
def test_a_run_cannot_read_the_designers_home(bwrap: Sandbox, served: Served, secret: str) -> None:
    done = inside(bwrap, served, read(served.settings.home / secret))
    assert done.returncode == 0, done.stderr
    assert done.stdout in ("FileNotFoundError", "PermissionError")


def test_a_run_is_not_root_has_no_capabilities_and_sees_no_secret(
    bwrap: Sandbox, served: Served
) -> None:
    code = (
        "import json, os, glob\n"
        "status = open('/proc/self/status').read()\n"
        "caps = [l.split()[1] for l in status.splitlines() if l.startswith('CapEff')]\n"
        "environs = ''\n"
        "for path in glob.glob('/proc/[0-9]*/environ'):\n"
        "    try: environs += open(path).read()\n"
        "    except OSError: pass\n"
        "print(json.dumps({'uid': os.getuid(), 'gid': os.getgid(), 'caps': caps,"
        " 'env': dict(os.environ), 'environs': environs, 'root': sorted(os.listdir('/'))}))"
    )
    done = inside(bwrap, served, code)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["uid"] != 0 and seen["gid"] != 0
    assert seen["caps"] == ["0000000000000000"]
    everything = done.stdout
    for name, value in SECRETS.items():
        assert value not in everything, name
    assert seen["env"]["DESIGNER_HOME"].startswith(str(served.run_dir))
    # A root of its own: none of the server's folders beyond what a run needs.
    system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "proc", "dev", "tmp"}
    mounted = (served.run_dir, served.data, Path(sys.prefix), Path(sys.base_prefix))
    assert set(seen["root"]) <= system | {path.parts[1] for path in mounted}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("code", "OSError"),
        ("data", "OSError"),
        ("own-folder", "written"),
    ],
    ids=["code-read-only", "data-read-only", "own-folder-writable"],
)
def test_a_run_writes_only_its_own_folder(
    bwrap: Sandbox, served: Served, target: str, expected: str
) -> None:
    folder = {
        "code": Path(sandbox_module.__file__).parent,
        "data": served.data,
        "own-folder": served.run_dir,
    }[target]
    code = (
        f"try:\n    open({str(folder / 'planted.txt')!r}, 'w').write('x'); print('written')\n"
        "except OSError:\n    print('OSError')"
    )
    done = inside(bwrap, served, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
    assert (folder / "planted.txt").exists() == (expected == "written")


def test_a_data_folder_holding_the_home_still_hides_it(bwrap: Sandbox, served: Served) -> None:
    """An administrator who lists the folder the designer's home is in opens the tables there,
    not the database or the other runs."""
    parent = served.settings.home.parent
    settings = load_settings(
        {"DESIGNER_HOME": str(served.settings.home), "DESIGNER_DATA_DIRS": str(parent)}
    )
    done = inside(bwrap, served, read(served.data / "houses.csv"), settings=settings)
    assert done.stdout == TABLE, done.stderr
    for secret in ("designer.db", "runs/other-run/record.json", "objects/datasets/private.csv"):
        done = inside(bwrap, served, read(served.settings.home / secret), settings=settings)
        assert done.stdout in ("FileNotFoundError", "PermissionError"), secret


def test_a_database_file_in_a_data_folder_stays_unreadable(bwrap: Sandbox, served: Served) -> None:
    database = served.data / "designer.db"
    database.write_text("SQLite format 3 users password-hashes")
    settings = load_settings(
        {
            "DESIGNER_HOME": str(served.settings.home),
            "DESIGNER_DATA_DIRS": str(served.data),
            "DESIGNER_DATABASE_URL": f"sqlite:///{database}",
        }
    )
    assert inside(bwrap, served, read(database), settings=settings).stdout == "PermissionError"
    assert inside(bwrap, served, read(served.data / "houses.csv"), settings=settings).stdout == (
        TABLE
    )


# -- what a run can see --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "granted"),
    [("data-folder", False), ("granted-dataset", True)],
)
def test_a_run_reads_its_data_folders_and_granted_files(
    bwrap: Sandbox, served: Served, what: str, granted: bool
) -> None:
    path = served.granted if granted else served.data / "houses.csv"
    reads = (str(path),) if granted else ()
    done = inside(bwrap, served, read(path), reads=reads)
    assert done.stdout == TABLE, done.stderr
    # A granted file opens that file only, not the folder it is in.
    neighbour = inside(bwrap, served, read(path.parent / "private.csv"), reads=reads)
    assert neighbour.stdout in ("FileNotFoundError", "PermissionError")


@pytest.fixture
def loopback_port() -> Iterator[int]:
    """A TCP service on the server's loopback, as the database or the S3 server would be."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize(
    ("network", "expected"),
    [(False, "refused"), (True, "connected")],
    ids=["no-network-block", "network-block"],
)
def test_a_run_without_network_blocks_cannot_reach_loopback_services(
    bwrap: Sandbox, served: Served, loopback_port: int, network: bool, expected: str
) -> None:
    code = (
        "import socket\n"
        f"try:\n    socket.create_connection(('127.0.0.1', {loopback_port}), timeout=5)\n"
        "    print('connected')\n"
        "except OSError:\n    print('refused')"
    )
    done = inside(bwrap, served, code, network=network)
    assert done.stdout.strip() == expected, done.stderr


# -- the choice and what the operator is told ----------------------------------------------


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A machine without bubblewrap: nothing called bwrap on PATH."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    probe_bwrap.cache_clear()
    yield
    probe_bwrap.cache_clear()


def settings_with(**env: str) -> Settings:
    return load_settings({"DESIGNER_HOME": "/srv/designer", **env})


def test_sandbox_off_runs_unsandboxed_and_says_so(bwrap: Sandbox) -> None:
    settings = settings_with(DESIGNER_SANDBOX="off")
    assert choose_sandbox(settings) is None
    assert "not sandboxed (DESIGNER_SANDBOX=off)" in sandbox_status(settings)


@pytest.mark.parametrize("mode", ["auto", "bwrap"])
def test_a_working_bwrap_is_used(bwrap: Sandbox, mode: str) -> None:
    settings = settings_with(DESIGNER_SANDBOX=mode)
    chosen = choose_sandbox(settings)
    assert chosen is not None and chosen.bwrap == bwrap.bwrap
    assert sandbox_status(settings).startswith("Local runs are sandboxed with bubblewrap")


@pytest.mark.usefixtures("no_bwrap")
def test_without_bwrap_auto_runs_unsandboxed_and_bwrap_refuses() -> None:
    auto = settings_with(DESIGNER_SANDBOX="auto")
    assert choose_sandbox(auto) is None
    said = sandbox_status(auto)
    assert "NOT sandboxed" in said and "apt-get install bubblewrap" in said
    assert "DESIGNER_LOCAL_RUNS" in said
    strict = settings_with(DESIGNER_SANDBOX="bwrap")
    with pytest.raises(SandboxUnavailable) as refused:
        choose_sandbox(strict)
    message = str(refused.value)
    assert "DESIGNER_SANDBOX=bwrap" in message and "install bubblewrap" in message
    assert "DESIGNER_SANDBOX=auto" in message
    assert "refused" in sandbox_status(strict)


@pytest.mark.usefixtures("no_bwrap")
def test_a_run_is_refused_before_it_starts_when_the_sandbox_is_required(tmp_path: Path) -> None:
    settings = load_settings({"DESIGNER_HOME": str(tmp_path), "DESIGNER_SANDBOX": "bwrap"})
    check = check_data(one_table_flow("houses.csv"))
    assert check.flow is not None
    with pytest.raises(SandboxUnavailable):
        LocalEngine(settings.runs_dir, settings=settings).start(
            compile_flow(check.flow, check), flow_name="t"
        )
    assert not settings.runs_dir.exists()  # nothing was started, nothing is left "running"


@pytest.mark.parametrize(
    ("policy", "sandboxed", "admin", "accounts", "refused"),
    [
        ("auto", True, False, 5, None),
        ("auto", False, False, 1, None),
        ("auto", False, True, 5, None),
        ("auto", False, False, 5, "not sandboxed"),
        ("everyone", False, False, 5, None),
        ("admins", True, False, 1, "DESIGNER_LOCAL_RUNS=admins"),
        ("admins", True, True, 5, None),
        ("nobody", True, True, 1, "DESIGNER_LOCAL_RUNS=nobody"),
    ],
)
def test_who_may_run_locally(
    request: pytest.FixtureRequest,
    policy: str,
    sandboxed: bool,
    admin: bool,
    accounts: int,
    refused: str | None,
) -> None:
    request.getfixturevalue("bwrap" if sandboxed else "no_bwrap")
    settings = settings_with(DESIGNER_LOCAL_RUNS=policy)
    answer = may_run_locally(settings, actor_is_admin=admin, accounts=accounts)
    if refused is None:
        assert answer is None
    else:
        assert answer is not None and refused in answer
        assert "administrator" in answer  # who can change it


def test_runs_on_kubeflow_are_not_local_runs() -> None:
    settings = settings_with(DESIGNER_LOCAL_RUNS="nobody", DESIGNER_KFP_HOST="http://kfp:8888")
    assert may_run_locally(settings, actor_is_admin=False, accounts=9) is None


@pytest.mark.usefixtures("no_bwrap")
def test_a_required_sandbox_that_is_missing_refuses_everyone() -> None:
    settings = settings_with(DESIGNER_SANDBOX="bwrap", DESIGNER_LOCAL_RUNS="everyone")
    answer = may_run_locally(settings, actor_is_admin=True, accounts=1)
    assert answer is not None and "DESIGNER_SANDBOX=bwrap" in answer


def children(pid: int) -> list[int]:
    """The processes ``pid`` started and that still run."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def read_command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""  # exited already


def read_environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""  # exited already


# -- a whole run -----------------------------------------------------------------------------


def one_table_flow(uri: str) -> dict[str, object]:
    return {
        "schema_version": 1,
        "name": "One table",
        "nodes": [
            {"id": "load", "block": "load.table_file", "params": {"uri": uri, "target": "price"}}
        ],
        "edges": [],
    }


@pytest.mark.slow
def test_a_sandboxed_kfp_run_reads_a_data_folder_and_leaves_no_secret(
    bwrap: Sandbox, served: Served
) -> None:
    check = check_data(one_table_flow("houses.csv"))
    assert check.flow is not None, check.diagnostics
    compiled = compile_flow(check.flow, check, settings=served.settings)
    assert not compiled.needs_network
    # A signed address the designer grants the run: the run may read it, other users may not.
    compiled = dataclasses.replace(compiled, reads=(*compiled.reads, SIGNED_GRANT))
    engine = LocalEngine(served.settings.runs_dir, settings=served.settings)
    run = engine.start(compiled, flow_name="One table")
    # The worker's first process (bwrap, whose environment the run can read) has none either,
    # and its command line (which every user of the machine sees) shows no grant and no mount.
    started = children(os.getpid())
    assert started, "the worker should still be running"
    for pid in started:
        environ = read_environ(pid)
        for name, value in SECRETS.items():
            assert value.encode() not in environ, f"{name} in the environment of process {pid}"
        command_line = read_command_line(pid)
        assert command_line.startswith(b"/") and b"--args" in command_line
        assert SIGNED_GRANT.encode() not in command_line
        assert str(served.data).encode() not in command_line
    record = run.wait()
    assert record.status is Status.SUCCEEDED, record.summary()
    load = record.nodes["load"]
    assert load.outputs["data"].metadata["rows"] == 3
    assert "3 rows" in load.log
    run_dir = served.settings.runs_dir / record.run_id
    assert (run_dir / "sandbox" / "passwd").is_file()  # it did run in the sandbox
    for path in run_dir.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            for name, value in SECRETS.items():
                assert value.encode() not in text, f"{name} in {path}"


@pytest.mark.parametrize(
    ("env", "argv"),
    [
        ({"A": "1"}, ["python", "-m", "worker"]),
        ({"A": "--", "B": "-- python"}, ["python", "--", "x"]),  # "--" inside values and argv
        ({}, ["--"]),
    ],
)
def test_options_travel_through_the_pipe_whole(
    bwrap: Sandbox, tmp_path: Path, env: dict[str, str], argv: list[str]
) -> None:
    command = bwrap.command(argv, run_dir=tmp_path, env=env)

    shown, payload = sandbox_module.options_through_fd(command, argv, 7)

    assert shown == [command[0], "--args", "7", "--", *argv]
    assert payload.split(b"\0")[:-1] == [option.encode() for option in command[1 : -len(argv) - 1]]


def test_options_of_another_command_are_refused(bwrap: Sandbox, tmp_path: Path) -> None:
    command = bwrap.command(["python", "a"], run_dir=tmp_path, env={})
    with pytest.raises(ValueError, match="not a sandbox command"):
        sandbox_module.options_through_fd(command, ["python", "b"], 7)
