"""Deadlines fire on a shared grid, so a cohort's workflows wake together, never early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows.shared import on_the_hour


def test_a_deadline_fires_at_the_next_whole_hour_of_a_real_day() -> None:
    moment = datetime(2027, 3, 14, 11, 30, 41, 123_000, tzinfo=UTC)
    assert on_the_hour(moment, 86_400) == datetime(2027, 3, 14, 12, 0, tzinfo=UTC)
    on_time = datetime(2027, 3, 14, 9, 0, tzinfo=UTC)
    assert on_the_hour(on_time, 86_400) == on_time


def test_two_deadlines_a_few_milliseconds_apart_share_one_moment() -> None:
    first = datetime(2027, 3, 14, 11, 30, 41, 100_000, tzinfo=UTC)
    second = first + timedelta(milliseconds=350)
    assert on_the_hour(first, 86_400) == on_the_hour(second, 86_400)


def test_a_compressed_demo_day_has_compressed_hours() -> None:
    # 30-second days: an "hour" is 1.25 s, so a deadline is never more than 1.25 s late.
    moment = datetime(2027, 3, 14, 11, 30, 41, 100_000, tzinfo=UTC)
    fired = on_the_hour(moment, 30)
    assert moment <= fired < moment + timedelta(seconds=1.25)
