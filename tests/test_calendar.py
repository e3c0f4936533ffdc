"""Session invitations: what calendar applications read from the ICS Tandem sends.

Each invitation is parsed with `icalendar` and expanded with `recurring_ical_events`, the way a
calendar application turns a series and its overrides into the sessions it shows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from domain.calendar import Attendee, CalendarMethod, SessionSeries, SessionSlot, series_ics

PARIS = ZoneInfo("Europe/Paris")
FIRST = datetime(2027, 2, 1, 9, 0, tzinfo=PARIS)
CADENCE = timedelta(days=14)


def _regular(count: int = 3, first: datetime = FIRST) -> tuple[SessionSlot, ...]:
    def at(k: int) -> datetime:  # the same local time every fortnight, as the planner gives
        return datetime.combine(first.date() + (k - 1) * CADENCE, first.timetz())

    return tuple(SessionSlot(k, at(k), at(k), summary=f"Séance {k}") for k in range(1, count + 1))


def _series(
    sessions: tuple[SessionSlot, ...] | None = None,
    *,
    method: CalendarMethod = CalendarMethod.REQUEST,
    sequence: int = 0,
    summary: str = "Mentorat inversé : séance avec Zoé Lefèvre",
    timezone: str | None = "Europe/Paris",
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
        sessions=sessions or _regular(),
        stamp=datetime(2027, 1, 20, 8, 0, tzinfo=UTC),
        timezone=timezone,
    )


def _parse(series: SessionSeries) -> Any:  # see tests/calendar_helpers.py
    raw = series_ics(series)
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75  # folded, as RFC 5545 requires
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    return icalendar.Calendar.from_ical(raw)


def _shown(calendar: Any) -> list[Any]:
    """The sessions a calendar application shows, in order."""
    return list(recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2029, 1, 1)))


def test_a_series_is_one_uid_with_one_event_per_session_in_the_programme_zone() -> None:
    calendar = _parse(_series())
    assert str(calendar["METHOD"]) == "REQUEST"
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    master, *sessions = calendar.walk("VEVENT")
    assert "RECURRENCE-ID" not in master
    rule = master["RRULE"]
    assert (rule["FREQ"], rule["INTERVAL"], rule["COUNT"]) == (["WEEKLY"], [2], [3])
    assert [s.decoded("RECURRENCE-ID") for s in sessions] == [s.planned_at for s in _regular()]
    assert {str(e["UID"]) for e in calendar.walk("VEVENT")} == {"pair:pilote-2027:0001@tandem"}
    assert master["DTSTART"].params["TZID"] == "Europe/Paris"
    shown = _shown(calendar)
    assert [str(e["SUMMARY"]) for e in shown] == ["Séance 1", "Séance 2", "Séance 3"]
    assert [e.decoded("DTSTART") for e in shown] == [s.at for s in _regular()]
    assert shown[0].decoded("DTEND") == FIRST + timedelta(minutes=60)
    assert str(master["SUMMARY"]) == "Mentorat inversé : séance avec Zoé Lefèvre"
    assert str(master["DESCRIPTION"]).endswith("Deuxième ligne; avec, ponctuation")
    attendees = sorted(str(a) for a in master["ATTENDEE"])
    assert attendees == ["mailto:marc@example.org", "mailto:zoe@example.org"]
    assert str(master["ORGANIZER"]) == "mailto:tandem@example.org"


def test_a_session_keeps_its_local_time_across_the_change_to_summer_time() -> None:
    # 14:00 in Paris on 16 March (UTC+1), 30 March (UTC+2, after the change of 28 March).
    sessions = _regular(3, datetime(2027, 3, 16, 14, 0, tzinfo=PARIS))
    shown = _shown(_parse(_series(sessions)))
    local = [e.decoded("DTSTART").astimezone(PARIS) for e in shown]
    assert [(t.hour, t.minute) for t in local] == [(14, 0)] * 3
    assert [e.decoded("DTSTART").astimezone(UTC).hour for e in shown] == [13, 12, 12]


def test_a_session_moved_from_a_holiday_shows_on_its_new_day_and_says_why() -> None:
    first = datetime(2027, 3, 15, 10, 0, tzinfo=PARIS)  # a Monday; 29 March is Easter Monday
    planned = _regular(3, first)
    moved = SessionSlot(
        2,
        planned[1].planned_at,
        planned[1].planned_at + timedelta(days=1),
        moved_from=date(2027, 3, 29),
        summary="Séance 2",
        note="Déplacée : le lundi 29 mars 2027 est férié (Lundi de Pâques).",
    )
    shown = _shown(_parse(_series((planned[0], moved, planned[2]))))
    assert [e.decoded("DTSTART").date() for e in shown] == [
        date(2027, 3, 15),
        date(2027, 3, 30),
        date(2027, 4, 12),
    ]
    assert str(shown[1]["DESCRIPTION"]).startswith("Déplacée : le lundi 29 mars 2027 est férié")
    assert shown[1].decoded("DTSTART").astimezone(PARIS).hour == 10


def test_an_update_replaces_the_series_a_calendar_holds() -> None:
    # What a calendar application does with an iTIP REQUEST: same UID, higher SEQUENCE: replace.
    first = _parse(_series(sequence=0))
    later = _regular()
    moved = SessionSlot(3, later[2].planned_at, later[2].at + timedelta(days=2), summary="Séance 3")
    update = _parse(_series((later[0], later[1], moved), sequence=1))
    before, after = first.walk("VEVENT"), update.walk("VEVENT")
    assert {str(e["UID"]) for e in after} == {str(e["UID"]) for e in before}  # the same series
    assert min(e["SEQUENCE"] for e in after) > max(e["SEQUENCE"] for e in before)  # newer
    assert [e.decoded("RECURRENCE-ID") for e in after[1:]] == [
        e.decoded("RECURRENCE-ID") for e in before[1:]
    ]  # each session replaces its own
    assert [e.decoded("DTSTART") for e in _shown(update)][2] == later[2].at + timedelta(days=2)


def test_an_early_end_cancels_the_whole_series() -> None:
    calendar = _parse(_series(method=CalendarMethod.CANCEL, sequence=3))
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert "RECURRENCE-ID" not in event  # the whole series, not one session
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 3
    assert str(event["UID"]) == "pair:pilote-2027:0001@tandem"


def test_long_lines_fold_without_breaking_a_character() -> None:
    summary = "Séance « très » longue avec des accents : é è à ù ç " * 6
    calendar = _parse(_series(summary=summary))
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == summary


def test_a_cadence_in_days_that_are_not_whole_weeks_repeats_daily() -> None:
    series = _series()
    every_ten = SessionSeries(**{**series.__dict__, "cadence": timedelta(days=10)})
    event = _parse(every_ten).walk("VEVENT")[0]
    assert (event["RRULE"]["FREQ"], event["RRULE"]["INTERVAL"]) == (["DAILY"], [10])


def test_without_a_time_zone_times_are_given_in_utc() -> None:
    calendar = _parse(_series(timezone=None))
    assert not calendar.walk("VTIMEZONE")
    assert calendar.walk("VEVENT")[0].decoded("DTSTART") == FIRST.astimezone(UTC)


def test_naive_times_and_empty_series_are_refused() -> None:
    naive = SessionSlot(1, datetime(2027, 2, 1, 9), datetime(2027, 2, 1, 9))
    with pytest.raises(ValueError, match="timezone-aware"):
        series_ics(_series((naive,)))
    with pytest.raises(ValueError, match="at least one session"):
        series_ics(SessionSeries(**{**_series().__dict__, "sessions": ()}))
