"""A reader's words: a message key looked up in the locale's catalogue, with its values filled in.

Every message is a %-format string (`%(date)s`, `%%` for a percent sign), as Jinja's i18n extension
formats them, so a page and the code behind it read the same catalogue the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.support import Translations

from i18n import formatting
from i18n.catalogues import DEFAULT_LOCALE, LOCALES, LOCALES_DIR, translations


def choose_locale(requested: str | None, participant_locale: str | None) -> str:
    """`?lang=` when it names a locale we have, else the participant's, else French."""
    for candidate in (requested, participant_locale):
        if candidate in LOCALES:
            return str(candidate)
    return DEFAULT_LOCALE


def catalogue(locale: str, directory: Path = LOCALES_DIR) -> Translations:
    """The locale's catalogue, falling back to French for a key it lacks (a key never shows)."""
    own = translations(locale, directory)
    if locale != DEFAULT_LOCALE and not own._fallback:
        own.add_fallback(translations(DEFAULT_LOCALE))
    return own


@dataclass(frozen=True)
class Translator:
    locale: str
    directory: Path = field(default=LOCALES_DIR, compare=False)

    @property
    def translations(self) -> Translations:
        return catalogue(self.locale, self.directory)

    def __call__(self, key: str, **values: object) -> str:
        """The message `key` in this locale; a key no catalogue has shows itself."""
        text: str = self.translations.gettext(key)
        return text % values if values or "%" in text else text

    def plural(self, key: str, count: int, **values: object) -> str:
        """The message for `count` things: `key`, and `key.plural` in the catalogue's forms."""
        text: str = self.translations.ngettext(key, f"{key}.plural", count)
        return text % {"count": count, **values}

    def has(self, key: str) -> bool:
        found: object = self.translations
        while found is not None:
            if key in getattr(found, "_catalog", {}):
                return True
            found = getattr(found, "_fallback", None)
        return False

    def short_date(self, value: date | datetime | str) -> str:
        """E.g. "11 janv." / "11 Jan"."""
        return formatting.short_date(value, self.locale)

    def date(self, value: date | datetime | str) -> str:
        """E.g. "lundi 11 janvier 2027" / "Monday 11 January 2027"."""
        return formatting.long_date(value, self.locale)

    def moment(self, value: datetime) -> str:
        """A date with its time, in the moment's own zone, named: UTC for a machine's times, the
        programme's zone for programme times (web/programme_times.py)."""
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else "UTC"
        if zone == "UTC":
            value = value.astimezone(UTC)  # a bare offset names no zone: said in UTC
        at = {"date": self.date(value), "time": formatting.clock_time(value, self.locale)}
        if zone == "UTC":
            return self("date.at", **at)
        # "Europe/Paris": Paris time.
        return self("date.at.zone", **at, city=zone.rsplit("/", 1)[-1].replace("_", " "))

    def number(self, value: float) -> str:
        return formatting.number(value, self.locale)

    def percent(self, value: float) -> str:
        return formatting.percent(value, self.locale)

    def list(self, items: Iterable[str]) -> str:
        """E.g. "Python, SQL et Excel" / "Python, SQL and Excel"."""
        return formatting.joined(list(items), self.locale)
