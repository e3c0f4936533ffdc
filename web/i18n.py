"""The participant pages' and the dashboard's translator: the catalogues of `i18n/` for the web.

The words themselves are in `i18n/locales/*/LC_MESSAGES/web.po`; what crosses into the web as a
code (a refusal, a next step, the matcher's explanations, an audit entry's detail) is worded
here from its code and parameters, never from a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client.refusals import RefusalInfo
from domain.accounts import AuditDetail, AuditEntry
from domain.answers import Acknowledgement
from domain.matching import ProposedPair, Unmatched
from domain.refusals import Refusal
from i18n.catalogues import DEFAULT_LOCALE, LOCALES, LOCALES_DIR
from i18n.matching import pair_reasons, unmatched_words
from i18n.next_steps import next_step_words
from i18n.refusals import refusal_words
from i18n.translator import Translator as CatalogueTranslator
from i18n.translator import choose_locale

__all__ = [
    "COORDINATOR_LANGUAGE_COOKIE",
    "DEFAULT_LOCALE",
    "LOCALES",
    "TANDEM_LANGUAGES",
    "Languages",
    "Translator",
    "choose_locale",
    "languages_of",
]

# The coordinator's last choice of language on the dashboard (web/dashboard.py sets it).
COORDINATOR_LANGUAGE_COOKIE = "tandem_coordinator_lang"


@dataclass(frozen=True)
class Translator(CatalogueTranslator):
    """The catalogue translator, with the words of the codes the pages show."""

    def refusal(
        self,
        found: RefusalInfo | None,
        *,
        skills: Mapping[str, str] | None = None,
        people: Mapping[str, str] | None = None,
    ) -> str:
        """A workflow's refusal (`client.refusals.refusal_of`); generic words when None."""
        if found is None:
            return refusal_words(self, None)
        return refusal_words(self, found.code, found.params, skills=skills, people=people)

    def next_step(self, ack: Acknowledgement) -> str:
        """What an update's acknowledgement says happens next; "" when it names no step."""
        return next_step_words(self, ack.next, ack.params)

    def pair_reasons(
        self, pair: ProposedPair, skills: Mapping[str, str] | None = None
    ) -> list[str]:
        return pair_reasons(self, pair, skills)

    def unmatched(self, unmatched: Unmatched) -> str:
        return unmatched_words(self, unmatched)

    def audit_detail(self, entry: AuditEntry) -> str:
        """An audit entry's detail: a code worded, or an older entry's sentence as recorded."""
        detail = entry.detail or ""
        if detail in _REFUSALS:
            return refusal_words(self, Refusal(detail), entry.params)
        if detail in _AUDIT_DETAILS:
            return self(f"dash.audit.detail.{detail}")
        return detail


_REFUSALS = frozenset(code.value for code in Refusal)
_AUDIT_DETAILS = frozenset(code.value for code in AuditDetail)


@dataclass(frozen=True)
class Languages:
    """The languages an app's pages are read in: Tandem's catalogues, and any other locale whose
    compiled catalogues are in a directory of their own (`extra`: locale → directory), which is
    all a new language takes."""

    extra: Mapping[str, Path] = field(default_factory=dict)

    @property
    def locales(self) -> tuple[str, ...]:
        return (*LOCALES, *(name for name in self.extra if name not in LOCALES))

    def translator(self, *wanted: str | None) -> Translator:
        """The first of `wanted` that is one of these languages, else French."""
        for locale in wanted:
            if locale in self.locales:
                return Translator(str(locale), directory=self.extra.get(str(locale), LOCALES_DIR))
        return Translator(DEFAULT_LOCALE)

    def other(self, locale: str) -> str:
        """The language the "other language" link offers: English from French, else French."""
        return "en" if locale == DEFAULT_LOCALE else DEFAULT_LOCALE


TANDEM_LANGUAGES = Languages()


def languages_of(app_or_scope: Any) -> Languages:
    """The languages of the app serving a request (`request.app`, or an ASGI scope's app)."""
    app = app_or_scope.get("app") if isinstance(app_or_scope, dict) else app_or_scope
    found = getattr(getattr(app, "state", None), "languages", None)
    return found if isinstance(found, Languages) else TANDEM_LANGUAGES
