"""Calendar invitations for a pair's sessions (RFC 5545 iCalendar, iTIP methods of RFC 5546).

The sessions are one recurring series: a master event repeating at the cadence from the first
planned session (a weekly rule when the cadence is whole weeks: "every 2 weeks"), with one
override (RECURRENCE-ID) per session that has moved from its planned date (a reschedule, a pause).
Each change is sent again with the same UID and a higher SEQUENCE, so calendars update the series
in place instead of adding a second one; an early end sends METHOD:CANCEL for the whole series.

Pure: the caller gives every date, the stamp included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class CalendarMethod(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class SessionSlot:
    number: int
    planned_at: datetime  # where the series' rule puts it
    at: datetime  # where it is now


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


_LINE_OCTETS = 75


def series_ics(series: SessionSeries) -> bytes:
    """The series as an iCalendar object (CRLF lines, folded at 75 octets, UTF-8)."""
    if not series.sessions:
        raise ValueError("a session series needs at least one session")
    first = min(series.sessions, key=lambda s: s.number)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tandem//Reverse mentoring//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{series.method.value}",
        *_event(series, start=first.planned_at, rule=True),
    ]
    if series.method is CalendarMethod.REQUEST:
        for slot in sorted(series.sessions, key=lambda s: s.number):
            if slot.at != slot.planned_at:
                lines += _event(series, start=slot.at, recurrence_id=slot.planned_at)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines).encode()


def _event(
    series: SessionSeries,
    *,
    start: datetime,
    rule: bool = False,
    recurrence_id: datetime | None = None,
) -> list[str]:
    cancelled = series.method is CalendarMethod.CANCEL
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(series.uid)}",
        f"SEQUENCE:{series.sequence}",
        f"DTSTAMP:{_utc(series.stamp)}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(start + timedelta(minutes=series.minutes))}",
    ]
    if recurrence_id is not None:
        lines.append(f"RECURRENCE-ID:{_utc(recurrence_id)}")
    if rule:
        lines.append(f"RRULE:{_frequency(series.cadence)};COUNT={len(series.sessions)}")
    lines += [
        f"SUMMARY:{_text(series.summary)}",
        f"DESCRIPTION:{_text(series.description)}",
        f"ORGANIZER{_cn(series.organizer)}:mailto:{series.organizer.email}",
    ]
    for person in series.attendees:
        lines.append(
            f"ATTENDEE{_cn(person)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
            f":mailto:{person.email}"
        )
    lines += [
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]
    return lines


def _frequency(cadence: timedelta) -> str:
    # Whole days in production; a demo compresses days to seconds, and its invites follow.
    seconds = int(cadence.total_seconds())
    if seconds <= 0:
        raise ValueError("the cadence must be positive")
    if seconds % (7 * 86_400) == 0:  # fortnightly sessions read as "every 2 weeks"
        return f"FREQ=WEEKLY;INTERVAL={seconds // (7 * 86_400)}"
    if seconds % 86_400 == 0:
        return f"FREQ=DAILY;INTERVAL={seconds // 86_400}"
    if seconds % 60 == 0:
        return f"FREQ=MINUTELY;INTERVAL={seconds // 60}"
    return f"FREQ=SECONDLY;INTERVAL={seconds}"


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """TEXT escaping of RFC 5545 §3.3.11."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _cn(person: Attendee) -> str:
    if not person.name:
        return ""
    # A parameter value with : ; , must be quoted, and may not contain a double quote.
    return f';CN="{person.name.replace(chr(34), "")}"'


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1)."""
    raw = line.encode()
    if len(raw) <= _LINE_OCTETS:
        return line
    parts: list[str] = []
    start, limit = 0, _LINE_OCTETS
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # inside a character: step back
            end -= 1
        parts.append(raw[start:end].decode())
        start, limit = end, _LINE_OCTETS - 1  # continuation lines start with a space
    return "\r\n ".join(parts)


def slots(sessions: Sequence[tuple[int, str, str]]) -> tuple[SessionSlot, ...]:
    """Slots from the (number, planned ISO time, current ISO time) triples a workflow sends."""
    return tuple(
        SessionSlot(number, datetime.fromisoformat(planned), datetime.fromisoformat(at))
        for number, planned, at in sessions
    )
