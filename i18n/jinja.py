"""Jinja environments that speak a locale: the i18n extension with that locale's catalogue.

One environment per (templates, locale): `_()` / `ngettext()` / `{% trans %}` in a template read
that locale's catalogue, with Jinja's new-style formatting (`_("task.due", date=d)`), so values
are escaped and the catalogue's own words are trusted markup.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment

from i18n.catalogues import LOCALES_DIR
from i18n.translator import catalogue


@cache
def _environment(
    loader: BaseLoader, locale: str, directory: Path, options: tuple[tuple[str, Any], ...]
) -> Environment:
    env = Environment(loader=loader, extensions=["jinja2.ext.i18n"], **dict(options))
    env.install_gettext_translations(catalogue(locale, directory), newstyle=True)  # type: ignore[attr-defined]
    return env


def localised_environment(
    loader: BaseLoader, locale: str, directory: Path = LOCALES_DIR, **options: Any
) -> Environment:
    """The environment rendering `loader`'s templates in `locale` (built once, then shared)."""
    return _environment(loader, locale, directory, tuple(sorted(options.items())))
