"""Dates as participants read them, in French or English ("lundi 1er mars 2027").

Written out by hand: the `locale` module is process-global and depends on what the host has
installed, so texts in two languages could not be rendered side by side reliably.
"""

from __future__ import annotations

from datetime import date, datetime

_DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
# fmt: off
_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin",
           "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June",
           "July", "August", "September", "October", "November", "December"),
}
# fmt: on


def as_date(value: date | datetime | str) -> date:
    """The calendar date of a date, a datetime or an ISO string (a datetime's own date)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)


def format_date(value: date | datetime | str, locale: str) -> str:
    """E.g. "lundi 11 janvier 2027" or "Monday 11 January 2027"; an unknown locale reads French.

    A datetime shows its own calendar date, without the time: the reader's time zone is unknown,
    and a wrong hour would be worse than none.
    """
    day = as_date(value)
    lang = locale if locale in _DAYS else "fr"
    number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{_DAYS[lang][day.weekday()]} {number} {_MONTHS[lang][day.month - 1]} {day.year}"
