"""Cron schedules: what is accepted, what is refused and in which words, the preview's times
(across clock changes), the summary in words, and the six-field form Kubeflow reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from designer.flow.cron import (
    PRESETS,
    CronProblem,
    check_cron,
    check_time_zone,
    describe,
    kfp_cron,
    next_times,
    parse_schedule,
)

ACCEPTED = [
    ("0 6 * * *", "0 6 * * *"),
    ("  0   6 *\t* *  ", "0 6 * * *"),
    ("*/15 * * * *", "*/15 * * * *"),
    ("0 8-18/2 * * 1-5", "0 8-18/2 * * 1-5"),
    ("0 6 * * mon-fri", "0 6 * * MON-FRI"),
    ("0 0 1 jan,jul *", "0 0 1 JAN,JUL *"),
    ("0,30 * * * *", "0,30 * * * *"),
    ("@daily", "0 0 * * *"),
    ("@HOURLY", "0 * * * *"),
    ("@weekly", "0 0 * * 0"),
    ("59 23 31 12 6", "59 23 31 12 6"),
    ("0 0 29 2 *", "0 0 29 2 *"),
]

REFUSED = [
    ("61 * * * *", "Schedule '61 * * * *': minute must be 0-59"),
    ("0 24 * * *", "Schedule '0 24 * * *': hour must be 0-23"),
    ("0 0 0 * *", "Schedule '0 0 0 * *': day of month must be 1-31"),
    ("0 0 * 13 *", "Schedule '0 0 * 13 *': month must be 1-12 or JAN-DEC"),
    ("0 0 * * 7", "day of week must be 0-6 or SUN-SAT, 0 being Sunday"),
    ("0 0 * FOO *", "month must be 1-12 or JAN-DEC"),
    ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"),
    ("0 0 6 * * *", "expected 5 fields"),
    ("", "The schedule is empty"),
    ("   ", "The schedule is empty"),
    ("*/0 * * * *", "minute: the step after '/' must be a number from 1 to 60"),
    ("*/61 * * * *", "the step after '/' must be a number from 1 to 60"),
    ("5/15 * * * *", "write a step over a range, as 5-59/15"),
    ("30-10 * * * *", "the range 30-10 runs backwards"),
    ("1,,2 * * * *", "minute has an empty item in its list"),
    ("0 6 L * *", "day of month: cannot read 'L'"),
    ("0 6 * * 1#2", "day of week: cannot read '1#2'"),
    ("0 6 ? * *", "cannot read '?'"),
    ("H * * * *", "minute: cannot read 'H'"),
    ("@often", "unknown shortcut; use @hourly, @daily"),
    ("0 0 31 2 *", "Schedule '0 0 31 2 *': never comes round"),
    ("0 0 30 2 *", "never comes round"),
    # Hostile input: other scripts' digits, control characters, markup, very long text.
    ("٣ * * * *", "minute: cannot read '٣'"),
    ("\x00 * * * *", "Schedule '? * * * *'"),
    ("<script>alert(1)</script> * * * *", "minute: cannot read"),
    ("'; DROP TABLE schedules; --", "minute: cannot read"),
    ("1" * 101, "too long (at most 100 characters)"),
    ("0 6 * * *\n0 7 * * *", "expected 5 fields"),
]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_good_expressions_are_stored_normalised(typed: str, stored: str) -> None:
    assert check_cron(typed) == stored


@pytest.mark.parametrize(("typed", "said"), REFUSED)
def test_bad_expressions_are_refused_in_words(typed: str, said: str) -> None:
    with pytest.raises(CronProblem) as caught:
        check_cron(typed)
    message = str(caught.value)
    assert said in message
    assert "\n" not in message and "\x00" not in message and len(message) < 300


@pytest.mark.parametrize(
    ("zone", "stored"),
    [("UTC", "UTC"), ("Europe/Paris", "Europe/Paris"), (" europe/paris ", "Europe/Paris")],
)
def test_time_zones_are_iana_names(zone: str, stored: str) -> None:
    assert check_time_zone(zone) == stored


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "+02:00", "CEST\x00"])
def test_unknown_time_zones_say_how_to_name_one(zone: str) -> None:
    with pytest.raises(CronProblem, match="use an IANA name such as UTC, Europe/Paris"):
        check_time_zone(zone)


PREVIEWS = [
    # (cron, zone, after (UTC), the next times as the zone's wall clock shows them)
    (
        "0 6 * * *",
        "UTC",
        datetime(2026, 3, 7, 12, 0, tzinfo=UTC),
        ["2026-03-08T06:00:00+00:00", "2026-03-09T06:00:00+00:00"],
    ),
    (
        "0 8 * * 1-5",
        "Europe/Paris",
        datetime(2026, 3, 6, 12, 0, tzinfo=UTC),  # a Friday afternoon
        ["2026-03-09T08:00:00+01:00", "2026-03-10T08:00:00+01:00"],
    ),
    (  # the clock skips 02:00-03:00: 02:30 runs at 03:30, once
        "30 2 * * *",
        "Europe/Paris",
        datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
        ["2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"],
    ),
    (  # the clock goes back over 02:00-03:00: 02:30 happens twice, runs once
        "30 2 * * *",
        "Europe/Paris",
        datetime(2026, 10, 24, 12, 0, tzinfo=UTC),
        ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"],
    ),
    (  # half-hourly through the repeated hour: each wall-clock time once
        "*/30 * * * *",
        "Europe/Paris",
        datetime(2026, 10, 24, 23, 40, tzinfo=UTC),
        ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T03:00:00+01:00"],
    ),
    (  # exactly on a time: the preview starts with the next one
        "0 * * * *",
        "UTC",
        datetime(2026, 1, 1, 10, 0, tzinfo=UTC),
        ["2026-01-01T11:00:00+00:00"],
    ),
]


@pytest.mark.parametrize(("cron", "zone", "after", "expected"), PREVIEWS)
def test_the_preview_lists_the_next_times_by_the_wall_clock(
    cron: str, zone: str, after: datetime, expected: list[str]
) -> None:
    found = next_times(cron, zone, after, len(expected))
    assert [moment.isoformat() for moment in found] == expected


@pytest.mark.parametrize(
    ("cron", "zone", "now", "latest"),
    [
        ("0 6 * * *", "UTC", datetime(2026, 3, 7, 12, 0, tzinfo=UTC), "2026-03-07T06:00:00+00:00"),
        ("0 6 * * *", "UTC", datetime(2026, 3, 7, 6, 0, tzinfo=UTC), "2026-03-07T06:00:00+00:00"),
        ("0 6 * * *", "UTC", datetime(2026, 3, 7, 5, 59, tzinfo=UTC), "2026-03-06T06:00:00+00:00"),
        (  # in the repeated hour, the first 02:30 already happened
            "30 2 * * *",
            "Europe/Paris",
            datetime(2026, 10, 25, 1, 10, tzinfo=UTC),  # 02:10, second time round
            "2026-10-25T00:30:00+00:00",
        ),
        (  # 02:30 was skipped and ran at 03:30
            "30 2 * * *",
            "Europe/Paris",
            datetime(2026, 3, 29, 1, 40, tzinfo=UTC),
            "2026-03-29T01:30:00+00:00",
        ),
    ],
)
def test_the_latest_time_is_the_last_at_or_before_now(
    cron: str, zone: str, now: datetime, latest: str
) -> None:
    assert parse_schedule(cron, zone).latest(now).isoformat() == latest


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("* * * * *", "every minute"),
        ("*/15 * * * *", "every 15 minutes"),
        ("5 * * * *", "every hour at :05"),
        ("0 */2 * * *", "every 2 hours at :00"),
        ("0 6 * * *", "every day at 06:00"),
        ("0 8 * * 1-5", "every weekday (Monday to Friday) at 08:00"),
        ("0 8 * * MON-FRI", "every weekday (Monday to Friday) at 08:00"),
        ("0 6 * * 1", "every Monday at 06:00"),
        ("30 7 * * THU,1", "every Monday and Thursday at 07:30"),
        ("0 9 * * 0,6", "every Saturday and Sunday at 09:00"),
        ("0 6 1 * *", "on day 1 of every month at 06:00"),
        ("0 6 1 1 *", ""),
        ("0 8-18/2 * * *", ""),
    ],
)
def test_common_schedules_are_said_in_words(cron: str, words: str) -> None:
    assert describe(cron) == words


@pytest.mark.parametrize(
    ("cron", "six_fields"),
    [
        ("0 6 * * *", "0 0 6 * * *"),
        ("*/15 * * * *", "0 */15 * * * *"),
        ("0 8 * * mon-fri", "0 0 8 * * MON-FRI"),
        ("@hourly", "0 0 * * * *"),
    ],
)
def test_kubeflow_gets_six_fields_seconds_first(cron: str, six_fields: str) -> None:
    assert kfp_cron(cron) == six_fields


def test_kubeflow_never_gets_a_bad_expression() -> None:
    with pytest.raises(CronProblem, match="minute must be 0-59"):
        kfp_cron("61 * * * *")


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_presets_are_valid_and_say_what_their_label_says(preset: object) -> None:
    assert check_cron(preset.cron) == preset.cron  # type: ignore[attr-defined]
    assert describe(preset.cron)  # type: ignore[attr-defined]


def test_a_schedule_says_its_zone() -> None:
    assert parse_schedule("0 6 * * *", "Europe/Paris").describe() == (
        "every day at 06:00 (Europe/Paris)"
    )
    assert parse_schedule("0 6 1 1 *", "UTC").describe() == "0 6 1 1 * (UTC)"


def test_naive_times_are_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_times("0 6 * * *", "UTC", datetime(2026, 1, 1), 1)


cron_like = st.lists(
    st.sampled_from(["*", "*/5", "0", "59", "60", "1-5", "5-1", ",", "/", "-", "MON", "JAN", "L"])
    | st.text(max_size=6),
    min_size=0,
    max_size=7,
).map(" ".join)


@given(st.one_of(st.text(max_size=120), cron_like), st.one_of(st.text(max_size=40), st.just("UTC")))
def test_any_text_gives_a_schedule_or_a_one_line_problem(cron: str, zone: str) -> None:
    try:
        schedule = parse_schedule(cron, zone)
    except CronProblem as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    after = datetime(2026, 6, 1, tzinfo=UTC)
    times = schedule.next_times(after, 3)
    assert times == sorted(times) and all(t > after for t in times)
    assert kfp_cron(schedule.cron).startswith("0 ")
