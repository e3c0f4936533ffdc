"""When a pair's sessions take place: working days and hours in the programme's zone, the slots
both partners gave, never on a public holiday, the same local time whatever daylight saving does.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.holiday_calendar import holiday_dates, holiday_name, parse_region
from domain.meeting_rules import (
    DEFAULT_SLOT,
    SLOTS,
    MeetingRules,
    WorkingHours,
    common_slots,
    plan_sessions,
    proposed_slot,
    slot_options,
)
from domain.programme_clock import ProgrammeClock

PARIS = ZoneInfo("Europe/Paris")
FRANCE = MeetingRules(holiday_dates=holiday_dates("FR", 2027))


def test_the_pair_meets_at_the_weeks_first_slot_both_gave() -> None:
    mentor, mentee = ("thu-pm", "mon-am", "tue-pm"), ("tue-pm", "thu-pm", "fri-am")
    assert common_slots(mentor, mentee) == ("tue-pm", "thu-pm")
    assert proposed_slot(common_slots(mentor, mentee)) == "tue-pm"
    assert slot_options(common_slots(mentor, mentee)) == ("tue-pm", "thu-pm")


def test_without_a_common_slot_a_working_day_default_and_every_slot_to_choose_from() -> None:
    assert common_slots(("mon-am",), ("fri-pm",)) == ()
    assert proposed_slot(()) == DEFAULT_SLOT
    assert slot_options(()) == SLOTS


def test_slots_start_in_working_hours_and_end_before_the_day_does() -> None:
    assert FRANCE.slot_time("tue-am") == time(9, 0)
    assert FRANCE.slot_time("tue-pm") == time(14, 0)
    short_day = MeetingRules(working_hours=WorkingHours(start=time(8, 30), end=time(14, 30)))
    assert short_day.slot_time("wed-am") == time(8, 30)
    assert short_day.slot_time("wed-pm") == time(13, 30)  # 60 minutes before the day ends


def test_a_fortnightly_series_from_january_skips_every_french_holiday() -> None:
    # A weekly Monday slot from January meets Easter Monday (29 March) and Whit Monday (17 May).
    start = datetime(2027, 1, 4, 9, 0, tzinfo=PARIS)
    sessions = plan_sessions(start, "mon-am", 20, 7, FRANCE)
    french = holidays.country_holidays("FR", years=2027)
    assert [s.at.date() for s in sessions if s.moved_from] == [
        date(2027, 3, 30),
        date(2027, 5, 18),
    ]
    assert [s.moved_from for s in sessions if s.moved_from] == [
        date(2027, 3, 29),
        date(2027, 5, 17),
    ]
    for s in sessions:
        assert s.at.weekday() < 5 and s.at.date() not in french
        assert (s.at.hour, s.at.minute) == (9, 0) and s.at.tzinfo == PARIS
    # The others stay on the slot's day, a cadence apart: the series keeps its rhythm.
    assert all(s.at.weekday() == 0 for s in sessions if not s.moved_from)
    assert all(s.planned.weekday() == 0 for s in sessions)


def test_local_time_holds_across_both_daylight_saving_changes() -> None:
    start = datetime(2027, 2, 1, 9, 0, tzinfo=PARIS)
    sessions = plan_sessions(start, "thu-pm", 20, 14, FRANCE)
    assert {(s.at.hour, s.at.minute) for s in sessions} == {(14, 0)}
    offsets = {s.at.utcoffset() for s in sessions}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}  # winter and summer both met


def test_holidays_can_be_switched_off_and_set_per_subdivision() -> None:
    start = datetime(2027, 3, 15, 9, 0, tzinfo=PARIS)
    none = MeetingRules(holidays="none", holiday_dates=holiday_dates("none", 2027))
    assert plan_sessions(start, "mon-am", 1, 14, none)[0].at.date() == date(2027, 3, 29)
    # Alsace-Moselle also rests on Good Friday (26 March 2027).
    moselle = MeetingRules(holidays="FR-57", holiday_dates=holiday_dates("FR-57", 2027))
    friday = plan_sessions(datetime(2027, 3, 8, tzinfo=PARIS), "fri-am", 2, 7, moselle)
    assert friday[1].moved_from == date(2027, 3, 26)
    assert holiday_name("FR", date(2027, 3, 29), "fr") == "Lundi de Pâques"
    assert holiday_name("FR", date(2027, 3, 29), "en") == "Easter Monday"
    assert parse_region("fr-57") is not None and parse_region("none") is None


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 6, 1)),
    slot=st.sampled_from(SLOTS),
    cadence=st.integers(min_value=5, max_value=28),
    count=st.integers(min_value=1, max_value=14),
)
def test_every_planned_session_is_a_working_day_in_working_hours_in_order(
    start: datetime, slot: str, cadence: int, count: int
) -> None:
    rules = MeetingRules(holiday_dates=holiday_dates("FR", 2026, years=4))
    sessions = plan_sessions(start.replace(tzinfo=UTC), slot, count, cadence, rules)
    assert [s.number for s in sessions] == list(range(1, count + 1))
    for before, after in itertools.pairwise(sessions):
        assert after.at.date() > before.at.date()
    for s in sessions:
        assert rules.is_working_day(s.at.date()) and rules.within_working_hours(s.at)


def test_a_compressed_demo_plans_in_programme_time_and_maps_back_to_its_run() -> None:
    origin = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    clock = ProgrammeClock(origin=origin, starts_on=date(2027, 1, 11), day_seconds=2)
    later = origin + timedelta(seconds=20)  # programme day 10
    assert clock.programme_date(later) == date(2027, 1, 21)
    (first,) = plan_sessions(clock.programme_time(later), "tue-pm", 1, 14, FRANCE)
    assert first.at == datetime(2027, 2, 9, 14, 0, tzinfo=PARIS)
    run = clock.run_time(first.at)
    assert origin < run < origin + timedelta(seconds=60)
    assert clock.programme_time(run) == first.at
