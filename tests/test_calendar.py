"""Session invitations: what calendar applications read from the ICS Tandem sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from domain.calendar import Attendee, CalendarMethod, SessionSeries, SessionSlot, series_ics

FIRST = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
CADENCE = timedelta(days=14)


def _series(
    sessions: tuple[SessionSlot, ...] | None = None,
    *,
    method: CalendarMethod = CalendarMethod.REQUEST,
    sequence: int = 0,
    summary: str = "Mentorat inversé : séance avec Zoé Lefèvre",
) -> SessionSeries:
    return SessionSeries(
        uid="pair:pilote-2027:0001@tandem",
        sequence=sequence,
        method=method,
        summary=summary,
        description="Séance du programme « Pilote ».\nDeuxième ligne; avec, ponctuation",
        organizer=Attendee("tandem@example.org", "Tandem"),
        attendees=(Attendee("zoe@example.org", "Zoé Lefèvre"), Attendee("marc@example.org")),
        cadence=CADENCE,
        minutes=60,
        sessions=sessions
        or tuple(
            SessionSlot(k, FIRST + (k - 1) * CADENCE, FIRST + (k - 1) * CADENCE) for k in (1, 2, 3)
        ),
        stamp=datetime(2027, 1, 20, 8, 0, tzinfo=UTC),
    )


def _parse(series: SessionSeries) -> Any:  # see tests/calendar_helpers.py
    raw = series_ics(series)
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75  # folded, as RFC 5545 requires
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    return icalendar.Calendar.from_ical(raw)


def test_a_series_is_one_event_repeating_at_the_cadence() -> None:
    calendar = _parse(_series())
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == FIRST
    assert event.decoded("DTEND") == FIRST + timedelta(minutes=60)
    rule = event["RRULE"]
    assert (rule["FREQ"], rule["INTERVAL"], rule["COUNT"]) == (["WEEKLY"], [2], [3])
    assert str(event["UID"]) == "pair:pilote-2027:0001@tandem"
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Mentorat inversé : séance avec Zoé Lefèvre"
    assert str(event["DESCRIPTION"]).endswith("Deuxième ligne; avec, ponctuation")
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == ["mailto:marc@example.org", "mailto:zoe@example.org"]
    assert str(event["ORGANIZER"]) == "mailto:tandem@example.org"


def test_a_moved_session_is_an_override_of_its_planned_occurrence() -> None:
    moved = FIRST + CADENCE + timedelta(days=3)
    sessions = (
        SessionSlot(1, FIRST, FIRST),
        SessionSlot(2, FIRST + CADENCE, moved),
        SessionSlot(3, FIRST + 2 * CADENCE, FIRST + 2 * CADENCE),
    )
    calendar = _parse(_series(sessions, sequence=2))
    master, override = calendar.walk("VEVENT")
    assert "RRULE" in master and "RECURRENCE-ID" not in master
    assert override.decoded("RECURRENCE-ID") == FIRST + CADENCE
    assert override.decoded("DTSTART") == moved
    assert master["SEQUENCE"] == override["SEQUENCE"] == 2
    assert str(master["UID"]) == str(override["UID"])


def test_an_early_end_cancels_the_whole_series() -> None:
    calendar = _parse(_series(method=CalendarMethod.CANCEL, sequence=3))
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 3


def test_long_lines_fold_without_breaking_a_character() -> None:
    summary = "Séance « très » longue avec des accents : é è à ù ç " * 6
    calendar = _parse(_series(summary=summary))
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == summary


def test_a_cadence_in_days_that_are_not_whole_weeks_repeats_daily() -> None:
    series = _series()
    every_ten = SessionSeries(**{**series.__dict__, "cadence": timedelta(days=10)})
    (event,) = _parse(every_ten).walk("VEVENT")
    assert (event["RRULE"]["FREQ"], event["RRULE"]["INTERVAL"]) == (["DAILY"], [10])


def test_a_compressed_demo_day_gives_a_rule_in_minutes() -> None:
    series = _series()
    compressed = SessionSeries(**{**series.__dict__, "cadence": timedelta(minutes=28)})
    (event,) = _parse(compressed).walk("VEVENT")
    assert (event["RRULE"]["FREQ"], event["RRULE"]["INTERVAL"]) == (["MINUTELY"], [28])


def test_naive_times_and_empty_series_are_refused() -> None:
    naive = SessionSlot(1, datetime(2027, 2, 1, 9), datetime(2027, 2, 1, 9))
    with pytest.raises(ValueError, match="timezone-aware"):
        series_ics(_series((naive,)))
    with pytest.raises(ValueError, match="at least one session"):
        series_ics(SessionSeries(**{**_series().__dict__, "sessions": ()}))
