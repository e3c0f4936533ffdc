"""Dates, times and numbers as a reader in each locale expects them (Babel's CLDR data).

Not the `locale` module: it is process-global and depends on what the host has installed, so pages
in two languages could not be rendered side by side.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date as babel_format_date
from babel.dates import format_time
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from domain.dates import as_date

# The CLDR locale each catalogue's dates and numbers follow (British English: day before month).
_CLDR = {"fr": "fr_FR", "en": "en_GB"}


def cldr_locale(locale: str) -> str:
    return _CLDR.get(locale, "fr_FR")


def long_date(value: date | datetime | str, locale: str) -> str:
    """E.g. "lundi 1er mars 2027" or "Monday 1 March 2027".

    A datetime shows its own calendar date, without the time: the reader's time zone is unknown,
    and a wrong hour would be worse than none. French writes the first of the month "1er".
    """
    day = as_date(value)
    cldr = cldr_locale(locale)
    if cldr.startswith("fr") and day.day == 1:
        return babel_format_date(day, "EEEE '1er' MMMM y", locale=cldr)
    return babel_format_date(day, "EEEE d MMMM y", locale=cldr)


def short_date(value: date | datetime | str, locale: str) -> str:
    """E.g. "11 janv." / "11 Jan": a chart's axis label."""
    return babel_format_date(as_date(value), "d MMM", locale=cldr_locale(locale))


def clock_time(value: datetime, locale: str) -> str:
    """E.g. "09:30" in both locales (24-hour clock, as French and British readers use)."""
    return format_time(value, "HH:mm", locale=cldr_locale(locale))


def number(value: float, locale: str) -> str:
    """E.g. "1 234,5" / "1,234.5"."""
    return format_decimal(value, locale=cldr_locale(locale))


def percent(value: float, locale: str) -> str:
    """A ratio (0.42) as a percentage: "42 %" / "42%"."""
    return format_percent(value, locale=cldr_locale(locale))


def joined(items: list[str], locale: str) -> str:
    """A list as a sentence says it: "a, b et c" / "a, b and c"."""
    return format_list(items, locale=cldr_locale(locale)) if items else ""
