"""Programme time: the calendar a programme's people live in, even when a demo compresses it.

A real programme's day lasts a day, and programme time is the wall clock in the programme's time
zone. A demo runs the same workflows with a day of a few seconds; its clock maps that compressed
time onto the programme's calendar, demo day N being `starts_on` + N days, so that e-mails,
deadlines, timelines and reports speak in programme dates, and sessions are planned on programme
working days and mapped back to the moment the compressed run reaches them.

Pure: the caller gives the moment the programme began (`origin`), from its workflow's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

REAL_DAY_SECONDS = 86_400
DEFAULT_TIMEZONE = "Europe/Paris"
# Where a compressed programme's first moment falls on its first day: the start of a working day.
_COMPRESSED_START = time(9, 0)


@dataclass(frozen=True)
class ProgrammeClock:
    origin: datetime  # the moment the programme began, timezone-aware
    starts_on: date
    timezone: str = DEFAULT_TIMEZONE
    day_seconds: int = REAL_DAY_SECONDS

    def __post_init__(self) -> None:
        if self.origin.tzinfo is None:
            raise ValueError("the programme clock's origin must be timezone-aware")
        if self.day_seconds <= 0:
            raise ValueError("a programme day lasts a positive number of seconds")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def compressed(self) -> bool:
        return self.day_seconds != REAL_DAY_SECONDS

    @property
    def _programme_origin(self) -> datetime:
        return datetime.combine(self.starts_on, _COMPRESSED_START, tzinfo=self.zone)

    @property
    def _speed(self) -> float:
        """Programme seconds per elapsed second."""
        return REAL_DAY_SECONDS / self.day_seconds

    def programme_time(self, moment: datetime) -> datetime:
        """`moment` of the run as the programme's people see it, in the programme's time zone."""
        if not self.compressed:
            return moment.astimezone(self.zone)
        # Absolute arithmetic (in UTC): a day of programme time across a daylight-saving change
        # is still 24 hours, as it is for a real programme.
        elapsed = (moment - self.origin) * self._speed
        # To the second: a microsecond of the run is most of a programme second in a demo.
        elapsed = timedelta(seconds=round(elapsed.total_seconds()))
        return (self._programme_origin.astimezone(UTC) + elapsed).astimezone(self.zone)

    def run_time(self, moment: datetime) -> datetime:
        """The moment the run reaches programme time `moment` (the inverse of `programme_time`)."""
        if not self.compressed:
            return moment.astimezone(UTC)
        # In UTC: two times of one zone subtract as wall-clock times, which a daylight-saving
        # change between them would put an hour out.
        elapsed = (moment.astimezone(UTC) - self._programme_origin.astimezone(UTC)) / self._speed
        return (self.origin + elapsed).astimezone(UTC)

    def programme_days(self, span: timedelta) -> float:
        """A span of the run in programme days (a response time, a delay)."""
        return span.total_seconds() / self.day_seconds

    def programme_date(self, moment: datetime) -> date:
        return self.programme_time(moment).date()

    @classmethod
    def recorded(
        cls,
        starts_on: date,
        *,
        origin: datetime | None,
        timezone: str = DEFAULT_TIMEZONE,
        day_seconds: int = REAL_DAY_SECONDS,
    ) -> ProgrammeClock:
        """The clock a programme's launch recorded. A launch recorded before the clock was (no
        origin) ran in real time: its recorded times are its programme times."""
        if origin is None:
            origin = datetime.combine(starts_on, time(0), tzinfo=UTC)
            day_seconds = REAL_DAY_SECONDS
        return cls(origin=origin, starts_on=starts_on, timezone=timezone, day_seconds=day_seconds)

    def programme_week(self, moment: datetime) -> int:
        """The programme week `moment` falls in: 1 for `starts_on` and the six days after it."""
        return (self.programme_date(moment) - self.starts_on).days // 7 + 1

    def week_starts_on(self, week: int) -> date:
        return self.starts_on + timedelta(days=7 * (week - 1))
