"""Calendar invitations for a pair's sessions (RFC 5545 iCalendar, iTIP methods of RFC 5546),
written with the `icalendar` library.

The sessions are one series, one UID: a master event repeating at the cadence from the first
planned session (a weekly rule when the cadence is whole weeks: "every 2 weeks"), and one event
per session (RECURRENCE-ID: the occurrence the rule planned) giving where it takes place now and
why, when it moved (a public holiday, a reschedule, a pause). Times carry the programme's TZID
with its VTIMEZONE, so a session at 14:00 in Paris shows at 14:00 in Paris across a change of
daylight saving, in whatever zone the reader's calendar is in. Each change is sent again with the
same UID and a higher SEQUENCE, so calendars update the series in place instead of adding a second
one; an early end sends METHOD:CANCEL for the whole series.

Pure: the caller gives every date, the stamp included, and every word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

import icalendar


class CalendarMethod(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"  # a calendar feed: what is planned, with no invitation to answer


@dataclass(frozen=True)
class SessionSlot:
    number: int
    planned_at: datetime  # where the series' rule puts it
    at: datetime  # where it is now
    moved_from: date | None = None  # the public holiday it moved from
    summary: str = ""  # its own title ("Séance 3 sur 12 avec …"); the series' when empty
    note: str = ""  # why it is not where the rule put it, in the reader's words
    details: str = ""  # what it is about (its theme and exercise), in the reader's words


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class SessionSeries:
    uid: str
    sequence: int
    method: CalendarMethod
    summary: str
    description: str
    organizer: Attendee
    attendees: tuple[Attendee, ...]
    cadence: timedelta
    minutes: int
    sessions: tuple[SessionSlot, ...]
    stamp: datetime
    timezone: str | None = None  # the programme's (IANA); None gives the times in UTC


def series_ics(series: SessionSeries) -> bytes:
    """The series as an iCalendar object (CRLF lines, folded at 75 octets, UTF-8)."""
    calendar = _calendar(series.method)
    _add_series(calendar, series)
    _add_zones(calendar, [series])
    return bytes(calendar.to_ical())


def feed_ics(
    series: Sequence[SessionSeries], name: str, timezone: str, refresh: timedelta
) -> bytes:
    """A calendar feed: every series given (METHOD:PUBLISH), named `name` in the reader's list of
    calendars, to be fetched again every `refresh` (RFC 7986 REFRESH-INTERVAL, and the older
    X-PUBLISHED-TTL some applications read instead). With no series it still holds the
    programme's `timezone`: a calendar object holds at least one component (RFC 5545)."""
    calendar = _calendar(CalendarMethod.PUBLISH)
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", refresh)
    for one in series:
        _add_series(calendar, one)
    _add_zones(calendar, series)
    if not calendar.walk("VTIMEZONE"):
        calendar.add_component(icalendar.Timezone.from_tzid(timezone))
    return bytes(calendar.to_ical())


def _calendar(method: CalendarMethod) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Tandem//Reverse mentoring//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    return calendar


def _add_series(calendar: icalendar.Calendar, series: SessionSeries) -> None:
    if not series.sessions:
        raise ValueError("a session series needs at least one session")
    for slot in series.sessions:
        for moment in (slot.planned_at, slot.at):
            if moment.tzinfo is None:
                raise ValueError("calendar times must be timezone-aware")
    zone: tzinfo = ZoneInfo(series.timezone) if series.timezone else UTC
    ordered = sorted(series.sessions, key=lambda s: s.number)
    master = _event(series, ordered[0].planned_at.astimezone(zone))
    master.add("rrule", _rule(series.cadence, len(ordered)))
    calendar.add_component(master)
    if series.method is not CalendarMethod.CANCEL:
        for slot in ordered:
            calendar.add_component(_occurrence(series, slot, zone))


def _add_zones(calendar: icalendar.Calendar, series: Sequence[SessionSeries]) -> None:
    # The zones' rules over the series' years only: a calendar needs no more, and 1970-2038
    # would be most of the file.
    moments = [
        m for one in series if one.timezone for s in one.sessions for m in (s.planned_at, s.at)
    ]
    if moments:
        calendar.add_missing_timezones(
            first_date=date(min(moments).year, 1, 1), last_date=date(max(moments).year + 1, 1, 1)
        )


def _event(series: SessionSeries, start: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", series.uid)
    event.add("sequence", series.sequence)
    event.add("dtstamp", series.stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=series.minutes))
    event.add("summary", series.summary)
    event.add("description", series.description)
    event.add("organizer", _address(series.organizer))
    # A published calendar lists no attendees: nobody is asked to answer it (RFC 5546 §3.2.1).
    invited = () if series.method is CalendarMethod.PUBLISH else series.attendees
    for person in invited:
        attendee = _address(person)
        attendee.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION"})
        attendee.params["RSVP"] = "FALSE"
        event.add("attendee", attendee)
    cancelled = series.method is CalendarMethod.CANCEL
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _occurrence(series: SessionSeries, slot: SessionSlot, zone: tzinfo) -> icalendar.Event:
    event = _event(series, slot.at.astimezone(zone))
    event.add("recurrence-id", slot.planned_at.astimezone(zone))
    if slot.summary:
        event["summary"] = icalendar.vText(slot.summary)
    own = [text for text in (slot.note, slot.details) if text]
    if own:
        event["description"] = icalendar.vText("\n\n".join((*own, series.description)))
    return event


def _address(person: Attendee) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    if person.name:
        # A parameter value may not contain a double quote (RFC 5545 §3.2).
        address.params["CN"] = icalendar.vText(person.name.replace('"', ""))
    return address


def _rule(cadence: timedelta, count: int) -> dict[str, object]:
    # Whole days in production; a demo compresses days to seconds, and its invites follow.
    seconds = int(cadence.total_seconds())
    if seconds <= 0:
        raise ValueError("the cadence must be positive")
    if seconds % (7 * 86_400) == 0:  # fortnightly sessions read as "every 2 weeks"
        return {"freq": "WEEKLY", "interval": seconds // (7 * 86_400), "count": count}
    if seconds % 86_400 == 0:
        return {"freq": "DAILY", "interval": seconds // 86_400, "count": count}
    if seconds % 60 == 0:
        return {"freq": "MINUTELY", "interval": seconds // 60, "count": count}
    return {"freq": "SECONDLY", "interval": seconds, "count": count}


def slots(sessions: Sequence[Sequence[int | str]]) -> tuple[SessionSlot, ...]:
    """Slots from the [number, planned ISO time, current ISO time, holiday moved from?] lists a
    workflow sends."""
    return tuple(
        SessionSlot(
            int(entry[0]),
            datetime.fromisoformat(str(entry[1])),
            datetime.fromisoformat(str(entry[2])),
            date.fromisoformat(str(entry[3])) if len(entry) > 3 and entry[3] else None,
        )
        for entry in sessions
    )
