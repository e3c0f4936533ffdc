"""Every word of the coordinator's dashboard, in French (the default) and English.

Kept apart from the participants' catalogue (web/i18n.py merges both): the dashboard speaks to
HR coordinators in the third person and names things as a programme manager does.
"""

from __future__ import annotations

import re

REFUSALS_FR: tuple[tuple[str, str], ...] = (
    (r"wait for the chemistry answers", "attendez les réponses à la première rencontre"),
    (r"the pair has already ended", "le binôme a déjà pris fin"),
    (r"the pair has ended", "le binôme a pris fin"),
    (
        r"the pair is at its final evaluation: end it instead",
        "le binôme en est à l’évaluation finale : mettez-y plutôt fin",
    ),
    (r"say why the pair is re-paired", "dites pourquoi le binôme change"),
    (
        r"a reminder for this task went out less than a day ago",
        "une relance pour cette tâche est partie il y a moins d’un jour",
    ),
    (r"this pair is already banned", "ce binôme est déjà exclu"),
    (
        r"this pair is banned \(a no-go or your own decision\) and cannot be forced",
        "ce binôme est exclu (un refus ou votre décision) et ne peut pas être imposé",
    ),
    (
        r"both mentees already have the same mentor",
        "les deux mentoré(e)s ont déjà le même mentor",
    ),
    (r"(.+) has no mentor in the proposed matching", r"\1 n’a pas de mentor dans la proposition"),
    (r"the matching is already approved", "l’appariement est déjà validé"),
    (
        r"the matching can be approved during its review, not in phase (.+)",
        r"l’appariement ne peut être validé que pendant sa revue (étape actuelle : \1)",
    ),
    (
        r"the matching can be changed during its review, not in phase (.+)",
        r"l’appariement ne peut être modifié que pendant sa revue (étape actuelle : \1)",
    ),
    (r"(.+) is not a participant of this programme", r"\1 ne participe pas à ce programme"),
    (r"(.+) is not a mentor", r"\1 n’est pas mentor"),
    (r"(.+) is not a mentee", r"\1 n’est pas mentoré(e)"),
    (
        r"a change to the matching is still being computed: approve once it is done",
        "une modification est en cours de calcul : validez une fois terminée",
    ),
)

# How the matcher explains a pair or a person left out (domain/scoring.py, domain/matcher.py),
# for French readers. Constraint names inside counts are replaced after the sentence.
MATCHING_WORDS_FR: tuple[tuple[str, str], ...] = (
    (r"can teach (.+)", r"peut transmettre : \1"),
    (
        r"wants to learn what the mentee offers: (.+)",
        r"veut apprendre ce que le ou la mentoré(e) apporte : \1",
    ),
    (r"1 common time slot", "1 créneau commun"),
    (r"(\d+) common time slots", r"\1 créneaux communs"),
    (r"meeting formats fit \((\S+) and (\S+)\)", r"formats de rencontre compatibles (\1 et \2)"),
    (r"same preferred language \((\S+)\)", r"même langue préférée (\1)"),
    (r"different departments \((.+), (.+)\)", r"services différents (\1, \2)"),
    (
        r"every compatible mentor is at capacity: (\d+) compatible, "
        r"all taken by mentees with fewer options",
        r"tous les mentors compatibles sont complets : \1 compatible(s), pris par des "
        r"mentoré(e)s qui avaient moins de choix",
    ),
    (r"no mentor available", "aucun mentor disponible"),
    (r"no compatible mentor: (.+)", r"aucun mentor compatible : \1"),
    (
        r"no mentee left to pair with: (\d+) compatible, all better matched elsewhere",
        r"plus de mentoré(e) disponible : \1 compatible(s), mieux appariés ailleurs",
    ),
    (r"no mentee left to pair with", "plus de mentoré(e) disponible"),
    (r"no compatible mentee: (.+)", r"aucun(e) mentoré(e) compatible : \1"),
)
CONSTRAINT_NAMES_FR = {
    "banned (": "exclusion (",
    "grade (": "niveau hiérarchique (",
    "reporting line (": "ligne hiérarchique (",
    "language (": "langue (",
}

# What a matching change answers (its acknowledgement), for French readers.
_NEXT_STEPS_FR: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), wording)
    for pattern, wording in (
        (
            r"matching recomputed: (\d+) pair\(s\) changed, (\d+) pairs, "
            r"total score (\S+) \(was (\S+)\)",
            r"appariement recalculé : \1 binôme(s) modifié(s), \2 binômes, "
            r"score total \3 (avant : \4)",
        ),
        (r"already done", "déjà fait"),
    )
)


def next_step_words(locale: str, next_step: str) -> str:
    if locale == "fr":
        for pattern, wording in _NEXT_STEPS_FR:
            match = pattern.fullmatch(next_step)
            if match:
                return match.expand(wording)
    return next_step
