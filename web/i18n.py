"""The participant pages' and the dashboard's translator: the catalogues of `i18n/` for the web.

The words themselves are in `i18n/locales/*/LC_MESSAGES/web.po`; what crosses into the web as a
code (a refusal, a next step, the matcher's explanations, an audit entry's detail) is worded
here from its code and parameters, never from a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from client.refusals import RefusalInfo
from domain.accounts import AuditDetail, AuditEntry
from domain.answers import Acknowledgement
from domain.matching import ProposedPair, Unmatched
from domain.refusals import Refusal
from i18n.catalogues import DEFAULT_LOCALE, LOCALES
from i18n.matching import pair_reasons, unmatched_words
from i18n.next_steps import next_step_words
from i18n.refusals import refusal_words
from i18n.translator import Translator as CatalogueTranslator
from i18n.translator import choose_locale

__all__ = [
    "COORDINATOR_LANGUAGE_COOKIE",
    "DEFAULT_LOCALE",
    "LOCALES",
    "Translator",
    "choose_locale",
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
