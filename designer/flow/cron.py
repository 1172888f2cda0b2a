"""Cron schedules: check an expression, preview its next times, say it in words, hand it to KFP.

A schedule is a five-field cron expression (minute, hour, day of month, month, day of week) read
in an IANA time zone ("Europe/Paris"). The grammar is the part that the designer's own scheduler
(croniter) and Kubeflow's (robfig/cron, seconds first) read the same way: numbers, month and
day names (JAN-DEC, SUN-SAT), ``*``, ranges ``1-5``, steps ``*/15`` and ``8-18/2``, lists
``1,15``, and the shortcuts ``@hourly``, ``@daily``, ``@weekly``, ``@monthly`` and ``@yearly``
(stored expanded). Anything else (``L``, ``W``, ``#``, ``?``, a seventh field) is refused with a
sentence saying what to write instead, so a schedule never means one thing here and another on
the cluster.

Times follow the wall clock of the schedule's zone: a time that happens twice when clocks go
back runs once (the first time), and a time the clock skips when it goes forward runs that much
later (02:30 on the night clocks jump from 02:00 to 03:00 runs at 03:30).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

#: Longest expression accepted: the longest sensible one is far shorter.
MAX_LENGTH = 100
#: How many times a preview shows by default.
PREVIEW_COUNT = 5
#: Clocks jump by at most two hours (Antarctica/Troll); ticks are searched that far around.
_DST_MARGIN = timedelta(hours=2, minutes=1)

MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}
DAYS = {
    name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))
}
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


@dataclass(frozen=True)
class Preset:
    """A schedule people pick by name in the dialog (``designer schedules add --cron``)."""

    key: str
    label: str
    cron: str


PRESETS = (
    Preset("hourly", "Every hour", "0 * * * *"),
    Preset("daily", "Every day at 06:00", "0 6 * * *"),
    Preset("weekdays", "Weekdays at 08:00", "0 8 * * 1-5"),
    Preset("weekly", "Every Monday at 06:00", "0 6 * * 1"),
)


class CronProblem(ValueError):
    """A schedule that cannot be used; the message quotes it and says what is wrong, in words."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None

    @property
    def allowed(self) -> str:
        if self.names is MONTHS:
            return f"{self.low}-{self.high} or JAN-DEC"
        if self.names is DAYS:
            return f"{self.low}-{self.high} or SUN-SAT, 0 being Sunday"
        return f"{self.low}-{self.high}"


FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, MONTHS),
    _Field("day of week", 0, 6, DAYS),
)
_FIELD_WORDS = "minute hour day-of-month month day-of-week"
_EXAMPLE = "'0 6 * * *' is every day at 06:00"
_NUMBER = re.compile(r"[0-9]{1,2}", re.ASCII)
_NAME = re.compile(r"[A-Z]{3}", re.ASCII)


@dataclass(frozen=True)
class Schedule:
    """A checked cron expression (normalised: five fields, single spaces) in a time zone."""

    cron: str
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def next_times(self, after: datetime, count: int = PREVIEW_COUNT) -> list[datetime]:
        """The next ``count`` times strictly after ``after``, in the schedule's zone."""
        zone = self.zone
        found: list[datetime] = []
        wall = _wall(after, zone) - _DST_MARGIN
        ticks = croniter(self.cron, wall)
        # A minute-by-minute schedule walks through the margin first: a few hundred steps.
        for _ in range(count + 400):
            if len(found) >= count:
                break
            moment = _instant(ticks.get_next(datetime), zone)
            if moment > after and (not found or moment > found[-1]):
                found.append(moment)
        return [moment.astimezone(zone) for moment in found]

    def latest(self, now: datetime) -> datetime:
        """The last time the schedule came round at or before ``now`` (UTC)."""
        zone = self.zone
        ticks = croniter(self.cron, _wall(now, zone) + _DST_MARGIN)
        for _ in range(400):
            moment = _instant(ticks.get_prev(datetime), zone)
            if moment <= now:
                return moment
        raise CronProblem(f"Schedule '{self.cron}': no time found before {now:%Y-%m-%d %H:%M}")

    def next_after(self, moment: datetime) -> datetime:
        """The first time strictly after ``moment``, in UTC."""
        return self.next_times(moment, 1)[0].astimezone(UTC)

    def describe(self) -> str:
        """The schedule in words, with its zone; the expression itself when that is not cheap."""
        words = describe(self.cron)
        return f"{words} ({self.time_zone})" if words else f"{self.cron} ({self.time_zone})"


