"""Every word the participant pages show, in French (the default) and English, and dates per locale.

Written out by hand rather than through gettext or the `locale` module: two small catalogues are
easier to review side by side, and `locale` is process-global, so pages in two languages could not
be rendered at the same time reliably.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from domain.dates import format_date
from web import account_messages, dashboard_messages, sso_messages

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
# The coordinator's last choice of language on the dashboard (web/dashboard.py sets it).
COORDINATOR_LANGUAGE_COOKIE = "tandem_coordinator_lang"


MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "site.name": "Tandem",
        "site.skip": "Aller au contenu",
        "site.footer": "Tandem · programme de mentorat inversé",
        "lang.switch": "English version",
        "task.due": "À compléter avant le {date}.",
        "task.personal": "Ce lien vous est personnel : merci de ne pas le transmettre.",
        "form.submit": "Envoyer",
        "form.optional": "facultatif",
        "form.choose": "— Choisir —",
        "form.yes": "Oui",
        "form.no": "Non",
        "errors.title": "Votre réponse n’a pas été enregistrée : corrigez {count} point(s)",
        "errors.prefix": "Erreur :",
        "errors.item": "{label} : {message}",
        "errors.refused": "Votre réponse n’a pas pu être enregistrée :",
        "errors.csrf": (
            "Ce formulaire a expiré ou ne provient pas de cette page. Rien n’a été enregistré : "
            "vérifiez vos réponses et envoyez-les à nouveau."
        ),
        "error.required": "Ce champ est obligatoire.",
        "error.choose": "Choisissez une réponse.",
        "error.whole_number": "Saisissez un nombre entier.",
        "error.at_least": "La valeur doit être au moins {limit}.",
        "error.at_most": "La valeur doit être au plus {limit}.",
        "error.too_short": "Saisissez au moins {limit} caractères.",
        "error.too_long": "Saisissez au plus {limit} caractères.",
        "error.too_many": "Choisissez au plus {limit} réponses.",
        "error.too_few": "Remplissez au moins {limit} élément(s).",
        "error.date": "Saisissez une date valide (jj/mm/aaaa).",
        "error.option": "Choisissez l’une des options proposées.",
        "error.yes_no": "Répondez oui ou non.",
        "error.no_go_reason": (
            "Expliquez en quelques mots pourquoi vous ne souhaitez pas continuer."
        ),
        "error.language": "Choisissez au moins une langue.",
        "error.percentage": "Chaque taux d’atteinte est un pourcentage entre 0 et 100.",
        "error.level": "Chaque niveau est compris entre 0 et 4.",
        "error.invalid": "Cette valeur n’est pas valide.",
        "error.text_empty": "Saisissez au moins un caractère visible.",
        "error.text_invisible": (
            "Ce texte contient un caractère invisible ({character}) : retapez-le sans."
        ),
        "error.text_bidi": (
            "Ce texte contient un caractère qui inverse le sens d’affichage ({character}) : "
            "retapez-le sans."
        ),
        "error.text_control": (
            "Ce texte contient un caractère de contrôle ({character}) : retapez-le sans."
        ),
        "level.option": "{level} – {label}",
        "kind.self_assessment": "Auto-évaluation",
        "kind.chemistry": "Première rencontre : on continue ?",
        "kind.goals_propose": "Proposer vos objectifs",
        "kind.goals_confirm": "Confirmer les objectifs",
        "kind.session_log": "Compte rendu de séance",
        "kind.midpoint_survey": "Questionnaire de mi-parcours",
        "kind.final_evaluation": "Évaluation finale",
        "kind.pair_manage": "Gérer votre binôme",
        "kind.concern": "Signaler une difficulté en toute confidentialité",
        "kind.matching_review": "Revue des binômes",
        "intro.self_assessment.mentee": (
            "Dites-nous où vous en êtes sur chaque compétence et où vous aimeriez arriver. "
            "Il n’y a ni bonne ni mauvaise réponse."
        ),
        "intro.self_assessment.mentor": (
            "Dites-nous ce que vous maîtrisez : vous transmettrez ces compétences à votre "
            "mentoré(e)."
        ),
        "intro.chemistry": (
            "Après votre première rencontre, souhaitez-vous poursuivre avec ce binôme ?"
        ),
        "intro.goals_propose": (
            "Proposez de 1 à 3 objectifs mesurables, chacun avec un indicateur et une date "
            "cible. Votre mentor les confirmera."
        ),
        "intro.goals_confirm": "Votre mentoré(e) propose les objectifs suivants :",
        "intro.goals_unknown": "Les objectifs proposés n’ont pas pu être affichés.",
        "intro.session_log": "Comment s’est passée la séance n° {number} ?",
        "intro.midpoint_survey": "Vous êtes à mi-parcours : comment se passe le mentorat ?",
        "intro.final_evaluation": "Le programme se termine : faisons le bilan ensemble.",
        "intro.pair_manage": (
            "Vous pouvez déplacer une séance, faire une pause ou mettre fin au binôme."
        ),
        "intro.concern": (
            "Votre message est transmis uniquement à la coordination du programme. Votre "
            "binôme n’en sera pas informé."
        ),
        "section.skills": "Vos compétences",
        "section.priorities": "Vos priorités",
        "section.practical": "Organisation",
        "section.exchange.mentee": "Ce que vous pouvez apporter en retour",
        "section.exchange.mentor": "Ce que vous aimeriez apprendre en retour",
        "section.goal": "Objectif {number}",
        "section.goal.optional": "Objectif {number} (facultatif)",
        "section.kpis": "Atteinte de vos objectifs",
        "section.feedback": "Votre avis",
        "field.level.current": "Niveau actuel",
        "field.level.target": "Niveau visé",
        "field.level.expertise": "Votre niveau",
        "field.level.final": "Niveau aujourd’hui",
        "field.priorities": "Vos 3 compétences prioritaires au plus",
        "field.capacity": "Combien de mentoré(e)s pouvez-vous accompagner ?",
        "field.availability": "Vos disponibilités",
        "field.format": "Format des rencontres",
        "field.languages": "Langues dans lesquelles vous pouvez échanger",
        "field.exchange": "Thèmes",
        "field.exchange_other": "Autre thème",
        "field.go": "Souhaitez-vous continuer avec ce binôme ?",
        "field.go.yes": "Oui, on continue",
        "field.go.no": "Non, je préfère arrêter",
        "field.reason": "Raison",
        "hint.reason.no_go": "Obligatoire si vous ne souhaitez pas continuer.",
        "field.objective": "Objectif",
        "hint.objective": "Par exemple : publier chaque semaine sur LinkedIn.",
        "field.kpi": "Indicateur mesurable",
        "hint.kpi": "Par exemple : une publication par semaine.",
        "field.target_date": "Date cible",
        "field.confirmed": "Confirmez-vous ces objectifs ?",
        "field.comment": "Commentaire",
        "field.held": "La séance a-t-elle eu lieu ?",
        "field.minutes": "Durée (en minutes)",
        "field.skills_covered": "Compétences abordées",
        "field.notes": "Notes",
        "field.progress_rating": "Progrès de votre mentoré(e), de 1 (faible) à 5 (fort)",
        "field.satisfaction": "Satisfaction, de 1 (pas du tout) à 5 (tout à fait)",
        "field.progress": "Vos progrès, de 1 (faibles) à 5 (importants)",
        "field.concerns": "Difficultés éventuelles",
        "field.wants_to_continue": "Souhaitez-vous poursuivre le mentorat ?",
        "field.kpi_attainment": "Atteinte (en %) : {objective}",
        "field.nps": (
            "Recommanderiez-vous ce programme à un(e) collègue ? De 0 (pas du tout) à 10 "
            "(certainement)"
        ),
        "field.learned_back": "Qu’avez-vous appris de votre mentoré(e) en retour ?",
        "field.text": "Votre message",
        "field.session_number": "Séance",
        "field.new_date": "Nouvelle date",
        "field.days": "Durée de la pause (en jours)",
        "hint.days": "{max} jours au plus.",
        "field.end_reason": "Pourquoi souhaitez-vous mettre fin au binôme ?",
        "field.pause_reason": "Raison de la pause",
        "option.session": "Séance n° {number}",
        "option.session_on": "Séance n° {number}, prévue le {date}",
        "action.end_pair": "Mettre fin au binôme",
        "action.reschedule": "Déplacer une séance",
        "action.pause": "Faire une pause",
        "submit.end_pair": "Mettre fin au binôme",
        "submit.reschedule": "Déplacer la séance",
        "submit.pause": "Mettre le binôme en pause",
        "submit.concern": "Envoyer à la coordination",
        "slot.mon-am": "Lundi matin",
        "slot.mon-pm": "Lundi après-midi",
        "slot.tue-am": "Mardi matin",
        "slot.tue-pm": "Mardi après-midi",
        "slot.wed-am": "Mercredi matin",
        "slot.wed-pm": "Mercredi après-midi",
        "slot.thu-am": "Jeudi matin",
        "slot.thu-pm": "Jeudi après-midi",
        "slot.fri-am": "Vendredi matin",
        "slot.fri-pm": "Vendredi après-midi",
        "format.remote": "À distance",
        "format.onsite": "Sur site",
        "format.hybrid": "Hybride",
        "language.fr": "Français",
        "language.en": "Anglais",
        "exchange.leadership": "Leadership",
        "exchange.strategy": "Stratégie",
        "exchange.network": "Réseau",
        "exchange.negotiation": "Négociation",
        "exchange.public-speaking": "Prise de parole",
        "exchange.career": "Conseils de carrière",
        "done.title": "Merci, votre réponse est enregistrée",
        "done.next": "Et ensuite ?",
        "done.again": "Vous pouvez fermer cette page.",
        "answer.title": "Votre réponse",
        "answer.already": (
            "Cette réponse avait déjà été enregistrée : rien n’a été envoyé deux fois."
        ),
        "answer.recorded_on": "Réponse enregistrée le {date}.",
        "answer.level": "{label} : {level} – {level_label}",
        "answer.level_target": "{label} : {level} → {target}",
        "answer.goal": "{objective} — {kpi} — {date}",
        "next.matching": (
            "Les binômes seront formés à la fin de la période d’auto-évaluation. Vous recevrez "
            "un e-mail pour vous présenter votre binôme."
        ),
        "next.goals": (
            "Si votre binôme confirme aussi, votre mentoré(e) proposera bientôt vos objectifs "
            "communs."
        ),
        "next.re-pairing": "La coordination va vous proposer un autre binôme si possible.",
        "next.mentor confirms the goals": "Votre mentor va confirmer ces objectifs.",
        "next.sessions": "Les séances continuent selon le calendrier prévu.",
        "next.next session": "Rendez-vous à la prochaine séance.",
        "next.session_moved": "La séance n° {number} a lieu désormais le {date}.",
        "next.paused_until": "Le binôme est en pause jusqu’au {date}.",
        "next.sessions continue": "Les séances continuent selon le calendrier prévu.",
        "next.the pair is complete": "Merci d’avoir participé au programme !",
        "next.the pair ends; both of you are told": (
            "Le binôme prend fin ; vous en serez informés tous les deux par e-mail."
        ),
        "next.the coordinator will contact you confidentially": (
            "La coordination vous contactera en toute confidentialité."
        ),
        "page.invalid.title": "Ce lien n’est pas valide",
        "page.invalid.body": (
            "Vérifiez que vous avez copié le lien en entier depuis votre e-mail. Si le problème "
            "persiste, contactez la coordination du programme."
        ),
        "page.expired.title": "Ce lien a expiré",
        "page.expired.body": (
            "Le délai pour répondre est dépassé. Si vous souhaitez encore répondre, contactez la "
            "coordination du programme."
        ),
        "page.coordinator": "Coordination du programme : {email}",
        "page.forbidden.title": "Ce lien ne vous permet pas d’accéder à cette page",
        "page.forbidden.body": (
            "Utilisez le lien reçu dans votre propre e-mail. En cas de doute, contactez la "
            "coordination du programme."
        ),
        "page.not_found.title": "Page introuvable",
        "page.not_found.body": "Cette page n’existe pas ou plus.",
        "page.closed.title": "Cette demande est close",
        "page.closed.body": (
            "Il n’est plus possible de répondre à cette demande. Contactez la coordination du "
            "programme si besoin."
        ),
        "page.unavailable.title": "Réessayez dans un instant",
        "page.unavailable.body": (
            "Le service est momentanément indisponible et votre réponse n’a pas pu être "
            "enregistrée. Revenez sur la page précédente et envoyez-la à nouveau dans quelques "
            "instants."
        ),
        "page.outage.title": "Réessayez dans un instant",
        "page.outage.body": (
            "Le service est momentanément indisponible. Rechargez la page dans quelques "
            "instants : rien de ce que vous avez déjà envoyé n’est perdu."
        ),
        "page.programme_ended.title": "Ce programme est terminé",
        "page.programme_ended.body": (
            "Ce lien ne transmet plus de message à la coordination. Pour signaler une "
            "difficulté, écrivez directement à la coordination du programme."
        ),
        "page.programme_ended_unsent.title": "Votre message n’a pas été envoyé",
        "page.programme_ended_unsent.body": (
            "Ce programme est terminé et ce lien ne transmet plus de message. Votre message "
            "est repris ci-dessous : copiez-le et écrivez directement à la coordination du "
            "programme."
        ),
        "page.unsent_text": "Votre message (non envoyé)",
        "page.error.title": "Une erreur est survenue",
        "page.error.body": (
            "Votre demande n’a pas pu aboutir. Réessayez dans un instant ; si le problème "
            "persiste, contactez la coordination du programme."
        ),
        "page.csrf.title": "Formulaire expiré",
        "date.at": "{date} à {time} (UTC)",
        "outbox.title": "Boîte d’envoi (démo)",
        "outbox.intro": "Les e-mails envoyés par la démo, du plus récent au plus ancien.",
        "outbox.empty": "Aucun e-mail pour l’instant.",
        "outbox.date": "Date",
        "outbox.to": "Destinataire",
        "outbox.subject": "Objet",
        "outbox.links": "Liens",
        "outbox.back": "Retour à la boîte d’envoi",
        "outbox.html": "Version HTML",
        "outbox.text": "Version texte",
        "outbox.no_links": "aucun",
    },
    "en": {
        "site.name": "Tandem",
        "site.skip": "Skip to content",
        "site.footer": "Tandem · reverse-mentoring programme",
        "lang.switch": "Version française",
        "task.due": "Please complete by {date}.",
        "task.personal": "This link is personal to you: please do not forward it.",
        "form.submit": "Send",
        "form.optional": "optional",
        "form.choose": "— Choose —",
        "form.yes": "Yes",
        "form.no": "No",
        "errors.title": "Your answer was not saved: please fix {count} problem(s)",
        "errors.prefix": "Error:",
        "errors.item": "{label}: {message}",
        "errors.refused": "Your answer could not be saved:",
        "errors.csrf": (
            "This form has expired or did not come from this page. Nothing was saved: please "
            "check your answers and send them again."
        ),
        "error.required": "This field is required.",
        "error.choose": "Please choose an answer.",
        "error.whole_number": "Enter a whole number.",
        "error.at_least": "The value must be at least {limit}.",
        "error.at_most": "The value must be at most {limit}.",
        "error.too_short": "Enter at least {limit} characters.",
        "error.too_long": "Enter at most {limit} characters.",
        "error.too_many": "Choose at most {limit} answers.",
        "error.too_few": "Fill in at least {limit} item(s).",
        "error.date": "Enter a valid date.",
        "error.option": "Choose one of the options offered.",
        "error.yes_no": "Answer yes or no.",
        "error.no_go_reason": "Please say in a few words why you do not wish to continue.",
        "error.language": "Choose at least one language.",
        "error.percentage": "Each attainment is a percentage between 0 and 100.",
        "error.level": "Each level is between 0 and 4.",
        "error.invalid": "This value is not valid.",
        "error.text_empty": "Enter at least one visible character.",
        "error.text_invisible": (
            "This text contains an invisible character ({character}): type it again without."
        ),
        "error.text_bidi": (
            "This text contains a character that reverses the display direction ({character}): "
            "type it again without."
        ),
        "error.text_control": (
            "This text contains a control character ({character}): type it again without."
        ),
        "level.option": "{level} – {label}",
        "kind.self_assessment": "Self-assessment",
        "kind.chemistry": "First meeting: shall we go on?",
        "kind.goals_propose": "Propose your goals",
        "kind.goals_confirm": "Confirm the goals",
        "kind.session_log": "Session log",
        "kind.midpoint_survey": "Midpoint survey",
        "kind.final_evaluation": "Final evaluation",
        "kind.pair_manage": "Manage your pair",
        "kind.concern": "Raise a concern confidentially",
        "kind.matching_review": "Matching review",
        "intro.self_assessment.mentee": (
            "Tell us where you stand on each skill and where you would like to get to. There "
            "are no right or wrong answers."
        ),
        "intro.self_assessment.mentor": (
            "Tell us what you know well: you will pass these skills on to your mentee."
        ),
        "intro.chemistry": "After your first meeting, do you want to go on with this pair?",
        "intro.goals_propose": (
            "Propose 1 to 3 measurable goals, each with an indicator and a target date. Your "
            "mentor will confirm them."
        ),
        "intro.goals_confirm": "Your mentee proposes these goals:",
        "intro.goals_unknown": "The proposed goals could not be shown.",
        "intro.session_log": "How did session {number} go?",
        "intro.midpoint_survey": "You are halfway through: how is the mentoring going?",
        "intro.final_evaluation": "The programme is ending: let us take stock together.",
        "intro.pair_manage": "You can move a session, pause the pair or end it.",
        "intro.concern": (
            "Your message goes to the programme coordinators only. Your partner is not told."
        ),
        "section.skills": "Your skills",
        "section.priorities": "Your priorities",
        "section.practical": "Practicalities",
        "section.exchange.mentee": "What you can offer back",
        "section.exchange.mentor": "What you would like to learn back",
        "section.goal": "Goal {number}",
        "section.goal.optional": "Goal {number} (optional)",
        "section.kpis": "How far you reached your goals",
        "section.feedback": "Your opinion",
        "field.level.current": "Current level",
        "field.level.target": "Target level",
        "field.level.expertise": "Your level",
        "field.level.final": "Level today",
        "field.priorities": "Your top priorities (at most 3)",
        "field.capacity": "How many mentees can you take on?",
        "field.availability": "When you are available",
        "field.format": "Meeting format",
        "field.languages": "Languages you can meet in",
        "field.exchange": "Topics",
        "field.exchange_other": "Another topic",
        "field.go": "Do you want to go on with this pair?",
        "field.go.yes": "Yes, let us go on",
        "field.go.no": "No, I would rather stop",
        "field.reason": "Reason",
        "hint.reason.no_go": "Required if you do not wish to go on.",
        "field.objective": "Goal",
        "hint.objective": "For example: post on LinkedIn every week.",
        "field.kpi": "Measurable indicator",
        "hint.kpi": "For example: one post a week.",
        "field.target_date": "Target date",
        "field.confirmed": "Do you confirm these goals?",
        "field.comment": "Comment",
        "field.held": "Did the session take place?",
        "field.minutes": "Length (minutes)",
        "field.skills_covered": "Skills covered",
        "field.notes": "Notes",
        "field.progress_rating": "Your mentee's progress, from 1 (little) to 5 (a lot)",
        "field.satisfaction": "Satisfaction, from 1 (not at all) to 5 (completely)",
        "field.progress": "Your progress, from 1 (little) to 5 (a lot)",
        "field.concerns": "Any difficulties",
        "field.wants_to_continue": "Do you want to go on with the mentoring?",
        "field.kpi_attainment": "Attainment (%): {objective}",
        "field.nps": (
            "Would you recommend this programme to a colleague? From 0 (not at all) to 10 "
            "(certainly)"
        ),
        "field.learned_back": "What did you learn from your mentee in return?",
        "field.text": "Your message",
        "field.session_number": "Session",
        "field.new_date": "New date",
        "field.days": "Length of the pause (days)",
        "hint.days": "At most {max} days.",
        "field.end_reason": "Why do you want to end the pair?",
        "field.pause_reason": "Reason for the pause",
        "option.session": "Session {number}",
        "option.session_on": "Session {number}, planned on {date}",
        "action.end_pair": "End the pair",
        "action.reschedule": "Move a session",
        "action.pause": "Pause",
        "submit.end_pair": "End the pair",
        "submit.reschedule": "Move the session",
        "submit.pause": "Pause the pair",
        "submit.concern": "Send to the coordinators",
        "slot.mon-am": "Monday morning",
        "slot.mon-pm": "Monday afternoon",
        "slot.tue-am": "Tuesday morning",
        "slot.tue-pm": "Tuesday afternoon",
        "slot.wed-am": "Wednesday morning",
        "slot.wed-pm": "Wednesday afternoon",
        "slot.thu-am": "Thursday morning",
        "slot.thu-pm": "Thursday afternoon",
        "slot.fri-am": "Friday morning",
        "slot.fri-pm": "Friday afternoon",
        "format.remote": "Remote",
        "format.onsite": "On site",
        "format.hybrid": "Hybrid",
        "language.fr": "French",
        "language.en": "English",
        "exchange.leadership": "Leadership",
        "exchange.strategy": "Strategy",
        "exchange.network": "Network",
        "exchange.negotiation": "Negotiation",
        "exchange.public-speaking": "Public speaking",
        "exchange.career": "Career advice",
        "done.title": "Thank you, your answer is saved",
        "done.next": "What happens next?",
        "done.again": "You can close this page.",
        "answer.title": "Your answer",
        "answer.already": "This answer had already been saved: nothing was sent twice.",
        "answer.recorded_on": "Answer recorded on {date}.",
        "answer.level": "{label}: {level} – {level_label}",
        "answer.level_target": "{label}: {level} → {target}",
        "answer.goal": "{objective} — {kpi} — {date}",
        "next.matching": (
            "Pairs are formed when the self-assessment period ends. You will get an e-mail "
            "introducing your partner."
        ),
        "next.goals": "If your partner confirms too, the mentee will soon propose your goals.",
        "next.re-pairing": "The coordinators will find you another partner if they can.",
        "next.mentor confirms the goals": "Your mentor will now confirm these goals.",
        "next.sessions": "Sessions go on as planned.",
        "next.next session": "See you at the next session.",
        "next.session_moved": "Session {number} now takes place on {date}.",
        "next.paused_until": "The pair is paused until {date}.",
        "next.sessions continue": "Sessions go on as planned.",
        "next.the pair is complete": "Thank you for taking part in the programme!",
        "next.the pair ends; both of you are told": (
            "The pair ends; both of you will be told by e-mail."
        ),
        "next.the coordinator will contact you confidentially": (
            "The coordinators will contact you confidentially."
        ),
        "page.invalid.title": "This link is not valid",
        "page.invalid.body": (
            "Check that you copied the whole link from your e-mail. If the problem persists, "
            "contact the programme coordinators."
        ),
        "page.expired.title": "This link has expired",
        "page.expired.body": (
            "The time to answer is over. If you still want to answer, contact the programme "
            "coordinators."
        ),
        "page.coordinator": "Programme coordinators: {email}",
        "page.forbidden.title": "This link does not give access to this page",
        "page.forbidden.body": (
            "Use the link from your own e-mail. If in doubt, contact the programme coordinators."
        ),
        "page.not_found.title": "Page not found",
        "page.not_found.body": "This page does not exist, or no longer does.",
        "page.closed.title": "This request is closed",
        "page.closed.body": (
            "It is no longer possible to answer this request. Contact the programme coordinators "
            "if needed."
        ),
        "page.unavailable.title": "Please try again in a moment",
        "page.unavailable.body": (
            "The service is briefly unavailable and your answer could not be saved. Go back to "
            "the previous page and send it again in a few moments."
        ),
        "page.outage.title": "Please try again in a moment",
        "page.outage.body": (
            "The service is briefly unavailable. Reload the page in a few moments: nothing you "
            "have already sent is lost."
        ),
        "page.programme_ended.title": "This programme has ended",
        "page.programme_ended.body": (
            "This link no longer passes messages to the coordinators. To raise a concern, write "
            "to the programme coordinators directly."
        ),
        "page.programme_ended_unsent.title": "Your message was not sent",
        "page.programme_ended_unsent.body": (
            "This programme has ended and this link no longer passes messages on. Your message "
            "is shown below: copy it and write to the programme coordinators directly."
        ),
        "page.unsent_text": "Your message (not sent)",
        "page.error.title": "Something went wrong",
        "page.error.body": (
            "Your request could not be completed. Try again in a moment; if the problem "
            "persists, contact the programme coordinators."
        ),
        "page.csrf.title": "Form expired",
        "date.at": "{date} at {time} (UTC)",
        "outbox.title": "Outbox (demo)",
        "outbox.intro": "The e-mails the demo sent, newest first.",
        "outbox.empty": "No e-mail yet.",
        "outbox.date": "Date",
        "outbox.to": "To",
        "outbox.subject": "Subject",
        "outbox.links": "Links",
        "outbox.back": "Back to the outbox",
        "outbox.html": "HTML version",
        "outbox.text": "Text version",
        "outbox.no_links": "none",
    },
}

# The coordinator's dashboard has its own words (web/dashboard_messages.py), and so have its
# accounts, sign-in and audit trail (web/account_messages.py).
for _locale, _words in (
    ("fr", dashboard_messages.FR),
    ("en", dashboard_messages.EN),
    ("fr", account_messages.FR),
    ("en", account_messages.EN),
):
    MESSAGES[_locale].update(_words)
# So has single sign-on (web/sso_messages.py).
for _locale, _words in (("fr", sso_messages.FR), ("en", sso_messages.EN)):
    MESSAGES[_locale].update(_words)

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


def choose_locale(requested: str | None, participant_locale: str | None) -> str:
    """`?lang=` when it names a locale we have, else the participant's, else French."""
    for candidate in (requested, participant_locale):
        if candidate in LOCALES:
            return str(candidate)
    return DEFAULT_LOCALE


@dataclass(frozen=True)
class Translator:
    locale: str

    def __call__(self, key: str, **values: object) -> str:
        """The message `key` in this locale; a missing key shows itself rather than crash."""
        text = MESSAGES[self.locale].get(key) or MESSAGES[DEFAULT_LOCALE].get(key) or key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in MESSAGES[self.locale]

    def date(self, value: date | datetime | str) -> str:
        """E.g. "lundi 11 janvier 2027" / "Monday 11 January 2027"."""
        return format_date(value, self.locale)

    def moment(self, value: datetime) -> str:
        """A date with its time in UTC: the pages do not know the reader's time zone."""
        return self("date.at", date=self.date(value), time=f"{value:%H:%M}")

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
