"""The participant pages' and the dashboard's translator: the catalogues of `i18n/` for the web.

The words themselves are in `i18n/locales/{fr,en}/LC_MESSAGES/web.po`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from i18n.catalogues import DEFAULT_LOCALE, LOCALES
from i18n.translator import Translator as CatalogueTranslator
from i18n.translator import choose_locale
from web import dashboard_messages

__all__ = [
    "COORDINATOR_LANGUAGE_COOKIE",
    "DEFAULT_LOCALE",
    "LOCALES",
    "Translator",
    "choose_locale",
]

# The coordinator's last choice of language on the dashboard (web/dashboard.py sets it).
COORDINATOR_LANGUAGE_COOKIE = "tandem_coordinator_lang"

# The workflows' validators answer in English; these are the refusals a participant can meet,
# worded for French readers. Anything not listed is shown as the workflow wrote it.
_REFUSALS_FR: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), wording)
    for pattern, wording in (
        (r"the self-assessment is not open yet", "l’auto-évaluation n’est pas encore ouverte"),
        (r"the self-assessment was already submitted", "l’auto-évaluation a déjà été envoyée"),
        (r"this task is not yours", "cette demande ne vous est pas adressée"),
        (r"unknown skills: (.+)", r"compétences inconnues : \1"),
        (r"a level is needed for: (.+)", r"un niveau est nécessaire pour : \1"),
        (r"a target level is needed for every skill", "un niveau visé est nécessaire partout"),
        (
            r"a target cannot be below the current level",
            "un niveau visé ne peut pas être inférieur au niveau actuel",
        ),
        (
            r"priorities must be skills of the programme",
            "les priorités doivent être des compétences du programme",
        ),
        (
            r"not possible now: the pair is in phase (.+)",
            r"ce n’est plus possible à cette étape du binôme (\1)",
        ),
        (r"this task is closed or does not exist", "cette demande est close"),
        (r"this link is for session (\d+), not (\d+)", r"ce lien concerne la séance n° \1"),
        (r"there is no such session", "cette séance n’existe pas"),
        (r"this session has already taken place", "cette séance a déjà eu lieu"),
        (r"the new date must be in the future", "la nouvelle date doit être dans le futur"),
        (
            r"session (\d+) must come after session (\d+) \((.+)\)",
            r"la séance n° \1 doit avoir lieu après la séance n° \2 (\3)",
        ),
        (
            r"a session moves by at most one cadence; pause the pair instead",
            "une séance ne peut être décalée que d’une période ; faites plutôt une pause",
        ),
        (r"the pair is already paused", "le binôme est déjà en pause"),
        (r"a pause lasts at most (\d+) days", r"une pause dure au plus \1 jours"),
        (r"the pair is already ending", "le binôme est déjà en train de se terminer"),
        (
            r"this link is not valid for this participant",
            "ce lien n’est pas valide pour vous",
        ),
        *dashboard_messages.REFUSALS_FR,
    )
)

_MATCHING_WORDS_FR = tuple(
    (re.compile(pattern), wording) for pattern, wording in dashboard_messages.MATCHING_WORDS_FR
)

# Acknowledgements whose `next_step` carries a value: "session 3 on 2027-03-14".
_SESSION_MOVED = re.compile(r"session (\d+) on (\d{4}-\d{2}-\d{2})")
_PAUSED_UNTIL = re.compile(r"paused until (\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Translator(CatalogueTranslator):
    """The catalogue translator, with the web's readings of what the workflows answer."""

    def refusal(self, message: str) -> str:
        """A workflow validator's refusal, in the reader's language when we know its wording."""
        if self.locale == "fr":
            for pattern, wording in _REFUSALS_FR:
                match = pattern.fullmatch(message.strip())
                if match:
                    return match.expand(wording)
        return message

    def matching_words(self, text: str) -> str:
        """The matcher's explanation of a pair or of someone left out, in the reader's language."""
        if self.locale != "fr":
            return text
        for pattern, wording in _MATCHING_WORDS_FR:
            match = pattern.fullmatch(text.strip())
            if match:
                text = match.expand(wording)
                break
        for english, french in dashboard_messages.CONSTRAINT_NAMES_FR.items():
            text = text.replace(english, french)
        return text

    def next_step(self, next_step: str) -> str:
        """What an update's acknowledgement says happens next, as a sentence for the reader."""
        key = f"next.{next_step}"
        if self.has(key):
            return self(key)
        moved = _SESSION_MOVED.fullmatch(next_step)
        if moved:
            return self("next.session_moved", number=moved[1], date=self.date(moved[2]))
        paused = _PAUSED_UNTIL.fullmatch(next_step)
        if paused:
            return self("next.paused_until", date=self.date(paused[1]))
        return next_step
