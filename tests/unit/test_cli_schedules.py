"""``designer schedules``: output and exit codes, in-process, on a SQLite database of the test's
own: add, list, pause, resume, delete and preview, and every refusal in one line."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from designer.cli import main
from designer.store import accounts, dispose_engine, engine_for, flows, shares, versions
from designer.store.access import Role
from designer.store.schedules import list_schedules
from tests.fixtures.people import sample_flow


@dataclass(frozen=True)
class Desk:
    url: str
    flow_id: str


@pytest.fixture
def desk(designer_home: Path) -> Iterator[Desk]:
    """Ada's flow "Forecast" at version 2, shared with Vera to view; Sam sees nothing."""
    url = f"sqlite:///{designer_home / 'designer.db'}"
    engine = engine_for(url)
    ada = accounts.create_user(engine, "ada", "Ada", password_hash=None)
    accounts.create_user(engine, "vera", "Vera", password_hash=None)
    accounts.create_user(engine, "sam", "Sam", password_hash=None)
    flow = flows.create_flow(engine, ada, sample_flow("Forecast"))
    versions.save_version(
        engine, ada, flow.id, sample_flow("Forecast", "load", "split"), base_version=1
    )
    shares.share_with_user(engine, ada, flow.id, "vera", Role.VIEWER)
    yield Desk(url, flow.id)
    dispose_engine(url)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_pause_resume_delete(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "schedules", "add", desk.flow_id, "--cron", "0 6 * * *",
        "--tz", "Europe/Paris", "--as", "ada",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith(
        "scheduled 'Forecast' version 2: every day at 06:00 (Europe/Paris); next run "
    )
    [made] = list_schedules(engine_for(desk.url), accounts.actor_named(engine_for(desk.url), "ada"))

    code, out, _ = run(capsys, "schedules", "list", desk.flow_id, "--as", "vera")
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:3] == ["ID", "FLOW", "VERSION"]
    assert row.startswith(f"{made.id}  Forecast  2 ") and "running" in row and "local" in row

    code, out, _ = run(capsys, "schedules", "list", "--as", "ada", "--json")
    [listed] = json.loads(out)
    assert (listed["cron"], listed["time_zone"], listed["paused"]) == (
        "0 6 * * *",
        "Europe/Paris",
        False,
    )

    assert run(capsys, "schedules", "pause", made.id, "--as", "ada")[:2] == (
        0,
        f"schedule {made.id} of 'Forecast' paused\n",
    )
    code, out, _ = run(capsys, "schedules", "resume", made.id, "--as", "ada")
    assert code == 0 and "resumed; next run " in out and out.rstrip().endswith("Europe/Paris")
    code, out, _ = run(capsys, "schedules", "delete", made.id, "--as", "ada")
    assert (code, out) == (
        0,
        f"deleted schedule {made.id} of 'Forecast' (every day at 06:00 (Europe/Paris))\n",
    )
    assert run(capsys, "schedules", "list", "--as", "ada") == (0, "", "no schedules\n")


REFUSALS = [
    # (arguments, with {flow} for the flow's id; exit code; what stderr says)
    (
        ["add", "{flow}", "--cron", "61 * * * *", "--as", "ada"],
        1,
        "designer: Schedule '61 * * * *': minute must be 0-59\n",
    ),
    (
        ["add", "{flow}", "--cron", "0 6 * * *", "--tz", "Mars/Olympus", "--as", "ada"],
        1,
        "designer: Time zone 'Mars/Olympus' is unknown: use an IANA name such as UTC, "
        "Europe/Paris or America/New_York\n",
    ),
    (
        ["add", "{flow}", "--cron", "@daily", "--version", "9", "--as", "ada"],
        2,
        "designer: flow 'Forecast' has no saved version 9; its versions are 1 to 2\n",
    ),
    (["add", "{flow}", "--cron", "@daily", "--as", "nobody"], 2, "nobody has the user name"),
    (["add", "{flow}", "--cron", "@daily", "--as", "sam"], 2, "no flow with id"),
    (["add", "0" * 32, "--cron", "@daily", "--as", "ada"], 2, "no flow with id"),
    (["pause", "f" * 32, "--as", "ada"], 2, "no schedule with id"),
    (["delete", "../../x", "--as", "ada"], 2, "no schedule with id"),
    (["preview", "0 6 * *"], 1, "expected 5 fields"),
]


@pytest.mark.parametrize(("args", "code", "said"), REFUSALS)
def test_refusals_are_one_line_and_change_nothing(
    desk: Desk, capsys: pytest.CaptureFixture[str], args: list[str], code: int, said: str
) -> None:
    got, out, err = run(capsys, "schedules", *(a.format(flow=desk.flow_id) for a in args))
    assert (got, out) == (code, "")
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    ada = accounts.actor_named(engine_for(desk.url), "ada")
    assert list_schedules(engine_for(desk.url), ada) == []


def test_viewers_cannot_change_the_owners_schedule(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "schedules", "add", desk.flow_id, "--cron", "@daily", "--as", "ada")[0] == 0
    [made] = list_schedules(engine_for(desk.url), accounts.actor_named(engine_for(desk.url), "ada"))
    code, _, err = run(capsys, "schedules", "delete", made.id, "--as", "vera")
    assert code == 1 and "only the flow's owner and editors" in err


def test_preview_lists_the_next_times(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "schedules", "preview", "0 8 * * mon-fri", "--tz", "Europe/Paris", "--count", "3"
    )
    assert code == 0
    first, *times = out.splitlines()
    assert first == "0 8 * * MON-FRI  (every weekday (Monday to Friday) at 08:00, Europe/Paris)"
    assert len(times) == 3 and all(" 08:00 CE" in t for t in times)
    code, out, _ = run(capsys, "schedules", "preview", "@hourly", "--json")
    shown = json.loads(out)
    assert (shown["cron"], shown["words"], len(shown["next"])) == (
        "0 * * * *",
        "every hour at :00",
        5,
    )


def test_an_unreachable_database_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DESIGNER_DATABASE_URL", f"postgresql://x@127.0.0.1:{port}/designer")
    code, _, err = run(capsys, "schedules", "list", "--as", "ada")
    assert code == 3 and "cannot reach the database" in err


def test_the_acting_person_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["schedules", "list"])
    assert exited.value.code == 2
    assert "--as" in capsys.readouterr().err