def parse_schedule(cron: str, time_zone: str = "UTC") -> Schedule:
    """Check both parts of a schedule; ``CronProblem`` says what is wrong with the first bad one."""
    return Schedule(check_cron(cron), check_time_zone(time_zone))


def next_times(
    cron: str, time_zone: str, after: datetime, count: int = PREVIEW_COUNT
) -> list[datetime]:
    """The preview: the next ``count`` times of the schedule after ``after``, in its zone."""
    return parse_schedule(cron, time_zone).next_times(after, count)


def check_cron(expression: str) -> str:
    """``expression`` normalised (five fields, single spaces, names upper case, shortcuts
    expanded), or ``CronProblem`` naming the first field that is wrong."""
    if not isinstance(expression, str) or not expression.strip():
        raise CronProblem(f"The schedule is empty: give five fields ({_FIELD_WORDS}); {_EXAMPLE}")
    shown = _shown(expression)
    if len(expression) > MAX_LENGTH:
        raise CronProblem(f"Schedule '{shown}': too long (at most {MAX_LENGTH} characters)")
    text = " ".join(expression.split()).upper()
    if text.startswith("@"):
        expanded = SHORTCUTS.get(text.lower())
        if expanded is None:
            raise CronProblem(
                f"Schedule '{shown}': unknown shortcut; use @hourly, @daily, @weekly, @monthly "
                "or @yearly"
            )
        text = expanded
    parts = text.split(" ")
    if len(parts) != len(FIELDS):
        raise CronProblem(
            f"Schedule '{shown}': expected 5 fields ({_FIELD_WORDS}), found {len(parts)}; "
            f"{_EXAMPLE}"
        )
    for field, part in zip(FIELDS, parts, strict=True):
        problem = _field_problem(field, part)
        if problem:
            raise CronProblem(f"Schedule '{shown}': {problem}")
    normalised = " ".join(parts)
    try:
        croniter(normalised, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        raise CronProblem(
            f"Schedule '{shown}': never comes round (no date has that day and month)"
        ) from None
    except CroniterBadCronError as exc:  # a combination the checks above did not foresee
        raise CronProblem(f"Schedule '{shown}': cannot be read ({exc})") from None
    return normalised


def check_time_zone(name: str) -> str:
    """The IANA time zone ``name``, or ``CronProblem`` saying how to name one."""
    cleaned = name.strip() if isinstance(name, str) else ""
    if cleaned in time_zones():
        return cleaned
    if found := _zones_by_lower_name().get(cleaned.lower()):
        return found
    shown = _shown(name) if isinstance(name, str) else ""
    said = f"Time zone '{shown}' is unknown" if shown else "No time zone given"
    raise CronProblem(f"{said}: use an IANA name such as UTC, Europe/Paris or America/New_York")


@functools.cache
def time_zones() -> frozenset[str]:
    """Every time zone this machine knows, UTC included even without a time zone database."""
    return frozenset(available_timezones()) | {"UTC"}


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in time_zones()}


def common_time_zones() -> list[str]:
    """The zones a picker offers: UTC first, then the Area/City ones, sorted."""
    zones = sorted(
        z for z in time_zones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/"))
    )
    return ["UTC", *zones]


def describe(cron: str) -> str:
    """A normalised expression in words when that is cheap ("every day at 06:00"), else ""."""
    parts = cron.split(" ")
    if len(parts) != 5:
        return ""
    minute, hour, day, month, weekday = parts
    if parts == ["*"] * 5:
        return "every minute"
    if minute.startswith("*/") and _NUMBER.fullmatch(minute[2:]) and parts[1:] == ["*"] * 4:
        return f"every {int(minute[2:])} minutes"
    if not _NUMBER.fullmatch(minute):
        return ""
    if hour == "*" and parts[2:] == ["*"] * 3:
        return f"every hour at :{int(minute):02d}"
    if hour.startswith("*/") and _NUMBER.fullmatch(hour[2:]) and parts[2:] == ["*"] * 3:
        return f"every {int(hour[2:])} hours at :{int(minute):02d}"
    if not _NUMBER.fullmatch(hour):
        return ""
    at = f"{int(hour):02d}:{int(minute):02d}"
    if month != "*":
        return ""
    if day == "*":
        days = _weekdays(weekday)
        return f"{days} at {at}" if days else ""
    if _NUMBER.fullmatch(day) and weekday == "*":
        return f"on day {int(day)} of every month at {at}"
    return ""


