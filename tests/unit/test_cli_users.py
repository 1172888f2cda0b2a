"""``designer users``: account administration from the command line, on real databases.

Each case is a command line with what standard input holds, and the exit code and output a
script (or an operator after an incident) can rely on: 0 done, 1 refused (the message says
why), 2 usage, 3 the database cannot be reached.
"""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.auth import signin
from designer.auth.passwords import hash_password
from designer.cli import main
from designer.settings import load_settings
from designer.store import accounts, dispose_engine, engine_for
from designer.store import signin as sign_in_store
from designer.store.accounts import AccountDisabled
from designer.store.signin import actor_for_session, create_session
from tests.fixtures.databases import database_url
from tests.fixtures.object_stores import closed_port

__all__ = ["database_url"]

GOOD = "a long enough password"
OTHER = "another long password"
#: Hashed once: hashing is slow on purpose, and every test seeds the same two accounts.
SEEDED_HASH = hash_password(GOOD)
ROOT = Path(__file__).parents[2]


@pytest.fixture
def database(designer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite database with an admin ("root") and an ordinary account ("ada")."""
    url = f"sqlite:///{designer_home / 'designer.db'}"
    monkeypatch.setenv("DESIGNER_DATABASE_URL", url)
    engine = engine_for(url)
    accounts.create_user(engine, "root", "Root", password_hash=SEEDED_HASH)
    accounts.create_user(engine, "ada", "Ada Lovelace", password_hash=SEEDED_HASH)
    yield url
    dispose_engine(url)


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    stdin: str = "",
) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of ``designer ARGS < stdin``."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def twice(password: str) -> str:
    return f"{password}\n{password}\n"


CASES = [
    # (command line, standard input, exit code, expected in stdout, expected in stderr)
    ("add grace --password-stdin", twice(GOOD), 0, "created the account 'grace'; it can", ""),
    ("add Grace --password-stdin --admin", twice(GOOD), 0, "'grace' (an administrator)", ""),
    ("add grace --password-stdin", f"{GOOD}\r\n{GOOD}\r\n", 0, "created the account", ""),
    ("add grace --password-stdin", f"{GOOD}\n{GOOD}", 0, "created the account", ""),
    ("add grace --password-stdin", f"{GOOD}\n{OTHER}\n", 1, "", "the two passwords differ"),
    ("add grace --password-stdin", twice("short"), 1, "", "needs at least 8 characters"),
    ("add grace --password-stdin", twice(" " * 9), 1, "", "cannot be only spaces"),
    ("add grace --password-stdin", twice("x" * 1025), 1, "", "at most 1024 characters"),
    ("add grace --password-stdin", f"{GOOD}\n", 2, "", "held only one line; nothing was"),
    ("add grace --password-stdin", "", 2, "", "standard input held nothing"),
    ("add grace", twice(GOOD), 2, "", "standard input is not a terminal"),
    ("add ADA --password-stdin", twice(GOOD), 1, "", "the user name 'ada' is taken"),
    ("add no --password-stdin", twice(GOOD), 1, "", "a user name is 3 to 64 characters"),
    ("add", "", 2, "", "the following arguments are required: name"),
    ("reset-password ada --password-stdin", twice(OTHER), 0, "new password for 'ada'", ""),
    ("reset-password ada --password-stdin", twice("short"), 1, "", "at least 8 characters"),
    ("reset-password ada", twice(OTHER), 2, "", "--password-stdin"),
    ("reset-password nobody --password-stdin", twice(OTHER), 1, "", "nobody has the user"),
    ("disable ada", "", 0, "disabled 'ada': they cannot sign in", ""),
    ("disable root", "", 1, "", "'root' is the last administrator who can sign in"),
    ("disable nobody", "", 1, "", "nobody has the user name 'nobody'"),
    ("enable ada", "", 0, "enabled 'ada': they can sign in again", ""),
    ("enable nobody", "", 1, "", "nobody has the user name 'nobody'"),
    ("admin ada --on", "", 0, "'ada' is now an administrator", ""),
    ("admin ada --off", "", 0, "'ada' is no longer an administrator", ""),
    ("admin root --off", "", 1, "", "make someone else an administrator first"),
    ("admin root", "", 2, "", "one of the arguments --on --off is required"),
    ("admin ada --on --off", "", 2, "", "not allowed with argument"),
    ("list", "", 0, "ada   Ada Lovelace  no     no        never", ""),
    ("", "", 2, "", "the following arguments are required: ACTION"),
    ("rename ada", "", 2, "", "invalid choice: 'rename'"),
]


@pytest.mark.parametrize(
    ("line", "stdin", "code", "out", "err"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
def test_a_command_line_gives_its_exit_code_and_says_why(
    database: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    line: str,
    stdin: str,
    code: int,
    out: str,
    err: str,
) -> None:
    got = run(capsys, monkeypatch, ["users", *line.split()], stdin)

    assert got[0] == code, got
    assert out in got[1] and err in got[2]
    if code == 0:
        assert got[2] == ""
    else:
        assert got[1] == ""  # a refusal prints nothing a script could take for a result


def test_an_added_account_signs_in_with_the_password_read_from_stdin(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, monkeypatch, ["users", "add", "grace", "--password-stdin"], twice(GOOD))
    engine, settings = engine_for(database), load_settings()

    done = signin.sign_in(engine, settings, "grace", GOOD, "127.0.0.1")

    assert (done.actor.username, done.actor.is_admin) == ("grace", False)
    with pytest.raises(signin.SignInFailed):
        signin.sign_in(engine, settings, "grace", f"{GOOD}\n", "127.0.0.1")


def test_a_new_password_replaces_the_old_and_ends_every_session(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, settings = engine_for(database), load_settings()
    old_session = signin.sign_in(engine, settings, "ada", GOOD, "127.0.0.1").token

    code, _, _ = run(
        capsys, monkeypatch, ["users", "reset-password", "ada", "--password-stdin"], twice(OTHER)
    )

    assert code == 0
    assert actor_for_session(engine, old_session) is None
    with pytest.raises(signin.SignInFailed):
        signin.sign_in(engine, settings, "ada", GOOD, "127.0.0.2")
    assert signin.sign_in(engine, settings, "ada", OTHER, "127.0.0.3").actor.username == "ada"


def test_disabling_shuts_someone_out_at_once_and_enabling_lets_them_back(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, settings = engine_for(database), load_settings()
    ada = accounts.actor_named(engine, "ada")
    sessions = [create_session(engine, ada.id, timedelta(days=1)) for _ in range(2)]

    assert run(capsys, monkeypatch, ["users", "disable", "ada"])[0] == 0

    assert [actor_for_session(engine, token) for token in sessions] == [None, None]
    with pytest.raises(AccountDisabled, match="this account is disabled; ask an administrator"):
        signin.sign_in(engine, settings, "ada", GOOD, "127.0.0.1")
    listed = run(capsys, monkeypatch, ["users", "list", "--json"])[1]
    assert [(p["username"], p["disabled"]) for p in json.loads(listed)] == [
        ("ada", True),
        ("root", False),
    ]

    assert run(capsys, monkeypatch, ["users", "enable", "ada"])[0] == 0
    assert signin.sign_in(engine, settings, "ada", GOOD, "127.0.0.1").actor == ada


def test_the_list_as_json(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_for(database)
    signin.sign_in(engine, load_settings(), "root", GOOD, "127.0.0.1")

    code, out, _ = run(capsys, monkeypatch, ["users", "list", "--json"])

    listed = json.loads(out)
    assert code == 0
    assert listed[0] == {
        "username": "ada",
        "display_name": "Ada Lovelace",
        "is_admin": False,
        "disabled": False,
        "disabled_at": None,
        "last_sign_in_at": None,
        "sign_in_methods": ["password"],
    }
    assert listed[1]["is_admin"] is True and listed[1]["last_sign_in_at"] is not None


def test_the_first_account_on_an_empty_database_is_the_admin(
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESIGNER_DATABASE_URL", database_url)
    assert run(capsys, monkeypatch, ["users", "list"])[2].startswith("no accounts yet")

    first = run(capsys, monkeypatch, ["users", "add", "root", "--password-stdin"], twice(GOOD))
    second = run(capsys, monkeypatch, ["users", "add", "ada", "--password-stdin"], twice(GOOD))

    assert first[:2] == (
        0,
        "created the account 'root' (an administrator: the first account); it can sign in now\n",
    )
    assert second[:2] == (0, "created the account 'ada'; it can sign in now\n")


@pytest.mark.parametrize(
    ("line", "stdin"),
    [
        ("list", ""),
        ("add grace --password-stdin", twice(GOOD)),
        ("reset-password ada --password-stdin", twice(GOOD)),
        ("disable ada", ""),
        ("enable ada", ""),
        ("admin ada --on", ""),
    ],
)
def test_a_database_that_cannot_be_reached_exits_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, line: str, stdin: str
) -> None:
    url = f"postgresql://designer@127.0.0.1:{closed_port()}/designer"
    monkeypatch.setenv("DESIGNER_DATABASE_URL", url)

    code, out, err = run(capsys, monkeypatch, ["users", *line.split()], stdin)

    assert (code, out) == (3, "")
    assert "cannot reach the database" in err


def test_at_a_terminal_the_password_is_asked_twice_without_echo(
    designer_home: Path, tmp_path: Path
) -> None:
    """A real pseudo-terminal: the prompts appear and what is typed is not shown."""
    url = f"sqlite:///{tmp_path / 'designer.db'}"
    terminal, child_end = os.openpty()
    env = {**os.environ, "DESIGNER_DATABASE_URL": url, "DESIGNER_HOME": str(designer_home)}
    child = subprocess.Popen(
        [sys.executable, "-m", "designer.cli", "users", "add", "root"],
        stdin=child_end,
        stdout=child_end,
        stderr=child_end,
        env=env,
        cwd=ROOT,
        start_new_session=True,  # no controlling terminal: getpass uses the one on stdin
    )
    os.close(child_end)
    seen = _until(terminal, b"New password: ")
    os.write(terminal, f"{GOOD}\n".encode())
    seen += _until(terminal, b"again: ")
    os.write(terminal, f"{GOOD}\n".encode())
    seen += _until(terminal, b"sign in now")
    assert child.wait(timeout=60) == 0
    os.close(terminal)

    assert GOOD.encode() not in seen
    assert b"created the account 'root'" in seen
    found = accounts.credentials(engine_for(url), "root")
    assert found is not None and found[1] is not None
    dispose_engine(url)


def _until(fd: int, marker: bytes, timeout_s: float = 60) -> bytes:
    """What the terminal shows until ``marker`` appears."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while marker not in seen:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        assert ready, f"never saw {marker!r}; saw {seen!r}"
        seen += os.read(fd, 4096)
    return seen


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.text(max_size=70))
def test_any_user_name_is_created_or_refused_with_a_reason(
    database: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    code, out, err = run(
        capsys, monkeypatch, ["users", "add", "--password-stdin", "--", name], twice(GOOD)
    )

    assert code in (0, 1), (code, err)
    if code == 0:
        assert out.startswith("created the account") and err == ""
        assert accounts.credentials(engine_for(database), name) is not None
    else:
        assert out == "" and err.startswith("designer: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("command", "stdin"),
    [("users reset-password ada --password-stdin", twice(OTHER)), ("users enable ada", "")],
    ids=["reset-password", "enable"],
)
def test_an_administrator_action_forgets_the_guessing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: str,
    command: str,
    stdin: str,
) -> None:
    """After an incident, the operator's reset or enable lets the owner straight back in."""
    engine = engine_for(database)
    for address in ("10.0.0.1", "10.0.0.2"):
        for _ in range(signin.FREE_FAILURES):
            with pytest.raises(signin.SignInFailed):
                signin.sign_in(engine, load_settings(), "ada", "wrong guess", address)
    counted = [
        key
        for address in ("10.0.0.1", "10.0.0.2")
        for key in signin.FailureKeys.of("ada", address).counted
    ]
    before = sign_in_store.failures(engine, counted)
    assert before[signin.FailureKeys.of("ada", "10.0.0.1").pair][0] == signin.FREE_FAILURES
    assert before[signin.FailureKeys.of("ada", "10.0.0.1").account][0] == 2 * signin.FREE_FAILURES

    assert run(capsys, monkeypatch, command.split(), stdin)[0] == 0

    after = sign_in_store.failures(engine, counted)
    assert set(after) == {f"address:{address}" for address in ("10.0.0.1", "10.0.0.2")}
