"""The compiled gettext catalogues, one set per locale, loaded once.

`.po` files are the source, kept in git; `make install` compiles them (`pybabel compile`, in the
Makefile and the Dockerfile). A missing `.mo` is an installation error named as such, never a page
full of keys.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations

LOCALES_DIR = Path(__file__).parent / "locales"
# `web`: the pages and the dashboard; `mail`: the e-mails. Two files so each reads on its own.
DOMAINS = ("web", "mail")
LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"


class CataloguesMissing(RuntimeError):
    """The catalogues were not compiled: `make install` does (`pybabel compile -d i18n/locales`)."""


def _load(locale: str, directory: Path) -> Translations:
    merged: Translations | None = None
    for domain in DOMAINS:
        found = Translations.load(str(directory), locales=[locale], domain=domain)
        if not isinstance(found, Translations):  # Babel answers NullTranslations when absent
            mo = directory / locale / "LC_MESSAGES" / f"{domain}.mo"
            raise CataloguesMissing(
                f"{mo} is missing: run `make install` to compile the catalogues"
            )
        merged = found if merged is None else merged.merge(found)
    assert merged is not None
    return merged


@cache
def translations(locale: str, directory: Path = LOCALES_DIR) -> Translations:
    """The merged catalogues of `locale` in `directory` (another one: the tests' pseudo-locale)."""
    return _load(locale, directory)


def source_messages(
    locale: str, domain: str = "web", directory: Path = LOCALES_DIR
) -> dict[str, str]:
    """A catalogue's `.po` as written (key → text; a plural's first form): for checks and tools."""
    from babel.messages.pofile import read_po

    with (directory / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        catalog = read_po(po, locale=locale, domain=domain)
    words: dict[str, str] = {}
    for message in catalog:
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            forms = message.string
            text = forms if isinstance(forms, str) else (forms or [""])[0]
            words[str(key)] = str(text or "")
    return words
