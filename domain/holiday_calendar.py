"""Public holidays of a programme's region, from the `holidays` library (pure computation).

A region is a country code with an optional subdivision, as a programme file writes it: "FR",
"FR-57" (Moselle), "DE-BY", or "none" for no public holiday at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import holidays

NO_HOLIDAYS = "none"
# Years of holidays a programme carries from its start: a programme lasts months, not years.
PROGRAMME_YEARS = 3


@dataclass(frozen=True)
class Region:
    country: str
    subdivision: str | None = None

    @property
    def code(self) -> str:
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country


class UnknownRegion(ValueError):
    """The country or subdivision is not one the holidays library knows; says which ones it does."""

    def __init__(self, what: str, known: tuple[str, ...]) -> None:
        super().__init__(what)
        self.what = what
        self.known = known


def parse_region(text: str) -> Region | None:
    """The region a programme file names; None for "none". Raises `UnknownRegion`."""
    cleaned = text.strip()
    if cleaned.lower() == NO_HOLIDAYS:
        return None
    country, _, subdivision = cleaned.partition("-")
    country = country.strip().upper()
    supported = _countries()
    if country not in supported:
        raise UnknownRegion("country", tuple(sorted(supported)))
    if not subdivision:
        return Region(country)
    known = supported[country]
    match = next((s for s in known if s.lower() == subdivision.strip().lower()), None)
    if match is None:
        raise UnknownRegion("subdivision", known)
    return Region(country, match)


def holiday_dates(
    region_code: str, first_year: int, years: int = PROGRAMME_YEARS
) -> tuple[date, ...]:
    """Every public holiday of the region from 1 January of `first_year`, for `years` years."""
    region = parse_region(region_code)
    if region is None:
        return ()
    days = holidays.country_holidays(
        region.country, subdiv=region.subdivision, years=range(first_year, first_year + years)
    )
    return tuple(sorted(days))


def holiday_name(region_code: str, day: date, language: str) -> str | None:
    """The holiday's name in `language` ("fr", "en"), or None when `day` is not one."""
    region = parse_region(region_code)
    if region is None:
        return None
    days = holidays.country_holidays(
        region.country,
        subdiv=region.subdivision,
        years=day.year,
        language=_language(region.country, language),
    )
    name = days.get(day)
    return str(name) if name else None


def _language(country: str, language: str) -> str | None:
    supported = getattr(holidays.country_holidays(country), "supported_languages", ())
    for candidate in (language, f"{language}_US", f"{language}_GB"):
        if candidate in supported:
            return candidate
    return None  # the country's own language


@cache
def _countries() -> dict[str, tuple[str, ...]]:
    return {
        country: tuple(subdivisions)
        for country, subdivisions in holidays.list_supported_countries().items()
    }