def kfp_cron(cron: str) -> str:
    """``cron`` as Kubeflow's recurring runs read it: six fields, seconds first.

    Kubeflow's scheduler also reads five fields, but as seconds, minutes, hours, day and month:
    "0 6 * * *" would run every hour at six minutes past. Hence the explicit leading "0".
    """
    return f"0 {check_cron(cron)}"


def _field_problem(field: _Field, part: str) -> str:
    """What is wrong with one field, in words, or "" when nothing is."""
    for item in part.split(","):
        if not item:
            return f"{field.name} has an empty item in its list; write e.g. 1,15"
        base, slash, step = item.partition("/")
        problem = _base_problem(field, base)
        if problem:
            return problem
        span = field.high - field.low + 1
        if slash and (not _NUMBER.fullmatch(step) or not 1 <= int(step) <= span):
            return f"{field.name}: the step after '/' must be a number from 1 to {span}"
        if slash and base != "*" and "-" not in base:
            # Kubeflow's scheduler reads "5/15" as just 5, croniter as 5, 20, 35, 50: ask for
            # the form both read alike.
            return (
                f"{field.name}: write a step over a range, as {base}-{field.high}/{step} "
                f"(or */{step} for the whole {field.name} range)"
            )
    return ""


def _base_problem(field: _Field, base: str) -> str:
    """What is wrong with ``*``, a value or a range, or ""."""
    if base == "*":
        return ""
    low_text, dash, high_text = base.partition("-")
    low = _value(field, low_text)
    high = _value(field, high_text) if dash else low
    if low is None or high is None:
        bad = low_text if low is None else high_text
        if _NUMBER.fullmatch(bad) or (field.names and _NAME.fullmatch(bad)):
            return f"{field.name} must be {field.allowed}"
        return (
            f"{field.name}: cannot read '{_shown(bad)}'; use numbers ({field.allowed}), "
            "* for any, ranges (1-5), steps (*/15) and lists (1,15)"
        )
    if high < low:
        return f"{field.name}: the range {base} runs backwards; write the smaller number first"
    return ""


def _value(field: _Field, text: str) -> int | None:
    """The number ``text`` stands for in ``field``, or None if it is not one of its values."""
    if _NUMBER.fullmatch(text):
        number = int(text)
        return number if field.low <= number <= field.high else None
    if field.names and text in field.names:
        return field.names[text]
    return None


def _weekdays(part: str) -> str:
    """ "every day", "every weekday (Monday to Friday)", "every Monday and Thursday", or ""."""
    if part == "*":
        return "every day"
    if part in ("1-5", "MON-FRI"):
        return "every weekday (Monday to Friday)"
    if part in ("0,6", "6,0", "SAT,SUN", "SUN,SAT"):
        return "every Saturday and Sunday"
    days = [_value(FIELDS[4], item) for item in part.split(",")]
    if any(day is None for day in days):
        return ""
    names = [DAY_NAMES[day] for day in sorted(set(d for d in days if d is not None))]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"every {listed}"


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` as the wall clock in ``zone`` shows it, without a zone."""
    if moment.tzinfo is None:
        raise ValueError(f"schedules take timezone-aware times; got naive {moment}")
    return moment.astimezone(zone).replace(tzinfo=None)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """When the wall-clock time ``wall`` happens in ``zone``, in UTC: the first of the two when
    clocks go back; read with the offset from before the jump when clocks skip it."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _shown(text: str) -> str:
    """``text`` fit to quote in one line of a message: printable, at most 40 characters."""
    cleaned = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    return cleaned if len(cleaned) <= 40 else cleaned[:39] + "…"
