"""When a pair can meet: the programme's time zone, working days and hours, public holidays, and
the slots each partner gave in their self-assessment ("tue-pm": Tuesday afternoon).

A pair meets at one slot both gave, on a working day, in working hours in the programme's time
zone. A session whose date falls on a public holiday moves to the next working day at the same
time of day, and says so. Times are wall-clock times of the programme's zone: a session at 14:00
stays at 14:00 across a daylight-saving change (its UTC instant moves instead).

Pure: the public holidays arrive as dates (domain.holiday_calendar computes them from the
programme file's region).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DAYS = ("mon", "tue", "wed", "thu", "fri")
# A weekly slot: a working day's morning or afternoon.
Slot = Literal[
    "mon-am",
    "mon-pm",
    "tue-am",
    "tue-pm",
    "wed-am",
    "wed-pm",
    "thu-am",
    "thu-pm",
    "fri-am",
    "fri-pm",
]
SLOTS: tuple[str, ...] = get_args(Slot)
# Asked of a pair with no slot in common: a working-day default both are asked to confirm or change.
DEFAULT_SLOT = "tue-am"
# An afternoon session starts here, unless the working day ends too soon for it.
_AFTERNOON = time(14, 0)


class WorkingHours(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: time = time(9, 0)
    end: time = time(18, 0)

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError("working hours must end after they start")
        return self

    @property
    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)


class MeetingRules(BaseModel):
    """The programme's terms for when sessions take place."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "Europe/Paris"
    # The public holidays' region, as the programme file says it ("FR", "FR-57"), or "none".
    holidays: str = "FR"
    # The region's public holidays over the programme's span (domain.holiday_calendar).
    holiday_dates: tuple[date, ...] = ()
    session_minutes: int = Field(60, gt=0)
    working_hours: WorkingHours = WorkingHours()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < len(DAYS) and day not in self.holiday_dates

    def is_holiday(self, day: date) -> bool:
        return day in self.holiday_dates

    def slot_time(self, slot: str) -> time:
        """When a session at `slot` starts: mornings when the working day starts, afternoons at
        14:00, earlier if the working day ends before a session would."""
        hours = self.working_hours
        if _half(slot) == "am":
            return hours.start
        latest = _minutes(hours.end) - self.session_minutes
        start = max(_minutes(hours.start), min(_minutes(_AFTERNOON), latest))
        return time(start // 60, start % 60)

    def within_working_hours(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        begins = _minutes(local.time())
        hours = self.working_hours
        return (
            _minutes(hours.start) <= begins
            and begins + self.session_minutes <= _minutes(hours.end)
            and local.date() == (local + timedelta(minutes=self.session_minutes)).date()
        )

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


@dataclass(frozen=True)
class PlannedSession:
    number: int
    # Where the series' rule puts it: the slot's day every cadence (a calendar's recurrence).
    planned: datetime
    at: datetime  # where it takes place: a working day at the slot's time, in the programme's zone
    # The public holiday the rule put it on, when it moved from there to the next working day.
    moved_from: date | None = None


def is_slot(value: str) -> bool:
    return value in SLOTS


def common_slots(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    """The slots both gave, in the order of the week."""
    shared = set(first) & set(second)
    return tuple(slot for slot in SLOTS if slot in shared)


def proposed_slot(common: Sequence[str]) -> str:
    """The slot a pair is first offered: the week's first one they share, else the default."""
    return common[0] if common else DEFAULT_SLOT


def slot_options(common: Sequence[str]) -> tuple[str, ...]:
    """What a pair may choose from: the slots they share, or any working-day slot if none."""
    return tuple(common) or SLOTS


def plan_sessions(
    after: datetime, slot: str, count: int, cadence_days: int, rules: MeetingRules
) -> list[PlannedSession]:
    """`count` sessions at `slot`, every `cadence_days`, the first a cadence after `after`.

    `after` is a moment of programme time; each session is on a working day at the slot's time.
    """
    zone = rules.zone
    weekday = slot_weekday(slot)
    start = rules.slot_time(slot)
    first = after.astimezone(zone).date() + timedelta(days=cadence_days)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    sessions: list[PlannedSession] = []
    for number in range(1, count + 1):
        nominal = first + timedelta(days=(number - 1) * cadence_days)
        # A cadence that is not whole weeks drifts off the slot's day: back onto it, forwards.
        day = nominal + timedelta(days=(weekday - nominal.weekday()) % 7)
        holiday = day if rules.is_holiday(day) else None
        day = rules.next_working_day(day)
        if sessions and day <= sessions[-1].at.date():
            day = rules.next_working_day(sessions[-1].at.date() + timedelta(days=1))
        sessions.append(
            PlannedSession(
                number=number,
                planned=datetime.combine(nominal, start, tzinfo=zone),
                at=datetime.combine(day, start, tzinfo=zone),
                moved_from=holiday,
            )
        )
    return sessions


def at_slot(day: date, slot: str | None, keep: datetime, rules: MeetingRules) -> datetime:
    """A session moved to `day`: at `slot`'s time if one is given, else at the time it had."""
    zone = rules.zone
    start = rules.slot_time(slot) if slot else keep.astimezone(zone).time().replace(tzinfo=None)
    return datetime.combine(day, start, tzinfo=zone)


def slot_weekday(slot: str) -> int:
    """The slot's day of the week (Monday 0)."""
    return DAYS.index(_day(slot))


def _day(slot: str) -> str:
    return _parts(slot)[0]


def _half(slot: str) -> str:
    return _parts(slot)[1]


def _parts(slot: str) -> tuple[str, str]:
    if slot not in SLOTS:
        raise ValueError(f"not a slot: {slot!r}")
    day, half = slot.split("-", 1)
    return day, half


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute
