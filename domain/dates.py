"""Calendar dates from what the workflows and the store hand over (dates, datetimes, ISO text).

How a reader sees a date is the edges' business (i18n/formatting.py, with Babel).
"""

from __future__ import annotations

from datetime import date, datetime


def as_date(value: date | datetime | str) -> date:
    """The calendar date of a date, a datetime or an ISO string (a datetime's own date)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
